import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../../core/index.js';
import { AUDIT_BLOCKS_MIGRATION } from './audit-blocks.js';
import type { MigrationSet } from './types.js';

/**
 * Numbered migrations, grouped in named sets. The store applies `CORE_MIGRATIONS`, then every set
 * registered with `registerMigrations`, then the sets passed to `openStore({ migrations })`. A set
 * can also be applied later on an open store with `store.applyMigrations(set)`.
 *
 * Rules: never edit or reorder a step that has shipped; append a new one. Each step runs once per
 * data file, in its own transaction, and is recorded in the `migrations` table as (name, number).
 */
export const CORE_MIGRATIONS: MigrationSet = {
  name: 'core',
  steps: [
    // 1: replicated documents, one table keyed (collection, id); seq is one global counter.
    `CREATE TABLE documents (
       collection TEXT NOT NULL,
       id TEXT NOT NULL,
       seq INTEGER NOT NULL,
       doc TEXT NOT NULL,
       deleted INTEGER NOT NULL DEFAULT 0,
       status TEXT GENERATED ALWAYS AS (json_extract(doc, '$.status')) VIRTUAL,
       expires_at TEXT GENERATED ALWAYS AS (json_extract(doc, '$.expiresAt')) VIRTUAL,
       PRIMARY KEY (collection, id)
     ) WITHOUT ROWID;
     CREATE UNIQUE INDEX documents_seq ON documents (seq);
     CREATE INDEX documents_collection_seq ON documents (collection, seq);
     CREATE INDEX documents_status_expiry ON documents (collection, status, expires_at);
     CREATE INDEX documents_requester ON documents (collection, json_extract(doc, '$.requesterId'));
     CREATE INDEX documents_user ON documents (collection, json_extract(doc, '$.userId'));
     CREATE INDEX documents_grant ON documents (collection, json_extract(doc, '$.grantId'));
     CREATE INDEX documents_resource ON documents (collection, json_extract(doc, '$.resourceId'));`,
    // 2: the hash-chained audit log; seq is the chain position. Append-only, enforced here too.
    `CREATE TABLE audit_events (
       seq INTEGER PRIMARY KEY,
       id TEXT NOT NULL UNIQUE,
       type TEXT NOT NULL,
       actor_id TEXT NOT NULL,
       at TEXT NOT NULL,
       subject_type TEXT NOT NULL,
       subject_id TEXT NOT NULL,
       data TEXT NOT NULL,
       prev_hash TEXT NOT NULL,
       hash TEXT NOT NULL
     );
     CREATE INDEX audit_events_subject ON audit_events (subject_id);
     CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
     CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;`,
    // 3: server-only credentials; never replicated.
    `CREATE TABLE accounts (
       id TEXT PRIMARY KEY,
       username TEXT NOT NULL UNIQUE COLLATE NOCASE,
       password_hash TEXT NOT NULL,
       roles TEXT NOT NULL,
       created_at TEXT NOT NULL,
       disabled_at TEXT
     );
     CREATE TABLE sessions (
       token_hash TEXT PRIMARY KEY,
       account_id TEXT NOT NULL REFERENCES accounts (id),
       created_at TEXT NOT NULL,
       expires_at TEXT NOT NULL
     );
     CREATE INDEX sessions_account ON sessions (account_id);
     CREATE INDEX sessions_expiry ON sessions (expires_at);`,
    // 4: an audit row may only be appended at the head, linked to it. INSERT OR REPLACE deletes the
    // row it replaces without firing the DELETE trigger, so without this an event could be
    // rewritten in place; the id is tied to the seq so a replace through the unique id fails too.
    `CREATE TRIGGER audit_events_append_at_head BEFORE INSERT ON audit_events
       WHEN NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM audit_events), 0) + 1
         OR NEW.id IS NOT 'ae-' || NEW.seq
         OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_events WHERE seq = NEW.seq - 1), '${GENESIS_HASH}')
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only: each is appended at the head of the chain, linked to it'); END;`,
    // 5: pending requests by the time their current approval step times out, for the scheduler's due-scan.
    `CREATE INDEX documents_step_due ON documents (collection, status, json_extract(doc, '$.stepDueAt'));`,
    // 6: documents in an ordinary (rowid) table, rows in write order, (collection, id) a unique
    // key. WITHOUT ROWID keeps a row inside its key's b-tree, where a row over ~1,000 bytes (most
    // review items, requests, grants) spills into an overflow page of its own: three times the file
    // and the writes (docs/decisions/documents-rowid-table.md). Same columns, same index names.
    `CREATE TABLE documents_by_rowid (
       collection TEXT NOT NULL,
       id TEXT NOT NULL,
       seq INTEGER NOT NULL,
       doc TEXT NOT NULL,
       deleted INTEGER NOT NULL DEFAULT 0,
       status TEXT GENERATED ALWAYS AS (json_extract(doc, '$.status')) VIRTUAL,
       expires_at TEXT GENERATED ALWAYS AS (json_extract(doc, '$.expiresAt')) VIRTUAL,
       PRIMARY KEY (collection, id)
     );
     INSERT INTO documents_by_rowid (collection, id, seq, doc, deleted) SELECT collection, id, seq, doc, deleted FROM documents ORDER BY seq;
     DROP TABLE documents;
     ALTER TABLE documents_by_rowid RENAME TO documents;
     CREATE UNIQUE INDEX documents_seq ON documents (seq);
     CREATE INDEX documents_collection_seq ON documents (collection, seq);
     CREATE INDEX documents_status_expiry ON documents (collection, status, expires_at);
     CREATE INDEX documents_requester ON documents (collection, json_extract(doc, '$.requesterId'));
     CREATE INDEX documents_user ON documents (collection, json_extract(doc, '$.userId'));
     CREATE INDEX documents_grant ON documents (collection, json_extract(doc, '$.grantId'));
     CREATE INDEX documents_resource ON documents (collection, json_extract(doc, '$.resourceId'));
     CREATE INDEX documents_step_due ON documents (collection, status, json_extract(doc, '$.stepDueAt'));`,
    // 7: where the audit log's sealed blocks begin and end (./audit-blocks.ts), append-only like the log.
    AUDIT_BLOCKS_MIGRATION,
  ],
};

const registered: MigrationSet[] = [];

/**
 * Adds a migration set applied by every store opened afterwards (and by `store.applyMigrations`).
 * Registering the same name twice with different steps is a programming error and throws.
 */
export function registerMigrations(name: string, steps: readonly string[]): void {
  const existing = registered.find((m) => m.name === name);
  if (existing) {
    if (existing.steps.length !== steps.length || existing.steps.some((s, i) => s !== steps[i])) {
      throw new Error(`migration set "${name}" is already registered with different steps`);
    }
    return;
  }
  if (name === CORE_MIGRATIONS.name) throw new Error('"core" is reserved for the store itself');
  registered.push({ name, steps: [...steps] });
}

export function registeredMigrations(): readonly MigrationSet[] {
  return registered;
}

export function ensureMigrationsTable(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    name TEXT NOT NULL,
    number INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (name, number)
  )`);
}

/** Applies the steps of `set` not yet recorded; each in its own immediate transaction. */
export function applyMigrationSet(db: Database.Database, set: MigrationSet): number {
  ensureMigrationsTable(db);
  const applied = db.prepare('SELECT number FROM migrations WHERE name = ?').pluck().all(set.name) as number[];
  const done = new Set(applied);
  let count = 0;
  set.steps.forEach((sql, index) => {
    const number = index + 1;
    if (done.has(number)) return;
    db.transaction(() => {
      // Re-check inside the lock: another process may have applied it meanwhile.
      const already = db.prepare('SELECT 1 FROM migrations WHERE name = ? AND number = ?').get(set.name, number);
      if (already) return;
      db.exec(sql);
      db.prepare('INSERT INTO migrations (name, number, applied_at) VALUES (?, ?, ?)').run(set.name, number, new Date().toISOString());
      count++;
    }).immediate();
  });
  return count;
}
