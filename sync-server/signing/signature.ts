/**
 * The one way the server signs a call to another system, and checks a call another system signs
 * for it: the ticket-check hook's calls out (docs/decisions/ticket-check-hook.md) and the
 * offboarding webhook's calls in (docs/decisions/offboarding.md).
 *
 *   X-JIT-Timestamp: <Unix time in whole seconds, decimal>
 *   X-JIT-Signature: v1=<lower-case hex of HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * The key is the shared secret's UTF-8 bytes; the message is the timestamp header's value, a ".",
 * and the request body exactly as sent (UTF-8 JSON). A receiver recomputes the HMAC over the bytes
 * it received, compares in constant time, and refuses a timestamp more than 5 minutes from its
 * clock, so a captured call cannot be replayed later (a receiver that must refuse a replay inside
 * the window too remembers the signatures it took: ../offboarding/webhook.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-jit-timestamp';
export const SIGNATURE_HEADER = 'x-jit-signature';
/** A receiver refuses calls signed longer ago than this (or this far in the future). */
export const REPLAY_WINDOW_SECONDS = 300;
const VERSION = 'v1';

/** `v1=<hex>`: HMAC-SHA256 keyed with the secret over `${timestamp}.${body}`. */
export function hmacSignature(secret: string, timestamp: string, body: string): string {
  return `${VERSION}=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** The two headers for a body sent at `now`. */
export function signedHeaders(secret: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: hmacSignature(secret, timestamp, body) };
}

/** `malformed`: headers missing or of the wrong form; `bad_signature`: another secret or an altered call; `stale`: outside the window. */
export type SignatureCheck = { ok: true } | { ok: false; code: 'malformed' | 'bad_signature' | 'stale'; reason: string };

/**
 * The receiver's check: the signature is the secret's over this timestamp and body, and the
 * timestamp is within the replay window of `now`. Headers as Node gives them (lower-case names).
 */
export function verifySignature(input: { secret: string; headers: Record<string, string | string[] | undefined>; body: string; now: Date; windowSeconds?: number }): SignatureCheck {
  const timestamp = input.headers[TIMESTAMP_HEADER];
  const signature = input.headers[SIGNATURE_HEADER];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return { ok: false, code: 'malformed', reason: `no ${TIMESTAMP_HEADER} header of whole seconds` };
  if (typeof signature !== 'string' || !/^v1=[0-9a-f]{64}$/.test(signature)) return { ok: false, code: 'malformed', reason: `no ${SIGNATURE_HEADER} header of the form v1=<64 hex digits>` };
  const expected = Buffer.from(hmacSignature(input.secret, timestamp, input.body), 'utf8');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'utf8'))) return { ok: false, code: 'bad_signature', reason: 'the signature does not match (another secret, or an altered body)' };
  // After the signature: an attacker cannot learn the window from unsigned probes.
  const skew = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  const window = input.windowSeconds ?? REPLAY_WINDOW_SECONDS;
  if (skew > window) return { ok: false, code: 'stale', reason: `the call was signed ${skew} s away from now, more than ${window} s: a replay, or a clock that is off` };
  return { ok: true };
}
