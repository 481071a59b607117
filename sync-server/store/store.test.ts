import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain, type Grant } from '../../core/index.js';
import { registerMigrations } from './migrations.js';
import { openStore, StoreValidationError } from './sqlite-store.js';
import type { CommitChange, Store } from './types.js';

const at = '2030-01-01T10:00:00.000Z';
const user = (id: string, extra: Record<string, unknown> = {}) => ({ id, username: id, displayName: `User ${id}`, updatedAt: at, ...extra });

function grant(id: string, status: Grant['status'], expiresAt: string): Grant {
  return {
    id,
    requestId: `r-${id}`,
    userId: 'u1',
    resourceId: 'res1',
    connector: 'entra',
    status,
    approvedAt: at,
    startsAt: at,
    expiresAt,
    provisionedAt: null,
    effectiveAt: null,
    revokeRequestedAt: null,
    revokedAt: null,
    verifiedAt: null,
    endedBy: null,
    endedReason: '',
    extensions: 0,
    maxExtensions: 0,
    maxDurationMinutes: 60,
    latenessMs: null,
    timeToEffectiveMs: null,
    attempts: 0,
    lastError: '',
    verification: 'none',
    updatedAt: at,
    revision: 1,
  };
}

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-store-'));
  store = openStore({ dataDir: dir });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('documents', () => {
  it('validates with the core schema, fills defaults and assigns strictly increasing seqs', () => {
    const a = store.put('users', user('u1'));
    expect(a.roles).toEqual(['requester']);
    store.put('users', user('u2'));
    store.put('users', user('u1', { displayName: 'Renamed' }));
    const pulled = store.pull('users', null, 10);
    expect(pulled.documents.map((d) => d.id)).toEqual(['u2', 'u1']);
    expect(pulled.documents[1]).toMatchObject({ displayName: 'Renamed', _deleted: false });
    expect(pulled.checkpoint.seq).toBe(3);
    expect(store.get('users', 'u1')?.displayName).toBe('Renamed');
  });

  it('names the collection and field of an invalid document', () => {
    expect(() => store.put('users', { ...user('u1'), displayName: '' })).toThrow(StoreValidationError);
    expect(() => store.put('users', { ...user('u1'), displayName: '' })).toThrow(/^users\.displayName: /);
  });

  it('pages by checkpoint and answers the same checkpoint when nothing is new', () => {
    for (let i = 0; i < 7; i++) store.put('users', user(`u${i}`));
    const seen: number[] = [];
    let checkpoint = null;
    for (;;) {
      const page: ReturnType<Store['pull']> = store.pull('users', checkpoint, 3);
      if (page.documents.length === 0) {
        expect(page.checkpoint).toEqual(checkpoint);
        break;
      }
      seen.push(page.checkpoint.seq);
      checkpoint = page.checkpoint;
    }
    expect(seen).toEqual([3, 6, 7]);
  });

  it('tombstones with remove and replicates the deletion', () => {
    store.put('users', user('u1'));
    expect(store.remove('users', 'u1')).toBe(true);
    expect(store.get('users', 'u1')).toBeNull();
    expect(store.remove('users', 'u1')).toBe(false);
    const page = store.pull('users', { seq: 1, id: 'u1' }, 10);
    expect(page.documents).toEqual([expect.objectContaining({ id: 'u1', _deleted: true })]);
  });

  it('serialises a pull page as JSON that reads back as the same page, tombstones and idle checkpoints included', () => {
    store.put('users', user('u1', { displayName: 'Quote " and \\ and \u2028' }));
    store.put('users', user('u2'));
    store.remove('users', 'u1');
    for (const checkpoint of [null, { seq: 1, id: 'u1' }, { seq: 3, id: 'u1' }]) {
      expect(JSON.parse(store.pullJson('users', checkpoint, 10))).toEqual(store.pull('users', checkpoint, 10));
    }
    expect(JSON.parse(store.pullJson('users', null, 10)).documents).toEqual([expect.objectContaining({ id: 'u2', _deleted: false }), expect.objectContaining({ id: 'u1', _deleted: true })]);
  });

  it('lists by indexed status and expiry, by field equality, newest first', () => {
    store.put('grants', grant('g1', 'active', '2030-01-01T10:30:00.000Z'));
    store.put('grants', grant('g2', 'active', '2030-01-01T12:00:00.000Z'));
    store.put('grants', grant('g3', 'revoked', '2030-01-01T09:00:00.000Z'));
    store.put('grants', { ...grant('g4', 'provisioning', '2030-01-01T10:00:00.000Z'), userId: 'u2' });
    const due = store.list('grants', { status: ['active', 'provisioning'], expiresAtOrBefore: '2030-01-01T11:00:00.000Z' });
    expect(due.map((g) => g.id)).toEqual(['g1', 'g4']);
    expect(store.list('grants', { where: { userId: 'u2' } }).map((g) => g.id)).toEqual(['g4']);
    expect(store.list('grants', { order: 'desc', limit: 2 }).map((g) => g.id)).toEqual(['g4', 'g3']);
    expect(store.count('grants', { status: 'active' })).toBe(2);
    // The status/expiry query is served by the index, not a scan.
    const plan = store.db
      .prepare("EXPLAIN QUERY PLAN SELECT doc FROM documents WHERE collection = 'grants' AND status IN ('active') AND expires_at <= '2030'")
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/documents_status_expiry/);
  });
});

describe('transactions and onCommit', () => {
  it('tells listeners after the commit, grouped per collection, last write of each doc only', () => {
    const heard: CommitChange[][] = [];
    store.onCommit((changes) => heard.push([...changes]));
    store.tx(() => {
      store.put('users', user('u1'));
      store.put('users', user('u1', { displayName: 'Second' }));
      store.put('users', user('u2'));
      expect(heard).toHaveLength(0);
    });
    expect(heard).toHaveLength(1);
    const [users] = heard[0] as CommitChange[];
    expect(users?.collection).toBe('users');
    expect(users?.docs.map((d) => [d.id, (d as { displayName: string }).displayName])).toEqual([
      ['u1', 'Second'],
      ['u2', 'User u2'],
    ]);
    expect(users?.checkpoint).toEqual({ seq: 3, id: 'u2' });
  });

  it('rolls back everything, and tells no one, when the function throws', () => {
    const heard: unknown[] = [];
    store.onCommit((c) => heard.push(c));
    expect(() =>
      store.tx(() => {
        store.put('users', user('u1'));
        store.appendAudit({ type: 'account.created', actorId: 'system', subjectType: 'account', subjectId: 'u1', at });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.get('users', 'u1')).toBeNull();
    expect(store.auditHead().seq).toBe(0);
    expect(heard).toHaveLength(0);
  });

  it('a failed nested transaction rolls back only its own writes', () => {
    const heard: CommitChange[][] = [];
    store.onCommit((c) => heard.push([...c]));
    store.tx(() => {
      store.put('users', user('kept'));
      expect(() =>
        store.tx(() => {
          store.put('users', user('dropped'));
          throw new Error('inner');
        }),
      ).toThrow('inner');
    });
    expect(store.get('users', 'kept')).not.toBeNull();
    expect(store.get('users', 'dropped')).toBeNull();
    expect(heard[0]?.[0]?.docs.map((d) => d.id)).toEqual(['kept']);
  });

  it('refuses an async function', () => {
    expect(() => store.tx((async () => 1) as unknown as () => number)).toThrow(/synchronous/);
  });
});

describe('audit chain', () => {
  it('seals each event against the previous hash; the chain verifies; the audit collection replicates it', () => {
    for (let i = 0; i < 5; i++) {
      store.appendAudit({ type: 'policy.changed', actorId: 'u1', subjectType: 'policy', subjectId: `p${i}`, data: { n: i, when: new Date(at) }, at });
    }
    const events = [...store.auditEvents()];
    expect(events.map((e) => e.id)).toEqual(['ae-1', 'ae-2', 'ae-3', 'ae-4', 'ae-5']);
    expect(events[1]?.prevHash).toBe(events[0]?.hash);
    expect(verifyChain(store.auditEvents())).toMatchObject({ ok: true, events: 5, headHash: events[4]?.hash });
    expect(store.pull('audit', { seq: 3, id: 'ae-3' }, 10).documents.map((d) => d.id)).toEqual(['ae-4', 'ae-5']);
    expect(JSON.parse(store.pullJson('audit', { seq: 3, id: 'ae-3' }, 10))).toEqual(store.pull('audit', { seq: 3, id: 'ae-3' }, 10));
    expect(JSON.parse(store.pullJson('audit', null, 2)).documents[1]).toEqual({ ...events[1], _deleted: false });
    expect(store.get('audit', 'ae-2')).toEqual(events[1]);
    expect(() => store.put('audit', events[0] as never)).toThrow(/appendAudit/);
  });

  it('refuses UPDATE and DELETE on audit rows at the database level', () => {
    store.appendAudit({ type: 'policy.changed', actorId: 'u1', subjectType: 'policy', subjectId: 'p', at });
    expect(() => store.db.prepare("UPDATE audit_events SET data = '{}'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
  });

  it('refuses rewriting an event through INSERT OR REPLACE (which skips the DELETE trigger), inserting off the head or off its link', () => {
    const first = store.appendAudit({ type: 'policy.changed', actorId: 'u1', subjectType: 'policy', subjectId: 'p', at });
    const second = store.appendAudit({ type: 'policy.changed', actorId: 'u1', subjectType: 'policy', subjectId: 'q', at });
    const insert = (verb: string, row: Record<string, unknown>) =>
      store.db
        .prepare(`${verb} INTO audit_events (seq, id, type, actor_id, at, subject_type, subject_id, data, prev_hash, hash) VALUES (@seq, @id, @type, @actorId, @at, @subjectType, @subjectId, @data, @prevHash, @hash)`)
        .run({ ...row, data: '{}' });
    // Forging seq 1 in place, with its original link so only the content changes.
    expect(() => insert('INSERT OR REPLACE', { ...first, subjectId: 'forged' })).toThrow(/head of the chain/);
    // Replacing through the unique id: a new seq named like an old event would delete that event.
    expect(() => insert('INSERT OR REPLACE', { ...second, seq: 3, id: first.id, prevHash: second.hash })).toThrow(/head of the chain/);
    // Appending after a gap, or with a link to something other than the head.
    expect(() => insert('INSERT', { ...second, seq: 4, id: 'ae-4', prevHash: second.hash })).toThrow(/head of the chain/);
    expect(() => insert('INSERT', { ...second, seq: 3, id: 'ae-3', prevHash: first.hash })).toThrow(/head of the chain/);
    expect([...store.auditEvents()].map((e) => e.subjectId)).toEqual(['p', 'q']);
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
    // appendAudit itself still appends.
    expect(store.appendAudit({ type: 'policy.changed', actorId: 'u1', subjectType: 'policy', subjectId: 'r', at }).seq).toBe(3);
  });
});

describe('migrations', () => {
  it('applies a set once per data file, also across reopen, and records each step', () => {
    const set = { name: 'extra-test', steps: ['CREATE TABLE extra (id TEXT PRIMARY KEY)', "INSERT INTO extra VALUES ('one')"] };
    store.applyMigrations(set);
    store.applyMigrations(set);
    store.close();
    store = openStore({ dataDir: dir, migrations: [set] });
    expect(store.db.prepare('SELECT COUNT(*) FROM extra').pluck().get()).toBe(1);
    const recorded = store.db.prepare("SELECT number FROM migrations WHERE name = 'extra-test' ORDER BY number").pluck().all();
    expect(recorded).toEqual([1, 2]);
    // A new step appended later runs on the next apply.
    store.applyMigrations({ ...set, steps: [...set.steps, "INSERT INTO extra VALUES ('two')"] });
    expect(store.db.prepare('SELECT COUNT(*) FROM extra').pluck().get()).toBe(2);
  });

  it('registered sets are applied by stores opened afterwards; conflicting registrations throw', () => {
    registerMigrations('registered-test', ['CREATE TABLE registered_thing (x INTEGER)']);
    registerMigrations('registered-test', ['CREATE TABLE registered_thing (x INTEGER)']);
    expect(() => registerMigrations('registered-test', ['CREATE TABLE other (x)'])).toThrow(/already registered/);
    const other = openStore({ dataDir: mkdtempSync(join(tmpdir(), 'jit-store-')) });
    try {
      expect(other.db.prepare('SELECT COUNT(*) FROM registered_thing').pluck().get()).toBe(0);
    } finally {
      other.close();
      rmSync(other.path.replace(/[/\\][^/\\]+$/, ''), { recursive: true, force: true });
    }
  });

  it('uses WAL', () => {
    const db = new Database(store.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('accounts and sessions', () => {
  it('stores accounts with unique case-insensitive usernames and hashed sessions', () => {
    store.createAccount({ id: 'u1', username: 'Alice', passwordHash: 'scrypt$x', roles: ['approver'], createdAt: at });
    expect(store.getAccountByUsername('alice')?.id).toBe('u1');
    expect(() => store.createAccount({ id: 'u2', username: 'ALICE', passwordHash: 'x', roles: ['requester'], createdAt: at })).toThrow(/UNIQUE/);
    expect(store.updateAccount('u1', { disabledAt: at })?.disabledAt).toBe(at);
    store.createSession({ tokenHash: 'h1', accountId: 'u1', createdAt: at, expiresAt: '2030-01-01T11:00:00.000Z' });
    store.createSession({ tokenHash: 'h2', accountId: 'u1', createdAt: at, expiresAt: '2030-01-01T13:00:00.000Z' });
    expect(store.deleteExpiredSessions('2030-01-01T12:00:00.000Z')).toBe(1);
    expect(store.getSession('h1')).toBeNull();
    expect(store.getSession('h2')?.accountId).toBe('u1');
  });
});
