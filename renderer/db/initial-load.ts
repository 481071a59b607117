/**
 * The first load of an empty collection, done before its RxDB replication starts.
 *
 * RxDB's downstream reads every pulled document back from the local storage twice before writing
 * it (the fork's state and the assumed server state, both empty here) and the storage reads it
 * once more; on IndexedDB that was about half the time of a console's first sync. An empty
 * collection has nothing to compare with, so its pages are written straight into the collection's
 * storage (one bulk write each, RxDB's change events and live queries as usual) while the next
 * page is fetched. Its replication runs meanwhile, but its first pull waits for the load and
 * carries on from the last page's checkpoint, with its view (replication.ts).
 *
 * The first page is small, so the console can paint real rows while the rest streams in, and at
 * sign-in it is asked for before the replica is even open (prefetchFirstPages). Progress is
 * reported per collection: documents written, and of how many when the server says (`remaining`).
 * Anything unexpected (an error, a refusal, a view that changes while loading) ends the fast path;
 * the replication then pulls as it always did, from its own checkpoint, over what is already here.
 */
import { createRevision, now, type BulkWriteRow, type RxCollection, type RxDocumentData, type RxStorageInstance } from 'rxdb';
import { COLLECTIONS, syncPath, type Checkpoint, type CollectionName, type PullResponse } from '../../core/index.js';
import { SyncHttpError, type SyncConnection } from './sync-http.js';

/** How far a collection loading from scratch is: documents in the local store, of how many (null: the server did not say). */
export type LoadProgress = { received: number; expected: number | null };
/** The collections still loading from scratch; a collection absent from it holds everything its replication has pulled. */
export type LoadingState = ReadonlyMap<CollectionName, LoadProgress>;

/** The stored checkpoint: the server's, plus the view the documents were pulled under. */
export type ReplicaCheckpoint = Checkpoint & { view?: string };

type Page = PullResponse<Record<string, unknown>>;
/** Pages asked for at sign-in, before the replica was open: the first page of each collection, or null when it failed. */
export type FirstPages = ReadonlyMap<CollectionName, Promise<Page | null>>;

/** Small, so the first rows are on screen quickly; the pages after it are the replication's batch size. */
export const FIRST_PAGE_SIZE = 1000;

const LOAD_CONTEXT = 'jit-initial-load';

const isPage = (value: unknown): value is Page => Array.isArray((value as Page | null)?.documents) && typeof (value as Page).checkpoint?.seq === 'number';

/**
 * Asks for the first page of every pulled collection at once, with the token sign-in just gave:
 * the server answers while the replica is being opened. A page nobody uses costs one request.
 */
export function prefetchFirstPages(serverUrl: string, token: string, collections: readonly CollectionName[], fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init)): FirstPages {
  const base = serverUrl.replace(/\/+$/, '');
  const pages = new Map<CollectionName, Promise<Page | null>>();
  for (const name of collections) {
    if (COLLECTIONS[name].push) continue;
    const page = fetchImpl(`${base}${syncPath(name, 'pull')}?seq=0&id=&batchSize=${FIRST_PAGE_SIZE}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })
      .then(async (response) => (response.ok ? ((await response.json()) as unknown) : null))
      .then((body) => (isPage(body) ? body : null))
      .catch(() => null);
    pages.set(name, page);
  }
  return pages;
}

export type InitialLoad = {
  conn: SyncConnection;
  name: CollectionName;
  collection: RxCollection<Record<string, unknown>>;
  batchSize: number;
  /** The document as this version keeps it (unknown fields dropped), as the replication's modifier does. */
  modifier(doc: Record<string, unknown>): Record<string, unknown>;
  firstPage?: Promise<Page | null>;
  /**
   * The write context the replication's upstream takes for its downstream's own writes, which it
   * then skips instead of reading each document back to see whether to push it (on IndexedDB,
   * seconds of work after a load of 10,000). Known once the replication has started (null before:
   * no page waits for it).
   */
  downstreamContext?(): string | null;
  /** After the first page is in the store (its replication may start then: it would compete with that write). */
  afterFirstPage?(): void;
  onProgress(progress: LoadProgress): void;
};

/** Where a load ended: the checkpoint (with its view) and the last document written, as the server sent it. */
export type Loaded = { checkpoint: ReplicaCheckpoint; last: Record<string, unknown> | null };

/**
 * Loads an empty collection page by page. Returns where it ended, or null when the replication
 * should pull by itself (what was written stays: it pulls over it). Never throws.
 */
export async function loadFromScratch(load: InitialLoad): Promise<Loaded | null> {
  const { conn, name, batchSize } = load;
  const firstSize = Math.min(FIRST_PAGE_SIZE, batchSize);
  const fetchPage = async (from: Checkpoint, size: number): Promise<Page> => {
    const query = new URLSearchParams({ seq: String(from.seq), id: from.id, batchSize: String(size) });
    const answer = await conn.call<unknown>('GET', `${syncPath(name, 'pull')}?${query}`);
    if (!isPage(answer)) throw new SyncHttpError(`pull ${name}: the server's answer is not {documents, checkpoint}`, 200);
    return answer;
  };
  try {
    let page = (await load.firstPage) ?? (await fetchPage({ seq: 0, id: '' }, firstSize));
    let asked = load.firstPage ? FIRST_PAGE_SIZE : firstSize;
    const view = page.view;
    let received = 0;
    let last: Record<string, unknown> | null = null;
    for (;;) {
      if (conn.stopped) return null;
      if (page.view !== view) {
        // Another view mid-way (roles changed): what was written may not be shown under it, so none of it stays.
        await emptyCollection(load.collection);
        return null;
      }
      // The next page is on its way while this one is written.
      // A page of sealed audit blocks is short while more remain: `remaining` says so.
      const next = page.documents.length >= asked || (page.remaining ?? 0) > 0 ? fetchPage(page.checkpoint, batchSize) : null;
      next?.catch(() => undefined);
      // Kept as sent: writing adds the storage's fields to the documents.
      if (page.documents.length > 0) last = { ...page.documents[page.documents.length - 1]! };
      await writePage(load, page.documents, load.downstreamContext?.() ?? LOAD_CONTEXT);
      if (received === 0) load.afterFirstPage?.();
      received += page.documents.length;
      load.onProgress({ received, expected: page.remaining === undefined ? null : received + page.remaining });
      // Let the live queries this write set off begin their reads before the next page's write:
      // IndexedDB runs a write after the reads begun before it, and ahead of those begun after, so
      // without this the list's reads queued behind every later page and showed nothing until the end.
      if (next) await new Promise((resolve) => setTimeout(resolve, 0));
      if (!next) return { checkpoint: view === undefined ? page.checkpoint : { ...page.checkpoint, view }, last };
      page = await next;
      asked = batchSize;
    }
  } catch {
    // Already in the status when the server was the cause; the replication retries from its own checkpoint.
    return null;
  }
}

/**
 * One page into the collection's storage: inserts, and updates of what another page or tab wrote
 * first. Written below RxDB's collection wrapper, which stamps a whole bulk write with one
 * last-write time: the replication's upstream, which starts after the load and reads through the
 * collection by that time in slices of 100, then re-read every document sharing it for each slice
 * (10,000 documents took it ~10 s). Here each document gets its own time from RxDB's clock.
 */
async function writePage(load: InitialLoad, documents: readonly Record<string, unknown>[], context: string): Promise<void> {
  if (documents.length === 0) return;
  const { collection } = load;
  const storage = (collection.storageInstance as unknown as { originalStorageInstance: RxStorageInstance<Record<string, unknown>, unknown, unknown> }).originalStorageInstance;
  const token = collection.database.token;
  const inserted = createRevision(token);
  const rows = documents.map((doc) => ({ document: Object.assign(load.modifier(doc), { _attachments: {}, _meta: { lwt: now() }, _rev: inserted }) })) as unknown as BulkWriteRow<Record<string, unknown>>[];
  const written = await collection.database.lockedRun(() => storage.bulkWrite(rows, context));
  if (written.error.length === 0) return;
  const updates: BulkWriteRow<Record<string, unknown>>[] = [];
  for (const error of written.error) {
    if (error.status !== 409 || !error.documentInDb) throw new Error(`${load.name}: the local store refused ${error.documentId} (${error.status})`);
    const previous = error.documentInDb as RxDocumentData<Record<string, unknown>>;
    updates.push({ previous, document: { ...error.writeRow.document, _meta: { ...previous._meta, lwt: now() }, _rev: createRevision(token, previous) } });
  }
  const again = await collection.database.lockedRun(() => storage.bulkWrite(updates, context));
  if (again.error.length > 0) throw new Error(`${load.name}: ${again.error.length} documents changed locally while loading`);
}

/**
 * Removes every local document of a pull-only collection. Its replication has no push, so RxDB
 * keeps no assumed server state for it: a document pulled again later simply replaces the removal.
 */
export async function emptyCollection(collection: RxCollection<Record<string, unknown>>): Promise<void> {
  const docs = await collection.find().exec();
  if (docs.length > 0) await collection.bulkRemove(docs.map((doc) => doc.primary));
}
