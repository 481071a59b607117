import { describe, expect, it } from 'vitest';
import type { Grant, Task, Verification } from '../../../core/index.js';
import {
  lastReverified,
  latenessValues,
  readsOf,
  receiptPurposeLabel,
  receiptSentence,
  receiptsNewestFirst,
  reverifiedView,
  reviewOverdue,
  reviewOverdueWords,
  revocationsOverTime,
  startOfLocalDay,
  summarise,
  timeToEffectiveValues,
  verificationView,
} from './revocation-model.js';

const now = new Date(2026, 10, 25, 15, 0).getTime();
const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;

let n = 0;
function grant(patch: Partial<Grant>): Grant {
  n++;
  return {
    id: `g-${n}`,
    requestId: `r-${n}`,
    userId: 'u-bob',
    resourceId: 'res-1',
    connector: 'entra',
    status: 'active',
    approvedAt: iso(-2 * HOUR),
    startsAt: iso(-2 * HOUR),
    expiresAt: iso(2 * HOUR),
    provisionedAt: null,
    effectiveAt: null,
    revokeRequestedAt: null,
    revokedAt: null,
    verifiedAt: null,
    endedBy: null,
    endedReason: '',
    extensions: 0,
    maxExtensions: 0,
    maxDurationMinutes: 240,
    latenessMs: null,
    timeToEffectiveMs: null,
    attempts: 0,
    lastError: '',
    verification: 'none',
    updatedAt: iso(-HOUR),
    revision: 1,
    ...patch,
  };
}

function task(patch: Partial<Task>): Task {
  n++;
  return {
    id: `t-${n}`,
    kind: 'revocation_escalation',
    title: 'Remove by hand',
    detail: '',
    assigneeId: null,
    grantId: null,
    requestId: null,
    resourceId: null,
    severity: 'critical',
    status: 'open',
    createdAt: iso(-HOUR),
    dueAt: null,
    closedAt: null,
    closedBy: null,
    reminders: 0,
    remindedAt: null,
    updatedAt: iso(-HOUR),
    ...patch,
  };
}

function receipt(patch: Partial<Verification>): Verification {
  n++;
  return {
    id: `v-${n}`,
    grantId: 'g-1',
    purpose: 'revocation',
    result: 'gone',
    connector: 'entra',
    endpoint: 'GET https://graph.example/v1.0/users/u/transitiveMemberOf',
    reads: [],
    consistentReads: 0,
    transitiveChecked: true,
    startedAt: iso(-MIN),
    finishedAt: iso(-MIN + 1500),
    ...patch,
  };
}

describe('verificationView', () => {
  it('says every state in words, with a tone and an icon', () => {
    expect(verificationView({ status: 'verified', verification: 'gone' })).toMatchObject({ label: 'Verified gone', tone: 'success', icon: 'check' });
    expect(verificationView({ status: 'active', verification: 'effective' })).toMatchObject({ label: 'Verified effective', tone: 'success' });
    expect(verificationView({ status: 'revoked', verification: 'pending' })).toMatchObject({ label: 'Verifying removal', tone: 'info' });
    expect(verificationView({ status: 'provisioning', verification: 'pending' })).toMatchObject({ label: 'Verifying access', tone: 'info' });
    expect(verificationView({ status: 'revoking', verification: 'still_present' })).toMatchObject({ label: 'Still present', tone: 'danger', icon: 'x' });
    expect(verificationView({ status: 'verified', verification: 'drift' })).toMatchObject({ label: 'Drift: access is back', tone: 'danger' });
    expect(verificationView({ status: 'revoked', verification: 'inconclusive' })).toMatchObject({ label: 'Inconclusive', tone: 'warning' });
    expect(verificationView({ status: 'provisioning', verification: 'none' }).label).toBe('Not verified yet');
  });
});

describe('summarise', () => {
  it('counts what is due within the hour, in flight, failed or escalated (once per grant), drifting and verified today', () => {
    const dueSoon = grant({ status: 'active', expiresAt: iso(20 * MIN) });
    const dueFirst = grant({ status: 'provisioning', expiresAt: iso(5 * MIN) });
    const overdue = grant({ status: 'active', expiresAt: iso(-1 * MIN) });
    const later = grant({ status: 'active', expiresAt: iso(3 * HOUR) });
    const revoking = grant({ status: 'revoking', expiresAt: iso(-5 * MIN) });
    const failedAndEscalated = grant({ status: 'revoke_failed', attempts: 5, lastError: 'throttled' });
    const provisionFailed = grant({ status: 'provision_failed' });
    const summary = summarise({
      live: [dueSoon, dueFirst, overdue, later, revoking, failedAndEscalated, provisionFailed],
      ended: [
        grant({ status: 'verified', verification: 'gone', verifiedAt: iso(-HOUR) }),
        grant({ status: 'verified', verification: 'gone', verifiedAt: new Date(startOfLocalDay(now) - MIN).toISOString() }),
        grant({ status: 'revoked', verification: 'pending' }),
      ],
      openTasks: [
        task({ kind: 'revocation_escalation', grantId: failedAndEscalated.id }),
        task({ kind: 'revocation_escalation', grantId: 'g-escalated-only' }),
        task({ kind: 'drift_alert', grantId: 'g-drift' }),
        task({ kind: 'manual_revoke', grantId: 'g-manual' }),
        // A removal by hand not signed off in time counts like a failure; one still in time does not.
        task({ kind: 'manual_revoke', grantId: 'g-manual-late', dueAt: iso(-10 * MIN) }),
        task({ kind: 'manual_revoke', grantId: 'g-manual-soon', dueAt: iso(10 * MIN) }),
      ],
      now,
    });
    expect(summary).toEqual({
      dueNextHour: 3,
      nextDueAt: overdue.expiresAt,
      revokingNow: 1,
      failedOrEscalated: 4,
      driftAlerts: 1,
      verifiedGoneToday: 1,
    });
  });

  it('counts a break-glass review past its deadline like a failure, once per grant; one still in time is not', () => {
    const flag = { itemId: 'ri-break-glass-r-1', at: iso(-HOUR), reason: 'no decision by then: escalated', escalatedToId: 'u-eve' };
    const overdueReview = grant({ status: 'active', expiresAt: iso(5 * HOUR), reviewFlag: flag });
    const inTime = grant({ status: 'active', expiresAt: iso(5 * HOUR) });
    const ended = grant({ status: 'expired', reviewFlag: flag });
    expect([overdueReview, inTime, ended].map(reviewOverdue)).toEqual([true, false, false]);
    const summary = summarise({ live: [overdueReview, inTime], ended: [], openTasks: [task({ kind: 'break_glass_review', grantId: overdueReview.id }), task({ kind: 'break_glass_review', grantId: inTime.id })], now });
    expect(summary.failedOrEscalated).toBe(1);
    expect(reviewOverdueWords(flag, (id) => (id === 'u-eve' ? 'Eve Laurent' : id))).toBe("Break-glass review undecided by its deadline: escalated to Eve Laurent, the resource owner's manager");
    expect(reviewOverdueWords({ ...flag, escalatedToId: null }, (id) => id)).toMatch(/no manager to escalate to/);
  });

  it('is all zero for an empty replica', () => {
    expect(summarise({ live: [], ended: [], openTasks: [], now })).toEqual({ dueNextHour: 0, nextDueAt: null, revokingNow: 0, failedOrEscalated: 0, driftAlerts: 0, verifiedGoneToday: 0 });
  });
});

describe('chart values', () => {
  it('takes lateness only from revocations at expiry inside the window', () => {
    const ended = [
      grant({ status: 'verified', revokedAt: iso(-HOUR), latenessMs: 1200 }),
      grant({ status: 'revoked', revokedAt: iso(-2 * HOUR), latenessMs: 800 }),
      grant({ status: 'verified', revokedAt: iso(-HOUR), latenessMs: null }),
      grant({ status: 'verified', revokedAt: iso(-30 * HOUR), latenessMs: 99_000 }),
    ];
    expect(latenessValues(ended, now - 24 * HOUR)).toEqual([1200, 800]);
  });

  it('takes time to effective from grants verified effective inside the window', () => {
    const grants = [grant({ effectiveAt: iso(-HOUR), timeToEffectiveMs: 4000 }), grant({ effectiveAt: iso(-48 * HOUR), timeToEffectiveMs: 9000 }), grant({})];
    expect(timeToEffectiveValues(grants, now - 24 * HOUR)).toEqual([4000]);
  });

  it('splits revocations over time into verified gone and not yet verified', () => {
    const ended = [
      grant({ status: 'verified', revokedAt: iso(-30 * MIN) }),
      grant({ status: 'verified', revokedAt: iso(-3 * HOUR) }),
      grant({ status: 'revoked', revokedAt: iso(-20 * MIN) }),
    ];
    const buckets = revocationsOverTime(ended, { since: now - 24 * HOUR, now, bucket: 'hour' });
    expect(buckets.reduce((s, b) => s + b.values[0]!, 0)).toBe(2);
    expect(buckets.reduce((s, b) => s + b.values[1]!, 0)).toBe(1);
    expect(buckets.at(-2)!.values).toEqual([1, 1]);
  });
});

describe('receipts', () => {
  it('lists the newest check first', () => {
    const older = receipt({ finishedAt: iso(-HOUR) });
    const newer = receipt({ finishedAt: iso(-MIN) });
    expect(receiptsNewestFirst([older, newer]).map((r) => r.id)).toEqual([newer.id, older.id]);
  });

  it('times each read from the start and marks the closing run of agreeing reads', () => {
    const r = receipt({
      startedAt: iso(0),
      reads: [
        { at: iso(400), present: true, detail: 'replica still lists the member' },
        { at: iso(900), present: false, detail: '' },
        { at: iso(1400), present: false, detail: '' },
        { at: iso(1900), present: false, detail: '' },
      ],
      consistentReads: 3,
    });
    expect(readsOf(r).map((x) => [x.index, x.offsetMs, x.present, x.inConsistentRun])).toEqual([
      [1, 400, true, false],
      [2, 900, false, true],
      [3, 1400, false, true],
      [4, 1900, false, true],
    ]);
    expect(receiptSentence(r)).toBe('3 consecutive reads of 4 reads found no access, nested group membership included.');
  });

  it('says what each result proves', () => {
    const reads = [{ at: iso(0), present: true, detail: '' }];
    expect(receiptSentence(receipt({ result: 'effective', purpose: 'provision', reads, consistentReads: 1, transitiveChecked: false }))).toBe('1 consecutive read of 1 read found the access in place.');
    expect(receiptSentence(receipt({ result: 'still_present', reads, consistentReads: 1 }))).toMatch(/still found the access after it was removed/);
    expect(receiptSentence(receipt({ result: 'inconclusive', reads, consistentReads: 0 }))).toMatch(/did not agree/);
  });
});

describe('re-verification', () => {
  it('takes the latest drift check of each grant, from the fixed re-checks or the rolling sweep', () => {
    const receipts = [
      receipt({ grantId: 'g-a', purpose: 'revocation', finishedAt: iso(-MIN) }),
      receipt({ grantId: 'g-a', purpose: 'drift_check', finishedAt: iso(-25 * HOUR) }),
      receipt({ grantId: 'g-a', purpose: 'drift_check', finishedAt: iso(-2 * HOUR), sweep: true }),
      receipt({ grantId: 'g-b', purpose: 'drift_check', result: 'drift', finishedAt: iso(-10 * MIN) }),
      receipt({ grantId: 'g-c', purpose: 'revocation' }),
    ];
    const last = lastReverified(receipts);
    expect([...last.keys()].sort()).toEqual(['g-a', 'g-b']);
    expect(last.get('g-a')).toMatchObject({ at: iso(-2 * HOUR), sweep: true, result: 'gone' });
    expect(last.get('g-b')).toMatchObject({ sweep: false, result: 'drift' });
  });

  it('says how long ago, by which check, and what it found', () => {
    const last = lastReverified([receipt({ grantId: 'g-a', purpose: 'drift_check', finishedAt: iso(-2 * HOUR), sweep: true })]);
    expect(reverifiedView(last.get('g-a'), now)).toEqual({ label: '2 h ago', tone: 'success', detail: 'rolling sweep: still gone' });
    expect(reverifiedView({ at: iso(-3 * 24 * HOUR), result: 'drift', sweep: false, receiptId: 'v' }, now)).toEqual({ label: '3 days ago', tone: 'danger', detail: 'drift check: drift' });
    expect(reverifiedView(undefined, now)).toMatchObject({ label: 'Not yet', tone: 'neutral' });
  });

  it('names a sweep-booked drift check as such', () => {
    expect(receiptPurposeLabel({ purpose: 'drift_check', sweep: true })).toBe('Drift check (rolling sweep)');
    expect(receiptPurposeLabel({ purpose: 'drift_check' })).toBe('Drift check');
    expect(receiptPurposeLabel({ purpose: 'revocation' })).toBe('Access removed');
  });
});
