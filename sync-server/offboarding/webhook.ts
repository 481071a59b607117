/**
 * POST /api/v1/webhooks/offboard: an HR system or IdP says a person has left (docs/decisions/offboarding.md).
 * Signed as the server signs its own calls out (../signing/signature.ts: X-JIT-Timestamp and
 * X-JIT-Signature v1=HMAC-SHA256 over "<timestamp>.<body>" with the shared secret): refused with a
 * bad or missing signature, a timestamp more than 5 minutes away, or a call already taken (the same
 * signature twice inside the window: a replay). The body names the person by username, mail or
 * directory object id; the offboarding is attributed to the webhook (`webhook:offboard`).
 */
import { z } from 'zod';
import type { DirectoryUser } from '../../core/index.js';
import type { SecretKey } from '../secrets/crypto.js';
import { REPLAY_WINDOW_SECONDS, SIGNATURE_HEADER, verifySignature } from '../signing/signature.js';
import type { Store } from '../store/types.js';
import { ensureOffboardingTables } from './migrations.js';
import { offboardPerson, WEBHOOK_ACTOR_ID, type OffboardOutcome } from './offboard.js';
import { readOffboardWebhookSecret } from './webhook-secret.js';

export const OffboardWebhookBody = z
  .strictObject({
    username: z.string().min(1).max(256).optional(),
    mail: z.string().min(3).max(320).optional(),
    /** The person's object id in a directory (an Entra object id, an AD distinguished name). */
    objectId: z.string().min(1).max(1024).optional(),
    reason: z.string().trim().max(2048).default(''),
    /** The caller's own reference (an HR case, an IdP event id), kept in the audit. */
    reference: z.string().max(256).optional(),
  })
  .refine((b) => [b.username, b.mail, b.objectId].filter((v) => v !== undefined).length === 1, 'name the person by exactly one of username, mail or objectId');
export type OffboardWebhookBody = z.infer<typeof OffboardWebhookBody>;

export type WebhookAnswer =
  | { status: 200; body: { personId: string; outcome: Omit<OffboardOutcome, 'reassigned'> & { reassigned: number } } }
  | { status: 400 | 401 | 404 | 409 | 422; body: { error: { code: 'invalid_input' | 'unauthenticated' | 'not_found' | 'conflict' | 'forbidden'; message: string } } };

const refuse = (status: 400 | 401 | 404 | 409 | 422, code: 'invalid_input' | 'unauthenticated' | 'not_found' | 'conflict' | 'forbidden', message: string): WebhookAnswer => ({ status, body: { error: { code, message } } });

/** The person the body names, or null. Case-insensitive for username and mail; an object id in any directory. */
/**
 * The people the body names (by exactly one of username, mail or object id). Mail is not unique:
 * more than one match is answered as ambiguous, never by offboarding whichever came first.
 */
export function findPeople(store: Store, body: OffboardWebhookBody): DirectoryUser[] {
  const users = store.list('users');
  if (body.username) return users.filter((u) => u.username.toLowerCase() === body.username?.toLowerCase());
  if (body.mail) return users.filter((u) => u.email !== '' && u.email.toLowerCase() === body.mail?.toLowerCase());
  return users.filter((u) => Object.values(u.externalIds as Record<string, string | undefined>).some((id) => id !== undefined && id.toLowerCase() === body.objectId?.toLowerCase()));
}

/**
 * A refused signed call (stale or replayed) is audited at most once per replay window for each
 * reason: a captured call sent again and again must not flood the audit log. The calls refused in
 * between are counted (`suppressed`, carried by the next event; every answer is also counted in
 * jit_http_requests_total by route and status), one small row update each.
 */
function auditRefusal(store: Store, now: Date, data: { why: 'stale' | 'replay' } & Record<string, unknown>): void {
  const row = store.db.prepare('SELECT audited_at, suppressed FROM offboard_webhook_refusals WHERE why = ?').get(data.why) as { audited_at: string; suppressed: number } | undefined;
  if (row && now.getTime() - Date.parse(row.audited_at) < REPLAY_WINDOW_SECONDS * 1000) {
    store.db.prepare('UPDATE offboard_webhook_refusals SET suppressed = suppressed + 1 WHERE why = ?').run(data.why);
    return;
  }
  const at = now.toISOString();
  store.appendAudit({ type: 'offboard_webhook.refused', actorId: WEBHOOK_ACTOR_ID, subjectType: 'connector', subjectId: 'offboard-webhook', data: { ...data, suppressedSinceLast: row?.suppressed ?? 0 }, at });
  store.db
    .prepare('INSERT INTO offboard_webhook_refusals (why, audited_at, suppressed) VALUES (?, ?, 0) ON CONFLICT (why) DO UPDATE SET audited_at = excluded.audited_at, suppressed = 0')
    .run(data.why, at);
}

export function handleOffboardWebhook(deps: { store: Store; secretKey: SecretKey | undefined; now: () => Date }, headers: Record<string, string | string[] | undefined>, rawBody: string): WebhookAnswer {
  const { store } = deps;
  ensureOffboardingTables(store);
  const now = deps.now();
  const secret = readOffboardWebhookSecret(store, deps.secretKey);
  if (!secret) return refuse(401, 'unauthenticated', 'the offboarding webhook has no shared secret on this server (npm run secrets -- set-offboard-webhook-secret)');
  const check = verifySignature({ secret, headers, body: rawBody, now });
  // Unsigned and wrongly signed calls are refused without a write: anyone can send them, and the audit log is no place for their noise.
  if (!check.ok && check.code !== 'stale') return refuse(401, 'unauthenticated', `the call is not signed with the shared secret: ${check.reason}`);
  const signature = String(headers[SIGNATURE_HEADER]);
  const at = now.toISOString();
  if (!check.ok) {
    store.tx(() => auditRefusal(store, now, { why: 'stale', detail: check.reason }));
    return refuse(401, 'unauthenticated', check.reason);
  }
  let body: OffboardWebhookBody;
  try {
    const parsed = OffboardWebhookBody.safeParse(JSON.parse(rawBody));
    if (!parsed.success) return refuse(400, 'invalid_input', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    body = parsed.data;
  } catch {
    return refuse(400, 'invalid_input', 'the body is not JSON');
  }
  return store.tx(() => {
    // Calls seen longer ago than the window are refused as stale anyway: only those inside it are kept.
    store.db.prepare('DELETE FROM offboard_webhook_seen WHERE seen_at < ?').run(new Date(now.getTime() - 2 * REPLAY_WINDOW_SECONDS * 1000).toISOString());
    const seen = store.db.prepare('INSERT INTO offboard_webhook_seen (signature, seen_at) VALUES (?, ?) ON CONFLICT (signature) DO NOTHING').run(signature, at).changes === 0;
    if (seen) {
      auditRefusal(store, now, { why: 'replay', reference: body.reference ?? null });
      return refuse(409, 'conflict', 'this call was already taken (the same signature): a replay is refused; sign each call afresh');
    }
    const found = findPeople(store, body);
    if (found.length > 1) return refuse(409, 'conflict', `${found.length} people match ${body.username ? `username ${body.username}` : body.mail ? `mail ${body.mail}` : `object id ${body.objectId}`}; name one by username or object id`);
    const person = found[0];
    if (!person) return refuse(404, 'not_found', `no person with ${body.username ? `username ${body.username}` : body.mail ? `mail ${body.mail}` : `object id ${body.objectId}`}`);
    const outcome = offboardPerson(store, {
      personId: person.id,
      actorId: WEBHOOK_ACTOR_ID,
      source: 'webhook',
      reason: body.reason || 'the HR system or identity provider says this person has left',
      at,
      detail: { via: 'webhook', reference: body.reference ?? null },
    });
    if (!outcome.ok) return refuse(422, outcome.code === 'forbidden' ? 'forbidden' : 'invalid_input', outcome.message);
    return { status: 200 as const, body: { personId: person.id, outcome: { ...outcome.value, reassigned: outcome.value.reassigned.length } } };
  });
}
