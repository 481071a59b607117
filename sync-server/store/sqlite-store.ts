import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  AccountRole,
  AuditEvent,
  GENESIS_HASH,
  sealEvent,
  type Checkpoint,
  type CollectionDoc,
  type CollectionName,
  type PullResponse,
} from '../../core/index.js';
import { sealIfFull, sealStaleTail, type SealedBlockRange } from './audit-blocks.js';
import { auditEventFromRow, auditEventJsonFromRow, readAuditEvents, type AuditRow } from './audit-rows.js';
import { writeMany, type PendingChange } from './bulk-write.js';
import { filterSql, fromClause } from './list-filter.js';
import { applyMigrationSet, CORE_MIGRATIONS, registeredMigrations } from './migrations.js';
import { validated } from './validate.js';
import type {
  AccountRecord,
  AuditInput,
  CollectionInput,
  CommitChange,
  CommitListener,
  ListFilter,
  MigrationSet,
  SessionRecord,
  Store,
} from './types.js';

export { auditEventFromRow, readAuditEvents } from './audit-rows.js';
export { StoreValidationError } from './validate.js';

export const STORE_FILE_NAME = 'jit.sqlite';

export type OpenStoreOptions = {
  /** Directory holding jit.sqlite; created if missing. */
  dataDir: string;
  /** Extra migration sets applied after the core and registered ones. */
  migrations?: readonly MigrationSet[];
  /** Called when an onCommit listener throws (it never breaks the committing code). */
  onListenerError?: (error: unknown) => void;
};

type AccountRow = { id: string; username: string; password_hash: string; roles: string; created_at: string; disabled_at: string | null };

/**
 * A stored document's JSON object text with `_deleted` set. Appended last, it wins over any
 * `_deleted` already in the text, as the spread in pull() does.
 */
function withDeletedFlag(docJson: string, deleted: boolean): string {
  // Stored by JSON.stringify of an object: `{...}` without surrounding whitespace.
  if (docJson.charCodeAt(docJson.length - 1) !== 0x7d) throw new Error(`stored document is not a JSON object: ${docJson.slice(0, 60)}`);
  const open = docJson.slice(0, -1);
  return open === '{' ? `{"_deleted":${deleted}}` : `${open},"_deleted":${deleted}}`;
}

function accountFromRow(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    roles: AccountRole.array().parse(JSON.parse(row.roles)),
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

export function openStore(options: OpenStoreOptions): Store {
  mkdirSync(options.dataDir, { recursive: true });
  const path = resolve(join(options.dataDir, STORE_FILE_NAME));
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');

  applyMigrationSet(db, CORE_MIGRATIONS);
  for (const set of registeredMigrations()) applyMigrationSet(db, set);
  for (const set of options.migrations ?? []) applyMigrationSet(db, set);
  // Table statistics let the planner pick the status/expiry and field indexes over a scan of the
  // whole collection; bounded so it stays cheap on large files.
  db.pragma('analysis_limit = 1000');
  db.pragma('optimize = 0x10002');

  return new SqliteStore(db, path, options.onListenerError);
}

class SqliteStore implements Store {
  private depth = 0;
  private pending: PendingChange[] = [];
  private pendingSealed: SealedBlockRange[] = [];
  private readonly listeners = new Set<CommitListener>();
  private readonly stmts;

  constructor(
    readonly db: Database.Database,
    readonly path: string,
    private readonly onListenerError: ((error: unknown) => void) | undefined,
  ) {
    this.stmts = {
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM documents').pluck(),
      get: db.prepare('SELECT doc FROM documents WHERE collection = ? AND id = ? AND deleted = 0').pluck(),
      getAny: db.prepare('SELECT doc, deleted FROM documents WHERE collection = ? AND id = ?'),
      upsert: db.prepare(
        `INSERT INTO documents (collection, id, seq, doc, deleted) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, doc = excluded.doc, deleted = excluded.deleted`,
      ),
      pull: db.prepare('SELECT seq, id, doc, deleted FROM documents WHERE collection = ? AND seq > ? ORDER BY seq LIMIT ?'),
      auditHead: db.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1'),
      auditInsert: db.prepare(
        `INSERT INTO audit_events (seq, id, type, actor_id, at, subject_type, subject_id, data, prev_hash, hash)
         VALUES (@seq, @id, @type, @actorId, @at, @subjectType, @subjectId, @data, @prevHash, @hash)`,
      ),
      auditById: db.prepare('SELECT * FROM audit_events WHERE id = ?'),
      auditPull: db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?'),
      auditCount: db.prepare('SELECT COUNT(*) FROM audit_events').pluck(),
      accountInsert: db.prepare(
        'INSERT INTO accounts (id, username, password_hash, roles, created_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      accountById: db.prepare('SELECT * FROM accounts WHERE id = ?'),
      accountByUsername: db.prepare('SELECT * FROM accounts WHERE username = ?'),
      accountsAll: db.prepare('SELECT * FROM accounts ORDER BY username'),
      sessionInsert: db.prepare('INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      sessionGet: db.prepare('SELECT token_hash, account_id, created_at, expires_at FROM sessions WHERE token_hash = ?'),
      sessionDelete: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
      sessionsExpired: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    };
  }

  tx<T>(fn: () => T): T {
    const outermost = this.depth === 0;
    const mark = this.pending.length;
    const sealedMark = this.pendingSealed.length;
    this.depth++;
    let result: T;
    try {
      const run = this.db.transaction(() => {
        const value = fn();
        if (value instanceof Promise) throw new Error('store.tx needs a synchronous function');
        return value;
      });
      result = outermost ? run.immediate() : run();
    } catch (error) {
      this.pending.length = mark;
      this.pendingSealed.length = sealedMark;
      throw error;
    } finally {
      this.depth--;
    }
    if (outermost) this.flush();
    return result;
  }

  private flush(): void {
    if (this.pending.length === 0 && this.pendingSealed.length === 0) return;
    const pending = this.pending;
    const sealed = this.pendingSealed;
    this.pending = [];
    this.pendingSealed = [];
    // Keep only the last write of each document, grouped by collection in seq order.
    const latest = new Map<string, PendingChange>();
    for (const change of pending) latest.set(`${change.collection}\u0000${change.id}`, change);
    const byCollection = new Map<CollectionName, PendingChange[]>();
    for (const change of [...latest.values()].sort((a, b) => a.seq - b.seq)) {
      const list = byCollection.get(change.collection) ?? [];
      list.push(change);
      byCollection.set(change.collection, list);
    }
    const changes: CommitChange[] = [...byCollection].map(([collection, list]) => {
      const last = list[list.length - 1] as PendingChange;
      return { collection, docs: list.map((c) => c.doc) as CommitChange['docs'], checkpoint: { seq: last.seq, id: last.id } };
    });
    if (sealed.length > 0) {
      const audit = changes.find((c) => c.collection === 'audit');
      const end = sealed[sealed.length - 1] as SealedBlockRange;
      if (audit) audit.sealed = sealed;
      else changes.push({ collection: 'audit', docs: [], checkpoint: { seq: end.lastSeq, id: `ae-${end.lastSeq}` }, sealed });
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(changes);
      } catch (error) {
        this.onListenerError?.(error);
      }
    }
  }

  get<C extends CollectionName>(collection: C, id: string): CollectionDoc<C> | null {
    if (collection === 'audit') {
      const row = this.stmts.auditById.get(id) as AuditRow | undefined;
      return row ? (auditEventFromRow(row) as CollectionDoc<C>) : null;
    }
    const json = this.stmts.get.get(collection, id) as string | undefined;
    return json === undefined ? null : (JSON.parse(json) as CollectionDoc<C>);
  }

  put<C extends CollectionName>(collection: C, doc: CollectionInput<C>): CollectionDoc<C> {
    if (collection === 'audit') throw new Error('audit events are appended with appendAudit, never put');
    const value = validated(collection, doc);
    this.write(collection, value.id, value, false);
    return value;
  }

  putMany<C extends CollectionName>(collection: C, docs: readonly CollectionInput<C>[]): CollectionDoc<C>[] {
    if (collection === 'audit') throw new Error('audit events are appended with appendAudit, never put');
    return this.tx(() => writeMany({ upsert: this.stmts.upsert, maxSeq: () => this.stmts.maxSeq.get() as number, pending: this.pending }, collection, docs));
  }

  remove(collection: CollectionName, id: string): boolean {
    if (collection === 'audit') throw new Error('audit events are append-only');
    const row = this.stmts.getAny.get(collection, id) as { doc: string; deleted: number } | undefined;
    if (!row || row.deleted) return false;
    this.write(collection, id, JSON.parse(row.doc) as object, true);
    return true;
  }

  private write(collection: CollectionName, id: string, doc: object, deleted: boolean): void {
    this.tx(() => {
      const seq = (this.stmts.maxSeq.get() as number) + 1;
      this.stmts.upsert.run(collection, id, seq, JSON.stringify(doc), deleted ? 1 : 0);
      this.pending.push({ collection, id, seq, doc: { ...doc, _deleted: deleted } });
    });
  }

  list<C extends CollectionName>(collection: C, filter: ListFilter = {}): CollectionDoc<C>[] {
    if (collection === 'audit') {
      const all = [...this.auditEvents()];
      const ordered = filter.order === 'desc' ? all.reverse() : all;
      return (filter.limit ? ordered.slice(0, filter.limit) : ordered) as CollectionDoc<C>[];
    }
    const { sql, params } = filterSql(collection, filter);
    const order = filter.order === 'desc' ? 'DESC' : 'ASC';
    const limit = filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : '';
    const rows = this.db.prepare(`SELECT doc FROM ${fromClause(filter)} WHERE ${sql} ORDER BY seq ${order}${limit}`).pluck().all(...params) as string[];
    return rows.map((json) => JSON.parse(json) as CollectionDoc<C>);
  }

  count(collection: CollectionName, filter: ListFilter = {}): number {
    if (collection === 'audit') return this.stmts.auditCount.get() as number;
    const { sql, params } = filterSql(collection, filter);
    return this.db.prepare(`SELECT COUNT(*) FROM ${fromClause(filter)} WHERE ${sql}`).pluck().get(...params) as number;
  }

  pullJson(collection: CollectionName, checkpoint: Checkpoint | null, batchSize: number): string {
    const after = checkpoint?.seq ?? 0;
    const limit = Math.max(1, Math.floor(batchSize));
    // The stored JSON text is spliced in as it is: parsing it only to serialise it again was most
    // of the server's cost of a first sync.
    let documents: string[];
    let last: { seq: number; id: string } | undefined;
    if (collection === 'audit') {
      const rows = this.stmts.auditPull.all(after, limit) as AuditRow[];
      documents = rows.map(auditEventJsonFromRow);
      last = rows[rows.length - 1];
    } else {
      const rows = this.stmts.pull.all(collection, after, limit) as { seq: number; id: string; doc: string; deleted: number }[];
      documents = rows.map((row) => withDeletedFlag(row.doc, row.deleted === 1));
      last = rows[rows.length - 1];
    }
    const next: Checkpoint = last ? { seq: last.seq, id: last.id } : (checkpoint ?? { seq: 0, id: '' });
    return `{"documents":[${documents.join(',')}],"checkpoint":${JSON.stringify({ seq: next.seq, id: next.id })}}`;
  }

  pull<C extends CollectionName>(collection: C, checkpoint: Checkpoint | null, batchSize: number): PullResponse<CollectionDoc<C>> {
    const after = checkpoint?.seq ?? 0;
    const limit = Math.max(1, Math.floor(batchSize));
    if (collection === 'audit') {
      const rows = this.stmts.auditPull.all(after, limit) as AuditRow[];
      const documents = rows.map((row) => ({ ...auditEventFromRow(row), _deleted: false }));
      const last = documents[documents.length - 1];
      return {
        documents: documents as unknown as PullResponse<CollectionDoc<C>>['documents'],
        checkpoint: last ? { seq: last.seq, id: last.id } : (checkpoint ?? { seq: 0, id: '' }),
      };
    }
    const rows = this.stmts.pull.all(collection, after, limit) as { seq: number; id: string; doc: string; deleted: number }[];
    const documents = rows.map((row) => ({ ...(JSON.parse(row.doc) as object), _deleted: row.deleted === 1 }));
    const last = rows[rows.length - 1];
    return {
      documents: documents as PullResponse<CollectionDoc<C>>['documents'],
      checkpoint: last ? { seq: last.seq, id: last.id } : (checkpoint ?? { seq: 0, id: '' }),
    };
  }

  appendAudit(input: AuditInput): AuditEvent {
    return this.tx(() => {
      const head = this.auditHead();
      const seq = head.seq + 1;
      // A JSON round trip first, so what is hashed is exactly what is read back (no Dates, no undefined).
      const data = JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>;
      const candidate = AuditEvent.omit({ hash: true, prevHash: true }).parse({
        id: `ae-${seq}`,
        seq,
        type: input.type,
        actorId: input.actorId,
        at: input.at,
        subjectType: input.subjectType,
        subjectId: input.subjectId,
        data,
      });
      const event = sealEvent(candidate, head.hash);
      this.stmts.auditInsert.run({ ...event, data: JSON.stringify(event.data) });
      this.pending.push({ collection: 'audit', id: event.id, seq: event.seq, doc: { ...event, _deleted: false } });
      const block = sealIfFull(this.db, event.seq, event.at);
      if (block) this.pendingSealed.push(block);
      return event;
    });
  }

  sealAuditTail(now: Date, maxAgeMs: number): SealedBlockRange | null {
    return this.tx(() => {
      const block = sealStaleTail(this.db, this.auditHead().seq, now, maxAgeMs);
      if (block) this.pendingSealed.push(block);
      return block;
    });
  }

  auditEvents(fromSeq = 1): IterableIterator<AuditEvent> {
    return readAuditEvents(this.db, fromSeq);
  }

  auditHead(): { seq: number; hash: string } {
    const row = this.stmts.auditHead.get() as { seq: number; hash: string } | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  createAccount(account: Omit<AccountRecord, 'disabledAt'> & { disabledAt?: string | null }): AccountRecord {
    const roles = AccountRole.array().min(1).parse(account.roles);
    this.stmts.accountInsert.run(account.id, account.username, account.passwordHash, JSON.stringify(roles), account.createdAt, account.disabledAt ?? null);
    return this.getAccount(account.id) as AccountRecord;
  }

  getAccount(id: string): AccountRecord | null {
    const row = this.stmts.accountById.get(id) as AccountRow | undefined;
    return row ? accountFromRow(row) : null;
  }

  getAccountByUsername(username: string): AccountRecord | null {
    const row = this.stmts.accountByUsername.get(username) as AccountRow | undefined;
    return row ? accountFromRow(row) : null;
  }

  updateAccount(id: string, patch: Partial<Pick<AccountRecord, 'passwordHash' | 'roles' | 'disabledAt'>>): AccountRecord | null {
    const current = this.getAccount(id);
    if (!current) return null;
    const next = { ...current, ...patch };
    this.db
      .prepare('UPDATE accounts SET password_hash = ?, roles = ?, disabled_at = ? WHERE id = ?')
      .run(next.passwordHash, JSON.stringify(AccountRole.array().min(1).parse(next.roles)), next.disabledAt, id);
    return this.getAccount(id);
  }

  listAccounts(): AccountRecord[] {
    return (this.stmts.accountsAll.all() as AccountRow[]).map(accountFromRow);
  }

  createSession(session: SessionRecord): void {
    this.stmts.sessionInsert.run(session.tokenHash, session.accountId, session.createdAt, session.expiresAt);
  }

  getSession(tokenHash: string): SessionRecord | null {
    const row = this.stmts.sessionGet.get(tokenHash) as { token_hash: string; account_id: string; created_at: string; expires_at: string } | undefined;
    return row ? { tokenHash: row.token_hash, accountId: row.account_id, createdAt: row.created_at, expiresAt: row.expires_at } : null;
  }

  deleteSession(tokenHash: string): void {
    this.stmts.sessionDelete.run(tokenHash);
  }

  deleteExpiredSessions(nowIso: string): number {
    return this.stmts.sessionsExpired.run(nowIso).changes;
  }

  applyMigrations(set: MigrationSet): void {
    applyMigrationSet(this.db, set);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
