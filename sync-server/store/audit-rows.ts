/** The audit_events table's rows as the chain's events, read from any better-sqlite3 handle. */
import type Database from 'better-sqlite3';
import type { AuditEvent } from '../../core/index.js';

export type AuditRow = {
  seq: number;
  id: string;
  type: string;
  actor_id: string;
  at: string;
  subject_type: string;
  subject_id: string;
  data: string;
  prev_hash: string;
  hash: string;
};

/** Audit rows are mapped field by field so the verifier hashes exactly what was sealed. */
export function auditEventFromRow(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    seq: row.seq,
    type: row.type as AuditEvent['type'],
    actorId: row.actor_id,
    at: row.at,
    subjectType: row.subject_type as AuditEvent['subjectType'],
    subjectId: row.subject_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The wire JSON of an audit row (the fields of auditEventFromRow, in its order, then `_deleted`),
 * with the stored `data` text spliced in rather than parsed and serialised again.
 */
export function auditEventJsonFromRow(row: AuditRow): string {
  const str = JSON.stringify;
  return `{"id":${str(row.id)},"seq":${row.seq},"type":${str(row.type)},"actorId":${str(row.actor_id)},"at":${str(row.at)},"subjectType":${str(row.subject_type)},"subjectId":${str(row.subject_id)},"data":${row.data},"prevHash":${str(row.prev_hash)},"hash":${str(row.hash)},"_deleted":false}`;
}

/** Reads the audit chain from any better-sqlite3 handle (the verify CLI opens the file read-only). */
export function* readAuditEvents(db: Database.Database, fromSeq = 1): IterableIterator<AuditEvent> {
  const rows = db.prepare('SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq').iterate(fromSeq) as IterableIterator<AuditRow>;
  for (const row of rows) yield auditEventFromRow(row);
}
