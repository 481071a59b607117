/**
 * Replication of the local replica with the sync server, one RxDB replication per collection.
 *
 * The protocol this relies on (core/sync/protocol.ts; every request carries
 * `Authorization: Bearer <token>`):
 * - Pull: `GET /sync/v{N}/{collection}/pull?seq=&id=&batchSize=` answers `{documents, checkpoint}`;
 *   documents are ordered by the server's strictly increasing `seq`, carry `_deleted`, and the
 *   checkpoint is `{seq, id}` of the last one (the same checkpoint when nothing is new). The first
 *   pull sends seq=0 and id=''.
 * - Push: only `commands`: `POST /sync/v{N}/commands/push` with RxDB's rows
 *   `[{assumedMasterState, newDocumentState}]` answers `[]`, or the server's copy of each command
 *   whose stored state differs (a conflict). Pushing a command id twice is a no-op on the server.
 *   Every other collection is authoritative and pull-only.
 * - Stream: ONE Server-Sent Events connection for every pulled collection, demultiplexed into
 *   each collection's `pull.stream$` (sync-stream.ts), or one per collection when asked for
 *   (`stream: 'per-collection'`) or when the server has no multiplexed stream.
 * - 426 answers a protocol version the server does not speak: the client stops and says
 *   "upgrade". 401 means the token is missing or expired.
 * - Per-role replicas: the server sends each person only what their roles let them see, and every
 *   pull answers their `view`. It is kept in the stored checkpoint; a pull whose answer names
 *   another view (roles changed, an eligibility appeared or went) empties that collection and
 *   pulls it again from the start, so nothing no longer visible stays. A collection the roles no
 *   longer replicate (403) is emptied and left alone. Either sets `viewChanged` in the status.
 */
import { BehaviorSubject, Subject, combineLatest, distinctUntilChanged, map, of, switchMap, type Observable, type Subscription } from 'rxjs';
import type { ReplicationPullOptions, RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import { COLLECTIONS, PROTOCOL_VERSION, syncPath, type Checkpoint, type CollectionName, type PullResponse } from '../../core/index.js';
import type { JitDatabase } from './database.js';
import { emptyCollection, loadFromScratch, type FirstPages, type Loaded, type LoadingState, type LoadProgress, type ReplicaCheckpoint } from './initial-load.js';
import { SyncConnection, SyncHttpError, type ConnectionStatus } from './sync-http.js';
import { streamAllCollections, streamOneCollection, type StreamItem } from './sync-stream.js';

export { SyncHttpError } from './sync-http.js';
export { prefetchFirstPages, type FirstPages, type LoadingState, type LoadProgress } from './initial-load.js';

export type ReplicationStatus = ConnectionStatus & {
  /** Commands written locally whose result has not arrived yet. */
  pendingCommands: number;
};

export type ReplicationOptions = {
  serverUrl: string;
  token: string;
  fetch?: typeof fetch;
  batchSize?: number;
  /** Wait between retries of a failed pull or push (RxDB retryTime). Default 5 s. */
  retryTimeMs?: number;
  /** Longest wait between stream reconnection attempts (backoff with jitter). Default 10 s. */
  reconnectMaxMs?: number;
  /** A stream silent for this long is assumed dead and reconnected (the server beats every 15 s). Default 45 s. */
  streamIdleTimeoutMs?: number;
  /**
   * 'multiplexed' (default): one live connection for every collection. 'per-collection': one each,
   * as older servers offer (the multiplexed mode falls back to it by itself when the server answers 404).
   */
  stream?: 'multiplexed' | 'per-collection';
  /** First pages already asked for (at sign-in, prefetchFirstPages): an empty collection starts its load with them. */
  firstPages?: FirstPages;
};

export type ReplicationHandle = {
  status$: Observable<ReplicationStatus>;
  /**
   * The collections still loading from scratch (an empty replica, or one rebuilt for another view),
   * with their progress. Every pulled collection starts in it until its local copy is known to be
   * a whole one; what the console shows of a collection in it is partial.
   */
  loading$: Observable<LoadingState>;
  /** Resolves when every collection has pulled what the server has and pushed every local command. */
  awaitInSync(): Promise<void>;
  /** Pull every collection again from its checkpoint (e.g. after the window wakes up). */
  reSync(): void;
  cancel(): Promise<void>;
  /** The underlying RxDB replications, for diagnostics and tests. */
  states: ReadonlyMap<CollectionName, RxReplicationState<unknown, Checkpoint>>;
};


type AnyCollection = RxCollection<Record<string, unknown>>;

/**
 * Documents per pull page. The first sync of a large collection costs per page as well as per
 * document (a request, a storage bulk write, a checkpoint write; RxDB's memory storage even merges
 * every page into its sorted indexes), so pages are the largest the server allows: 120k documents
 * pulled in ~1.5x less time with 2000-document pages than with 500, and ~8% less again with 5000.
 */
export const DEFAULT_PULL_BATCH_SIZE = 5000;
const PUSH_BATCH_SIZE = 50;

export function startReplication(db: JitDatabase, opts: ReplicationOptions): ReplicationHandle {
  if (!/^https?:\/\//.test(opts.serverUrl)) throw new Error(`serverUrl: must be an http(s) URL, not "${opts.serverUrl}"`);
  if (!opts.token) throw new Error('token: is required');
  const batchSize = opts.batchSize ?? DEFAULT_PULL_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new Error(`batchSize: must be an integer from 1 to 5000, not ${batchSize}`);
  const baseUrl = opts.serverUrl.replace(/\/+$/, '');
  const retryTime = opts.retryTimeMs ?? 5_000;
  const timing = { reconnectMaxMs: opts.reconnectMaxMs ?? 10_000, idleTimeoutMs: opts.streamIdleTimeoutMs ?? 45_000 };
  const streamMode = opts.stream ?? 'multiplexed';
  if (streamMode !== 'multiplexed' && streamMode !== 'per-collection') throw new Error(`stream: must be 'multiplexed' or 'per-collection', not ${JSON.stringify(streamMode)}`);

  const states = new Map<CollectionName, RxReplicationState<unknown, Checkpoint>>();
  const loading$ = new BehaviorSubject<LoadingState>(new Map());
  const setLoading = (name: CollectionName, progress: LoadProgress | null) => {
    const next = new Map(loading$.value);
    if (progress) next.set(name, progress);
    else next.delete(name);
    loading$.next(next);
  };
  const subscriptions: Subscription[] = [];
  let upgradeRequired: (() => void) | undefined;
  const upgradeRequired$ = new Promise<never>((_, reject) => {
    upgradeRequired = () => reject(new Error('the server needs a newer version of this app: upgrade to keep syncing'));
  });
  upgradeRequired$.catch(() => undefined);
  const conn = new SyncConnection({
    baseUrl,
    token: opts.token,
    fetch: opts.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    onUpgradeRequired: () => {
      upgradeRequired?.();
      void stopAll();
    },
  });

  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      conn.stop.abort();
      await Promise.all([...states.values()].map((s) => s.cancel()));
    })());

  /** Each pulled collection's first load (begin), which its replication's first pull waits for. */
  const firstLoads = new Map<CollectionName, Promise<(Loaded & { handedOver?: boolean }) | null>>();
  const streamSubjects = new Map<CollectionName, Subject<StreamItem>>();
  const streamSubjectOf = (collection: CollectionName): Observable<StreamItem> => {
    const subject = new Subject<StreamItem>();
    streamSubjects.set(collection, subject);
    return subject.asObservable();
  };
  for (const name of Object.keys(db.collections) as CollectionName[]) {
    const spec = COLLECTIONS[name];
    if (!spec) continue;
    const collection = db.collections[name] as unknown as AnyCollection;
    const fields = new Set(Object.keys(collection.schema.jsonSchema.properties));
    const modifier = (doc: Record<string, unknown>) => pickFields(doc, fields) as WithDeleted<Record<string, unknown>>;
    const pullOptions: ReplicationPullOptions<Record<string, unknown>, ReplicaCheckpoint> | undefined = spec.push
      ? undefined
      : {
          batchSize,
          handler: async (checkpointed: ReplicaCheckpoint | undefined, size: number) => {
            // With no checkpoint of its own yet, the replication goes on from where this collection's first load ended.
            let stored = checkpointed;
            let carried: WithDeleted<Record<string, unknown>>[] = [];
            const load = checkpointed ? undefined : await firstLoads.get(name);
            if (load && !load.handedOver) {
              load.handedOver = true;
              stored = load.checkpoint;
              // Already here; sent again so RxDB keeps the checkpoint even when nothing is new.
              if (load.last) carried = [load.last as WithDeleted<Record<string, unknown>>];
            }
            const pull = async (from: Checkpoint | undefined) => {
              const query = new URLSearchParams({ seq: String(from?.seq ?? 0), id: from?.id ?? '', batchSize: String(size) });
              const answer = await conn.call<PullResponse<Record<string, unknown>>>('GET', `${syncPath(name, 'pull')}?${query}`, undefined, (status) => status === 403);
              if (!Array.isArray(answer.documents) || typeof answer.checkpoint?.seq !== 'number') {
                throw new SyncHttpError(`pull ${name}: the server's answer is not {documents, checkpoint}`, 200);
              }
              return answer;
            };
            let answer: PullResponse<Record<string, unknown>>;
            try {
              answer = await pull(stored);
            } catch (error) {
              if (!(error instanceof SyncHttpError) || error.status !== 403) throw error;
              // These roles no longer replicate this collection: nothing of it may stay here.
              await emptyCollection(collection);
              setLoading(name, null);
              conn.set({ viewChanged: true });
              return { documents: [], checkpoint: stored ?? { seq: 0, id: '' } };
            }
            if (stored && answer.view !== undefined && stored.view !== answer.view) {
              // Pulled under another view: drop what is here and pull what this one shows from the start.
              setLoading(name, { received: 0, expected: null });
              await emptyCollection(collection);
              conn.set({ viewChanged: true });
              answer = await pull(undefined);
              carried = [];
              // Loading until the replication has written everything this view shows.
              void state.awaitInSync().then(() => setLoading(name, null), () => undefined);
            }
            // A page of sealed audit blocks holds fewer documents than asked for while more remain; RxDB would stop at a short page.
            while (answer.documents.length < size && (answer.remaining ?? 0) > 0) {
              const more = await pull(answer.checkpoint);
              if (more.documents.length === 0) break;
              answer = { ...more, documents: [...answer.documents, ...more.documents] };
            }
            const checkpoint: ReplicaCheckpoint = answer.view === undefined ? answer.checkpoint : { ...answer.checkpoint, view: answer.view };
            return { documents: [...carried, ...(answer.documents as WithDeleted<Record<string, unknown>>[])], checkpoint };
          },
          // Keep only fields this version knows, so a newer server adding a field does not break older clients.
          modifier,
          stream$: streamSubjectOf(name) as Observable<RxReplicationPullStreamItem<Record<string, unknown>, ReplicaCheckpoint>>,
        };
    const state = replicateRxCollection<Record<string, unknown>, ReplicaCheckpoint>({
      // The server URL is part of the identity: another server means starting from scratch.
      replicationIdentifier: `jit-v${PROTOCOL_VERSION}-${name}-${baseUrl}`,
      collection,
      live: true,
      retryTime,
      waitForLeadership: false,
      // An approval console keeps syncing while in the background (notifications, badge count).
      toggleOnDocumentVisible: false,
      // Started by begin(): at once, or after an empty collection's first page (creating its replication's own store would compete with that write).
      autoStart: false,
      pull: pullOptions,
      push: spec.push
        ? {
            batchSize: PUSH_BATCH_SIZE,
            handler: async (rows) => {
              const body = rows.map((row) => ({ assumedMasterState: row.assumedMasterState ?? null, newDocumentState: row.newDocumentState }));
              const conflicts = await conn.call<unknown>('POST', syncPath(name, 'push'), body);
              if (!Array.isArray(conflicts)) throw new SyncHttpError(`push ${name}: the server's answer is not an array of conflicts`, 200);
              return conflicts as WithDeleted<Record<string, unknown>>[];
            },
          }
        : undefined,
    });
    // Failures already reach the status through conn.call(); subscribing keeps RxDB from treating them as unhandled.
    subscriptions.push(state.error$.subscribe(() => undefined));
    states.set(name, state as unknown as RxReplicationState<unknown, Checkpoint>);
    if (pullOptions) {
      setLoading(name, { received: 0, expected: null });
      firstLoads.set(name, begin(name, collection, state, modifier));
    } else state.start().catch(() => undefined);
  }

  /**
   * An empty collection's first load (initial-load.ts), running beside its replication: resolves
   * with where it ended (the replication's first pull carries on from there), or null when the
   * collection was not empty or the load gave up (the replication then pulls as usual).
   */
  async function begin(
    name: CollectionName,
    collection: AnyCollection,
    state: RxReplicationState<Record<string, unknown>, ReplicaCheckpoint>,
    modifier: (doc: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<(Loaded & { handedOver?: boolean }) | null> {
    let result: Loaded | null = null;
    let loaded = false;
    let started = false;
    const start = () => {
      if (started || conn.stopped) return;
      started = true;
      // Errors of start() are emitted on error$.
      state.start().catch(() => undefined);
    };
    try {
      // Read first even on a new device: it opens the collection's store before any write, and the lists' first reads with it.
      if ((await collection.count().exec()) === 0 && !conn.stopped) {
        // Taken once the replication has started; pages written before that are left to its upstream (never waited for).
        let downstream: string | null = null;
        void state.startPromise.then(async () => (downstream = (await state.internalReplicationState?.downstreamBulkWriteFlag) ?? null));
        const downstreamContext = () => downstream;
        result = await loadFromScratch({ conn, name, collection, batchSize, modifier, firstPage: opts.firstPages?.get(name), downstreamContext, afterFirstPage: start, onProgress: (progress) => setLoading(name, progress) });
        loaded = result !== null;
      } else loaded = true;
    } catch {
      // The local store could not be read: the replication pulls by itself.
    }
    start();
    if (conn.stopped) return result;
    void settle(name, collection, state, loaded);
    return result;
  }

  /** Says a collection is complete once it is: at once after a load, or when its replication has pulled what the server has. */
  async function settle(name: CollectionName, collection: AnyCollection, state: RxReplicationState<Record<string, unknown>, ReplicaCheckpoint>, loaded: boolean): Promise<void> {
    if (loaded) {
      // One read after the last write, so live queries set off by that write have caught up before "complete" is said.
      await collection.count().exec().catch(() => undefined);
      setLoading(name, null);
    }
    // Not loaded from scratch: partial until the replication has pulled what the server has.
    else void state.awaitInitialReplication().then(() => setLoading(name, null), () => undefined);
  }

  if (streamSubjects.size > 0) {
    if (streamMode === 'per-collection') streamSubjects.forEach((subject, collection) => streamOneCollection(conn, timing, collection, subject));
    else streamAllCollections(conn, timing, streamSubjects);
  }

  const status$ = combineLatest([conn.status$, pendingCommands$(db)]).pipe(
    map(([connection, pendingCommands]): ReplicationStatus => ({ ...connection, pendingCommands })),
    distinctUntilChanged((a, b) => a.online === b.online && a.pendingCommands === b.pendingCommands && a.lastError === b.lastError && a.upgradeRequired === b.upgradeRequired && a.viewChanged === b.viewChanged && a.failure === b.failure),
  );

  return {
    status$,
    loading$: loading$.pipe(distinctUntilChanged()),
    states,
    async awaitInSync() {
      if (conn.stopped) throw new Error(conn.status$.value.upgradeRequired ? 'the server needs a newer version of this app' : 'replication was cancelled');
      await Promise.race([Promise.all([...states.values()].map((s) => s.awaitInSync())), upgradeRequired$]);
    },
    reSync() {
      for (const state of states.values()) state.reSync();
    },
    async cancel() {
      await stopAll();
      for (const s of subscriptions) s.unsubscribe();
      conn.status$.complete();
      loading$.complete();
    },
  };
}

/** Local commands without a matching command result. */
export function pendingCommands$(db: JitDatabase): Observable<number> {
  const commands = db.collections.commands as JitDatabase['commands'] | undefined;
  const results = db.collections.commandResults as JitDatabase['commandResults'] | undefined;
  if (!commands) return of(0);
  return commands.find().$.pipe(
    switchMap((docs) => {
      const ids = docs.map((d) => d.id);
      if (!results || ids.length === 0) return of(ids.length);
      return results.findByIds(ids).$.pipe(map((found) => ids.filter((id) => !found.has(id)).length));
    }),
    distinctUntilChanged(),
  );
}

/**
 * The document with only the fields this version knows (and a boolean `_deleted`). The initial pull
 * runs this on every document, so the usual case, nothing unknown, returns the same object
 * instead of a copy (RxDB has already cloned it, and copies cost time and garbage).
 */
export function pickFields(doc: Record<string, unknown>, fields: ReadonlySet<string>): Record<string, unknown> {
  let known = typeof doc._deleted === 'boolean';
  if (known) {
    for (const key in doc) {
      if (key !== '_deleted' && !fields.has(key)) {
        known = false;
        break;
      }
    }
  }
  if (known) return doc;
  const out: Record<string, unknown> = { _deleted: doc._deleted === true };
  for (const field of fields) if (Object.hasOwn(doc, field)) out[field] = doc[field];
  return out;
}
