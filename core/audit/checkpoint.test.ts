import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { sealEvent, GENESIS_HASH } from './chain.js';
import { checkpointMessage, verifyAuditLog, type AuditCheckpoint, type CheckpointKey } from './checkpoint.js';
import type { AuditEvent } from './events.js';
import { emptyLogState, foldEvent, reconcileWithLog } from './reconcile.js';

// A stand-in signature for the pure rules: sha256(key || message), padded to 64 bytes. The real
// Ed25519 check (Node crypto, WebCrypto) is exercised in tests/integration/audit-*.test.ts.
const KEY_ID = '0123456789abcdef';
const fakeSign = (message: Uint8Array, secret = 'k') => bytesToHex(sha256(new Uint8Array([...new TextEncoder().encode(secret), ...message]))).repeat(2);
const key: CheckpointKey = { keyId: KEY_ID, verify: (message, signature) => bytesToHex(signature) === fakeSign(message) };

function chain(n: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const event = sealEvent({ id: `ae-${seq}`, seq, type: 'task.reminded', actorId: 'system', at: '2026-01-01T00:00:00.000Z', subjectType: 'task', subjectId: `t-${seq}`, data: { seq } }, prev);
    events.push(event);
    prev = event.hash;
  }
  return events;
}

const sign = (event: AuditEvent, secret?: string): AuditCheckpoint => {
  const unsigned = { seq: event.seq, hash: event.hash, at: '2026-01-01T00:05:00.000Z', keyId: KEY_ID };
  return { ...unsigned, signature: fakeSign(checkpointMessage(unsigned), secret) };
};

describe('verifyAuditLog', () => {
  it('is ok when every checkpoint verifies and matches, and says how far the log is signed', async () => {
    const events = chain(10);
    const result = await verifyAuditLog(events, [sign(events[3] as AuditEvent), sign(events[7] as AuditEvent)], { keys: [key] });
    expect(result).toMatchObject({ ok: true, events: 10, headSeq: 10, checkpoints: 2, signedUpTo: { seq: 8 }, unsignedTail: 2, problems: [] });
  });

  it('sees a rewrite that re-hashes the chain: the signed hash no longer matches', async () => {
    const events = chain(10);
    const checkpoints = [sign(events[7] as AuditEvent)];
    const rewritten = chain(10).map((e) => e);
    // Re-seal from seq 3 with other data: the chain alone verifies.
    let prev = (rewritten[1] as AuditEvent).hash;
    for (let i = 2; i < rewritten.length; i++) {
      const { hash: _h, prevHash: _p, ...rest } = rewritten[i] as AuditEvent;
      rewritten[i] = sealEvent({ ...rest, data: i === 2 ? { seq: 3, edited: true } : rest.data }, prev);
      prev = (rewritten[i] as AuditEvent).hash;
    }
    const result = await verifyAuditLog(rewritten, checkpoints, { keys: [key] });
    expect(result.chain.ok).toBe(true);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'checkpoint_mismatch', seq: 8, eventId: 'ae-8' })]);
    expect(result.signedUpTo).toBeNull();
  });

  it('sees the last events removed, a forged or foreign signature, and a known checkpoint missing from the store', async () => {
    const events = chain(10);
    const last = sign(events[9] as AuditEvent);
    expect((await verifyAuditLog(events.slice(0, 7), [last], { keys: [key] })).problems).toEqual([expect.objectContaining({ kind: 'truncated', seq: 10 })]);
    expect((await verifyAuditLog(events, [sign(events[9] as AuditEvent, 'other')], { keys: [key] })).problems).toEqual([expect.objectContaining({ kind: 'bad_signature' })]);
    expect((await verifyAuditLog(events, [{ ...last, keyId: 'ffffffffffffffff' }], { keys: [key] })).problems).toEqual([expect.objectContaining({ kind: 'unknown_key' })]);
    const missing = await verifyAuditLog(events, [sign(events[4] as AuditEvent)], { keys: [key], known: [last] });
    expect(missing.problems).toEqual([expect.objectContaining({ kind: 'checkpoint_missing', seq: 10 })]);
    // An async check (WebCrypto's shape) works the same.
    const asyncKey: CheckpointKey = { keyId: KEY_ID, verify: async (m, s) => key.verify(m, s) };
    expect((await verifyAuditLog(events, [last], { keys: [asyncKey] })).ok).toBe(true);
  });

  it('reports an edit without re-hashing as a chain problem first, and no checkpoint past it vouches', async () => {
    const events = chain(10);
    const cp = sign(events[7] as AuditEvent);
    const edited = events.map((e) => (e.seq === 5 ? { ...e, data: { seq: 5, edited: true } } : e));
    const result = await verifyAuditLog(edited, [cp], { keys: [key] });
    expect(result.problems[0]).toMatchObject({ kind: 'chain', seq: 5 });
    expect(result.signedUpTo).toBeNull();
  });
});

describe('reconcileWithLog', () => {
  it('names the account whose roles or disabled mark differ from its last event, and the active grant never provisioned', () => {
    const state = emptyLogState();
    const event = (seq: number, type: AuditEvent['type'], subjectId: string, data: Record<string, unknown>, subjectType: AuditEvent['subjectType'] = 'account') =>
      foldEvent(state, { id: `ae-${seq}`, seq, type, actorId: 'u-admin', at: '2026-01-01T00:00:00.000Z', subjectType, subjectId, data, prevHash: GENESIS_HASH, hash: GENESIS_HASH });
    event(1, 'account.created', 'u-bob', { roles: ['requester'] });
    event(2, 'account.roles_changed', 'u-bob', { before: ['requester'], after: ['requester', 'reviewer'] });
    event(3, 'account.created', 'u-judy', { roles: ['requester'] });
    event(4, 'account.disabled', 'u-judy', {});
    event(5, 'account.password_reset', 'u-judy', { reenabled: true });
    event(6, 'grant.provisioned', 'g-1', {}, 'grant');
    const mismatches = reconcileWithLog(
      state,
      [
        { id: 'u-bob', username: 'bob', roles: ['reviewer', 'requester'], disabled: false },
        { id: 'u-judy', username: 'judy', roles: ['admin'], disabled: true },
        { id: 'u-mallory', username: 'mallory', roles: ['admin'], disabled: false },
      ],
      [
        { id: 'g-1', userId: 'u-bob', resourceId: 'r-1', status: 'active' },
        { id: 'g-2', userId: 'u-bob', resourceId: 'r-2', status: 'active' },
      ],
    );
    expect(mismatches.map((m) => [m.kind, 'accountId' in m ? m.accountId : m.grantId])).toEqual([
      ['account_roles', 'u-judy'],
      ['account_disabled', 'u-judy'],
      ['account_unlogged', 'u-mallory'],
      ['grant_unprovisioned', 'g-2'],
    ]);
  });
});
