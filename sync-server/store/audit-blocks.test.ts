/**
 * The stored block boundaries against a real SQLite file: a full block seals in the transaction of
 * its last event, and the commit says so; the time rule seals a tail whose first event is old
 * enough, and only then; a transaction that fails seals nothing; and a file from before the
 * boundaries were stored gets the blocks its replicas already hold (every full run from a multiple
 * of the block size), then goes on from them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_BLOCK_SIZE } from '../../core/index.js';
import { lastSealedSeq } from './audit-blocks.js';
import { openStore } from './sqlite-store.js';
import type { CommitChange, Store } from './types.js';

const dirs: string[] = [];
const stores: Store[] = [];
function fresh(dir = mkdtempSync(join(tmpdir(), 'jit-blocks-'))): Store {
  if (!dirs.includes(dir)) dirs.push(dir);
  const store = openStore({ dataDir: dir });
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = Date.parse('2026-10-01T09:00:00.000Z');
const append = (store: Store, count: number, atMs = T0) =>
  store.tx(() => {
    for (let i = 0; i < count; i++) store.appendAudit({ type: 'task.reminded', actorId: 'system', subjectType: 'task', subjectId: `t-${i % 5}`, data: { i }, at: new Date(atMs).toISOString() });
  });
const ranges = (store: Store) => store.db.prepare('SELECT first_seq, last_seq FROM audit_blocks ORDER BY first_seq').raw().all();

describe('stored audit block boundaries', () => {
  it('seals a full block in the transaction of its last event and tells the commit listeners', () => {
    const store = fresh();
    const heard: CommitChange[][] = [];
    store.onCommit((changes) => heard.push([...changes]));
    append(store, AUDIT_BLOCK_SIZE - 1);
    expect(ranges(store)).toEqual([]);
    expect(heard.at(-1)!.find((c) => c.collection === 'audit')!.sealed).toBeUndefined();
    append(store, 3);
    expect(ranges(store)).toEqual([[1, AUDIT_BLOCK_SIZE]]);
    expect(heard.at(-1)!.find((c) => c.collection === 'audit')).toMatchObject({ sealed: [{ firstSeq: 1, lastSeq: AUDIT_BLOCK_SIZE }], checkpoint: { seq: AUDIT_BLOCK_SIZE + 2 } });
  });

  it('seals the tail by time only once its first event is old enough, and a failed transaction seals nothing', () => {
    const store = fresh();
    const heard: CommitChange[][] = [];
    store.onCommit((changes) => heard.push([...changes]));
    append(store, 4);
    const fiveMinutes = 5 * 60_000;
    expect(store.sealAuditTail(new Date(T0 + fiveMinutes - 1), fiveMinutes)).toBeNull();
    expect(() =>
      store.tx(() => {
        store.sealAuditTail(new Date(T0 + fiveMinutes), fiveMinutes);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(ranges(store)).toEqual([]);
    heard.length = 0;
    const block = store.sealAuditTail(new Date(T0 + fiveMinutes), fiveMinutes);
    expect(block).toEqual({ firstSeq: 1, lastSeq: 4, sealedAt: new Date(T0 + fiveMinutes).toISOString() });
    // A commit that only seals: no documents, the block's end as its checkpoint.
    expect(heard).toEqual([[{ collection: 'audit', docs: [], checkpoint: { seq: 4, id: 'ae-4' }, sealed: [block] }]]);
    expect(store.sealAuditTail(new Date(T0 + 10 * fiveMinutes), fiveMinutes)).toBeNull();
    // The next full block counts from the event after it.
    append(store, AUDIT_BLOCK_SIZE, T0 + 2 * fiveMinutes);
    expect(ranges(store)).toEqual([
      [1, 4],
      [5, AUDIT_BLOCK_SIZE + 4],
    ]);
  });

  it('gives a file from before stored boundaries the blocks its replicas already hold, then goes on from them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-blocks-old-'));
    const first = fresh(dir);
    append(first, 2 * AUDIT_BLOCK_SIZE + 500);
    // As a server before core migration 7 left the file.
    first.db.exec('DROP TABLE audit_blocks');
    first.db.prepare("DELETE FROM migrations WHERE name = 'core' AND number = 7").run();
    first.close();

    const store = fresh(dir);
    expect(ranges(store)).toEqual([
      [1, AUDIT_BLOCK_SIZE],
      [AUDIT_BLOCK_SIZE + 1, 2 * AUDIT_BLOCK_SIZE],
    ]);
    expect(store.db.prepare('SELECT sealed_at FROM audit_blocks WHERE first_seq = 1').pluck().get()).toBe(new Date(T0).toISOString());
    append(store, 500);
    expect(lastSealedSeq(store.db)).toBe(3 * AUDIT_BLOCK_SIZE);
    // Its guards are in place.
    expect(() => store.db.exec('DELETE FROM audit_blocks')).toThrow('append-only');
  });
});
