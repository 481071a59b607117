import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretKey, SecretKeyError } from '../secrets/crypto.js';
import { rotateSecrets } from '../secrets/rotate.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { deleteOffboardWebhookSecret, offboardWebhookSecretStatus, readOffboardWebhookSecret, setOffboardWebhookSecret } from './webhook-secret.js';

const SECRET = 'offboard-webhook-secret-unit-test-0123456789';
const key = SecretKey.generate();
let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-offboard-secret-'));
  store = openStore({ dataDir: dir });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the offboarding webhook secret in the store', () => {
  it('is stored only encrypted, audited without its value, and refused without the key or with another', () => {
    expect(readOffboardWebhookSecret(store, key)).toBeNull();
    expect(() => setOffboardWebhookSecret(store, undefined, SECRET, { source: 'test' })).toThrow(SecretKeyError);
    expect(() => setOffboardWebhookSecret(store, key, 'short', { source: 'test' })).toThrow(/32 to 512 characters/);
    setOffboardWebhookSecret(store, key, SECRET, { source: 'test' });
    expect(readOffboardWebhookSecret(store, key)).toBe(SECRET);
    expect(offboardWebhookSecretStatus(store)).toEqual({ keyId: key.id, updatedAt: expect.any(String) });
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('\n');
    expect(bytes).not.toContain(SECRET);
    const audit = [...store.auditEvents()].filter((e) => e.type === 'offboard_webhook.secret_set');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0])).not.toContain(SECRET);
    expect(() => readOffboardWebhookSecret(store, undefined)).toThrow(SecretKeyError);
    expect(() => readOffboardWebhookSecret(store, SecretKey.generate())).toThrow();
  });

  it('is re-encrypted by key rotation with the other secrets, and removed on demand', () => {
    setOffboardWebhookSecret(store, key, SECRET, { source: 'test' });
    const next = SecretKey.generate();
    expect(rotateSecrets(store, key, next).reencrypted).toBe(1);
    expect(readOffboardWebhookSecret(store, next)).toBe(SECRET);
    expect(() => readOffboardWebhookSecret(store, key)).toThrow();
    expect(deleteOffboardWebhookSecret(store, { source: 'test' })).toBe(true);
    expect(readOffboardWebhookSecret(store, next)).toBeNull();
    expect(deleteOffboardWebhookSecret(store, { source: 'test' })).toBe(false);
  });
});
