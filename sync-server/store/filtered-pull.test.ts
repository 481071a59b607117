import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint, CollectionName, WireDoc } from '../../core/index.js';
import { makeGrant } from '../../core/test-fixtures.js';
import { countAfter, filteredPull, type Candidates } from './filtered-pull.js';
import { openStore } from './sqlite-store.js';
import type { Store } from './types.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-filtered-pull-'));
  store = openStore({ dataDir: dir });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = '2030-01-01T10:00:00.000Z';
const mine = (doc: WireDoc<object>) => ((doc as unknown as { userId?: string }).userId === 'u-me' ? doc : null);

/** Every page from seq 0 to the end, as a replica pulls them (it stops at a short page). */
function pullAll(collection: CollectionName, batchSize: number, show: (doc: WireDoc<object>) => WireDoc<object> | null, candidates?: Candidates) {
  const pages: { ids: string[]; checkpoint: Checkpoint }[] = [];
  let checkpoint: Checkpoint = { seq: 0, id: '' };
  for (;;) {
    const page = filteredPull(store, collection, checkpoint, batchSize, show, candidates);
    pages.push({ ids: page.documents.map((d) => (d as unknown as { id: string }).id), checkpoint: page.checkpoint });
    checkpoint = page.checkpoint;
    if (page.documents.length < batchSize) return pages;
  }
}

describe('filtered pulls through indexed candidates', () => {
  beforeEach(() => {
    store.tx(() => {
      for (let i = 0; i < 40; i++) store.put('grants', makeGrant({ id: `g-${i}`, userId: i % 8 === 0 ? 'u-me' : `u-other-${i}`, updatedAt: at }));
      // Written again later: the newer seq is where it now replicates.
      store.put('grants', makeGrant({ id: 'g-8', userId: 'u-me', revision: 4, updatedAt: at }));
      store.remove('grants', 'g-16');
    });
  });

  it('sends the same documents, in the same order, as reading every row', () => {
    for (const batchSize of [1, 2, 3, 5, 100]) {
      const scanned = pullAll('grants', batchSize, mine).flatMap((p) => p.ids);
      const narrowed = pullAll('grants', batchSize, mine, { field: 'userId', values: ['u-me'] }).flatMap((p) => p.ids);
      expect(narrowed, `batch size ${batchSize}`).toEqual(scanned);
      expect(narrowed).toEqual(['g-0', 'g-24', 'g-32', 'g-8', 'g-16']);
    }
  });

  it('answers a short page with the checkpoint of the last row of the collection, and the same checkpoint when nothing is new', () => {
    const last = store.pull('grants', { seq: 0, id: '' }, 1000).checkpoint;
    const end = pullAll('grants', 100, mine, { field: 'userId', values: ['u-me'] }).at(-1)!;
    expect(end.checkpoint).toEqual(last);
    expect(filteredPull(store, 'grants', last, 100, mine, { field: 'userId', values: ['u-me'] })).toEqual({ documents: [], checkpoint: last });
    // Nothing of the reader's at all: moved past everyone else's rows.
    expect(filteredPull(store, 'grants', { seq: 0, id: '' }, 100, () => null, { field: 'userId', values: [] })).toEqual({ documents: [], checkpoint: last });
  });

  it('moves a full page only to its last candidate, so nothing after it is skipped', () => {
    const [first] = pullAll('grants', 2, mine, { field: 'userId', values: ['u-me'] });
    const g24 = store.pull('grants', { seq: 0, id: '' }, 1000).documents.find((d) => d.id === 'g-24');
    expect(first!.ids).toEqual(['g-0', 'g-24']);
    expect(first!.checkpoint.id).toBe(g24!.id);
  });

  it('reads audit events by subject', () => {
    store.tx(() => {
      for (let i = 0; i < 12; i++) store.appendAudit({ type: 'request.created', actorId: 'u-x', subjectType: 'request', subjectId: i % 4 === 0 ? 'r-mine' : `r-${i}`, at });
    });
    const show = (doc: WireDoc<object>) => ((doc as unknown as { subjectId: string }).subjectId === 'r-mine' ? doc : null);
    const scanned = pullAll('audit', 2, show).flatMap((p) => p.ids);
    expect(pullAll('audit', 2, show, { field: 'subjectId', values: ['r-mine', 'g-none'] }).flatMap((p) => p.ids)).toEqual(scanned);
    expect(scanned).toHaveLength(3);
  });

  it('counts what is left after a checkpoint, tombstones included', () => {
    const all = store.pull('grants', { seq: 0, id: '' }, 1000).documents;
    expect(countAfter(store.db, 'grants', 0)).toBe(all.length);
    expect(countAfter(store.db, 'grants', store.pull('grants', { seq: 0, id: '' }, 10).checkpoint.seq)).toBe(all.length - 10);
    expect(countAfter(store.db, 'audit', 0)).toBe(store.count('audit'));
  });
});
