/**
 * putMany against put() of each document in turn: two stores seeded alike, the same batch of
 * review items (a campaign's snapshot) written each way, then everything a console could read
 * compared: the rows, the commit changes the live streams send, every pull page at several batch
 * sizes (whole and as JSON), and a reviewer's filtered pull through their per-role view.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReviewCampaign, snapshotCampaign, type Checkpoint, type ReviewItem } from '../../core/index.js';
import { makeGrant } from '../../core/test-fixtures.js';
import { syncViewOf } from '../http/sync-view.js';
import { filteredPull } from './filtered-pull.js';
import { applyMigrationSet, CORE_MIGRATIONS } from './migrations.js';
import { openStore, StoreValidationError } from './sqlite-store.js';
import type { CommitChange, Store } from './types.js';

const at = '2030-01-01T10:00:00.000Z';
const dirs: string[] = [];
const stores: Store[] = [];
function fresh(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'jit-bulk-'));
  dirs.push(dir);
  const store = openStore({ dataDir: dir });
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const campaign = ReviewCampaign.parse({
  id: 'rc-q', campaignId: 'rc-q', kind: 'campaign', name: 'Quarterly', ownerId: 'u-owner',
  scope: { type: 'resources', resourceIds: ['res-a', 'res-b'] },
  reviewed: { standingMembers: false, jitGrants: true, eligibility: false },
  stages: [{ name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'person', userId: 'u-owner' } }],
  schedule: { type: 'once' }, durationDays: 14, status: 'scheduled',
  counts: { items: 0, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 }, createdAt: at, updatedAt: at, revision: 0,
});

/** People, two resources (one owned by Rita, a reviewer), grants, the campaign; an item of an earlier write and a tombstone. */
function seed(store: Store): void {
  store.tx(() => {
    store.put('users', { id: 'u-owner', username: 'owner', displayName: 'Owner', roles: ['reviewer'], updatedAt: at });
    store.put('users', { id: 'u-rita', username: 'rita', displayName: 'Rita', roles: ['reviewer'], updatedAt: at });
    for (let i = 0; i < 30; i++) store.put('users', { id: `u-${i}`, username: `u-${i}`, displayName: `Person ${i}`, updatedAt: at });
    for (const [id, ownerId] of [['res-a', 'u-rita'], ['res-b', 'u-owner']] as const) {
      store.put('resources', { id, name: id, kind: 'entra_group', connector: 'entra', connectorId: 'entra-t', target: { externalId: `ext-${id}` }, ownerId, sensitivity: 'high', policyIds: ['p'], updatedAt: at });
    }
    for (let i = 0; i < 30; i++) store.put('grants', makeGrant({ id: `g-${i}`, userId: `u-${i}`, resourceId: i % 3 === 0 ? 'res-b' : 'res-a', status: 'active', updatedAt: at }));
    store.put('reviews', campaign as never);
  });
}

function items(store: Store): ReviewItem[] {
  const users = store.list('users');
  const byId = new Map(users.map((u) => [u.id, u]));
  const snapshot = snapshotCampaign(campaign, 1, { users: byId, people: byId, groups: new Map(), resources: store.list('resources'), grants: store.list('grants'), profiles: [], standing: [], breakGlassGrantIds: new Set() }, new Date(at), '2030-01-15T10:00:00.000Z');
  // The same item twice in one batch: the second write is the one that stays.
  return [...snapshot, { ...snapshot[4]!, reason: 'written again', revision: 1 }];
}

const rows = (store: Store) => store.db.prepare('SELECT collection, id, seq, doc, deleted FROM documents ORDER BY seq').all();

function pages(store: Store, batchSize: number) {
  const out: { ids: string[]; checkpoint: Checkpoint; json: string }[] = [];
  let checkpoint: Checkpoint | null = null;
  for (;;) {
    const page: { documents: { id: string }[]; checkpoint: Checkpoint } = store.pull('reviews', checkpoint, batchSize);
    out.push({ ids: page.documents.map((d) => d.id), checkpoint: page.checkpoint, json: store.pullJson('reviews', checkpoint, batchSize) });
    checkpoint = page.checkpoint;
    if (page.documents.length < batchSize) return out;
  }
}

function reviewerPages(store: Store, readerId: string, batchSize: number) {
  const view = syncViewOf(store, { id: readerId, roles: ['reviewer'] });
  const out: { docs: unknown[]; checkpoint: Checkpoint }[] = [];
  let checkpoint: Checkpoint = { seq: 0, id: '' };
  for (;;) {
    const page = filteredPull(store, 'reviews', checkpoint, batchSize, (doc) => view.show('reviews', doc), view.candidates('reviews'));
    out.push({ docs: page.documents, checkpoint: page.checkpoint });
    checkpoint = page.checkpoint;
    if (page.documents.length < batchSize) return out;
  }
}

describe('putMany', () => {
  let one: Store;
  let many: Store;
  let heardOne: CommitChange[][];
  let heardMany: CommitChange[][];
  beforeEach(() => {
    one = fresh();
    many = fresh();
    for (const s of [one, many]) seed(s);
    heardOne = [];
    heardMany = [];
    one.onCommit((c) => heardOne.push([...c]));
    many.onCommit((c) => heardMany.push([...c]));
    const batch = items(one);
    expect(batch.length).toBe(31);
    one.tx(() => {
      for (const item of batch) one.put('reviews', item as never);
      one.put('reviews', { ...campaign, status: 'open', revision: 1 } as never);
    });
    many.tx(() => {
      many.putMany('reviews', batch as never[]);
      many.put('reviews', { ...campaign, status: 'open', revision: 1 } as never);
    });
  });

  it('writes the same rows, with the same seqs, as put of each in turn', () => {
    expect(rows(many)).toEqual(rows(one));
    expect((many.get('reviews', items(one)[4]!.id) as ReviewItem).reason).toBe('written again');
  });

  it('tells the live streams the same changes, with the same checkpoints, once it commits', () => {
    expect(heardMany).toEqual(heardOne);
    expect(heardMany).toHaveLength(1);
    const reviews = heardMany[0]!.find((c) => c.collection === 'reviews')!;
    expect(reviews.docs).toHaveLength(31);
  });

  it('answers the same pull pages, whole and as JSON, at every batch size', () => {
    for (const size of [1, 7, 30, 31, 32, 1000]) expect(pages(many, size), `batch ${size}`).toEqual(pages(one, size));
  });

  it("answers a reviewer's filtered pull with the same documents and checkpoints", () => {
    for (const size of [1, 5, 100]) {
      const rita = reviewerPages(many, 'u-rita', size);
      expect(rita, `batch ${size}`).toEqual(reviewerPages(one, 'u-rita', size));
      // Rita reviews res-a's items only (the owner's campaign holds every item for the owner).
      const docs = rita.flatMap((p) => p.docs) as { kind: string; subject?: { resourceId: string } }[];
      expect(docs.filter((d) => d.kind === 'item').every((d) => d.subject?.resourceId === 'res-a')).toBe(true);
      expect(docs.filter((d) => d.kind === 'item')).toHaveLength(20);
      expect(reviewerPages(many, 'u-owner', size)).toEqual(reviewerPages(one, 'u-owner', size));
    }
  });
});

describe('putMany refuses a bad batch whole', () => {
  it('names the document that fails, by position and id, and writes none of them', () => {
    const store = fresh();
    seed(store);
    const batch = items(store);
    const before = rows(store);
    const bad = [...batch.slice(0, 3), { ...batch[3]!, subject: { ...batch[3]!.subject, resourceId: '' } }, ...batch.slice(4)];
    let heard = 0;
    store.onCommit(() => heard++);
    expect(() => store.tx(() => store.putMany('reviews', bad as never[]))).toThrow(StoreValidationError);
    expect(() => store.tx(() => store.putMany('reviews', bad as never[]))).toThrow(`reviews.subject.resourceId: must not be empty (document 4 of 31, id ${batch[3]!.id})`);
    expect(rows(store)).toEqual(before);
    expect(heard).toBe(0);
    expect(() => store.putMany('audit', [] as never[])).toThrow('appendAudit');
  });
});

describe('documents table layout (core migration 6)', () => {
  it('moves a data file written under the WITHOUT ROWID layout to the rowid table, rows, seqs and pulls unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-bulk-old-'));
    dirs.push(dir);
    // A file as a server before migration 6 left it.
    const old = new Database(join(dir, 'jit.sqlite'));
    old.pragma('journal_mode = WAL');
    applyMigrationSet(old, { name: 'core', steps: CORE_MIGRATIONS.steps.slice(0, 5) });
    const insert = old.prepare('INSERT INTO documents (collection, id, seq, doc, deleted) VALUES (?, ?, ?, ?, ?)');
    for (let i = 1; i <= 20; i++) insert.run('grants', `g-${i}`, i, JSON.stringify(makeGrant({ id: `g-${i}`, status: i % 2 ? 'active' : 'verified', updatedAt: at })), i === 7 ? 1 : 0);
    const before = old.prepare('SELECT collection, id, seq, doc, deleted FROM documents ORDER BY seq').all();
    expect(old.prepare("SELECT sql FROM sqlite_master WHERE name = 'documents'").pluck().get()).toContain('WITHOUT ROWID');
    old.close();

    const store = openStore({ dataDir: dir });
    stores.push(store);
    expect(store.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'documents'").pluck().get()).not.toContain('WITHOUT ROWID');
    expect(rows(store)).toEqual(before);
    const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(indexes).toEqual(['documents_collection_seq', 'documents_grant', 'documents_requester', 'documents_resource', 'documents_seq', 'documents_status_expiry', 'documents_step_due', 'documents_user']);
    // Ten active, one of them (g-7) a tombstone.
    expect(store.count('grants', { status: 'active' })).toBe(9);
    expect(store.pull('grants', null, 100).checkpoint).toEqual({ seq: 20, id: 'g-20' });
    // Writes go on from the same counter; (collection, id) is still the key an upsert meets.
    store.tx(() => store.put('grants', makeGrant({ id: 'g-3', status: 'revoked', updatedAt: at })));
    expect(store.pull('grants', { seq: 20, id: 'g-20' }, 10).documents.map((d) => [d.id, d.status])).toEqual([['g-3', 'revoked']]);
    expect(store.count('grants')).toBe(19);
  });
});
