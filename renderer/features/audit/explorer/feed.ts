/**
 * Feeds the explorer's index from the local replica: every event held, a page of documents at a
 * time in seq order, then each new document as replication writes it. A sealed block is read and
 * sent once (pages go by the documents' own seq, and the index skips a sequence it holds), and
 * the open tail's events as they arrive. The index only ever sees plain AuditEvents, so how the
 * replica stores them is this file's business (with renderer/db/audit-reader.ts).
 */
import type { AuditEvent } from '../../../../core/index.js';
import { eventsOfDoc } from '../../../db/audit-reader.js';
import type { JitDatabase } from '../../../db/index.js';

export type FeedHandle = { stop(): void };

type AuditDocJson = Parameters<typeof eventsOfDoc>[0];
type AuditDoc = { toJSON(): unknown };

function collection(db: JitDatabase): JitDatabase['audit'] | null {
  return 'audit' in db.collections ? db.audit : null;
}

/**
 * How many events the replica holds now (for "Indexing N of M"). A replica of the whole log holds
 * sealed blocks and then the tail, consecutive: its first block's first event to its last event.
 * Any other holds one event per document.
 */
export async function heldCount(db: JitDatabase): Promise<number> {
  const audit = collection(db);
  if (!audit) return 0;
  const [first, last] = await Promise.all([audit.findOne({ sort: [{ seq: 'asc' }] }).exec(), audit.findOne({ sort: [{ seq: 'desc' }] }).exec()]);
  const firstJson = first?.toJSON() as AuditDocJson | undefined;
  if (firstJson?.block && last) return last.seq - firstJson.block.firstSeq + 1;
  return audit.count().exec();
}

/** One event read whole (its data too) from the replica, for the detail pane: alone, or inside the sealed block holding it. */
export async function readEvent(db: JitDatabase, seq: number): Promise<AuditEvent | null> {
  const audit = collection(db);
  if (!audit) return null;
  // A block document's seq is its last event's, so the first document at or after seq holds it.
  const doc = await audit.findOne({ selector: { seq: { $gte: seq } }, sort: [{ seq: 'asc' }] }).exec();
  if (!doc) return null;
  return eventsOfDoc(doc.toJSON() as AuditDocJson).find((e) => e.seq === seq) ?? null;
}

export type FeedSink = {
  /** Events to index (any order; those already indexed are skipped). */
  append(events: AuditEvent[]): void;
  /** Resolves when the index has caught up enough to take more. */
  whenBacklogBelow(events: number): Promise<void>;
};

/** Events per message to the index: small enough that a query waits little behind one. */
const CHUNK = 5_000;

/**
 * Sends `sink` every event after `afterSeq`, pages of `pageSize` documents, never running more
 * than a few chunks ahead of the index; then again whenever the collection changes. `onRead` says
 * how far it has read; `onIdle` that the backlog is read.
 */
export function feedAuditEvents(db: JitDatabase, sink: FeedSink, hooks: { onRead?(): void; onIdle(): void }, pageSize = 50): FeedHandle {
  const audit = collection(db);
  let stopped = false;
  let after = 0;
  let running = false;
  let again = false;
  const pull = async () => {
    if (!audit || stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        for (;;) {
          const docs = (await audit.find({ selector: { seq: { $gt: after } }, sort: [{ seq: 'asc' }], limit: pageSize }).exec()) as AuditDoc[];
          if (stopped) return;
          if (docs.length === 0) break;
          const json = docs.map((d) => d.toJSON() as AuditDocJson);
          after = json[json.length - 1]!.seq;
          const events = json.flatMap(eventsOfDoc);
          for (let i = 0; i < events.length; i += CHUNK) sink.append(events.slice(i, i + CHUNK));
          hooks.onRead?.();
          await sink.whenBacklogBelow(2 * CHUNK);
          if (stopped) return;
          if (docs.length < pageSize) break;
        }
      } while (again && !stopped);
      if (!stopped) hooks.onIdle();
    } finally {
      running = false;
    }
  };
  void pull();
  const sub = audit?.$.subscribe(() => void pull());
  if (!audit) hooks.onIdle();
  return {
    stop() {
      stopped = true;
      sub?.unsubscribe();
    },
  };
}
