/**
 * Key rotation: every encrypted value in the store is opened with the old key and sealed again under
 * the new one, in one transaction. If any value does not open with the old key, nothing changes.
 * Values already under the new key are left as they are, so running it twice is harmless.
 */
import type { AuditInput, MigrationSet, Store } from '../store/types.js';
import { CONNECTOR_CONFIG_MIGRATIONS, connectorSecretBinding, connectorSecretContext } from './connector-store.js';
import { decryptSecret, encryptSecret, envelopeKeyId, SecretKeyError, type SecretKey } from './crypto.js';
import { authenticatorContext } from '../mfa/mfa-store.js';
import { MFA_MIGRATIONS } from '../mfa/migrations.js';
import { TICKET_HOOK_SECRET_MIGRATIONS, ticketHookSecretContext } from '../ticket-check/secret-store.js';
import { OFFBOARDING_MIGRATIONS } from '../offboarding/migrations.js';
import { OFFBOARD_WEBHOOK_SECRET_CONTEXT } from '../offboarding/webhook-secret.js';

type EncryptedRow = Record<string, unknown> & { rowid: number };

/** A column of encrypted envelopes. Anything new that stores secrets (e.g. notification channels) adds one here. */
export type EncryptedColumn = {
  /** The migration set that creates the table. */
  migrations: MigrationSet;
  table: string;
  column: string;
  context(row: EncryptedRow): string;
  /** What the envelope is bound to; '' when nothing. */
  binding(row: EncryptedRow): string;
  /** The audit event of a re-encrypted row, if the table's changes are audited. */
  audit?(row: EncryptedRow, change: { fromKeyId: string; toKeyId: string }): Omit<AuditInput, 'at'>;
};

export const ENCRYPTED_COLUMNS: readonly EncryptedColumn[] = [
  {
    migrations: CONNECTOR_CONFIG_MIGRATIONS,
    table: 'connector_configs',
    column: 'secrets',
    context: (row) => connectorSecretContext(String(row.id)),
    binding: (row) => connectorSecretBinding({ kind: String(row.kind), settings: String(row.settings) }),
    audit: (row, change) => ({ type: 'connector.configured', actorId: 'system', subjectType: 'connector', subjectId: String(row.id), data: { change: 'key_rotated', ...change } }),
  },
  {
    // Each account's TOTP secret and recovery-code key (two-step verification).
    migrations: MFA_MIGRATIONS,
    table: 'mfa_authenticators',
    column: 'secret',
    context: (row) => authenticatorContext(String(row.account_id)),
    binding: () => '',
  },
  {
    // Each ticket-check hook's shared secret, by name.
    migrations: TICKET_HOOK_SECRET_MIGRATIONS,
    table: 'ticket_hook_secrets',
    column: 'secret',
    context: (row) => ticketHookSecretContext(String(row.name)),
    binding: () => '',
    audit: (row, change) => ({ type: 'ticket_hook.secret_set', actorId: 'system', subjectType: 'connector', subjectId: String(row.name), data: { change: 'key_rotated', ...change } }),
  },
  {
    // The offboarding webhook's shared secret.
    migrations: OFFBOARDING_MIGRATIONS,
    table: 'offboard_webhook_secret',
    column: 'secret',
    context: () => OFFBOARD_WEBHOOK_SECRET_CONTEXT,
    binding: () => '',
    audit: (_row, change) => ({ type: 'offboard_webhook.secret_set', actorId: 'system', subjectType: 'connector', subjectId: 'offboard-webhook', data: { change: 'key_rotated', ...change } }),
  },
];

export type RotationResult = {
  /** Values re-encrypted under the new key. */
  reencrypted: number;
  /** Values that were already under the new key. */
  alreadyNew: number;
  fromKeyId: string;
  toKeyId: string;
};

export function rotateSecrets(store: Store, from: SecretKey, to: SecretKey, options: { now?: () => Date; columns?: readonly EncryptedColumn[] } = {}): RotationResult {
  if (from.id === to.id) throw new SecretKeyError(`the new key is the old key (${from.id}): generate a new one with \`npm run secrets -- generate-key <file>\``);
  const columns = options.columns ?? ENCRYPTED_COLUMNS;
  for (const c of columns) store.applyMigrations(c.migrations);
  const at = (options.now ?? (() => new Date()))().toISOString();
  const result: RotationResult = { reencrypted: 0, alreadyNew: 0, fromKeyId: from.id, toKeyId: to.id };
  store.tx(() => {
    for (const c of columns) {
      // Table and column names come from the list above, never from input. `rowid AS rowid`: a table
      // whose INTEGER PRIMARY KEY aliases the rowid would otherwise answer it under that column's name.
      const rows = store.db.prepare(`SELECT rowid AS rowid, * FROM ${c.table} WHERE ${c.column} IS NOT NULL`).all() as EncryptedRow[];
      const update = store.db.prepare(`UPDATE ${c.table} SET ${c.column} = ? WHERE rowid = ?`);
      for (const row of rows) {
        const envelope = String(row[c.column]);
        const context = c.context(row);
        if (envelopeKeyId(envelope, context) === to.id) {
          result.alreadyNew++;
          continue;
        }
        // Throws (and so rolls everything back) for a value under a third key or one that was altered.
        const plaintext = decryptSecret(envelope, from, context, c.binding(row));
        update.run(encryptSecret(plaintext, to, context, c.binding(row)), row.rowid);
        if (c.audit) store.appendAudit({ ...c.audit(row, { fromKeyId: from.id, toKeyId: to.id }), at });
        result.reencrypted++;
      }
    }
  });
  return result;
}
