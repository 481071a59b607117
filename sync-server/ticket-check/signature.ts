/**
 * How a ticket-check call is signed, and how a receiver checks it (docs/decisions/ticket-check-hook.md):
 *
 *   X-JIT-Timestamp: <Unix time in whole seconds, decimal>
 *   X-JIT-Signature: v1=<lower-case hex of HMAC-SHA256(secret, "<timestamp>.<body>")>
 *
 * The key is the shared secret's UTF-8 bytes; the message is the timestamp header's value, a ".",
 * and the request body exactly as sent (UTF-8 JSON). A receiver recomputes the HMAC over the bytes
 * it received, compares in constant time, and refuses a timestamp more than 5 minutes from its
 * clock, so a captured call cannot be replayed later. `verifyTicketCheckSignature` is that
 * receiver's side, used by the test receiver and fit to copy.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-jit-timestamp';
export const SIGNATURE_HEADER = 'x-jit-signature';
/** A receiver refuses calls signed longer ago than this (or this far in the future). */
export const REPLAY_WINDOW_SECONDS = 300;
const VERSION = 'v1';

/** `v1=<hex>`: HMAC-SHA256 keyed with the secret over `${timestamp}.${body}`. */
export function ticketCheckSignature(secret: string, timestamp: string, body: string): string {
  return `${VERSION}=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** The two headers for a body sent at `now`. */
export function signedHeaders(secret: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: ticketCheckSignature(secret, timestamp, body) };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * The receiver's check: the signature is the secret's over this timestamp and body, and the
 * timestamp is within the replay window of `now`. Headers as Node gives them (lower-case names).
 */
export function verifyTicketCheckSignature(input: {
  secret: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  now: Date;
  windowSeconds?: number;
}): SignatureCheck {
  const timestamp = input.headers[TIMESTAMP_HEADER];
  const signature = input.headers[SIGNATURE_HEADER];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `no ${TIMESTAMP_HEADER} header of whole seconds` };
  if (typeof signature !== 'string' || !/^v1=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: `no ${SIGNATURE_HEADER} header of the form v1=<64 hex digits>` };
  const expected = Buffer.from(ticketCheckSignature(input.secret, timestamp, input.body), 'utf8');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'utf8'))) return { ok: false, reason: 'the signature does not match (another secret, or an altered body)' };
  // After the signature: an attacker cannot learn the window from unsigned probes.
  const skew = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  const window = input.windowSeconds ?? REPLAY_WINDOW_SECONDS;
  if (skew > window) return { ok: false, reason: `the call was signed ${skew} s away from now, more than ${window} s: a replay, or a clock that is off` };
  return { ok: true };
}
