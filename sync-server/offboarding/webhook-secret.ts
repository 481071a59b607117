/**
 * The offboarding webhook's shared secret, held encrypted at rest like the ticket-check hooks' and the
 * connectors' secrets (../secrets/crypto.ts, sealed to its place), in a server-only table. The HR
 * system or IdP holds the same secret and signs each call with it (../signing/signature.ts).
 *
 *   npm run secrets -- set-offboard-webhook-secret   (the secret on standard input)
 */
import type { Store } from '../store/types.js';
import { decryptSecret, encryptSecret, envelopeKeyId, SecretKeyError, type SecretKey } from '../secrets/crypto.js';
import { ensureOffboardingTables } from './migrations.js';

export const OFFBOARD_WEBHOOK_SECRET_CONTEXT = 'offboard_webhook_secret/1';
/** As long as the ticket-check hooks' (e.g. `openssl rand -hex 32`). */
export const OFFBOARD_WEBHOOK_SECRET_LENGTH = { min: 32, max: 512 } as const;

export function setOffboardWebhookSecret(store: Store, key: SecretKey | undefined, secret: string, options: { source: string; actorId?: string; now?: () => Date }): void {
  if (!key) throw new SecretKeyError('the offboarding webhook secret is stored only encrypted: set JIT_SECRET_KEY_FILE (or JIT_SECRET_KEY) to the server\u2019s secrets key');
  if (secret.length < OFFBOARD_WEBHOOK_SECRET_LENGTH.min || secret.length > OFFBOARD_WEBHOOK_SECRET_LENGTH.max) {
    throw new Error(`the offboarding webhook secret is ${OFFBOARD_WEBHOOK_SECRET_LENGTH.min} to ${OFFBOARD_WEBHOOK_SECRET_LENGTH.max} characters (e.g. \`openssl rand -hex 32\`), got ${secret.length}`);
  }
  if (/[\r\n]/.test(secret)) throw new Error('the offboarding webhook secret is one line');
  ensureOffboardingTables(store);
  const at = (options.now ?? (() => new Date()))().toISOString();
  store.tx(() => {
    const existed = store.db.prepare('SELECT 1 FROM offboard_webhook_secret WHERE id = 1').get() !== undefined;
    store.db
      .prepare('INSERT INTO offboard_webhook_secret (id, secret, created_at, updated_at) VALUES (1, @secret, @at, @at) ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at')
      .run({ secret: encryptSecret(secret, key, OFFBOARD_WEBHOOK_SECRET_CONTEXT), at });
    store.appendAudit({ type: 'offboard_webhook.secret_set', actorId: options.actorId ?? 'system', subjectType: 'connector', subjectId: 'offboard-webhook', data: { change: existed ? 'replaced' : 'added', source: options.source, keyId: key.id }, at });
  });
}

/** Removes the secret (audited): the webhook then refuses every call. False when there was none. */
export function deleteOffboardWebhookSecret(store: Store, options: { source: string; actorId?: string; now?: () => Date }): boolean {
  ensureOffboardingTables(store);
  const at = (options.now ?? (() => new Date()))().toISOString();
  return store.tx(() => {
    const removed = store.db.prepare('DELETE FROM offboard_webhook_secret WHERE id = 1').run().changes > 0;
    if (removed) store.appendAudit({ type: 'offboard_webhook.secret_removed', actorId: options.actorId ?? 'system', subjectType: 'connector', subjectId: 'offboard-webhook', data: { source: options.source }, at });
    return removed;
  });
}

/** The secret, decrypted in memory; null when none is set. Throws when the key is not the one it is under. */
export function readOffboardWebhookSecret(store: Store, key: SecretKey | undefined): string | null {
  ensureOffboardingTables(store);
  const row = store.db.prepare('SELECT secret FROM offboard_webhook_secret WHERE id = 1').get() as { secret: string } | undefined;
  if (!row) return null;
  if (!key) throw new SecretKeyError(`the offboarding webhook secret is encrypted under key ${envelopeKeyId(row.secret, OFFBOARD_WEBHOOK_SECRET_CONTEXT)}, and the server has no secrets key`);
  return decryptSecret(row.secret, key, OFFBOARD_WEBHOOK_SECRET_CONTEXT);
}

/** The key the secret is under and when it was set, decrypting nothing: for `npm run secrets -- status`. */
export function offboardWebhookSecretStatus(store: Store): { keyId: string; updatedAt: string } | null {
  ensureOffboardingTables(store);
  const row = store.db.prepare('SELECT secret, updated_at FROM offboard_webhook_secret WHERE id = 1').get() as { secret: string; updated_at: string } | undefined;
  return row ? { keyId: envelopeKeyId(row.secret, OFFBOARD_WEBHOOK_SECRET_CONTEXT), updatedAt: row.updated_at } : null;
}
