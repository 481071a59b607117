/** The audit trail's settings from the environment: each read as documented, a bad value refused by name. */
import { describe, expect, it } from 'vitest';
import { auditSettingsFromEnv } from './env.js';

describe('audit settings from the environment', () => {
  it('reads the checkpoint and block-seal rules', () => {
    const settings = auditSettingsFromEnv({ JIT_AUDIT_CHECKPOINT_EVERY_EVENTS: '250', JIT_AUDIT_CHECKPOINT_EVERY_MINUTES: '2', JIT_AUDIT_BLOCK_SEAL_MINUTES: '0.5', JIT_AUDIT_STRICT: '1' }, '/tmp/data');
    expect(settings).toMatchObject({ checkpointEveryEvents: 250, checkpointEveryMinutes: 2, blockSealMinutes: 0.5, strict: true });
    expect(auditSettingsFromEnv({}, '/tmp/data')).not.toHaveProperty('blockSealMinutes');
  });

  it('refuses a value that is not a number above 0, naming the variable', () => {
    expect(() => auditSettingsFromEnv({ JIT_AUDIT_BLOCK_SEAL_MINUTES: '0' }, '/tmp/data')).toThrow('JIT_AUDIT_BLOCK_SEAL_MINUTES must be a number above 0, got "0"');
    expect(() => auditSettingsFromEnv({ JIT_AUDIT_BLOCK_SEAL_MINUTES: 'soon' }, '/tmp/data')).toThrow('JIT_AUDIT_BLOCK_SEAL_MINUTES');
    expect(() => auditSettingsFromEnv({ JIT_AUDIT_CHECKPOINT_EVERY_EVENTS: '1.5' }, '/tmp/data')).toThrow('JIT_AUDIT_CHECKPOINT_EVERY_EVENTS must be a whole number above 0');
    expect(() => auditSettingsFromEnv({ JIT_AUDIT_STRICT: 'yes' }, '/tmp/data')).toThrow('JIT_AUDIT_STRICT must be 1 or 0');
  });
});
