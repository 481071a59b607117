/**
 * The ticket-check hooks' shared secrets, by name, in a server-only table that never replicates:
 * each encrypted at rest like the connector secrets (../secrets/crypto.ts, sealed to its name). A
 * policy names a secret (`ticketCheck.secretName`); the secret itself is never on the policy, in a
 * console's replica, in a command, or in the configuration file.
 *
 *   npm run secrets -- set-ticket-hook-secret <name>   (the secret on standard input)
 */
import type { MigrationSet, Store } from '../store/types.js';
import { decryptSecret, encryptSecret, envelopeKeyId, SecretKeyError, type SecretKey } from '../secrets/crypto.js';
import { TicketHookSecretName } from '../../core/index.js';

/** Never edit a shipped step; append a new one. */
export const TICKET_HOOK_SECRET_MIGRATIONS: MigrationSet = {
  name: 'ticket-hook-secrets',
  steps: [
    `CREATE TABLE ticket_hook_secrets (
       name TEXT PRIMARY KEY,
       secret TEXT NOT NULL,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );`,
  ],
};

/** Where an envelope belongs (and what its tag is sealed to): a secret copied onto another name does not open. */
export const ticketHookSecretContext = (name: string) => `ticket_hook_secrets/${name}`;

/** A shared secret long enough that guessing it is hopeless (e.g. `openssl rand -hex 32`). */
export const TICKET_HOOK_SECRET_LENGTH = { min: 32, max: 512 } as const;

type Row = { name: string; secret: string; created_at: string; updated_at: string };

const TABLE_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticket_hook_secrets'";

function checkName(name: string): string {
  const parsed = TicketHookSecretName.safeParse(name);
  if (!parsed.success) throw new Error(`ticket-hook secret name ${JSON.stringify(name.slice(0, 64))} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  return parsed.data;
}

/** Stores (or replaces) a secret, encrypted under `key`; audited without the value. */
export function setTicketHookSecret(store: Store, key: SecretKey | undefined, name: string, secret: string, options: { source: string; actorId?: string; now?: () => Date }): void {
  checkName(name);
  if (!key) throw new SecretKeyError('a ticket-hook secret is stored only encrypted: set JIT_SECRET_KEY_FILE (or JIT_SECRET_KEY) to the server\u2019s secrets key');
  if (secret.length < TICKET_HOOK_SECRET_LENGTH.min || secret.length > TICKET_HOOK_SECRET_LENGTH.max) {
    throw new Error(`a ticket-hook secret is ${TICKET_HOOK_SECRET_LENGTH.min} to ${TICKET_HOOK_SECRET_LENGTH.max} characters (e.g. \`openssl rand -hex 32\`), got ${secret.length}`);
  }
  if (/[\r\n]/.test(secret)) throw new Error('a ticket-hook secret is one line');
  store.applyMigrations(TICKET_HOOK_SECRET_MIGRATIONS);
  const at = (options.now ?? (() => new Date()))().toISOString();
  store.tx(() => {
    const existed = store.db.prepare('SELECT 1 FROM ticket_hook_secrets WHERE name = ?').get(name) !== undefined;
    store.db
      .prepare(
        `INSERT INTO ticket_hook_secrets (name, secret, created_at, updated_at) VALUES (@name, @secret, @at, @at)
         ON CONFLICT (name) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at`,
      )
      .run({ name, secret: encryptSecret(secret, key, ticketHookSecretContext(name)), at });
    store.appendAudit({ type: 'ticket_hook.secret_set', actorId: options.actorId ?? 'system', subjectType: 'connector', subjectId: name, data: { change: existed ? 'replaced' : 'added', source: options.source, keyId: key.id }, at });
  });
}

/** Removes a secret (audited); false when none had that name. Hooks naming it then answer "unknown". */
export function deleteTicketHookSecret(store: Store, name: string, options: { source: string; actorId?: string; now?: () => Date }): boolean {
  if (store.db.prepare(TABLE_EXISTS).get() === undefined) return false;
  const at = (options.now ?? (() => new Date()))().toISOString();
  return store.tx(() => {
    const removed = store.db.prepare('DELETE FROM ticket_hook_secrets WHERE name = ?').run(name).changes > 0;
    if (removed) store.appendAudit({ type: 'ticket_hook.secret_removed', actorId: options.actorId ?? 'system', subjectType: 'connector', subjectId: name, data: { source: options.source }, at });
    return removed;
  });
}

/** Whether the server holds a secret of this name (no decryption): a policy may only name one it holds. */
export function hasTicketHookSecret(store: Store, name: string): boolean {
  if (store.db.prepare(TABLE_EXISTS).get() === undefined) return false;
  return store.db.prepare('SELECT 1 FROM ticket_hook_secrets WHERE name = ?').get(name) !== undefined;
}

/** The secret, decrypted in memory; null when there is none of that name. Throws when the key is not the one it is under. */
export function readTicketHookSecret(store: Store, key: SecretKey | undefined, name: string): string | null {
  if (store.db.prepare(TABLE_EXISTS).get() === undefined) return null;
  const row = store.db.prepare('SELECT * FROM ticket_hook_secrets WHERE name = ?').get(name) as Row | undefined;
  if (!row) return null;
  if (!key) throw new SecretKeyError(`ticket-hook secret ${name} is encrypted under key ${envelopeKeyId(row.secret, ticketHookSecretContext(name))}, and the server has no secrets key`);
  return decryptSecret(row.secret, key, ticketHookSecretContext(name));
}

/** Names and the key each is under, decrypting nothing: for `npm run secrets -- status`. */
export function listTicketHookSecrets(store: Store): { name: string; keyId: string; updatedAt: string }[] {
  if (store.db.prepare(TABLE_EXISTS).get() === undefined) return [];
  const rows = store.db.prepare('SELECT * FROM ticket_hook_secrets ORDER BY name').all() as Row[];
  return rows.map((r) => ({ name: r.name, keyId: envelopeKeyId(r.secret, ticketHookSecretContext(r.name)), updatedAt: r.updated_at }));
}
