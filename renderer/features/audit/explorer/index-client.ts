/**
 * The page's side of the explorer's index: the worker (index.worker.ts) holds the index, this
 * sends it events and filters and holds answers (RemoteResult). Where no Worker exists (unit
 * tests in Node) the same server runs in this thread behind the same messages.
 */
import type { AuditEvent } from '../../../../core/index.js';
import type { AuditFilter, IndexedEvent } from './audit-index.js';
import type { Order } from './audit-result.js';
import { serveIndex, type Answer, type FromIndex, type ToIndex } from './index-protocol.js';

type Port = { postMessage(message: ToIndex): void; onmessage: ((event: { data: FromIndex }) => void) | null; terminate(): void };

/** The worker, bundled by Vite as its own file (allowed by worker-src 'self' on the web and in the desktop app). */
function startWorker(): Port {
  if (typeof Worker === 'undefined') return inThread();
  return new Worker(new URL('./index.worker.ts', import.meta.url), { type: 'module', name: 'audit-index' }) as unknown as Port;
}

/** The same server in this thread, answering asynchronously as a worker would. */
export function inThread(): Port {
  const port: Port = { postMessage: (message) => queueMicrotask(() => server.receive(message)), onmessage: null, terminate: () => undefined };
  const server = serveIndex((message) => setTimeout(() => port.onmessage?.({ data: message }), 0));
  return port;
}

export type IndexProgress = { indexed: number; lastSeq: number; queued: number; received: number };

const PAGE = 100;

/** A query's answer: every match's sequence number here, the rows read from the worker a page at a time. */
export class RemoteResult {
  readonly total: number;
  private readonly pages = new Map<string, IndexedEvent[]>();
  private readonly asked = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly client: IndexClient,
    readonly answer: Answer,
  ) {
    this.total = answer.seqs.length;
  }

  get countsByType(): Answer['countsByType'] {
    return this.answer.countsByType;
  }

  get first(): IndexedEvent | null {
    return this.answer.first;
  }

  private k(i: number, order: Order): number {
    return order === 'newest' ? this.total - 1 - i : i;
  }

  /** The sequence number at position i in the given order. */
  seqAt(i: number, order: Order = 'newest'): number {
    return this.answer.seqs[this.k(i, order)]!;
  }

  /** Where the event with this sequence sits in the given order, or -1. */
  positionOf(seq: number, order: Order = 'newest'): number {
    const seqs = this.answer.seqs;
    let lo = 0;
    let hi = seqs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = seqs[mid]!;
      if (s === seq) return order === 'newest' ? seqs.length - 1 - mid : mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The row at position i if its page has arrived (ask for it with `load`), else null. */
  at(i: number, order: Order = 'newest'): IndexedEvent | null {
    if (i < 0 || i >= this.total) return null;
    return this.pages.get(`${order}:${Math.floor(i / PAGE)}`)?.[i % PAGE] ?? null;
  }

  /** Asks for the pages holding positions from..to that have not been asked for; `subscribe` hears them arrive. */
  load(from: number, to: number, order: Order = 'newest'): void {
    for (let page = Math.floor(Math.max(0, from) / PAGE); page <= Math.floor(Math.min(this.total - 1, to) / PAGE); page++) {
      const key = `${order}:${page}`;
      if (this.asked.has(key)) continue;
      this.asked.add(key);
      void this.client.rows(this.answer.id, page * PAGE, PAGE, order).then((events) => {
        this.pages.set(key, events);
        for (const listener of this.listeners) listener();
      });
    }
  }

  /** The row at position i, asked for if needed. */
  async get(i: number, order: Order = 'newest'): Promise<IndexedEvent | null> {
    const held = this.at(i, order);
    if (held || i < 0 || i >= this.total) return held;
    const events = await this.client.rows(this.answer.id, i, 1, order);
    return events[0] ?? null;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

export class IndexClient {
  private readonly port: Port;
  private next = 1;
  private readonly waiting = new Map<number, { resolve(message: FromIndex): void; reject(error: Error): void }>();
  private readonly progressListeners = new Set<(p: IndexProgress) => void>();
  private drained: Array<{ below: number; resolve(): void }> = [];
  progress: IndexProgress = { indexed: 0, lastSeq: 0, queued: 0, received: 0 };
  private sent = 0;

  constructor(port: Port = startWorker()) {
    this.port = port;
    port.onmessage = ({ data }) => this.receive(data);
  }

  private receive(message: FromIndex): void {
    if (message.kind === 'progress') {
      this.progress = { indexed: message.indexed, lastSeq: message.lastSeq, queued: message.queued, received: message.received };
      for (const listener of this.progressListeners) listener(this.progress);
      this.drained = this.drained.filter((d) => {
        if (this.backlog() > d.below) return true;
        d.resolve();
        return false;
      });
      return;
    }
    const waiter = this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id);
    if (message.kind === 'failed') waiter.reject(new Error(message.message));
    else waiter.resolve(message);
  }

  /** Events sent and not yet indexed, as far as the last progress says: in transit, and waiting in the worker. */
  private backlog(): number {
    return Math.max(0, this.sent - this.progress.received) + this.progress.queued;
  }

  private ask(message: ToIndex & { id: number }): Promise<FromIndex> {
    return new Promise((resolve, reject) => {
      this.waiting.set(message.id, { resolve, reject });
      this.port.postMessage(message);
    });
  }

  append(events: AuditEvent[]): void {
    if (events.length === 0) return;
    this.sent += events.length;
    this.port.postMessage({ kind: 'append', events });
  }

  /** Resolves once the worker has at most `below` events waiting (so the page does not read the replica far ahead of it). */
  whenBacklogBelow(below: number): Promise<void> {
    if (this.backlog() <= below) return Promise.resolve();
    return new Promise((resolve) => this.drained.push({ below, resolve }));
  }

  setNames(people: Array<[string, string]>, resources: Array<[string, string]>): void {
    this.port.postMessage({ kind: 'names', people, resources });
  }

  async query(filter: AuditFilter): Promise<RemoteResult> {
    const id = this.next++;
    const answer = (await this.ask({ kind: 'query', id, filter })) as Answer;
    return new RemoteResult(this, answer);
  }

  async rows(answer: number, offset: number, limit: number, order: Order): Promise<IndexedEvent[]> {
    const id = this.next++;
    const message = await this.ask({ kind: 'page', id, answer, offset, limit, order });
    return message.kind === 'rows' ? message.events : [];
  }

  forget(answer: number): void {
    this.port.postMessage({ kind: 'forget', answer });
  }

  onProgress(listener: (p: IndexProgress) => void): () => void {
    this.progressListeners.add(listener);
    return () => void this.progressListeners.delete(listener);
  }

  dispose(): void {
    this.port.terminate();
    for (const waiter of this.waiting.values()) waiter.reject(new Error('the explorer index was closed'));
    this.waiting.clear();
  }
}
