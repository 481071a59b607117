/**
 * What the page and the explorer's index worker (index.worker.ts) say to each other. The worker
 * owns the index; the page sends it events as the replica yields them and asks it questions, and
 * only ever holds a query's answer: the matching sequence numbers (one typed array, transferred),
 * the counts shown above the table, and the rows of the pages in view.
 *
 *   page → worker: append (events), names (people's and resources' names for free text),
 *                  query (a filter), page (rows of an answer), forget (an answer no longer shown)
 *   worker → page: progress (events indexed so far), answer, rows, failed
 *
 * Appends are indexed in slices between which the worker reads its messages, so a query asked
 * while a million events are indexed is answered over what is indexed so far, within a slice.
 * `serveIndex` is the worker's whole behaviour, so it is tested without a Worker.
 */
import type { AuditEvent } from '../../../../core/index.js';
import { AuditIndex, type AuditFilter, type AuditResult, type IndexedEvent } from './audit-index.js';
import type { Order } from './audit-result.js';

export type ToIndex =
  | { kind: 'append'; events: AuditEvent[] }
  | { kind: 'names'; people: Array<[string, string]>; resources: Array<[string, string]> }
  | { kind: 'query'; id: number; filter: AuditFilter }
  | { kind: 'page'; id: number; answer: number; offset: number; limit: number; order: Order }
  | { kind: 'forget'; answer: number };

export type Answer = {
  kind: 'answer';
  id: number;
  /** Sequence numbers of the matches, ascending. */
  seqs: Uint32Array;
  /** How many events the index held when it answered. */
  indexed: number;
  countsByType: Array<{ type: string; count: number }>;
  /** The oldest match (a timeline's title names its person and resource). */
  first: IndexedEvent | null;
};

export type FromIndex =
  | { kind: 'progress'; indexed: number; lastSeq: number; queued: number; received: number }
  | Answer
  | { kind: 'rows'; id: number; answer: number; offset: number; events: IndexedEvent[] }
  | { kind: 'failed'; id: number; message: string };

/** Events indexed per slice before the worker looks at its messages again. */
export const SLICE = 1_000;
/** Answers kept for paging: the one shown and a few the page may still ask rows of. */
const KEPT_ANSWERS = 8;

export type IndexServer = {
  receive(message: ToIndex): void;
  /** For tests: resolves when every append received so far is indexed. */
  idle(): Promise<void>;
  readonly index: AuditIndex;
};

/**
 * The worker's behaviour over `post`. `schedule` runs the next slice later (setTimeout in the
 * worker), so messages that arrived meanwhile (a query) are handled between slices.
 */
export function serveIndex(post: (message: FromIndex, transfer?: ArrayBuffer[]) => void, schedule: (run: () => void) => void = (run) => setTimeout(run, 0)): IndexServer {
  const index = new AuditIndex();
  const people = new Map<string, string>();
  const resources = new Map<string, string>();
  const names = { personName: (id: string) => people.get(id), resourceName: (id: string) => resources.get(id) };
  const answers = new Map<number, AuditResult>();
  const queue: AuditEvent[][] = [];
  let queuedEvents = 0;
  let received = 0;
  let offset = 0;
  let running = false;
  let waiting: Array<() => void> = [];
  let lastProgress = 0;

  const progress = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastProgress < 200) return;
    lastProgress = now;
    post({ kind: 'progress', indexed: index.size, lastSeq: index.lastSeq, queued: queuedEvents, received });
  };

  const slice = () => {
    let budget = SLICE;
    while (budget > 0 && queue.length > 0) {
      const batch = queue[0]!;
      const take = Math.min(budget, batch.length - offset);
      index.append(batch.slice(offset, offset + take));
      offset += take;
      budget -= take;
      queuedEvents -= take;
      if (offset >= batch.length) {
        queue.shift();
        offset = 0;
      }
    }
    if (queue.length > 0) {
      progress(false);
      schedule(slice);
      return;
    }
    running = false;
    progress(true);
    const done = waiting;
    waiting = [];
    for (const resolve of done) resolve();
  };

  const answer = (id: number, filter: AuditFilter) => {
    const result = index.query(filter, names);
    answers.set(id, result);
    while (answers.size > KEPT_ANSWERS) answers.delete(answers.keys().next().value!);
    const seqs = new Uint32Array(result.total);
    const seqColumn = index.seq.data;
    for (let i = 0; i < result.rows.length; i++) seqs[i] = seqColumn[result.rows[i]!]!;
    const message: Answer = { kind: 'answer', id, seqs, indexed: index.size, countsByType: result.countsByType(), first: result.total > 0 ? result.at(0, 'oldest') : null };
    post(message, [seqs.buffer]);
  };

  return {
    index,
    idle: () => (running ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve()),
    receive(message) {
      switch (message.kind) {
        case 'append':
          if (message.events.length === 0) return;
          queue.push(message.events);
          queuedEvents += message.events.length;
          received += message.events.length;
          if (!running) {
            running = true;
            schedule(slice);
          }
          return;
        case 'names':
          people.clear();
          resources.clear();
          for (const [id, name] of message.people) people.set(id, name);
          for (const [id, name] of message.resources) resources.set(id, name);
          return;
        case 'query':
          try {
            answer(message.id, message.filter);
          } catch (error) {
            post({ kind: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) });
          }
          return;
        case 'page': {
          const result = answers.get(message.answer);
          const events = result ? result.page(message.offset, message.limit, message.order) : [];
          post({ kind: 'rows', id: message.id, answer: message.answer, offset: message.offset, events });
          return;
        }
        case 'forget':
          answers.delete(message.answer);
          return;
      }
    },
  };
}
