/**
 * The audit trail's settings from the environment (sync-server/cli.ts):
 *   JIT_AUDIT_KEY_FILE                   the Ed25519 signing key (generated, mode 0600, on first start);
 *                                        default beside JIT_SECRET_KEY_FILE, else <data dir>/audit-signing.key
 *   JIT_AUDIT_STRICT=1                   refuse to start when the start check finds anything
 *   JIT_AUDIT_CHECKPOINT_EVERY_EVENTS    sign the head once this many events are unsigned (default 1000)
 *   JIT_AUDIT_CHECKPOINT_EVERY_MINUTES   ... or once the oldest unsigned one is this old (default 5)
 *   JIT_AUDIT_BLOCK_SEAL_MINUTES         seal the log's open tail as a block once its first event is this old (default 5)
 */
import type { AuditSettings } from './index.js';
import { auditKeyPath } from './signing-key.js';

function positive(env: NodeJS.ProcessEnv, name: string, whole: boolean): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value > 0) || (whole && !Number.isInteger(value))) throw new Error(`${name} must be ${whole ? 'a whole number' : 'a number'} above 0, got "${raw}"`);
  return value;
}

export function auditSettingsFromEnv(env: NodeJS.ProcessEnv, dataDir: string): AuditSettings {
  const strict = env.JIT_AUDIT_STRICT;
  if (strict !== undefined && strict !== '' && strict !== '0' && strict !== '1') throw new Error(`JIT_AUDIT_STRICT must be 1 or 0, got "${strict}"`);
  const everyEvents = positive(env, 'JIT_AUDIT_CHECKPOINT_EVERY_EVENTS', true);
  const everyMinutes = positive(env, 'JIT_AUDIT_CHECKPOINT_EVERY_MINUTES', false);
  const sealMinutes = positive(env, 'JIT_AUDIT_BLOCK_SEAL_MINUTES', false);
  return {
    keyFile: auditKeyPath(dataDir, env),
    strict: strict === '1',
    ...(everyEvents ? { checkpointEveryEvents: everyEvents } : {}),
    ...(everyMinutes ? { checkpointEveryMinutes: everyMinutes } : {}),
    ...(sealMinutes ? { blockSealMinutes: sealMinutes } : {}),
  };
}
