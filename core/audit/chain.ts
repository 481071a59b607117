import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { AuditEvent } from './events.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number in audit data');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export type UnhashedEvent = Omit<AuditEvent, 'hash'>;

/** hash = sha256(canonical JSON of every field but the hash itself, prevHash included). */
export function hashEvent(event: UnhashedEvent): string {
  const { hash: _ignored, ...rest } = event as AuditEvent;
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(rest))));
}

export function sealEvent(event: Omit<AuditEvent, 'hash' | 'prevHash'>, prevHash: string): AuditEvent {
  const unhashed: UnhashedEvent = { ...event, prevHash };
  return { ...unhashed, hash: hashEvent(unhashed) };
}

export type ChainProblem = { seq: number; eventId: string; problem: 'hash_mismatch' | 'broken_link' | 'gap' };

export type ChainVerification =
  | { ok: true; events: number; headHash: string }
  | { ok: false; events: number; headHash: string; firstProblem: ChainProblem; message: string };

/** Where a log whose older events were archived starts: the last archived event's seq and hash. */
export type ChainAnchor = { seq: number; hash: string };

/**
 * Walks events in seq order. Detects an edited event (its hash no longer matches), a removed one
 * (a seq gap or a prevHash that does not match the previous hash) and a reordered one. With an
 * anchor the first event must follow it (the prefix up to it is in an archive).
 */
export function verifyChain(events: Iterable<AuditEvent>, from?: ChainAnchor): ChainVerification {
  let prevHash = from?.hash ?? GENESIS_HASH;
  let expectedSeq = (from?.seq ?? 0) + 1;
  let count = 0;
  for (const event of events) {
    count++;
    const fail = (problem: ChainProblem['problem'], message: string): ChainVerification => ({
      ok: false,
      events: count,
      headHash: prevHash,
      firstProblem: { seq: event.seq, eventId: event.id, problem },
      message,
    });
    if (event.seq !== expectedSeq) {
      return fail('gap', `audit event ${event.id}: expected sequence ${expectedSeq} but found ${event.seq}; events were removed`);
    }
    if (event.prevHash !== prevHash) {
      return fail('broken_link', `audit event ${event.id} (seq ${event.seq}) does not link to the previous event; the chain was altered`);
    }
    if (hashEvent(event) !== event.hash) {
      return fail('hash_mismatch', `audit event ${event.id} (seq ${event.seq}) was edited: its content no longer matches its hash`);
    }
    prevHash = event.hash;
    expectedSeq++;
  }
  return { ok: true, events: count, headHash: prevHash };
}
