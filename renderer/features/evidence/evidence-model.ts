/**
 * The figures of an evidence pack, computed from replica documents for a period. Pure (documents
 * and a period in, plain values out): every number the PDF prints is tested here without a browser.
 *
 * What counts in the period: requests asked in it; approvals decided in it; grants started in it
 * (approvedAt); revocations, their lateness and their categories by revokedAt; verification receipts by finishedAt;
 * break-glass by the self-approval's time; sign-ins and the audit chain by the event's time.
 */
import { revocationCategoryOf, RevocationCategory, verifyChain, type AccessRequest, type AuditEvent, type Grant, type Resource, type Verification } from '../../../core/index.js';
import type { ControlId, EvidenceItem } from './controls.js';
import { EVIDENCE_CONTROLS } from './controls.js';
import { inPeriod, type EvidencePeriod } from './period.js';

/** A revocation later than this after expiry is listed as an exception (lateness = revokedAt - expiresAt). */
export const LATE_REVOCATION_MS = 5 * 60_000;

export type EvidenceData = {
  requests: readonly AccessRequest[];
  grants: readonly Grant[];
  verifications: readonly Verification[];
  /** The replica's audit events, any order. */
  audit: readonly AuditEvent[];
  resources: readonly Pick<Resource, 'id' | 'name'>[];
};

export type Distribution = { count: number; medianMs: number | null; p90Ms: number | null; maxMs: number | null };

export type EvidenceFigures = {
  requests: { total: number; approved: number; autoApproved: number; denied: number; expired: number; cancelled: number; ineligible: number; open: number };
  approvalTime: Distribution;
  grants: { started: number; ended: number; peopleWithAccess: number };
  revocationLateness: Distribution & { late: number };
  /** Grants ended in the period by revocation category (core/schema/revocation.ts), most first. */
  revocationsByCategory: { category: RevocationCategory; count: number }[];
  failedRevocations: number;
  verifications: { total: number; byResult: Record<Verification['result'], number> };
  drift: { receipts: number; grants: number };
  breakGlass: number;
  signIns: { succeeded: number; failed: number; stepUpSucceeded: number; stepUpFailed: number };
};

export type ResourceRow = {
  resourceId: string;
  name: string;
  requests: number;
  approved: number;
  denied: number;
  grants: number;
  medianApprovalMs: number | null;
  revoked: number;
  late: number;
  drift: number;
  breakGlass: number;
};

export type EvidenceExceptionKind = 'late_revocation' | 'failed_revocation' | 'drift' | 'break_glass';
export type EvidenceException = {
  kind: EvidenceExceptionKind;
  at: string;
  resourceId: string;
  userId: string;
  grantId: string | null;
  requestId: string | null;
  detail: string;
  controls: readonly ControlId[];
};

export type ChainPosition = {
  /** Events of the period: its first and last sequence, and the last one's hash (null when none fell in it). */
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
  events: number;
  /** The replica's head: the latest event it holds. */
  headSeq: number | null;
  headHash: string | null;
  /**
   * The chain re-hashed on this replica from the period's first event through the signed checkpoint
   * that covers it (else the replica's head): what ties the period's events to the server's key.
   * Events before the period are not in the pack, so they need no re-hashing for it (0 to 0: none).
   */
  localCheck: { ok: true; checkedFrom: number; checkedUpTo: number } | { ok: false; message: string };
};

export type PeriodInChain = Omit<ChainPosition, 'localCheck'>;

/** The p-th percentile (nearest rank) of values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function distribution(values: readonly number[]): Distribution {
  return { count: values.length, medianMs: percentile(values, 50), p90Ms: percentile(values, 90), maxMs: values.length ? values.reduce((a, b) => Math.max(a, b)) : null };
}

const breakGlassDecision = (r: AccessRequest) => r.decisions.find((d) => d.breakGlass);
const approvalMs = (r: AccessRequest) => (r.decidedAt ? Date.parse(r.decidedAt) - Date.parse(r.createdAt) : null);
const isFailedRevocation = (g: Grant) => g.status === 'revoke_failed';

function approvedIn(requests: readonly AccessRequest[], period: EvidencePeriod) {
  return requests.filter((r) => r.status === 'approved' && inPeriod(r.decidedAt, period));
}
function revokedIn(grants: readonly Grant[], period: EvidencePeriod) {
  return grants.filter((g) => inPeriod(g.revokedAt, period));
}
/** Failed revocations due in the period (a grant whose removal failed and was not completed). */
function failedIn(grants: readonly Grant[], period: EvidencePeriod) {
  return grants.filter((g) => isFailedRevocation(g) && Date.parse(g.expiresAt) < Date.parse(period.to) && (inPeriod(g.expiresAt, period) || inPeriod(g.revokeRequestedAt, period)));
}

/** Ended grants counted by their revocation category, most first (ties in the list's order). */
function byCategory(grants: readonly Grant[]): { category: RevocationCategory; count: number }[] {
  const counts = new Map<RevocationCategory, number>();
  for (const g of grants) {
    const category = revocationCategoryOf(g);
    if (category) counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  return RevocationCategory.options.filter((c) => counts.has(c)).map((category) => ({ category, count: counts.get(category) as number })).sort((a, b) => b.count - a.count);
}

export function computeFigures(data: EvidenceData, period: EvidencePeriod): EvidenceFigures {
  const asked = data.requests.filter((r) => inPeriod(r.createdAt, period));
  const count = (status: AccessRequest['status']) => asked.filter((r) => r.status === status).length;
  const approved = approvedIn(data.requests, period);
  const started = data.grants.filter((g) => inPeriod(g.approvedAt, period));
  const revoked = revokedIn(data.grants, period);
  const lateness = revoked.flatMap((g) => (g.latenessMs === null ? [] : [g.latenessMs]));
  const receipts = data.verifications.filter((v) => inPeriod(v.finishedAt, period));
  const byResult: Record<Verification['result'], number> = { effective: 0, gone: 0, still_present: 0, drift: 0, inconclusive: 0 };
  for (const v of receipts) byResult[v.result]++;
  const drift = receipts.filter((v) => v.result === 'drift');
  const events = data.audit.filter((e) => inPeriod(e.at, period));
  const typed = (type: AuditEvent['type']) => events.filter((e) => e.type === type).length;
  return {
    requests: {
      total: asked.length,
      approved: count('approved'),
      autoApproved: asked.filter((r) => r.status === 'approved' && r.autoApproval?.approved === true).length,
      denied: count('denied'),
      expired: count('expired'),
      cancelled: count('cancelled'),
      ineligible: count('ineligible'),
      open: asked.filter((r) => r.status === 'requested' || r.status === 'eligibility_checked' || r.status === 'pending_approval').length,
    },
    approvalTime: distribution(approved.flatMap((r) => { const ms = approvalMs(r); return ms === null ? [] : [ms]; })),
    grants: {
      started: started.length,
      ended: revoked.length,
      // Anyone whose grant was in force at some time in the period.
      peopleWithAccess: new Set(data.grants.filter((g) => Date.parse(g.startsAt) < Date.parse(period.to) && Date.parse(g.revokedAt ?? g.expiresAt) >= Date.parse(period.from)).map((g) => g.userId)).size,
    },
    revocationLateness: { ...distribution(lateness), late: lateness.filter((ms) => ms > LATE_REVOCATION_MS).length },
    revocationsByCategory: byCategory(revoked),
    failedRevocations: failedIn(data.grants, period).length,
    verifications: { total: receipts.length, byResult },
    drift: { receipts: drift.length, grants: new Set(drift.map((v) => v.grantId)).size },
    breakGlass: data.requests.filter((r) => inPeriod(breakGlassDecision(r)?.decidedAt, period)).length,
    signIns: { succeeded: typed('auth.login_succeeded'), failed: typed('auth.login_failed'), stepUpSucceeded: typed('auth.step_up_succeeded'), stepUpFailed: typed('auth.step_up_failed') },
  };
}

export function resourceRows(data: EvidenceData, period: EvidencePeriod): ResourceRow[] {
  const grantsById = new Map(data.grants.map((g) => [g.id, g]));
  const resourceNames = new Map(data.resources.map((r) => [r.id, r.name]));
  const rows = new Map<string, ResourceRow>();
  const row = (resourceId: string): ResourceRow => {
    let r = rows.get(resourceId);
    if (!r) {
      const name = resourceNames.get(resourceId) ?? resourceId;
      r = { resourceId, name, requests: 0, approved: 0, denied: 0, grants: 0, medianApprovalMs: null, revoked: 0, late: 0, drift: 0, breakGlass: 0 };
      rows.set(resourceId, r);
    }
    return r;
  };
  const approvalTimes = new Map<string, number[]>();
  for (const r of data.requests) {
    if (inPeriod(r.createdAt, period)) {
      const x = row(r.resourceId);
      x.requests++;
      if (r.status === 'denied') x.denied++;
    }
    if (r.status === 'approved' && inPeriod(r.decidedAt, period)) {
      row(r.resourceId).approved++;
      const ms = approvalMs(r);
      if (ms !== null) {
        const times = approvalTimes.get(r.resourceId);
        if (times) times.push(ms);
        else approvalTimes.set(r.resourceId, [ms]);
      }
    }
    if (inPeriod(breakGlassDecision(r)?.decidedAt, period)) row(r.resourceId).breakGlass++;
  }
  for (const g of data.grants) {
    if (inPeriod(g.approvedAt, period)) row(g.resourceId).grants++;
    if (inPeriod(g.revokedAt, period)) {
      const x = row(g.resourceId);
      x.revoked++;
      if (g.latenessMs !== null && g.latenessMs > LATE_REVOCATION_MS) x.late++;
    }
  }
  for (const v of data.verifications) {
    const g = grantsById.get(v.grantId);
    if (g && v.result === 'drift' && inPeriod(v.finishedAt, period)) row(g.resourceId).drift++;
  }
  for (const [id, times] of approvalTimes) row(id).medianApprovalMs = percentile(times, 50);
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name) || a.resourceId.localeCompare(b.resourceId));
}

const controlsOf = (kind: EvidenceExceptionKind) => EVIDENCE_CONTROLS[`exception.${kind}` as EvidenceItem];

export function exceptions(data: EvidenceData, period: EvidencePeriod): EvidenceException[] {
  const out: EvidenceException[] = [];
  const grantsById = new Map(data.grants.map((g) => [g.id, g]));
  for (const g of revokedIn(data.grants, period)) {
    if (g.latenessMs !== null && g.latenessMs > LATE_REVOCATION_MS) {
      out.push({ kind: 'late_revocation', at: g.revokedAt!, resourceId: g.resourceId, userId: g.userId, grantId: g.id, requestId: g.requestId, detail: `removed ${formatDuration(g.latenessMs)} after expiry`, controls: controlsOf('late_revocation') });
    }
  }
  for (const g of failedIn(data.grants, period)) {
    out.push({ kind: 'failed_revocation', at: g.revokeRequestedAt ?? g.expiresAt, resourceId: g.resourceId, userId: g.userId, grantId: g.id, requestId: g.requestId, detail: `removal failed after ${g.attempts} attempts${g.lastError ? `: ${g.lastError}` : ''}`, controls: controlsOf('failed_revocation') });
  }
  for (const v of data.verifications) {
    const g = grantsById.get(v.grantId);
    if (v.result === 'drift' && inPeriod(v.finishedAt, period)) {
      out.push({ kind: 'drift', at: v.finishedAt, resourceId: g?.resourceId ?? '', userId: g?.userId ?? '', grantId: v.grantId, requestId: g?.requestId ?? null, detail: `access found again in ${v.connector} (${v.endpoint})`, controls: controlsOf('drift') });
    }
  }
  for (const r of data.requests) {
    const d = breakGlassDecision(r);
    if (d && inPeriod(d.decidedAt, period)) {
      out.push({ kind: 'break_glass', at: d.decidedAt, resourceId: r.resourceId, userId: r.requesterId, grantId: r.grantId, requestId: r.id, detail: `emergency self-approval${d.reason ? `: ${d.reason}` : ''}`, controls: controlsOf('break_glass') });
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.kind.localeCompare(b.kind));
}

/** Where the period sits in the replica's chain, and the held events in seq order for the check. */
export function periodInChain(audit: readonly AuditEvent[], period: EvidencePeriod): { position: PeriodInChain; sorted: AuditEvent[] } {
  const sorted = [...audit].sort((a, b) => a.seq - b.seq);
  let first: AuditEvent | undefined;
  let last: AuditEvent | undefined;
  let events = 0;
  for (const e of sorted) {
    if (!inPeriod(e.at, period)) continue;
    first ??= e;
    last = e;
    events++;
  }
  const head = sorted.at(-1) ?? null;
  return {
    position: { firstSeq: first?.seq ?? null, lastSeq: last?.seq ?? null, lastHash: last?.hash ?? null, events, headSeq: head?.seq ?? null, headHash: head?.hash ?? null },
    sorted,
  };
}

/** The held chain re-hashed from the period's first event through `through` (a signed checkpoint's seq, or the head). */
export function checkPeriodChain(sorted: readonly AuditEvent[], position: PeriodInChain, through: number | null): ChainPosition['localCheck'] {
  if (position.firstSeq === null) return { ok: true, checkedFrom: 0, checkedUpTo: 0 };
  const upTo = Math.max(through ?? position.headSeq ?? 0, position.lastSeq ?? 0);
  const from = sorted.findIndex((e) => e.seq === position.firstSeq);
  const start = sorted[from]!;
  let end = from;
  while (end < sorted.length && sorted[end]!.seq <= upTo) end++;
  const range = sorted.slice(from, end);
  // Anchored on the first event's link: any change from it on breaks the hash the checkpoint signed.
  const result = verifyChain(range, { seq: start.seq - 1, hash: start.prevHash });
  if (!result.ok) return { ok: false, message: result.message };
  const reached = range.at(-1)!.seq;
  if (reached < upTo) return { ok: false, message: `this replica holds events only up to seq ${reached}, not up to ${upTo}: the chain could not be checked that far` };
  return { ok: true, checkedFrom: start.seq, checkedUpTo: upTo };
}

/** The period's position with its chain checked through the replica's head (the pack checks through its checkpoint instead). */
export function chainPosition(audit: readonly AuditEvent[], period: EvidencePeriod): ChainPosition {
  const { position, sorted } = periodInChain(audit, period);
  return { ...position, localCheck: checkPeriodChain(sorted, position, position.headSeq) };
}

/** 90 s, 12 min, 3 h 5 min, 2 days 4 h: the units people use. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} days ${h % 24} h` : `${d} days`;
}
