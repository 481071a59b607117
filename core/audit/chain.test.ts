import { describe, expect, it } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashEvent, sealEvent, verifyChain } from './chain.js';
import type { AuditEvent } from './events.js';

function chain(length: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const event = sealEvent(
      {
        id: `ae-${seq}`,
        seq,
        type: seq % 2 ? 'request.created' : 'request.approved',
        actorId: seq % 2 ? 'u-req' : 'u-alice',
        at: new Date(Date.UTC(2025, 2, 1, 10, seq)).toISOString(),
        subjectType: 'request',
        subjectId: `r-${Math.ceil(seq / 2)}`,
        data: { step: seq, nested: { b: 1, a: [1, 2] } },
      },
      prev,
    );
    events.push(event);
    prev = event.hash;
  }
  return events;
}

describe('audit hash chain', () => {
  it('verifies an intact chain and reports its head', () => {
    const events = chain(6);
    expect(verifyChain(events)).toEqual({ ok: true, events: 6, headHash: events[5]?.hash });
    expect(verifyChain([])).toEqual({ ok: true, events: 0, headHash: GENESIS_HASH });
  });

  it('detects an edited event', () => {
    const events = chain(6);
    events[2] = { ...events[2]!, actorId: 'u-mallory' };
    const result = verifyChain(events);
    expect(result).toMatchObject({ ok: false, firstProblem: { seq: 3, eventId: 'ae-3', problem: 'hash_mismatch' } });
    if (!result.ok) expect(result.message).toBe('audit event ae-3 (seq 3) was edited: its content no longer matches its hash');
  });

  it('detects an edit whose hash was recomputed, at the next link', () => {
    const events = chain(6);
    const edited = { ...events[2]!, data: { step: 99 } };
    events[2] = { ...edited, hash: hashEvent(edited) };
    expect(verifyChain(events)).toMatchObject({ ok: false, firstProblem: { seq: 4, problem: 'broken_link' } });
  });

  it('detects a removed event', () => {
    const events = chain(6);
    events.splice(3, 1);
    expect(verifyChain(events)).toMatchObject({ ok: false, firstProblem: { seq: 5, eventId: 'ae-5', problem: 'gap' } });
  });

  it('detects a removed event even when the later sequence numbers were rewritten', () => {
    const events = chain(6);
    events.splice(3, 1);
    const renumbered = events.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyChain(renumbered)).toMatchObject({ ok: false, firstProblem: { problem: 'broken_link' } });
  });

  it('detects reordered events, with or without their sequence numbers swapped', () => {
    const events = chain(6);
    const swapped = [...events];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(verifyChain(swapped)).toMatchObject({ ok: false, firstProblem: { seq: 4, problem: 'gap' } });
    const renumbered = swapped.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(verifyChain(renumbered).ok).toBe(false);
  });

  it('a cut-off tail is seen by comparing the head hash with one recorded earlier', () => {
    const events = chain(6);
    const recordedHead = verifyChain(events).headHash;
    const truncated = verifyChain(events.slice(0, 5));
    expect(truncated.ok).toBe(true);
    expect(truncated.headHash).not.toBe(recordedHead);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order and drops undefined', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, u: undefined };
    const b = { a: { c: 'x', d: [3, { y: 2, z: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('makes the hash independent of key order', () => {
    const [event] = chain(1);
    const reordered = Object.fromEntries(Object.entries(event!).reverse()) as AuditEvent;
    expect(hashEvent(reordered)).toBe(event!.hash);
  });

  it('refuses numbers JSON cannot carry', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson([Infinity])).toThrow(/non-finite/);
  });
});
