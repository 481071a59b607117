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
import { AUDIT_BLOCK_SIZE, blockId, GENESIS_HASH, type AuditEvent, type Checkpoint } from '../../core/index.js';
import { DEFAULT_RECENT_BLOCKS, historyHorizon, type OlderBlocksPage } from '../../core/audit/older-blocks.js';

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

/** The last event of the older history: a filtered reader's pulls start after it. */
export function auditHorizon(db: Database.Database, recentBlocks = recentBlocksSetting()): number {
  return historyHorizon(statements(db).head.get() as number, recentBlocks);
}

const hashAt = new WeakMap<Database.Database, Database.Statement>();

/**
 * Sealed blocks ending at `through` and older, newest first, `limit` of them, each with only the
 * events `visible` lets this reader see (and how many it withheld), and the chain's hash at
 * `through` for the console to link them to what it holds. `through` null: the horizon.
 */
export function olderBlocksPage(db: Database.Database, opts: { through: number | null; limit: number; visible: (event: AuditEvent) => boolean; recentBlocks?: number }, size = AUDIT_BLOCK_SIZE): OlderBlocksPage {
  const { rows, head: headStmt } = statements(db);
  const head = headStmt.get() as number;
  const horizon = historyHorizon(head, opts.recentBlocks ?? recentBlocksSetting(), size);
  const through = opts.through ?? horizon;
  if (through % size !== 0 || through > head - (head % size)) throw new RangeError(`through must be the last event of a sealed block (a multiple of ${size}, at most ${head - (head % size)}), not ${through}`);
  let stmt = hashAt.get(db);
  if (!stmt) hashAt.set(db, (stmt = db.prepare('SELECT hash FROM audit_events WHERE seq = ?').pluck()));
  const anchorHash = through === 0 ? GENESIS_HASH : (stmt.get(through) as string | undefined);
  if (anchorHash === undefined) throw new RangeError(`event ${through} is not in the log (archived?)`);
  const blocks: OlderBlocksPage['blocks'] = [];
  for (let end = through; end > 0 && blocks.length < opts.limit; end -= size) {
    const blockRows = rows.all(end - size, end) as AuditRow[];
    if (blockRows.length !== size) break;
    const events = blockRows.map((row) => JSON.parse(eventJson(row)) as AuditEvent).filter(opts.visible);
    const first = blockRows[0]!;
    blocks.push({ id: blockId(first.seq), firstSeq: first.seq, lastSeq: end, prevHash: first.prev_hash, hash: blockRows[size - 1]!.hash, events, withheld: size - events.length });
  }
  const oldest = blocks.at(-1)?.firstSeq ?? through + 1;
  return { horizon, anchor: { seq: through, hash: anchorHash }, blocks, remaining: Math.floor((oldest - 1) / size) };
}
