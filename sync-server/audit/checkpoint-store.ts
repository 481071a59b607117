/**
 * Where signed checkpoints are kept: a server-only table beside the audit log (append-only, guarded
 * by triggers like the log), and the latest one also in a side file next to the signing key, outside
 * the database, so that removing checkpoints from the file along with rewritten events is seen too.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { AuditCheckpoint } from '../../core/index.js';
import type { MigrationSet } from '../store/types.js';

export const CHECKPOINT_TABLE_SQL = `CREATE TABLE audit_checkpoints (
       seq INTEGER PRIMARY KEY,
       hash TEXT NOT NULL,
       at TEXT NOT NULL,
       key_id TEXT NOT NULL,
       signature TEXT NOT NULL
     )`;

/** The checkpoints' own guards; sync-server/audit/guards.ts restores them (and the log's) when removed. */
export const CHECKPOINT_TRIGGERS: Record<string, string> = {
  audit_checkpoints_no_update: `CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END`,
  audit_checkpoints_no_delete: `CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
       BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END`,
  audit_checkpoints_in_order: `CREATE TRIGGER audit_checkpoints_in_order BEFORE INSERT ON audit_checkpoints
       WHEN NEW.seq <= COALESCE((SELECT MAX(seq) FROM audit_checkpoints), 0)
       BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only: each signs a later head than the last'); END`,
};

export const AUDIT_CHECKPOINT_MIGRATIONS: MigrationSet = {
  name: 'audit-checkpoints',
  steps: [[CHECKPOINT_TABLE_SQL, ...Object.values(CHECKPOINT_TRIGGERS)].join(';\n') + ';'],
};

type Row = { seq: number; hash: string; at: string; key_id: string; signature: string };
const fromRow = (r: Row): AuditCheckpoint => ({ seq: r.seq, hash: r.hash, at: r.at, keyId: r.key_id, signature: r.signature });

/** Every stored checkpoint in seq order; an empty list when the table does not exist (a file from before them). */
export function readCheckpoints(db: Database.Database): AuditCheckpoint[] {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_checkpoints'").get();
  if (!table) return [];
  return (db.prepare('SELECT * FROM audit_checkpoints ORDER BY rowid').all() as Row[]).map(fromRow);
}

/** Checkpoints after a seq, oldest first, at most `limit`. */
export function checkpointsAfter(db: Database.Database, after: number, limit: number): AuditCheckpoint[] {
  return (db.prepare('SELECT * FROM audit_checkpoints WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as Row[]).map(fromRow);
}

export function lastCheckpoint(db: Database.Database): AuditCheckpoint | null {
  const row = db.prepare('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
  return row ? fromRow(row) : null;
}

export function insertCheckpoint(db: Database.Database, cp: AuditCheckpoint): void {
  db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)').run(cp.seq, cp.hash, cp.at, cp.keyId, cp.signature);
}

/** The side file: `<key file>.head.json`, the latest checkpoint the server signed. */
export const headFilePath = (keyPath: string) => `${keyPath}.head.json`;

export function readHeadFile(path: string): AuditCheckpoint | null | { unreadable: string } {
  if (!existsSync(path)) return null;
  try {
    return AuditCheckpoint.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    return { unreadable: `${path} does not hold a checkpoint (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
}

/** Replaces the side file atomically (write then rename), mode 0600. */
export function writeHeadFile(path: string, cp: AuditCheckpoint): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(cp)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
