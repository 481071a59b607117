/**
 * The `audit` collection as sealed blocks for readers who see every event (SYNC_READ `all`:
 * auditors, admins): each run of AUDIT_BLOCK_SIZE events from a multiple of it is one document once
 * the log has grown past its end, and the events after the last full block (the open tail) go one
 * by one. A block document's top-level fields are its last event's (so `seq` orders blocks and
 * events together, and `hash` is the block's hash), its id `ab-<firstSeq>`, and `block` carries the
 * events (core/audit/blocks.ts). Blocks are cut from the stored rows when asked for: the rows are
 * the record, and nothing else is written that could disagree with them.
 *
 * A replica that holds some of a block's events one by one (it pulled them as the tail) receives
 * them again as removals with the block, so it keeps each event once. The checkpoint is the last
 * event's seq either way.
 */
import type Database from 'better-sqlite3';
import { AUDIT_BLOCK_SIZE, blockId, type Checkpoint } from '../../core/index.js';

/** An audit_events row as stored (sync-server/store/migrations.ts). */
type AuditRow = { seq: number; id: string; type: string; actor_id: string; at: string; subject_type: string; subject_id: string; data: string; prev_hash: string; hash: string };

const str = JSON.stringify;

/** One audit row's JSON, as the sync pull sends it, without `_deleted`. */
function eventJson(row: AuditRow): string {
  return `{"id":${str(row.id)},"seq":${row.seq},"type":${str(row.type)},"actorId":${str(row.actor_id)},"at":${str(row.at)},"subjectType":${str(row.subject_type)},"subjectId":${str(row.subject_id)},"data":${row.data},"prevHash":${str(row.prev_hash)},"hash":${str(row.hash)}}`;
}

const withDeleted = (json: string, deleted: boolean) => `${json.slice(0, -1)},"_deleted":${deleted}}`;

/** A full block's document JSON from its rows (first to last, consecutive). */
export function blockDocJson(rows: readonly AuditRow[]): string {
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const events = rows.map(eventJson);
  const lastJson = events[events.length - 1]!;
  const block = `{"id":${str(blockId(first.seq))},"firstSeq":${first.seq},"lastSeq":${last.seq},"prevHash":${str(first.prev_hash)},"hash":${str(last.hash)},"sealedAt":${str(last.at)},"events":[${events.join(',')}]}`;
  return `{"id":${str(blockId(first.seq))}${lastJson.slice(lastJson.indexOf(',"seq":'), -1)},"block":${block},"_deleted":false}`;
}

const prepared = new WeakMap<Database.Database, { rows: Database.Statement; head: Database.Statement }>();
function statements(db: Database.Database) {
  let s = prepared.get(db);
  if (!s) {
    s = { rows: db.prepare('SELECT * FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq'), head: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM audit_events').pluck() };
    prepared.set(db, s);
  }
  return s;
}

/** The last seq of the last full block of a log whose head is at `head`. */
const sealedThrough = (head: number, size: number) => head - (head % size);

/**
 * A pull page after `checkpoint`: full blocks until about `batchSize` events are in the page (at
 * least one block), then tail events up to `batchSize` documents. `remaining` counts documents.
 */
export function pullAuditBlocksJson(db: Database.Database, checkpoint: Checkpoint, batchSize: number, size = AUDIT_BLOCK_SIZE): { json: string; remaining: number; checkpoint: Checkpoint } {
  const { rows, head: headStmt } = statements(db);
  const head = headStmt.get() as number;
  const sealed = sealedThrough(head, size);
  const after = checkpoint.seq;
  const documents: string[] = [];
  let last = after;
  let lastId = checkpoint.id;
  let events = 0;
  // Blocks: from the one holding the event after the checkpoint.
  let blockStart = after - (after % size);
  while (blockStart < sealed && (events < batchSize || documents.length === 0)) {
    const blockRows = rows.all(blockStart, blockStart + size) as AuditRow[];
    // Events of this block the replica already holds one by one: removed as the block arrives.
    for (const row of blockRows) if (row.seq <= after) documents.push(withDeleted(eventJson(row), true));
    documents.push(blockDocJson(blockRows));
    events += blockRows.length;
    last = blockStart + size;
    lastId = blockId(blockStart + 1);
    blockStart += size;
  }
  // The open tail, one event per document.
  const tailFrom = Math.max(last, sealed);
  if (documents.length < batchSize && last >= sealed) {
    const tail = rows.all(tailFrom, tailFrom + (batchSize - documents.length)) as AuditRow[];
    for (const row of tail) documents.push(withDeleted(eventJson(row), false));
    const end = tail[tail.length - 1];
    if (end) {
      last = end.seq;
      lastId = end.id;
    }
  }
  const next: Checkpoint = { seq: last, id: lastId };
  const blocksLeft = Math.max(0, (sealed - Math.max(last, 0)) / size);
  const tailLeft = head - Math.max(last, sealed);
  return { json: `{"documents":[${documents.join(',')}],"checkpoint":${str(next)}`, remaining: Math.ceil(blocksLeft) + Math.max(0, tailLeft), checkpoint: next };
}

/** The block documents that the events of one commit completed (each with its events as removals), for the live stream. */
export function blocksCompletedBy(db: Database.Database, seqs: readonly number[], size = AUDIT_BLOCK_SIZE): unknown[] {
  const { rows } = statements(db);
  const documents: unknown[] = [];
  for (const seq of seqs) {
    if (seq % size !== 0) continue;
    const blockRows = rows.all(seq - size, seq) as AuditRow[];
    for (const row of blockRows) documents.push(JSON.parse(withDeleted(eventJson(row), true)));
    documents.push(JSON.parse(blockDocJson(blockRows)));
  }
  return documents;
}
