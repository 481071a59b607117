import { describe, expect, it } from 'vitest';
import { makeAuditChain } from '../test-fixtures.js';
import { blockId, checkWitnessed, cutIntoBlocks, verifyBlocks } from './blocks.js';
import { GENESIS_HASH } from './chain.js';
import type { AuditCheckpoint } from './checkpoint.js';
import type { AuditEvent } from './events.js';

const chain = makeAuditChain;

const SEALED = '2026-01-02T00:00:00.000Z';
const checkpoint = (event: AuditEvent): AuditCheckpoint => ({ seq: event.seq, hash: event.hash, at: SEALED, keyId: '0123456789abcdef', signature: 'ab'.repeat(64) });

describe('sealed audit blocks', () => {
  it('cuts a log at multiples of the block size; each block carries its first and last seq, its hash and the previous block\'s', () => {
    const events = chain(25);
    const blocks = cutIntoBlocks(events, SEALED, 10);
    expect(blocks.map((b) => [b.id, b.firstSeq, b.lastSeq])).toEqual([
      [blockId(1), 1, 10],
      [blockId(11), 11, 20],
      [blockId(21), 21, 25],
    ]);
    expect(blocks[0]!.prevHash).toBe(GENESIS_HASH);
    expect(blocks[1]!.prevHash).toBe(blocks[0]!.hash);
    expect(blocks[2]!.hash).toBe(events[24]!.hash);
    // A log that continues after a partial block starts the next one where the size says.
    expect(cutIntoBlocks(events.slice(4, 15), SEALED, 10).map((b) => [b.firstSeq, b.lastSeq])).toEqual([
      [5, 10],
      [11, 15],
    ]);
  });

  it('verifies complete and unaltered up to the last event', () => {
    const verdict = verifyBlocks(cutIntoBlocks(chain(25), SEALED, 10));
    expect(verdict).toMatchObject({ ok: true, blocks: 3, events: 25, problem: null, verifiedUpTo: { seq: 25 } });
  });

  it('finds an edited event, stops there, and vouches only for what is before it', () => {
    const blocks = cutIntoBlocks(chain(25), SEALED, 10);
    const edited = blocks[1]!.events[3]!;
    blocks[1]!.events[3] = { ...edited, data: { seq: 999 } };
    const verdict = verifyBlocks(blocks);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toMatchObject({ kind: 'hash_mismatch', seq: 14, blockId: 'ab-11' });
    expect(verdict.verifiedUpTo.seq).toBe(13);
  });

  it('finds a removed event, a removed block and a block from another history', () => {
    const blocks = cutIntoBlocks(chain(25), SEALED, 10);
    const gap = blocks.map((b) => ({ ...b, events: [...b.events] }));
    gap[0]!.events.splice(4, 1);
    expect(verifyBlocks(gap).problem?.kind).toBe('header');
    expect(verifyBlocks([blocks[0]!, blocks[2]!]).problem).toMatchObject({ kind: 'gap', seq: 11 });
    const other = cutIntoBlocks(chain(25).map((e) => e), SEALED, 10);
    const foreign = { ...other[1]!, prevHash: 'f'.repeat(64) };
    expect(verifyBlocks([blocks[0]!, foreign]).problem).toMatchObject({ kind: 'broken_link', seq: 11 });
  });

  it('a witness finds a checkpoint it saw rewritten, removed or replaced, and nothing when the log extends it', () => {
    const events = chain(30);
    const seen = [checkpoint(events[9]!), checkpoint(events[19]!)];
    const hashOf = (log: AuditEvent[]) => (seq: number) => log.find((e) => e.seq === seq)?.hash ?? null;
    expect(checkWitnessed(seen, hashOf(events), seen)).toEqual([]);
    // Rewritten from event 5 and re-hashed onward: every later hash differs.
    const rewritten = chain(30).map((e) => (e.seq >= 5 ? { ...e, hash: `${e.hash.slice(0, 63)}0` } : e));
    expect(checkWitnessed(seen, hashOf(rewritten)).map((p) => [p.seq, p.kind])).toEqual([
      [10, 'rewritten'],
      [20, 'rewritten'],
    ]);
    expect(checkWitnessed(seen, hashOf(events.slice(0, 15))).map((p) => [p.seq, p.kind])).toEqual([[20, 'removed']]);
    const replaced = [seen[0]!, { ...seen[1]!, signature: 'cd'.repeat(64) }];
    expect(checkWitnessed(seen, hashOf(events), replaced).map((p) => [p.seq, p.kind])).toEqual([[20, 'checkpoint_replaced']]);
  });
});
