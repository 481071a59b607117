/**
 * The pack's CSV files (events, grants, requests of the period), through the shared toCsv: RFC 4180,
 * formula injection neutralised, a UTF-8 BOM when asked. One header per file, here, so the tests
 * parse the files back against the same columns.
 */
import { revocationCategoryOf, type AccessRequest, type AuditEvent, type Grant } from '../../../core/index.js';
import { toCsv, type CsvCell, type CsvOptions } from '../../lib/csv.js';
import { inPeriod, type EvidencePeriod } from './period.js';

type Names = { user(id: string): string; resource(id: string): string };

export const EVENT_COLUMNS = ['seq', 'id', 'at', 'type', 'actor_id', 'actor', 'subject_type', 'subject_id', 'data', 'prev_hash', 'hash'] as const;
export const GRANT_COLUMNS = ['id', 'request_id', 'user_id', 'user', 'resource_id', 'resource', 'connector', 'status', 'approved_at', 'starts_at', 'expires_at', 'provisioned_at', 'effective_at', 'revoked_at', 'verified_at', 'lateness_ms', 'time_to_effective_ms', 'verification', 'ended_by', 'ended_category', 'ended_reason', 'extensions'] as const;
export const REQUEST_COLUMNS = ['id', 'created_at', 'requester_id', 'requester', 'resource_id', 'resource', 'duration_minutes', 'status', 'justification', 'ticket', 'decided_at', 'approvers', 'break_glass', 'auto_approved', 'outcome_reason', 'grant_id'] as const;

export function eventsInPeriod(audit: readonly AuditEvent[], period: EvidencePeriod): AuditEvent[] {
  return audit.filter((e) => inPeriod(e.at, period)).sort((a, b) => a.seq - b.seq);
}
/** Grants in force at some time in the period. */
export function grantsInPeriod(grants: readonly Grant[], period: EvidencePeriod): Grant[] {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  return grants.filter((g) => Date.parse(g.startsAt) < to && Date.parse(g.revokedAt ?? g.expiresAt) >= from).sort((a, b) => a.approvedAt.localeCompare(b.approvedAt) || a.id.localeCompare(b.id));
}
export function requestsInPeriod(requests: readonly AccessRequest[], period: EvidencePeriod): AccessRequest[] {
  return requests.filter((r) => inPeriod(r.createdAt, period)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export function eventRows(events: readonly AuditEvent[], names: Names): CsvCell[][] {
  return events.map((e) => [e.seq, e.id, e.at, e.type, e.actorId, e.actorId === 'system' ? 'system' : names.user(e.actorId), e.subjectType, e.subjectId, JSON.stringify(e.data), e.prevHash, e.hash]);
}
export function grantRows(grants: readonly Grant[], names: Names): CsvCell[][] {
  return grants.map((g) => [g.id, g.requestId, g.userId, names.user(g.userId), g.resourceId, names.resource(g.resourceId), g.connector, g.status, g.approvedAt, g.startsAt, g.expiresAt, g.provisionedAt, g.effectiveAt, g.revokedAt, g.verifiedAt, g.latenessMs, g.timeToEffectiveMs, g.verification, g.endedBy, revocationCategoryOf(g), g.endedReason, g.extensions]);
}
export function requestRows(requests: readonly AccessRequest[], names: Names): CsvCell[][] {
  return requests.map((r) => [
    r.id, r.createdAt, r.requesterId, names.user(r.requesterId), r.resourceId, names.resource(r.resourceId), r.durationMinutes, r.status, r.justification, r.ticket, r.decidedAt,
    r.decisions.map((d) => `${names.user(d.approverId)} (${d.decision})`).join('; '), r.decisions.some((d) => d.breakGlass), r.autoApproval?.approved ?? false, r.outcomeReason, r.grantId,
  ]);
}

export const csvFile = (columns: readonly string[], rows: readonly (readonly CsvCell[])[], opts: CsvOptions) => toCsv(columns, rows, opts);
