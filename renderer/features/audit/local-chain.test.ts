import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeAuditChain } from '../../../core/test-fixtures.js';
import { GENESIS_HASH, sealEvent } from '../../../core/audit/chain.js';
import { checkpointMessage, keyIdOf } from '../../../core/audit/checkpoint.js';
import type { AuditEvent } from '../../../core/index.js';
import { checkLocalChain } from './local-chain.js';

const chain = makeAuditChain;

describe("this device's copy of the audit log, checked offline", () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  const key = { keyId: keyIdOf(raw), publicKey: Buffer.from(raw).toString('base64') };
  const signedAt = (event: AuditEvent) => {
    const unsigned = { seq: event.seq, hash: event.hash, at: '2026-01-01T01:00:00.000Z', keyId: key.keyId };
    return { ...unsigned, signature: sign(null, checkpointMessage(unsigned), privateKey).toString('hex') };
  };
  const events = chain(2500);

  it('complete and unaltered up to the last event, signed up to the latest checkpoint it holds', async () => {
    // Held out of order and partly twice (a block and its events held singly): each counts once.
    const held = [...events.slice(2000), ...events.slice(0, 2100)];
    const verdict = await checkLocalChain(held, { checkpoints: [signedAt(events[999]!), signedAt(events[1999]!)], publicKey: key });
    expect(verdict.tone).toBe('success');
    expect(verdict.text).toMatch(/^Complete and unaltered up to event 2,500 \(2,500 events re-hashed on this device\); signed by the server up to event 2,000 at /);
  });

  it('an event edited on this device breaks the chain there', async () => {
    const edited = events.map((e) => (e.seq === 1234 ? { ...e, data: { seq: 'changed' } } : e));
    const verdict = await checkLocalChain(edited, { checkpoints: [signedAt(events[999]!)], publicKey: key });
    expect(verdict.tone).toBe('danger');
    expect(verdict.text).toContain('only up to event 1,233');
    expect(verdict.text).toContain('event 1234');
  });

  it('a history re-hashed from an edit no longer holds the event the server signed', async () => {
    let prev = GENESIS_HASH;
    const rewritten = events.map((e) => {
      const next = sealEvent({ id: e.id, seq: e.seq, type: e.type, actorId: e.actorId, at: e.at, subjectType: e.subjectType, subjectId: e.subjectId, data: e.seq === 10 ? { seq: 'rewritten' } : e.data }, prev);
      prev = next.hash;
      return next;
    });
    const verdict = await checkLocalChain(rewritten, { checkpoints: [signedAt(events[999]!)], publicKey: key });
    expect(verdict).toMatchObject({ tone: 'danger' });
    expect(verdict.text).toContain('Event 1,000 on this device is not the event the server signed');
  });

  it('says what it cannot tie to the key: no checkpoint yet, a forged signature, a copy that starts later', async () => {
    expect((await checkLocalChain(events, { checkpoints: [], publicKey: key })).tone).toBe('warning');
    const forged = { ...signedAt(events[999]!), signature: 'ab'.repeat(64) };
    expect((await checkLocalChain(events, { checkpoints: [forged], publicKey: key })).tone).toBe('danger');
    expect((await checkLocalChain(events.slice(500), { checkpoints: [], publicKey: key })).text).toContain('starts at event 501');
    expect((await checkLocalChain([], { checkpoints: [], publicKey: key })).tone).toBe('warning');
  });
});
