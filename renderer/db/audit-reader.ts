/**
 * The one way to read audit events from the local replica. Every screen that shows events (the
 * Audit page and its explorer, a request's timeline, a policy's history, the evidence pack) reads
 * them here, so how the `audit` collection holds them (one document per event, or sealed blocks of
 * events: core/audit/blocks.ts) is known in this file only.
 *
 *   auditEvents$(db, { subjectIds: [requestId, grantId] })   // live, seq order
 *   auditEvents$(db, { latest: 5000 })                        // live, newest first
 *   await readAuditEvents(db)                                  // everything held, seq order
 *   for await (const page of auditEventPages(db)) index(page)  // everything, a page at a time
 *
 * A person whose roles replicate no audit events has no `audit` collection: every reader answers
 * with no events. No React here (useAuditEvents in features/audit wraps auditEvents$).
 */
import { combineLatest, map, of, type Observable } from 'rxjs';
import type { AuditBlock, AuditEvent } from '../../core/index.js';
import type { JitDatabase } from './database.js';

export type AuditQuery = {
  /** Only events about these subjects (a request and its grant, a policy), in seq order. */
  subjectIds?: readonly string[];
  /** Only the newest this many events, newest first. */
  latest?: number;
};

type AuditDocJson = AuditEvent & { block?: AuditBlock };

/** The events one replicated document holds: itself, or a sealed block's events. */
export function eventsOfDoc(doc: AuditDocJson): AuditEvent[] {
  if (doc.block) return doc.block.events;
  const { block: _none, ...event } = doc;
  return [event];
}

function auditCollection(db: JitDatabase): JitDatabase['audit'] | null {
  return 'audit' in db.collections ? db.audit : null;
}

export function hasAuditReplica(db: JitDatabase): boolean {
  return auditCollection(db) !== null;
}

/** Sorted by seq, each event once (a replica may briefly hold an event both alone and in its block). */
function inSeqOrder(events: AuditEvent[]): AuditEvent[] {
  const bySeq = new Map<number, AuditEvent>();
  for (const event of events) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

const json = (docs: readonly { toJSON(): unknown }[]) => docs.map((d) => d.toJSON() as AuditDocJson);

/** Live events matching the query: seq order, or newest first with `latest`. */
export function auditEvents$(db: JitDatabase, query: AuditQuery = {}): Observable<AuditEvent[]> {
  const audit = auditCollection(db);
  if (!audit) return of([]);
  if (query.subjectIds) {
    const wanted = new Set(query.subjectIds);
    // Tail events by their indexed subject; sealed blocks hold many subjects and are searched inside.
    // (A subject index over the blocks would spare reading every block: see docs/decisions/sealed-audit-blocks.md.)
    const tail$ = audit.find({ selector: { subjectId: { $in: [...wanted] } }, sort: [{ seq: 'asc' }] }).$;
    const blocks$ = audit.find({ selector: { block: { $exists: true } }, sort: [{ seq: 'asc' }] }).$;
    return combineLatest([tail$, blocks$]).pipe(
      map(([tail, blocks]) => inSeqOrder([...json(blocks), ...json(tail).filter((doc) => !doc.block)].flatMap(eventsOfDoc).filter((e) => wanted.has(e.subjectId)))),
    );
  }
  if (query.latest !== undefined) {
    const limit = query.latest;
    return audit.find({ sort: [{ seq: 'desc' }], limit }).$.pipe(
      map((docs) =>
        json(docs)
          .flatMap((doc) => eventsOfDoc(doc).reverse())
          .slice(0, limit),
      ),
    );
  }
  return audit.find({ sort: [{ seq: 'asc' }] }).$.pipe(map((docs) => json(docs).flatMap(eventsOfDoc)));
}

/** Every event held, in seq order, a page of documents at a time (a block counts as one document). */
export async function* auditEventPages(db: JitDatabase, pageSize = 2000, signal?: AbortSignal): AsyncGenerator<AuditEvent[]> {
  const audit = auditCollection(db);
  if (!audit) return;
  let after = 0;
  for (;;) {
    signal?.throwIfAborted();
    const docs = json(await audit.find({ selector: { seq: { $gt: after } }, sort: [{ seq: 'asc' }], limit: pageSize }).exec());
    if (docs.length === 0) return;
    after = docs[docs.length - 1]!.seq;
    yield docs.flatMap(eventsOfDoc);
    if (docs.length < pageSize) return;
  }
}

/** Every event held, in seq order. */
export async function readAuditEvents(db: JitDatabase, signal?: AbortSignal): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  for await (const page of auditEventPages(db, 2000, signal)) for (const event of page) all.push(event);
  return all;
}
