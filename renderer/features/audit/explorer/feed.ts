/**
 * Feeds the explorer's index from the local replica: every event held, a page at a time in seq
 * order, then each new one as replication writes it. The index only ever sees plain AuditEvents,
 * so how the replica stores them is this file's business alone.
 */
import type { AuditEvent } from '../../../../core/index.js';
import type { JitDatabase } from '../../../db/index.js';

export type FeedHandle = { stop(): void };

type AuditDoc = { toJSON(): unknown };
/** One event per document today; a sealed block (core/audit/blocks.ts) carries its events. */
type AuditDocJson = AuditEvent & { block?: { events: AuditEvent[] } };

function eventsOfDoc(doc: AuditDocJson): AuditEvent[] {
  if (doc.block) return doc.block.events;
  return [doc];
}

function collection(db: JitDatabase): JitDatabase['audit'] | null {
  return 'audit' in db.collections ? db.audit : null;
}

/** How many events the replica holds now (for "N of M" while the index builds). */
export async function heldCount(db: JitDatabase): Promise<number> {
  const audit = collection(db);
  return audit ? audit.count().exec() : 0;
}

/** One event read whole (its data too) from the replica, for the detail pane. */
export async function readEvent(db: JitDatabase, seq: number): Promise<AuditEvent | null> {
  const audit = collection(db);
  if (!audit) return null;
  const doc = await audit.findOne({ selector: { seq } }).exec();
  return doc ? (doc.toJSON() as AuditEvent) : null;
}

/**
 * Calls `onEvents` with every event after `afterSeq`, pages of `pageSize`, yielding to the page
 * between pages; then again whenever the collection changes. `onIdle` says the backlog is read.
 */
export function feedAuditEvents(db: JitDatabase, onEvents: (events: AuditEvent[]) => void, onIdle: () => void, pageSize = 2_000): FeedHandle {
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
          // Pages go by the documents' own seq; a sealed block document holds many events.
          after = json[json.length - 1]!.seq;
          onEvents(json.flatMap(eventsOfDoc));
          if (docs.length < pageSize) break;
          // Let the page paint and stay responsive between pages.
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      } while (again && !stopped);
      if (!stopped) onIdle();
    } finally {
      running = false;
    }
  };
  void pull();
  const sub = audit?.$.subscribe(() => void pull());
  if (!audit) onIdle();
  return {
    stop() {
      stopped = true;
      sub?.unsubscribe();
    },
  };
}
