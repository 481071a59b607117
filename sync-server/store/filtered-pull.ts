import type Database from 'better-sqlite3';
import type { Checkpoint, CollectionName, PullResponse, WireDoc } from '../../core/index.js';
import { auditEventFromRow } from './sqlite-store.js';
import type { Store } from './types.js';

/**
 * Pulls through a reader's view (sync-server/http/sync-view.ts) that keep the checkpoint protocol.
 * Only reads here: seq, validation and commit events stay with the store's writes.
 */

/**
 * An indexed condition every document the reader may see meets (a superset: the view's own
 * filter still decides each one), e.g. a requester's requests by `requesterId`. Without one a
 * filtered pull reads every document of the collection after the checkpoint.
 */
export type Candidates = { field: CandidateField; values: readonly string[] };
export type CandidateField = 'requesterId' | 'userId' | 'grantId' | 'subjectId' | 'id';

/**
 * The expression index each field reads through (migrations.ts), written as the index is so the
 * planner uses it; `id` reads through the table's own key (collection, id).
 */
const DOCUMENT_INDEX: Record<Exclude<CandidateField, 'subjectId'>, { index: string | null; expr: string }> = {
  requesterId: { index: 'documents_requester', expr: "json_extract(doc, '$.requesterId')" },
  userId: { index: 'documents_user', expr: "json_extract(doc, '$.userId')" },
  grantId: { index: 'documents_grant', expr: "json_extract(doc, '$.grantId')" },
  id: { index: null, expr: 'id' },
};

/**
 * Requests whose text holds this person's id, or the id of a directory group they are in, as a
 * JSON string (a cheap scan inside SQLite, far less than parsing every request): the caller checks
 * each for an approval step naming them or their group.
 */
export function requestsMentioning(db: Database.Database, userId: string, groupIds: readonly string[] = []): WireDoc<object>[] {
  const seen = new Set<string>();
  const out: WireDoc<object>[] = [];
  for (const id of [userId, ...groupIds]) {
    const rows = prepared(db, "SELECT id, doc, deleted FROM documents WHERE collection = 'requests' AND instr(doc, ?) > 0").all(JSON.stringify(id)) as { id: string; doc: string; deleted: number }[];
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      out.push({ ...(JSON.parse(row.doc) as object), _deleted: row.deleted === 1 });
    }
  }
  return out;
}

type Page = { documents: WireDoc<object>[]; checkpoint: Checkpoint };
type DocumentRow = { seq: number; id: string; doc: string; deleted: number };

/**
 * A pull through a per-document filter that keeps the checkpoint protocol: it reads on past
 * documents the reader may not see until it has a full batch or reaches the end, and answers the
 * checkpoint of the last document read, shown or not (the same checkpoint when nothing is new).
 * RxDB stops pulling at a short batch, so a batch is only short at the end of the collection.
 *
 * With `candidates`, only the rows meeting them are read (through their index); the rows skipped
 * count as read, so a short page answers the checkpoint of the collection's last row.
 */
export function filteredPull(
  store: Pick<Store, 'pull' | 'db'>,
  collection: CollectionName,
  checkpoint: Checkpoint,
  batchSize: number,
  show: (doc: WireDoc<object>) => WireDoc<object> | null,
  candidates?: Candidates | null,
): PullResponse<object> {
  const documents: WireDoc<object>[] = [];
  let next = checkpoint;
  for (;;) {
    // Never read more than can still be answered: the checkpoint is that of the last row read.
    const remaining = batchSize - documents.length;
    const page: Page = candidates ? candidatePage(store.db, collection, next, remaining, candidates) : (store.pull(collection, next, remaining) as Page);
    for (const doc of page.documents) {
      const shown = show(doc);
      if (shown) documents.push(shown);
    }
    next = page.checkpoint;
    if (page.documents.length < remaining || documents.length >= batchSize) break;
  }
  return { documents, checkpoint: next };
}

/** How many documents of the collection come after this seq (deleted ones too: they replicate as tombstones). */
export function countAfter(db: Database.Database, collection: CollectionName, seq: number): number {
  const sql = collection === 'audit' ? 'SELECT COUNT(*) FROM audit_events WHERE seq > ?' : 'SELECT COUNT(*) FROM documents WHERE collection = ? AND seq > ?';
  const statement = prepared(db, sql).pluck();
  return (collection === 'audit' ? statement.get(seq) : statement.get(collection, seq)) as number;
}

/**
 * The candidate rows after the checkpoint, in seq order, at most `limit`; with fewer, everything
 * up to the collection's last row was looked at, so the checkpoint is that row's. One read
 * transaction, so no write lands between the two reads.
 */
function candidatePage(db: Database.Database, collection: CollectionName, checkpoint: Checkpoint, limit: number, candidates: Candidates): Page {
  const values = JSON.stringify(candidates.values);
  const read = db.transaction((): Page => {
    let documents: WireDoc<object>[];
    let lastRead: Checkpoint | undefined;
    let end: Checkpoint | undefined;
    if (collection === 'audit') {
      if (candidates.field !== 'subjectId') throw new Error(`audit candidates are by subjectId, not ${candidates.field}`);
      const rows = prepared(db, 'SELECT * FROM audit_events INDEXED BY audit_events_subject WHERE subject_id IN (SELECT value FROM json_each(?)) AND seq > ? ORDER BY seq LIMIT ?').all(values, checkpoint.seq, limit) as Parameters<typeof auditEventFromRow>[0][];
      documents = rows.map((row) => ({ ...auditEventFromRow(row), _deleted: false }));
      lastRead = rows.length ? { seq: rows[rows.length - 1]!.seq, id: rows[rows.length - 1]!.id } : undefined;
      end = prepared(db, 'SELECT seq, id FROM audit_events ORDER BY seq DESC LIMIT 1').get() as Checkpoint | undefined;
    } else {
      if (candidates.field === 'subjectId') throw new Error(`${collection} has no subjectId candidates`);
      const { index, expr } = DOCUMENT_INDEX[candidates.field];
      // By id: one primary-key lookup per id (CROSS JOIN keeps the ids as the outer loop; left to
      // itself the planner walked every row of the collection by seq, ~150 ms for 10,000 requests).
      const sql = index
        ? `SELECT seq, id, doc, deleted FROM documents INDEXED BY ${index} WHERE collection = ? AND ${expr} IN (SELECT value FROM json_each(?)) AND seq > ? ORDER BY seq LIMIT ?`
        : 'SELECT d.seq, d.id, d.doc, d.deleted FROM json_each(?) AS j CROSS JOIN documents AS d ON d.collection = ? AND d.id = j.value WHERE d.seq > ? ORDER BY d.seq LIMIT ?';
      const rows = (index ? prepared(db, sql).all(collection, values, checkpoint.seq, limit) : prepared(db, sql).all(values, collection, checkpoint.seq, limit)) as DocumentRow[];
      documents = rows.map((row) => ({ ...(JSON.parse(row.doc) as object), _deleted: row.deleted === 1 }));
      lastRead = rows.length ? { seq: rows[rows.length - 1]!.seq, id: rows[rows.length - 1]!.id } : undefined;
      end = prepared(db, 'SELECT seq, id FROM documents INDEXED BY documents_collection_seq WHERE collection = ? ORDER BY seq DESC LIMIT 1').get(collection) as Checkpoint | undefined;
    }
    if (documents.length === limit) return { documents, checkpoint: lastRead! };
    // Short: every row after the checkpoint was looked at; the ones skipped are not the reader's.
    return { documents, checkpoint: end && end.seq > checkpoint.seq ? { seq: end.seq, id: end.id } : checkpoint };
  });
  return read();
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}
