import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretIntegrityError, SecretKey, SecretKeyError } from '../secrets/crypto.js';
import { rotateSecrets } from '../secrets/rotate.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { deleteTicketHookSecret, hasTicketHookSecret, listTicketHookSecrets, readTicketHookSecret, setTicketHookSecret } from './secret-store.js';

const SECRET = 'hook-shared-secret-unit-test-0123456789abcdef';
const key = SecretKey.generate();
let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-hook-secrets-'));
  store = openStore({ dataDir: dir });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const fileBytes = () =>
  readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');

describe('ticket-check hook secrets in the store', () => {
  it('are stored only encrypted, read back by name, listed without their values, and audited without them', () => {
    expect(hasTicketHookSecret(store, 'jira-prod')).toBe(false);
    expect(readTicketHookSecret(store, key, 'jira-prod')).toBeNull();
    setTicketHookSecret(store, key, 'jira-prod', SECRET, { source: 'test' });
    expect(hasTicketHookSecret(store, 'jira-prod')).toBe(true);
    expect(readTicketHookSecret(store, key, 'jira-prod')).toBe(SECRET);
    expect(listTicketHookSecrets(store)).toEqual([{ name: 'jira-prod', keyId: key.id, updatedAt: expect.any(String) }]);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileBytes()).not.toContain(SECRET);
    const audit = [...store.auditEvents()].filter((e) => e.type === 'ticket_hook.secret_set');
    expect(audit.map((e) => e.data)).toEqual([{ change: 'added', source: 'test', keyId: key.id }]);
  });

  it('need the key: none refuses to store or read; another key, or a value moved to another name, does not open', () => {
    expect(() => setTicketHookSecret(store, undefined, 'jira-prod', SECRET, { source: 'test' })).toThrow(SecretKeyError);
    setTicketHookSecret(store, key, 'jira-prod', SECRET, { source: 'test' });
    expect(() => readTicketHookSecret(store, undefined, 'jira-prod')).toThrow(/encrypted under key/);
    expect(() => readTicketHookSecret(store, SecretKey.generate(), 'jira-prod')).toThrow(SecretKeyError);
    setTicketHookSecret(store, key, 'other', SECRET.replace('unit', 'copy'), { source: 'test' });
    store.db.prepare("UPDATE ticket_hook_secrets SET secret = (SELECT secret FROM ticket_hook_secrets WHERE name = 'jira-prod') WHERE name = 'other'").run();
    expect(() => readTicketHookSecret(store, key, 'other')).toThrow(SecretIntegrityError);
  });

  it('are long single lines with a plain name', () => {
    expect(() => setTicketHookSecret(store, key, 'jira-prod', 'short', { source: 'test' })).toThrow(/32 to 512 characters/);
    expect(() => setTicketHookSecret(store, key, 'jira-prod', `${SECRET}\nmore`, { source: 'test' })).toThrow(/one line/);
    expect(() => setTicketHookSecret(store, key, 'Jira Prod', SECRET, { source: 'test' })).toThrow(/lower-case letters/);
  });

  it('are re-encrypted by key rotation, and removed by name', () => {
    setTicketHookSecret(store, key, 'jira-prod', SECRET, { source: 'test' });
    const next = SecretKey.generate();
    expect(rotateSecrets(store, key, next)).toMatchObject({ reencrypted: 1 });
    expect(readTicketHookSecret(store, next, 'jira-prod')).toBe(SECRET);
    expect(deleteTicketHookSecret(store, 'jira-prod', { source: 'test' })).toBe(true);
    expect(deleteTicketHookSecret(store, 'jira-prod', { source: 'test' })).toBe(false);
    expect(hasTicketHookSecret(store, 'jira-prod')).toBe(false);
  });
});
