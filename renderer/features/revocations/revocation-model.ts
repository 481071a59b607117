/**
 * What the Revocations screen says, computed from replica documents. Pure (documents and a clock
 * in, plain values out) so every number on the screen is tested without a browser.
 */
import { LIVE_GRANT_STATES, type Grant, type Task, type Verification } from '../../../core/index.js';
import { bucketCounts, type BucketSize, type TimeBucket } from '../../ui/charts/scale.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';
export type VerificationIcon = 'check' | 'x' | 'alert' | 'clock';
export type VerificationView = { label: string; tone: Tone; icon: VerificationIcon; explanation: string };

/** A grant's verification state as colour, icon and words; the words carry the meaning on their own. */
export function verificationView(grant: Pick<Grant, 'status' | 'verification'>): VerificationView {
  const removing = grant.status === 'revoking' || grant.status === 'revoked' || grant.status === 'revoke_failed';
  switch (grant.verification) {
    case 'gone':
      return { label: 'Verified gone', tone: 'success', icon: 'check', explanation: 'Reads of the directory agree that the access is no longer there.' };
    case 'effective':
      return { label: 'Verified effective', tone: 'success', icon: 'check', explanation: 'Reads of the directory agree that the access is in place.' };
    case 'pending':
      return removing
        ? { label: 'Verifying removal', tone: 'info', icon: 'clock', explanation: 'The access was removed; the directory is being read until several reads agree it is gone.' }
        : { label: 'Verifying access', tone: 'info', icon: 'clock', explanation: 'The access was granted; the directory is being read until several reads agree it is there.' };
    case 'still_present':
      return { label: 'Still present', tone: 'danger', icon: 'x', explanation: 'After removal the directory still shows the access. The revocation is retried and escalated if it stays.' };
    case 'drift':
      return { label: 'Drift: access is back', tone: 'danger', icon: 'alert', explanation: 'The access was verified gone, but a later check found it again with no grant to explain it.' };
    case 'inconclusive':
      return { label: 'Inconclusive', tone: 'warning', icon: 'alert', explanation: 'The reads did not agree (directory replication lag or errors). Verification is tried again.' };
    case 'none':
    default:
      return grant.status === 'provisioning'
        ? { label: 'Not verified yet', tone: 'neutral', icon: 'clock', explanation: 'The access is being granted; it is verified once the connector reports it done.' }
        : { label: 'Not verified', tone: 'neutral', icon: 'clock', explanation: 'No verification has run for this grant.' };
  }
}

export const RECEIPT_RESULT: Record<Verification['result'], { label: string; tone: Tone; icon: VerificationIcon }> = {
  effective: { label: 'Effective', tone: 'success', icon: 'check' },
  gone: { label: 'Gone', tone: 'success', icon: 'check' },
  still_present: { label: 'Still present', tone: 'danger', icon: 'x' },
  drift: { label: 'Drift', tone: 'danger', icon: 'alert' },
  inconclusive: { label: 'Inconclusive', tone: 'warning', icon: 'alert' },
};

export const RECEIPT_PURPOSE: Record<Verification['purpose'], string> = {
  provision: 'Access granted',
  revocation: 'Access removed',
  drift_check: 'Drift check',
};

/** Work that needs a person now. A break-glass follow-up is a review item: it counts once overdue, on its grant (reviewOverdue). */
export const ESCALATION_KINDS: readonly Task['kind'][] = ['revocation_escalation', 'provision_escalation'];

/**
 * A live grant whose break-glass review passed its deadline undecided (escalated to the resource
 * owner's manager, or to nobody when the owner has none): listed and counted like a failure.
 */
export function reviewOverdue(grant: Pick<Grant, 'status' | 'reviewFlag'>): boolean {
  return grant.reviewFlag !== undefined && LIVE_GRANT_STATES.includes(grant.status);
}

/** What the failures list says of an overdue break-glass review: who it is escalated to. */
export function reviewOverdueWords(flag: NonNullable<Grant['reviewFlag']>, person: (id: string) => string): string {
  return flag.escalatedToId ? `Break-glass review undecided by its deadline: escalated to ${person(flag.escalatedToId)}, the resource owner's manager` : "Break-glass review undecided by its deadline, and the resource owner has no manager to escalate to";
}
/** Grace before a manual removal past its due time counts as late: the owner got the task at expiry. */
const MANUAL_GRACE_MS = 60_000;

/** Listed and counted like a failure: an escalation, or a manual removal not signed off in time (the access may still be there). */
export function needsAPerson(task: Pick<Task, 'kind' | 'dueAt'>, now: number): boolean {
  if (ESCALATION_KINDS.includes(task.kind)) return true;
  return task.kind === 'manual_revoke' && task.dueAt !== null && Date.parse(task.dueAt) + MANUAL_GRACE_MS < now;
}
export const FAILED_STATES: readonly Grant['status'][] = ['revoke_failed', 'provision_failed'];
/** Grants whose access should be there now or is about to be removed. */
export const SCHEDULED_STATES: readonly Grant['status'][] = ['provisioning', 'active'];

export type RevocationSummary = {
  dueNextHour: number;
  nextDueAt: string | null;
  revokingNow: number;
  /** Grants failed or with an open escalation, each counted once. */
  failedOrEscalated: number;
  driftAlerts: number;
  verifiedGoneToday: number;
};

/** Local midnight of the day holding `now`: "today" is the viewer's day. */
export function startOfLocalDay(now: number): number {
  const d = new Date(now);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

export function summarise(input: { live: readonly Grant[]; ended: readonly Grant[]; openTasks: readonly Task[]; now: number }): RevocationSummary {
  const { live, ended, openTasks, now } = input;
  const due = live
    .filter((g) => SCHEDULED_STATES.includes(g.status) && Date.parse(g.expiresAt) <= now + HOUR)
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  const failing = new Set(live.filter((g) => FAILED_STATES.includes(g.status)).map((g) => g.id));
  for (const t of openTasks) if (needsAPerson(t, now)) failing.add(t.grantId ?? t.id);
  for (const g of live) if (reviewOverdue(g)) failing.add(g.id);
  const today = startOfLocalDay(now);
  return {
    dueNextHour: due.length,
    nextDueAt: due[0]?.expiresAt ?? null,
    revokingNow: live.filter((g) => g.status === 'revoking').length,
    failedOrEscalated: failing.size,
    driftAlerts: openTasks.filter((t) => t.kind === 'drift_alert').length,
    verifiedGoneToday: ended.filter((g) => g.status === 'verified' && g.verifiedAt !== null && Date.parse(g.verifiedAt) >= today).length,
  };
}

export type WindowChoice = { key: '24h' | '7d' | '30d'; label: string; ms: number; bucket: BucketSize };
export const WINDOWS: readonly WindowChoice[] = [
  { key: '24h', label: 'Last 24 hours', ms: DAY, bucket: 'hour' },
  { key: '7d', label: 'Last 7 days', ms: 7 * DAY, bucket: 'six-hours' },
  { key: '30d', label: 'Last 30 days', ms: 30 * DAY, bucket: 'day' },
];

/** Lateness of revocations that happened at expiry inside the window (revocations by hand have none). */
export function latenessValues(ended: readonly Grant[], since: number): number[] {
  return ended.filter((g) => g.latenessMs !== null && g.revokedAt !== null && Date.parse(g.revokedAt) >= since).map((g) => g.latenessMs!);
}

export function timeToEffectiveValues(grants: readonly Grant[], since: number): number[] {
  return grants.filter((g) => g.timeToEffectiveMs !== null && g.effectiveAt !== null && Date.parse(g.effectiveAt) >= since).map((g) => g.timeToEffectiveMs!);
}

export const OVER_TIME_SERIES = [
  { name: 'Verified gone', tone: 'success' as const },
  { name: 'Removed, not yet verified', tone: 'info' as const, hatched: true },
];

/** Revocations per bucket, split into verified gone and not (yet) verified. */
export function revocationsOverTime(ended: readonly Grant[], window: { since: number; now: number; bucket: BucketSize }): TimeBucket[] {
  const points = ended
    .filter((g) => g.revokedAt !== null)
    .map((g) => ({ at: Date.parse(g.revokedAt!), series: g.status === 'verified' ? 0 : 1 }));
  return bucketCounts(points, { from: window.since, to: window.now, size: window.bucket, seriesCount: OVER_TIME_SERIES.length });
}

/** Receipts of one grant, newest first. */
export function receiptsNewestFirst(receipts: readonly Verification[]): Verification[] {
  return [...receipts].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt) || b.startedAt.localeCompare(a.startedAt));
}

export type ReadView = { index: number; at: string; offsetMs: number; present: boolean; detail: string; /** Part of the closing run of agreeing reads. */ inConsistentRun: boolean };

/** Each read with its time since the check started, marking the closing run of reads that agreed. */
export function readsOf(receipt: Pick<Verification, 'reads' | 'startedAt' | 'consistentReads'>): ReadView[] {
  const started = Date.parse(receipt.startedAt);
  const n = receipt.reads.length;
  return receipt.reads.map((r, index) => ({
    index: index + 1,
    at: r.at,
    offsetMs: Date.parse(r.at) - started,
    present: r.present,
    detail: r.detail,
    inConsistentRun: index >= n - receipt.consistentReads,
  }));
}

/** One line saying what a receipt proves, in words an auditor can quote. */
export function receiptSentence(receipt: Verification): string {
  const agreeing = `${receipt.consistentReads} consecutive ${receipt.consistentReads === 1 ? 'read' : 'reads'}`;
  const of = `${receipt.reads.length} ${receipt.reads.length === 1 ? 'read' : 'reads'}`;
  const nested = receipt.transitiveChecked ? ', nested group membership included' : '';
  switch (receipt.result) {
    case 'gone':
      return `${agreeing} of ${of} found no access${nested}.`;
    case 'effective':
      return `${agreeing} of ${of} found the access in place${nested}.`;
    case 'still_present':
      return `${agreeing} of ${of} still found the access after it was removed${nested}.`;
    case 'drift':
      return `The access was found again after it had been verified gone (${of}${nested}).`;
    case 'inconclusive':
    default:
      return `The ${of} did not agree, so nothing is concluded yet${nested}.`;
  }
}

/** A receipt's purpose in words; a drift check booked by the rolling sweep says so. */
export function receiptPurposeLabel(receipt: Pick<Verification, 'purpose' | 'sweep'>): string {
  return receipt.purpose === 'drift_check' && receipt.sweep ? `${RECEIPT_PURPOSE.drift_check} (rolling sweep)` : RECEIPT_PURPOSE[receipt.purpose];
}

export type Reverified = { at: string; result: Verification['result']; sweep: boolean; receiptId: string };

/**
 * The latest drift-check receipt of each grant: when an ended grant was last read back to see that
 * the access has not returned, by the fixed re-checks or the rolling sweep alike.
 */
export function lastReverified(receipts: readonly Verification[]): Map<string, Reverified> {
  const out = new Map<string, Reverified>();
  for (const r of receipts) {
    if (r.purpose !== 'drift_check') continue;
    const seen = out.get(r.grantId);
    if (seen && seen.at >= r.finishedAt) continue;
    out.set(r.grantId, { at: r.finishedAt, result: r.result, sweep: r.sweep === true, receiptId: r.id });
  }
  return out;
}

export type ReverifiedView = { label: string; tone: Tone; detail: string };

/** What the "Last re-verified" cell says: how long ago, by which check, and what it found. */
export function reverifiedView(last: Reverified | undefined, now: number): ReverifiedView {
  if (!last) return { label: 'Not yet', tone: 'neutral', detail: 'No drift check has read this grant back since it was verified gone.' };
  const by = last.sweep ? 'rolling sweep' : 'drift check';
  const ago = agoText(now - Date.parse(last.at));
  const result = RECEIPT_RESULT[last.result];
  if (last.result === 'gone') return { label: ago, tone: 'success', detail: `${by}: still gone` };
  return { label: ago, tone: result.tone, detail: `${by}: ${result.label.toLowerCase()}` };
}

function agoText(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  if (ms < MINUTE) return 'just now';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ago`;
  const days = Math.floor(ms / DAY);
  return `${days} ${days === 1 ? 'day' : 'days'} ago`;
}
