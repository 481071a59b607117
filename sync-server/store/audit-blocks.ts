/**
 * Where the audit log's sealed blocks begin and end (docs/decisions/sealed-audit-blocks.md). A
 * block is a run of consecutive events, sealed when it holds AUDIT_BLOCK_SIZE of them (in the
 * transaction that appends the last one) or once its first event is a short time old (the audit
 * trail's timer: `Store.sealAuditTail`). Only the boundaries are stored, so that every replica
 * receives the same blocks; the events stay the record, and a block's document is cut from them
 * when a pull asks for it (sync-server/audit/blocks-pull.ts).
 *
 * The table is append-only like the log: blocks are sealed in order, each right after the last,
 * never changed or removed (an archived block keeps its row; its events are gone, so it is not sent).
 */
import type Database from 'better-sqlite3';
import { AUDIT_BLOCK_SIZE } from '../../core/index.js';

/** One sealed block's boundaries, as stored. */
export type SealedBlockRange = { firstSeq: number; lastSeq: number; sealedAt: string };

/** The guards on audit_blocks, exactly as core migration 7 creates them (checked and restored at start: sync-server/audit/guards.ts). */
export const AUDIT_BLOCK_TRIGGERS: Record<string, string> = {
  audit_blocks_no_update: `CREATE TRIGGER audit_blocks_no_update BEFORE UPDATE ON audit_blocks
       BEGIN SELECT RAISE(ABORT, 'audit blocks are append-only'); END`,
  audit_blocks_no_delete: `CREATE TRIGGER audit_blocks_no_delete BEFORE DELETE ON audit_blocks
       BEGIN SELECT RAISE(ABORT, 'audit blocks are append-only'); END`,
  audit_blocks_in_order: `CREATE TRIGGER audit_blocks_in_order BEFORE INSERT ON audit_blocks
       WHEN NEW.first_seq IS NOT COALESCE((SELECT MAX(last_seq) FROM audit_blocks), 0) + 1
         OR NEW.last_seq < NEW.first_seq
         OR NEW.last_seq - NEW.first_seq >= ${AUDIT_BLOCK_SIZE}
         OR NEW.last_seq > COALESCE((SELECT MAX(seq) FROM audit_events), 0)
       BEGIN SELECT RAISE(ABORT, 'audit blocks are sealed in order: each starts right after the last one and holds 1 to ${AUDIT_BLOCK_SIZE} events of the log'); END`,
};

/**
 * Core migration 7: the table, the blocks a log already had (every full run of AUDIT_BLOCK_SIZE
 * from a multiple of it, as they were cut before boundaries were stored, so replicas that hold
 * them keep the same documents), then the guards.
 */
export const AUDIT_BLOCKS_MIGRATION = `CREATE TABLE audit_blocks (
       first_seq INTEGER PRIMARY KEY,
       last_seq INTEGER NOT NULL UNIQUE,
       sealed_at TEXT NOT NULL
     );
     WITH RECURSIVE ends(n) AS (
       SELECT ${AUDIT_BLOCK_SIZE} UNION ALL SELECT n + ${AUDIT_BLOCK_SIZE} FROM ends WHERE n + ${AUDIT_BLOCK_SIZE} <= (SELECT COALESCE(MAX(seq), 0) FROM audit_events)
     )
     INSERT INTO audit_blocks (first_seq, last_seq, sealed_at)
       SELECT n - ${AUDIT_BLOCK_SIZE - 1}, n, COALESCE((SELECT at FROM audit_events WHERE seq = n), (SELECT MIN(at) FROM audit_events))
       FROM ends WHERE n <= (SELECT COALESCE(MAX(seq), 0) FROM audit_events) ORDER BY n;
     ${Object.values(AUDIT_BLOCK_TRIGGERS).join(';\n     ')};`;

type Statements = { lastSealed: Database.Statement; firstTailAt: Database.Statement; insert: Database.Statement; after: Database.Statement; endingAt: Database.Statement };
const prepared = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = {
      lastSealed: db.prepare('SELECT COALESCE(MAX(last_seq), 0) FROM audit_blocks').pluck(),
      firstTailAt: db.prepare('SELECT at FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 1').pluck(),
      insert: db.prepare('INSERT INTO audit_blocks (first_seq, last_seq, sealed_at) VALUES (?, ?, ?)'),
      after: db.prepare('SELECT first_seq AS firstSeq, last_seq AS lastSeq, sealed_at AS sealedAt FROM audit_blocks WHERE last_seq > ? ORDER BY first_seq LIMIT ?'),
      endingAt: db.prepare('SELECT first_seq AS firstSeq, last_seq AS lastSeq, sealed_at AS sealedAt FROM audit_blocks WHERE last_seq <= ? ORDER BY last_seq DESC LIMIT ?'),
    };
    prepared.set(db, s);
  }
  return s;
}

/** The last event of the last sealed block; 0 when none is sealed. The open tail follows it. */
export const lastSealedSeq = (db: Database.Database): number => statements(db).lastSealed.get() as number;

/** After appending event `seq` (in the same transaction): seals the tail when it now holds a full block. */
export function sealIfFull(db: Database.Database, seq: number, at: string): SealedBlockRange | null {
  const s = statements(db);
  const from = (s.lastSealed.get() as number) + 1;
  if (seq - from + 1 < AUDIT_BLOCK_SIZE) return null;
  s.insert.run(from, seq, at);
  return { firstSeq: from, lastSeq: seq, sealedAt: at };
}

/**
 * Seals the whole open tail (up to `head`) when its first event is `maxAgeMs` old at `now`; the
 * tail is never longer than a block, since a full one is sealed as it fills.
 */
export function sealStaleTail(db: Database.Database, head: number, now: Date, maxAgeMs: number): SealedBlockRange | null {
  const s = statements(db);
  const sealed = s.lastSealed.get() as number;
  if (head <= sealed) return null;
  const firstAt = s.firstTailAt.get(sealed) as string | undefined;
  if (firstAt === undefined || now.getTime() - Date.parse(firstAt) < maxAgeMs) return null;
  const sealedAt = now.toISOString();
  s.insert.run(sealed + 1, head, sealedAt);
  return { firstSeq: sealed + 1, lastSeq: head, sealedAt };
}

/** Sealed blocks ending after `seq`, oldest first, at most `limit`. */
export const blocksAfter = (db: Database.Database, seq: number, limit: number): SealedBlockRange[] => statements(db).after.all(seq, limit) as SealedBlockRange[];

/** Sealed blocks ending at `seq` or before, newest first, at most `limit`. */
export const blocksEndingAtOrBefore = (db: Database.Database, seq: number, limit: number): SealedBlockRange[] => statements(db).endingAt.all(seq, limit) as SealedBlockRange[];
