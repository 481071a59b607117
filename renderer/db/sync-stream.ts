/**
 * The live side of replication: Server-Sent Events read through fetch (Node has no EventSource),
 * kept open with reconnects, and demultiplexed into each collection's RxDB `pull.stream$`.
 *
 * ONE connection carries every pulled collection, `GET /sync/v{N}/stream?collections=a,b,c`, whose
 * `data:` is JSON: `{collection, documents, checkpoint}` after each commit touching one of them, or
 * `"RESYNC"` for all of them (sent right after connecting, so a client that reconnects re-pulls
 * what it missed). Comments are heartbeats. Browsers open at most six HTTP/1.1 connections per
 * host; a stream per collection would take them all. The per-collection stream `GET
 * /sync/v{N}/{collection}/stream` (`{documents, checkpoint}`) is still used when asked for or when
 * the server has no multiplexed stream (it answers 404).
 */
import { createParser } from 'eventsource-parser';
import type { Subject } from 'rxjs';
import type { RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
import { COLLECTIONS, syncPath, syncStreamPath, type Checkpoint, type CollectionName, type MultiplexedStreamMessage } from '../../core/index.js';
import { describe, errorMessage, SyncHttpError, type SyncConnection } from './sync-http.js';

export type StreamItem = RxReplicationPullStreamItem<unknown, Checkpoint>;

export type StreamTiming = {
  /** Longest wait between reconnection attempts (backoff with jitter). */
  reconnectMaxMs: number;
  /** A stream silent for this long is assumed dead and reconnected (the server beats every 15 s). */
  idleTimeoutMs: number;
};

const RECONNECT_BASE_MS = 250;

type StreamHandlers = { onConnect(reconnected: boolean): void; onData(data: string): void };

/**
 * One Server-Sent Events connection, kept open: after a failure, or `idleTimeoutMs` of silence, it
 * reconnects with backoff. Each event's `data:` goes to onData. Ends when replication stops, on
 * 426, or (only when `endOn404`) with 'not_found' when the server does not know the path.
 */
async function runStream(conn: SyncConnection, timing: StreamTiming, path: string, label: string, handlers: StreamHandlers, endOn404: boolean): Promise<'stopped' | 'not_found'> {
  let failures = 0;
  let connectedBefore = false;
  while (!conn.stopped) {
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    conn.stop.signal.addEventListener('abort', abortAttempt);
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const armIdleTimer = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(abortAttempt, timing.idleTimeoutMs);
    };
    try {
      const response = await conn.opts.fetch(conn.opts.baseUrl + path, { headers: { ...conn.headers, accept: 'text/event-stream' }, signal: attempt.signal });
      if (response.status === 404 && endOn404) {
        await response.body?.cancel().catch(() => undefined);
        return 'not_found';
      }
      if (!response.ok || !response.body) {
        const message = await errorMessage(response);
        conn.failed(response.status, message);
        if (response.status === 426) return 'stopped';
        throw new SyncHttpError(`${label}: ${response.status} ${message}`, response.status);
      }
      conn.set({ online: true, failure: undefined });
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
      if (conn.stopped) return 'stopped';
      if (!(error instanceof SyncHttpError)) conn.set({ online: false, failure: 'no-answer', lastError: `live updates interrupted: ${describe(error)}` });
    } finally {
      if (idleTimer) clearTimeout(idleTimer);
      conn.stop.signal.removeEventListener('abort', abortAttempt);
    }
    if (conn.stopped) return 'stopped';
    failures++;
    await sleep(backoff(failures, timing.reconnectMaxMs), conn.stop.signal);
  }
  return 'stopped';
}

/** The older shape: one connection per collection. */
export function streamOneCollection(conn: SyncConnection, timing: StreamTiming, collection: CollectionName, subject: Subject<StreamItem>): void {
  void runStream(
    conn,
    timing,
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
export function streamAllCollections(conn: SyncConnection, timing: StreamTiming, subjects: ReadonlyMap<CollectionName, Subject<StreamItem>>): void {
  const resyncAll = () => subjects.forEach((subject) => subject.next('RESYNC'));
  void runStream(
    conn,
    timing,
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
    if (end === 'not_found' && !conn.stopped) subjects.forEach((subject, collection) => streamOneCollection(conn, timing, collection, subject));
  });
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
