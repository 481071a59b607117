/**
 * The authoritative store's contract. The SQLite implementation lives in ./sqlite-store.ts; a
 * PostgreSQL one can implement the same interface later.
 *
 * Everything here is synchronous (better-sqlite3): a command, its documents, its audit events and
 * its result commit together in one `tx`, and listeners registered with `onCommit` hear about the
 * changes only after the commit.
 *
 * Server-only tables (scheduler jobs, deadlines) are added through migrations, see ./migrations.ts:
 *
 *   // sync-server/scheduler/migrations.ts
 *   export const SCHEDULER_MIGRATIONS = { name: 'scheduler', steps: ['CREATE TABLE jobs (...)', '...'] };
 *   // at start-up, before using the tables (idempotent, each step runs once per data file):
 *   store.applyMigrations(SCHEDULER_MIGRATIONS);
 *
 * and queried through `store.db` (the raw better-sqlite3 handle) inside `store.tx(...)`.
 */
import type Database from 'better-sqlite3';
import type { SealedBlockRange } from './audit-blocks.js';
import type { z } from 'zod';
import type {
  AccountRole,
  AuditEvent,
  AuditEventType,
  Checkpoint,
  CollectionDoc,
  CollectionName,
  COLLECTIONS,
  PullResponse,
  WireDoc,
} from '../../core/index.js';

/** What a caller may hand to `put`: the schema's input (defaults may be omitted). */
export type CollectionInput<C extends CollectionName> = z.input<(typeof COLLECTIONS)[C]['schema']>;

/** One migration set: steps are numbered 1..n in order; each runs once, in its own transaction. */
export type MigrationSet = { name: string; steps: readonly string[] };

export type ListFilter = {
  /** Indexed: documents whose `status` field is this value or one of these values. */
  status?: string | readonly string[];
  /** Indexed: documents whose `expiresAt` is set and at or before this ISO time (e.g. due grants). */
  expiresAtOrBefore?: string;
  /** Indexed (with status): requests whose current step times out at or before this ISO time. */
  stepDueAtOrBefore?: string;
  /**
   * Equality on top-level fields (`requesterId`, `userId`, `grantId`, `resourceId`...). Indexed for
   * requesterId, userId, grantId and resourceId; other fields are scanned.
   */
  where?: Readonly<Record<string, string | number | boolean | null>>;
  /** Tombstoned documents are left out unless asked for. */
  includeDeleted?: boolean;
  /** By seq (write order); 'desc' gives the most recently written first. */
  order?: 'asc' | 'desc';
  limit?: number;
};

/** The changes one commit made to one collection, in seq order, as the replication stream sends them. */
export type CommitChange<C extends CollectionName = CollectionName> = {
  collection: C;
  docs: WireDoc<CollectionDoc<C>>[];
  /** The checkpoint of the last doc: a client that applied these is at this checkpoint. */
  checkpoint: Checkpoint;
  /**
   * Audit only: the blocks this commit sealed (sync-server/store/audit-blocks.ts), oldest first. A
   * commit that only seals (the tail grew old) has no docs, and its checkpoint is the last block's end.
   */
  sealed?: readonly SealedBlockRange[];
};

export type CommitListener = (changes: readonly CommitChange[]) => void;

export type AuditInput = {
  type: AuditEventType;
  actorId: string;
  subjectType: AuditEvent['subjectType'];
  subjectId: string;
  data?: Record<string, unknown>;
  at: string;
};

export type AccountRecord = {
  /** Same as the user id in the `users` collection. */
  id: string;
  username: string;
  /** `scrypt$N$r$p$saltBase64$hashBase64`, see ../auth/passwords.ts. */
  passwordHash: string;
  roles: AccountRole[];
  createdAt: string;
  disabledAt: string | null;
};

export type SessionRecord = {
  /** sha256 of the bearer token, hex. The token itself is never stored. */
  tokenHash: string;
  accountId: string;
  createdAt: string;
  expiresAt: string;
};

export interface Store {
  /** Absolute path of the SQLite file. */
  readonly path: string;
  /**
   * The raw better-sqlite3 handle, for server-only tables added by migrations (scheduler jobs).
   * Replicated collections must go through put/get/list so seq, validation and onCommit stay right.
   */
  readonly db: Database.Database;

  /** Runs fn in one transaction (nested calls are savepoints). fn must be synchronous. */
  tx<T>(fn: () => T): T;

  get<C extends CollectionName>(collection: C, id: string): CollectionDoc<C> | null;
  /** Validates with the core schema, assigns the next global seq, returns the stored (parsed) doc. */
  put<C extends CollectionName>(collection: C, doc: CollectionInput<C>): CollectionDoc<C>;
  /**
   * Many documents of one collection at once (./bulk-write.ts): the same rows, seqs and commit
   * changes as put() of each in turn inside one tx, at a fraction of the cost. All are validated
   * first; one that fails throws naming it, and nothing is written.
   */
  putMany<C extends CollectionName>(collection: C, docs: readonly CollectionInput<C>[]): CollectionDoc<C>[];
  /** Tombstones a document (it replicates with _deleted: true). Returns false when it did not exist. */
  remove(collection: CollectionName, id: string): boolean;
  list<C extends CollectionName>(collection: C, filter?: ListFilter): CollectionDoc<C>[];
  count(collection: CollectionName, filter?: ListFilter): number;
  /** Documents after the checkpoint in seq order; the same checkpoint back when nothing is new. */
  pull<C extends CollectionName>(collection: C, checkpoint: Checkpoint | null, batchSize: number): PullResponse<CollectionDoc<C>>;
  /** The same page as pull(), already serialised as PullResponse JSON (stored JSON is not parsed again). */
  pullJson(collection: CollectionName, checkpoint: Checkpoint | null, batchSize: number): string;

  /** Seals the event against the current head hash and appends it, in the caller's transaction. */
  appendAudit(input: AuditInput): AuditEvent;
  /** Every audit event in seq order (lazy; do not write on this store while iterating). */
  auditEvents(fromSeq?: number): IterableIterator<AuditEvent>;
  auditHead(): { seq: number; hash: string };
  /** Seals the open tail as a block when its first event is `maxAgeMs` old at `now` (a full block seals as it fills). */
  sealAuditTail(now: Date, maxAgeMs: number): SealedBlockRange | null;

  /** Fired after each commit that changed replicated documents. Returns an unsubscribe function. */
  onCommit(listener: CommitListener): () => void;

  createAccount(account: Omit<AccountRecord, 'disabledAt'> & { disabledAt?: string | null }): AccountRecord;
  getAccount(id: string): AccountRecord | null;
  getAccountByUsername(username: string): AccountRecord | null;
  updateAccount(id: string, patch: Partial<Pick<AccountRecord, 'passwordHash' | 'roles' | 'disabledAt'>>): AccountRecord | null;
  listAccounts(): AccountRecord[];

  createSession(session: SessionRecord): void;
  getSession(tokenHash: string): SessionRecord | null;
  deleteSession(tokenHash: string): void;
  deleteExpiredSessions(nowIso: string): number;

  /** Applies a migration set's not-yet-applied steps. Idempotent; safe to call at every start. */
  applyMigrations(set: MigrationSet): void;

  close(): void;
}
