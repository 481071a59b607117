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
 * - Stream: ONE connection for every pulled collection, `GET /sync/v{N}/stream?collections=a,b,c`,
 *   Server-Sent Events whose `data:` is JSON: `{collection, documents, checkpoint}` after each
 *   commit touching one of them, or `"RESYNC"` for all of them (sent right after connecting, so a
 *   client that reconnects re-pulls what it missed). Comments are heartbeats. One reader
 *   demultiplexes it into each collection's `pull.stream$`, with one reconnect loop.
 *   Browsers open at most six HTTP/1.1 connections per host; a stream per collection would take
 *   them all. The per-collection stream `GET /sync/v{N}/{collection}/stream` (`{documents,
 *   checkpoint}`) is still used when asked for (`stream: 'per-collection'`) or when the server has
 *   no multiplexed stream (it answers 404).
 * - 426 answers a protocol version the server does not speak: the client stops and says
 *   "upgrade". 401 means the token is missing or expired.
 * - Per-role replicas: the server sends each person only what their roles let them see, and every
 *   pull answers their `view`. It is kept in the stored checkpoint; a pull whose answer names
 *   another view (roles changed, an eligibility appeared or went) empties that collection and
 *   pulls it again from the start, so nothing no longer visible stays. A collection the roles no
 *   longer replicate (403) is emptied and left alone. Either sets `viewChanged` in the status.
 */
import { createParser } from 'eventsource-parser';
import { BehaviorSubject, Subject, combineLatest, distinctUntilChanged, map, of, switchMap, type Observable, type Subscription } from 'rxjs';
import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import { COLLECTIONS, PROTOCOL_VERSION, syncPath, syncStreamPath, type Checkpoint, type CollectionName, type MultiplexedStreamMessage, type PullResponse } from '../../core/index.js';
import type { JitDatabase } from './database.js';

export type ReplicationStatus = {
  /** The last exchange with the server succeeded. */
  online: boolean;
  /** Commands written locally whose result has not arrived yet. */
  pendingCommands: number;
  /** 'unauthenticated' after a 401; otherwise the last failure in a sentence. */
  lastError?: string;
  /** The server does not speak this client's protocol version; replication has stopped. */
  upgradeRequired?: boolean;
  /** What this account may see changed on the server (e.g. its roles); the replica was rebuilt for it. */
  viewChanged?: boolean;
};

/** The stored checkpoint: the server's, plus the view the documents were pulled under. */
type ReplicaCheckpoint = Checkpoint & { view?: string };

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
};

export type ReplicationHandle = {
  status$: Observable<ReplicationStatus>;
  /** Resolves when every collection has pulled what the server has and pushed every local command. */
  awaitInSync(): Promise<void>;
  /** Pull every collection again from its checkpoint (e.g. after the window wakes up). */
  reSync(): void;
  cancel(): Promise<void>;
  /** The underlying RxDB replications, for diagnostics and tests. */
  states: ReadonlyMap<CollectionName, RxReplicationState<unknown, Checkpoint>>;
};

/** Thrown by handlers so RxDB retries; carries the HTTP status when there was an answer. */
export class SyncHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'SyncHttpError';
  }
}

type AnyCollection = RxCollection<Record<string, unknown>>;
type StreamItem = RxReplicationPullStreamItem<unknown, Checkpoint>;

/**
 * Documents per pull page. The first sync of a large collection costs per page as well as per
 * document (a request, a storage bulk write, a checkpoint write; RxDB's memory storage even merges
 * every page into its sorted indexes), so pages are the largest the server allows: 120k documents
 * pulled in ~1.5x less time with 2000-document pages than with 500, and ~8% less again with 5000.
 */
export const DEFAULT_PULL_BATCH_SIZE = 5000;
const PUSH_BATCH_SIZE = 50;
const RECONNECT_BASE_MS = 250;

export function startReplication(db: JitDatabase, opts: ReplicationOptions): ReplicationHandle {
  if (!/^https?:\/\//.test(opts.serverUrl)) throw new Error(`serverUrl: must be an http(s) URL, not "${opts.serverUrl}"`);
  if (!opts.token) throw new Error('token: is required');
  const batchSize = opts.batchSize ?? DEFAULT_PULL_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new Error(`batchSize: must be an integer from 1 to 5000, not ${batchSize}`);
  const baseUrl = opts.serverUrl.replace(/\/+$/, '');
  const fetchImpl: typeof fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const retryTime = opts.retryTimeMs ?? 5_000;
  const reconnectMaxMs = opts.reconnectMaxMs ?? 10_000;
  const idleTimeoutMs = opts.streamIdleTimeoutMs ?? 45_000;
  const streamMode = opts.stream ?? 'multiplexed';
  if (streamMode !== 'multiplexed' && streamMode !== 'per-collection') throw new Error(`stream: must be 'multiplexed' or 'per-collection', not ${JSON.stringify(streamMode)}`);

  const connection$ = new BehaviorSubject<Omit<ReplicationStatus, 'pendingCommands'>>({ online: false });
  const stopController = new AbortController();
  const states = new Map<CollectionName, RxReplicationState<unknown, Checkpoint>>();
  const subscriptions: Subscription[] = [];
  let stopped = false;
  let upgradeRequired: (() => void) | undefined;
  const upgradeRequired$ = new Promise<never>((_, reject) => {
    upgradeRequired = () => reject(new Error('the server needs a newer version of this app: upgrade to keep syncing'));
  });
  upgradeRequired$.catch(() => undefined);

  const setConnection = (patch: Partial<Omit<ReplicationStatus, 'pendingCommands'>>) => {
    const next = { ...connection$.value, ...patch };
    for (const key of Object.keys(next) as (keyof typeof next)[]) if (next[key] === undefined) delete next[key];
    const prev = connection$.value;
    if (prev.online !== next.online || prev.lastError !== next.lastError || prev.upgradeRequired !== next.upgradeRequired || prev.viewChanged !== next.viewChanged) connection$.next(next);
  };

  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    stopController.abort();
    await Promise.all([...states.values()].map((s) => s.cancel()));
  };

  /** One HTTP exchange; updates the connection status and throws so RxDB retries. */
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, quiet?: (status: number) => boolean): Promise<T> {
    let response: Response;
    try {
      response = await fetchImpl(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: stopController.signal,
      });
    } catch (error) {
      if (!stopped) setConnection({ online: false, lastError: `cannot reach the server: ${describe(error)}` });
      throw new SyncHttpError(`cannot reach ${baseUrl}: ${describe(error)}`, null);
    }
    if (response.ok) {
      const parsed = (await response.json()) as T;
      setConnection({ online: true, lastError: undefined });
      return parsed;
    }
    const message = await errorMessage(response);
    if (quiet?.(response.status)) setConnection({ online: true, lastError: undefined });
    else onHttpFailure(response.status, message);
    throw new SyncHttpError(`${method} ${path}: ${response.status} ${message}`, response.status);
  }

  function onHttpFailure(status: number, message: string) {
    if (status === 426) {
      setConnection({ online: true, upgradeRequired: true, lastError: message || 'this app is too old for the server: upgrade it' });
      upgradeRequired?.();
      void stopAll();
    } else if (status === 401) {
      setConnection({ online: true, lastError: 'unauthenticated' });
    } else {
      // The server answered: we are online, but it refused or failed.
      setConnection({ online: true, lastError: message || `the server answered ${status}` });
    }
  }

  /**
   * One Server-Sent Events connection read through fetch (Node has no EventSource), kept open:
   * after a failure, or `idleTimeoutMs` of silence (the server beats every 15 s), it reconnects with
   * backoff. Each event's `data:` goes to onData. Ends when replication stops, on 426, or (only when
   * `endOn404`) with 'not_found' when the server does not know the path.
   */
  async function runStream(path: string, label: string, handlers: { onConnect(reconnected: boolean): void; onData(data: string): void }, endOn404: boolean): Promise<'stopped' | 'not_found'> {
    let failures = 0;
    let connectedBefore = false;
    while (!stopped) {
      const attempt = new AbortController();
      const abortAttempt = () => attempt.abort();
      stopController.signal.addEventListener('abort', abortAttempt);
      let idleTimer: ReturnType<typeof setTimeout> | undefined;
      const armIdleTimer = () => {
        if (idleTimer) clearTimeout(idleTimer);
        idleTimer = setTimeout(abortAttempt, idleTimeoutMs);
      };
      try {
        const response = await fetchImpl(baseUrl + path, {
          headers: { authorization: `Bearer ${opts.token}`, accept: 'text/event-stream' },
          signal: attempt.signal,
        });
        if (response.status === 404 && endOn404) {
          await response.body?.cancel().catch(() => undefined);
          return 'not_found';
        }
        if (!response.ok || !response.body) {
          const message = await errorMessage(response);
          onHttpFailure(response.status, message);
          if (response.status === 426) return 'stopped';
          throw new SyncHttpError(`${label}: ${response.status} ${message}`, response.status);
        }
        setConnection({ online: true });
        failures = 0;
        handlers.onConnect(connectedBefore);
        connectedBefore = true;
        const parser = createParser({ onEvent: (event) => handlers.onData(event.data) });
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        armIdleTimer();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          armIdleTimer();
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch (error) {
        if (stopped) return 'stopped';
        if (!(error instanceof SyncHttpError)) setConnection({ online: false, lastError: `live updates interrupted: ${describe(error)}` });
      } finally {
        if (idleTimer) clearTimeout(idleTimer);
        stopController.signal.removeEventListener('abort', abortAttempt);
      }
      if (stopped) return 'stopped';
      failures++;
      await sleep(backoff(failures, reconnectMaxMs), stopController.signal);
    }
    return 'stopped';
  }

  /** The older shape: one connection per collection. */
  function streamOneCollection(collection: CollectionName, subject: Subject<StreamItem>): void {
    void runStream(
      syncPath(collection, 'stream'),
      `stream ${collection}`,
      {
        // What changed while we were away is not in the stream: pull from the checkpoint again.
        onConnect: (reconnected) => {
          if (reconnected) subject.next('RESYNC');
        },
        onData: (data) => {
          const message = parseStreamMessage(data);
          if (message) subject.next(message);
        },
      },
      false,
    );
  }

  /** One connection for every collection, demultiplexed into each one's stream$. */
  function streamAllCollections(subjects: ReadonlyMap<CollectionName, Subject<StreamItem>>): void {
    const resyncAll = () => subjects.forEach((subject) => subject.next('RESYNC'));
    void runStream(
      syncStreamPath([...subjects.keys()]),
      'live stream',
      {
        onConnect: (reconnected) => {
          if (reconnected) resyncAll();
        },
        onData: (data) => {
          const message = parseMultiplexedMessage(data);
          if (message === 'RESYNC') resyncAll();
          else if (message) subjects.get(message.collection)?.next({ documents: message.documents, checkpoint: message.checkpoint });
        },
      },
      true,
    ).then((end) => {
      // A server from before the multiplexed stream: fall back to a stream per collection.
      if (end === 'not_found' && !stopped) subjects.forEach((subject, collection) => streamOneCollection(collection, subject));
    });
  }

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
    const state = replicateRxCollection<Record<string, unknown>, Checkpoint>({
      // The server URL is part of the identity: another server means starting from scratch.
      replicationIdentifier: `jit-v${PROTOCOL_VERSION}-${name}-${baseUrl}`,
      collection,
      live: true,
      retryTime,
      waitForLeadership: false,
      // An approval console keeps syncing while in the background (notifications, badge count).
      toggleOnDocumentVisible: false,
      autoStart: true,
      pull: spec.push
        ? undefined
        : {
            batchSize,
            handler: async (stored: ReplicaCheckpoint | undefined, size) => {
              const pull = async (from: Checkpoint | undefined) => {
                const query = new URLSearchParams({ seq: String(from?.seq ?? 0), id: from?.id ?? '', batchSize: String(size) });
                const answer = await call<PullResponse<Record<string, unknown>>>('GET', `${syncPath(name, 'pull')}?${query}`, undefined, (status) => status === 403);
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
                setConnection({ viewChanged: true });
                return { documents: [], checkpoint: stored ?? { seq: 0, id: '' } };
              }
              if (stored && answer.view !== undefined && stored.view !== answer.view) {
                // Pulled under another view: drop what is here and pull what this one shows from the start.
                await emptyCollection(collection);
                setConnection({ viewChanged: true });
                answer = await pull(undefined);
              }
              const checkpoint: ReplicaCheckpoint = answer.view === undefined ? answer.checkpoint : { ...answer.checkpoint, view: answer.view };
              return { documents: answer.documents as WithDeleted<Record<string, unknown>>[], checkpoint };
            },
            // Keep only fields this version knows, so a newer server adding a field does not break older clients.
            modifier: (doc: Record<string, unknown>) => pickFields(doc, fields) as WithDeleted<Record<string, unknown>>,
            stream$: streamSubjectOf(name) as Observable<RxReplicationPullStreamItem<Record<string, unknown>, Checkpoint>>,
          },
      push: spec.push
        ? {
            batchSize: PUSH_BATCH_SIZE,
            handler: async (rows) => {
              const body = rows.map((row) => ({ assumedMasterState: row.assumedMasterState ?? null, newDocumentState: row.newDocumentState }));
              const conflicts = await call<unknown>('POST', syncPath(name, 'push'), body);
              if (!Array.isArray(conflicts)) throw new SyncHttpError(`push ${name}: the server's answer is not an array of conflicts`, 200);
              return conflicts as WithDeleted<Record<string, unknown>>[];
            },
          }
        : undefined,
    });
    // Failures already reach the status through call(); subscribing keeps RxDB from treating them as unhandled.
    subscriptions.push(state.error$.subscribe(() => undefined));
    states.set(name, state as unknown as RxReplicationState<unknown, Checkpoint>);
  }

  if (streamSubjects.size > 0) {
    if (streamMode === 'per-collection') streamSubjects.forEach((subject, collection) => streamOneCollection(collection, subject));
    else streamAllCollections(streamSubjects);
  }

  const status$ = combineLatest([connection$, pendingCommands$(db)]).pipe(
    map(([connection, pendingCommands]): ReplicationStatus => ({ ...connection, pendingCommands })),
    distinctUntilChanged((a, b) => a.online === b.online && a.pendingCommands === b.pendingCommands && a.lastError === b.lastError && a.upgradeRequired === b.upgradeRequired && a.viewChanged === b.viewChanged),
  );

  return {
    status$,
    states,
    async awaitInSync() {
      if (stopped) throw new Error(connection$.value.upgradeRequired ? 'the server needs a newer version of this app' : 'replication was cancelled');
      await Promise.race([Promise.all([...states.values()].map((s) => s.awaitInSync())), upgradeRequired$]);
    },
    reSync() {
      for (const state of states.values()) state.reSync();
    },
    async cancel() {
      await stopAll();
      for (const s of subscriptions) s.unsubscribe();
      connection$.complete();
    },
  };
}

/**
 * Removes every local document of a pull-only collection. Its replication has no push, so RxDB
 * keeps no assumed server state for it: a document pulled again later simply replaces the removal.
 */
async function emptyCollection(collection: AnyCollection): Promise<void> {
  const docs = await collection.find().exec();
  if (docs.length > 0) await collection.bulkRemove(docs.map((doc) => doc.primary));
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
function pickFields(doc: Record<string, unknown>, fields: ReadonlySet<string>): Record<string, unknown> {
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

/**
 * A stream event's data: 'RESYNC', or documents with their checkpoint (and, on the multiplexed
 * stream, a collection name still to be checked); null when it is neither (ignored rather than trusted).
 */
function parseStreamData(data: string): 'RESYNC' | { collection: unknown; documents: WithDeleted<unknown>[]; checkpoint: Checkpoint } | null {
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  if (message === 'RESYNC') return 'RESYNC';
  if (!message || typeof message !== 'object') return null;
  const { collection, documents, checkpoint } = message as { collection?: unknown; documents?: unknown; checkpoint?: Checkpoint };
  if (!Array.isArray(documents) || typeof checkpoint?.seq !== 'number') return null;
  return { collection, documents: documents as WithDeleted<unknown>[], checkpoint };
}

/** A per-collection stream message, or null when it is not one. */
function parseStreamMessage(data: string): StreamItem | null {
  const message = parseStreamData(data);
  if (message === null || message === 'RESYNC') return message;
  return { documents: message.documents, checkpoint: message.checkpoint };
}

/** A multiplexed stream message, or null when it is not one (or names no collection we know). */
function parseMultiplexedMessage(data: string): MultiplexedStreamMessage | null {
  const message = parseStreamData(data);
  if (message === null || message === 'RESYNC') return message;
  const { collection, documents, checkpoint } = message;
  if (typeof collection !== 'string' || !Object.hasOwn(COLLECTIONS, collection)) return null;
  return { collection: collection as CollectionName, documents, checkpoint };
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') return body.error.message;
    } catch {
      // not JSON: use the text as it is
    }
    return text.slice(0, 300);
  } catch {
    return '';
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** Exponential backoff with full jitter over the upper half, so many clients do not reconnect in step. */
function backoff(failures: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, RECONNECT_BASE_MS * 2 ** Math.min(failures - 1, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
