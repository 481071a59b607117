/**
 * The `audit` collection as sealed blocks for readers who see every event (SYNC_READ `all`:
 * auditors, admins): each sealed block (sync-server/store/audit-blocks.ts: full at
 * AUDIT_BLOCK_SIZE events, or sealed once its first event was a short time old) is one document,
 * and the events after the last sealed block (the open tail) go one by one. A block document's
 * top-level fields are its last event's (so `seq` orders blocks and events together, and `hash` is
 * the block's hash), its id `ab-<firstSeq>`, and `block` carries the events (core/audit/blocks.ts).
 * Block documents are cut from the stored rows when asked for: the rows are the record, and only
 * the boundaries are stored beside them.
 *
 * A replica that holds some of a block's events one by one (it pulled them as the tail) receives
 * them again as removals with the block, so it keeps each event once. The checkpoint is the last
 * event's seq either way.
 */
import type Database from 'better-sqlite3';
import { AUDIT_BLOCK_SIZE, blockId, GENESIS_HASH, type AuditEvent, type Checkpoint } from '../../core/index.js';
import { DEFAULT_RECENT_BLOCKS, type OlderBlocksPage } from '../../core/audit/older-blocks.js';
import { blocksAfter, blocksEndingAtOrBefore, lastSealedSeq, type SealedBlockRange } from '../store/audit-blocks.js';

/** An audit_events row as stored (sync-server/store/migrations.ts). */
type AuditRow = { seq: number; id: string; type: string; actor_id: string; at: string; subject_type: string; subject_id: string; data: string; prev_hash: string; hash: string };

const str = JSON.stringify;

/** One audit row's JSON, as the sync pull sends it, without `_deleted`. */
function eventJson(row: AuditRow): string {
  return `{"id":${str(row.id)},"seq":${row.seq},"type":${str(row.type)},"actorId":${str(row.actor_id)},"at":${str(row.at)},"subjectType":${str(row.subject_type)},"subjectId":${str(row.subject_id)},"data":${row.data},"prevHash":${str(row.prev_hash)},"hash":${str(row.hash)}}`;
}

const withDeleted = (json: string, deleted: boolean) => `${json.slice(0, -1)},"_deleted":${deleted}}`;

/** A sealed block's document JSON from its rows (first to last, consecutive). */
export function blockDocJson(rows: readonly AuditRow[], sealedAt: string): string {
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const events = rows.map(eventJson);
  const lastJson = events[events.length - 1]!;
  const block = `{"id":${str(blockId(first.seq))},"firstSeq":${first.seq},"lastSeq":${last.seq},"prevHash":${str(first.prev_hash)},"hash":${str(last.hash)},"sealedAt":${str(sealedAt)},"events":[${events.join(',')}]}`;
  return `{"id":${str(blockId(first.seq))}${lastJson.slice(lastJson.indexOf(',"seq":'), -1)},"block":${block},"_deleted":false}`;
}

const prepared = new WeakMap<Database.Database, { rows: Database.Statement; head: Database.Statement; sealedAfter: Database.Statement }>();
function statements(db: Database.Database) {
  let s = prepared.get(db);
  if (!s) {
    s = {
      rows: db.prepare('SELECT * FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq'),
      head: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM audit_events').pluck(),
      sealedAfter: db.prepare('SELECT COUNT(*) FROM audit_blocks WHERE last_seq > ?').pluck(),
    };
    prepared.set(db, s);
  }
  return s;
}

/** A block's stored rows (fewer than its range, or none, where events were archived). */
const blockRows = (db: Database.Database, block: SealedBlockRange) => statements(db).rows.all(block.firstSeq, block.lastSeq) as AuditRow[];

/**
 * A pull page after `checkpoint`: sealed blocks until about `batchSize` events are in the page (at
 * least one block), then tail events up to `batchSize` documents. `remaining` counts documents.
 */
export function pullAuditBlocksJson(db: Database.Database, checkpoint: Checkpoint, batchSize: number): { json: string; remaining: number; checkpoint: Checkpoint } {
  const { rows, head: headStmt, sealedAfter } = statements(db);
  const head = headStmt.get() as number;
  const sealed = lastSealedSeq(db);
  const after = checkpoint.seq;
  const documents: string[] = [];
  let last = after;
  let lastId = checkpoint.id;
  let events = 0;
  // Blocks: from the one holding the event after the checkpoint; a page of them at a time.
  let from = after;
  while (from < sealed && (events < batchSize || documents.length === 0)) {
    const page = blocksAfter(db, from, Math.max(1, Math.ceil((batchSize - events) / AUDIT_BLOCK_SIZE)));
    for (const block of page) {
      const held = blockRows(db, block);
      from = block.lastSeq;
      if (held.length === 0) {
        // Archived whole: nothing to send, and the checkpoint moves past it.
        last = block.lastSeq;
        continue;
      }
      // Events of this block the replica already holds one by one: removed as the block arrives.
      for (const row of held) if (row.seq <= after) documents.push(withDeleted(eventJson(row), true));
      documents.push(blockDocJson(held, block.sealedAt));
      events += held.length;
      last = block.lastSeq;
      lastId = blockId(held[0]!.seq);
      if (events >= batchSize) break;
    }
    if (page.length === 0) break;
  }
  // The open tail, one event per document.
  if (documents.length < batchSize && from >= sealed) {
    const tailFrom = Math.max(last, sealed);
    const tail = rows.all(tailFrom + 1, tailFrom + (batchSize - documents.length)) as AuditRow[];
    for (const row of tail) documents.push(withDeleted(eventJson(row), false));
    const end = tail[tail.length - 1];
    if (end) {
      last = end.seq;
      lastId = end.id;
    }
  }
  const next: Checkpoint = { seq: last, id: lastId };
  const blocksLeft = sealed > last ? (sealedAfter.get(last) as number) : 0;
  const tailLeft = head - Math.max(last, sealed);
  return { json: `{"documents":[${documents.join(',')}],"checkpoint":${str(next)}`, remaining: blocksLeft + Math.max(0, tailLeft), checkpoint: next };
}

/** The documents of blocks a commit sealed (each with its events as removals), for the live stream. */
export function sealedBlockDocs(db: Database.Database, blocks: readonly SealedBlockRange[]): unknown[] {
  const documents: unknown[] = [];
  for (const block of blocks) {
    const held = blockRows(db, block);
    if (held.length === 0) continue;
    for (const row of held) documents.push(JSON.parse(withDeleted(eventJson(row), true)));
    documents.push(JSON.parse(blockDocJson(held, block.sealedAt)));
  }
  return documents;
}

/**
 * How many recent sealed blocks a reader who does not replicate the whole log pulls (the events of
 * them they may see), plus the open tail; older ones come on demand (`olderBlocksPage`).
 * JIT_AUDIT_RECENT_BLOCKS, a positive integer; default DEFAULT_RECENT_BLOCKS.
 */
export function recentBlocksSetting(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.JIT_AUDIT_RECENT_BLOCKS;
  if (raw === undefined || raw === '') return DEFAULT_RECENT_BLOCKS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`JIT_AUDIT_RECENT_BLOCKS must be a positive whole number of blocks of ${AUDIT_BLOCK_SIZE} events, not "${raw}"`);
  return value;
}

/**
 * The last event of the older history: a filtered reader's pulls start after it. The recent
 * history is `recentBlocks` full blocks' worth of events (sealed blocks may be shorter than full:
 * sealed by time), rounded out to the block boundary at or before it.
 */
export function auditHorizon(db: Database.Database, recentBlocks = recentBlocksSetting()): number {
  const limit = lastSealedSeq(db) - recentBlocks * AUDIT_BLOCK_SIZE;
  return limit <= 0 ? 0 : (blocksEndingAtOrBefore(db, limit, 1)[0]?.lastSeq ?? 0);
}

const more = new WeakMap<Database.Database, { hashAt: Database.Statement; endsAt: Database.Statement; olderThan: Database.Statement }>();

/**
 * Sealed blocks ending at `through` and older, newest first, `limit` of them, each with only the
 * events `visible` lets this reader see (and how many it withheld), and the chain's hash at
 * `through` for the console to link them to what it holds. `through` null: the horizon.
 */
export function olderBlocksPage(db: Database.Database, opts: { through: number | null; limit: number; visible: (event: AuditEvent) => boolean; recentBlocks?: number }): OlderBlocksPage {
  let s = more.get(db);
  if (!s) {
    s = {
      hashAt: db.prepare('SELECT hash FROM audit_events WHERE seq = ?').pluck(),
      endsAt: db.prepare('SELECT 1 FROM audit_blocks WHERE last_seq = ?').pluck(),
      olderThan: db.prepare('SELECT COUNT(*) FROM audit_blocks WHERE last_seq < ?').pluck(),
    };
    more.set(db, s);
  }
  const horizon = auditHorizon(db, opts.recentBlocks ?? recentBlocksSetting());
  const through = opts.through ?? horizon;
  if (through !== 0 && s.endsAt.get(through) === undefined) throw new RangeError(`through must be the last event of a sealed block (the lastSeq of a block, or 0), not ${through}`);
  const anchorHash = through === 0 ? GENESIS_HASH : (s.hashAt.get(through) as string | undefined);
  if (anchorHash === undefined) throw new RangeError(`event ${through} is not in the log (archived?)`);
  const blocks: OlderBlocksPage['blocks'] = [];
  for (const range of through === 0 ? [] : blocksEndingAtOrBefore(db, through, opts.limit)) {
    const rows = blockRows(db, range);
    const size = range.lastSeq - range.firstSeq + 1;
    if (rows.length !== size) break;
    const events = rows.map((row) => JSON.parse(eventJson(row)) as AuditEvent).filter(opts.visible);
    blocks.push({ id: blockId(range.firstSeq), firstSeq: range.firstSeq, lastSeq: range.lastSeq, prevHash: rows[0]!.prev_hash, hash: rows[size - 1]!.hash, events, withheld: size - events.length });
  }
  const oldest = blocks.at(-1)?.firstSeq ?? through + 1;
  return { horizon, anchor: { seq: through, hash: anchorHash }, blocks, remaining: s.olderThan.get(oldest) as number };
}
