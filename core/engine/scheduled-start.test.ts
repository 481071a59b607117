import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { grantFromRequest, markEffective } from './grant.js';
import { cancelRequest, createRequest, decideRequest, expireRequest, type NewRequestInput, type RequestWorld } from './request.js';
import { cancelBeforeStart } from './scheduled-cancel.js';
import { grantWindow, MAX_START_AHEAD_DAYS, requestDeadline, startProblem, waitsForStart } from './scheduled-start.js';
import { DEFAULT_SEPARATION } from './separation.js';

const now = new Date('2026-03-06T10:00:00.000Z');
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const iso = (minutes: number) => later(minutes).toISOString();
const HOUR = 60;

const requester = makeUser({ id: 'u-req', displayName: 'Rita Requester' });
const approver = makeUser({ id: 'u-alice', displayName: 'Alice Admin', roles: ['approver'] });
const admin = makeUser({ id: 'u-root', displayName: 'Ada Admin', roles: ['admin'] });
const resource = makeResource();
const everyone: AccessProfile = {
  id: 'prof-all',
  name: 'IT',
  description: '',
  resourceIds: ['res-1'],
  userIds: [],
  departments: ['it'],
  roles: [],
  maxDurationMinutes: null,
  enabled: true,
  changedBy: [],
  updatedAt: now.toISOString(),
};
const policy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({
    id: 'p-1',
    name: 'Standard',
    maxDurationMinutes: 8 * HOUR,
    defaultDurationMinutes: HOUR,
    requireJustification: false,
    approvalSteps: [ApprovalStep.parse({ name: 'approvers', mode: 'any', approverRoles: ['approver'] })],
    updatedAt: now.toISOString(),
    ...over,
  });
const world = (p = policy()): RequestWorld => ({ profiles: [everyone], policies: [p], separation: DEFAULT_SEPARATION });
const input = (over: Partial<NewRequestInput> = {}): NewRequestInput => ({ id: 'r-1', requester, resource, durationMinutes: 4 * HOUR, justification: '', ticket: '', ...over });

function created(over: Partial<NewRequestInput> = {}, p = policy(), at = now): AccessRequest {
  const result = createRequest(input(over), world(p), { now: at });
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function approvedAt(request: AccessRequest, at: Date): AccessRequest {
  const result = decideRequest(request, approver, { decision: 'approve', reason: 'maintenance' }, { now: at });
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe('the start a request asks for', () => {
  it('is absent for "at approval", and otherwise after now and at most 30 days ahead, each refusal naming the field', () => {
    expect(startProblem(undefined, now)).toBeNull();
    expect(startProblem(null, now)).toBeNull();
    expect(startProblem(iso(12 * HOUR), now)).toBeNull();
    expect(startProblem(iso(MAX_START_AHEAD_DAYS * 24 * HOUR), now)).toBeNull();
    expect(startProblem(iso(MAX_START_AHEAD_DAYS * 24 * HOUR + 1), now)).toBe(`startsAt: may be at most 30 days ahead (${iso(30 * 24 * HOUR)} at the latest)`);
    expect(startProblem(now.toISOString(), now)).toBe(`startsAt: ${now.toISOString()} is not in the future; leave it out to start as soon as the request is approved`);
    expect(startProblem('saturday night', now)).toMatch(/^startsAt: "saturday night" is not a time/);
  });

  it('is refused by createRequest with the same sentence the form shows', () => {
    expect(createRequest(input({ startsAt: iso(-5) }), world(), { now })).toMatchObject({ ok: false, code: 'invalid_input', message: startProblem(iso(-5), now) });
    expect(createRequest(input({ startsAt: iso(31 * 24 * HOUR) }), world(), { now })).toMatchObject({ ok: false, code: 'invalid_input' });
  });

  it('is stored on the request, whose deadline is the window end when that comes before the policy deadline', () => {
    const saturday = iso(36 * HOUR);
    // Saturday 22:00 for 4 h, under a 7-day deadline: nothing is left to grant after Sunday 02:00.
    expect(created({ startsAt: saturday })).toMatchObject({ status: 'pending_approval', startsAt: saturday, expiresAt: iso(40 * HOUR) });
    // Ten days ahead: the policy's 7-day deadline comes first.
    expect(created({ startsAt: iso(10 * 24 * HOUR) }).expiresAt).toBe(iso(7 * 24 * HOUR));
    expect(created().startsAt).toBeUndefined();
  });
});

describe('the grant of a scheduled request', () => {
  it('approved before the start: it waits for the start and ends at start + duration', () => {
    const start = iso(36 * HOUR);
    const approved = approvedAt(created({ startsAt: start }), later(HOUR));
    const grant = grantFromRequest(approved, resource, 'g-r-1', { now: later(HOUR) });
    expect(grant).toMatchObject({ ok: true, value: { status: 'provisioning', approvedAt: iso(HOUR), startsAt: start, expiresAt: iso(40 * HOUR) } });
    if (!grant.ok) return;
    expect(waitsForStart(grant.value, later(HOUR))).toBe(true);
    expect(waitsForStart(grant.value, later(36 * HOUR))).toBe(false);
    // Time to effective counts from the start, not from the approval a day and a half before.
    expect(markEffective({ ...grant.value, status: 'active' }, { now: later(36 * HOUR + 1) }).timeToEffectiveMs).toBe(60_000);
  });

  it('approved after the start: access begins at approval and still ends at start + duration', () => {
    const approved = approvedAt(created({ startsAt: iso(2 * HOUR) }), later(3 * HOUR));
    const grant = grantFromRequest(approved, resource, 'g-r-1', { now: later(3 * HOUR) });
    expect(grant).toMatchObject({ ok: true, value: { startsAt: iso(3 * HOUR), expiresAt: iso(6 * HOUR) } });
  });

  it('a request whose whole window passed undecided expires, saying so', () => {
    const request = created({ startsAt: iso(2 * HOUR), durationMinutes: HOUR }, policy({ requestTtlMinutes: 24 * HOUR }));
    expect(decideRequest(request, approver, { decision: 'approve', reason: '' }, { now: later(3 * HOUR) })).toMatchObject({ ok: false, code: 'stale' });
    const expired = expireRequest(request, { now: later(3 * HOUR) });
    expect(expired).toMatchObject({ ok: true, value: { status: 'expired' } });
    if (expired.ok) expect(expired.value.outcomeReason).toMatch(/^nobody decided it before the end of the window it asked for \(1 h from /);
    // An ordinary request keeps the ordinary reason.
    const plain = created({}, policy({ requestTtlMinutes: HOUR }));
    const plainExpired = expireRequest(plain, { now: later(HOUR) });
    if (plainExpired.ok) expect(plainExpired.value.outcomeReason).toMatch(/^nobody decided it within 1 h of asking/);
  });

  it('property: the grant never outlasts start + duration, never starts before the asked start, and fits the maximum', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 * 24 * 60 }), fc.integer({ min: 1, max: 8 * 60 }), fc.integer({ min: 0, max: 60 * 24 * 40 }), (startIn, duration, approvedIn) => {
        const start = later(startIn);
        const window = grantWindow({ startsAt: start.toISOString(), durationMinutes: duration }, later(approvedIn));
        const end = Date.parse(window.expiresAt);
        expect(end).toBe(start.getTime() + duration * 60_000);
        expect(Date.parse(window.startsAt)).toBeGreaterThanOrEqual(start.getTime());
        expect(end - Date.parse(window.startsAt)).toBeLessThanOrEqual(duration * 60_000);
        // Deadline: never later than the window's end.
        expect(Date.parse(requestDeadline(iso(7 * 24 * 60), start.toISOString(), duration))).toBeLessThanOrEqual(end);
      }),
      { numRuns: 300 },
    );
  });
});

describe('cancelling a scheduled request', () => {
  it('pending: the usual cancel', () => {
    expect(cancelRequest(created({ startsAt: iso(36 * HOUR) }), requester, 'plans changed', { now })).toMatchObject({ ok: true, value: { status: 'cancelled' } });
  });

  it('approved, before its start: the request is cancelled and its grant ends before it begins', () => {
    const approved = approvedAt(created({ startsAt: iso(36 * HOUR) }), later(HOUR));
    const grant = grantFromRequest(approved, resource, 'g-r-1', { now: later(HOUR) });
    if (!grant.ok) throw new Error(grant.message);
    const withGrant = { ...approved, grantId: 'g-r-1' };
    const cancelled = cancelBeforeStart(withGrant, grant.value, requester, 'maintenance moved', { now: later(2 * HOUR) });
    expect(cancelled).toMatchObject({
      ok: true,
      value: {
        request: { status: 'cancelled', outcomeReason: 'cancelled before its start: maintenance moved' },
        grant: { status: 'revoking', endedBy: 'u-req', endedReason: 'cancelled before its start: maintenance moved' },
      },
    });
    // An admin may too; an approver who is neither may not.
    expect(cancelBeforeStart(withGrant, grant.value, admin, '', { now: later(2 * HOUR) }).ok).toBe(true);
    expect(cancelBeforeStart(withGrant, grant.value, approver, '', { now: later(2 * HOUR) })).toMatchObject({ ok: false, code: 'forbidden' });
    // Once the start has come the access is live: give the grant back instead.
    expect(cancelBeforeStart(withGrant, grant.value, requester, '', { now: later(36 * HOUR) })).toMatchObject({ ok: false, code: 'already_decided', message: expect.stringMatching(/give the grant back/) });
  });

  it('an approved request that asked for no start is not cancelled', () => {
    const approved = approvedAt(created(), later(HOUR));
    expect(cancelBeforeStart(approved, null, requester, '', { now: later(HOUR) })).toMatchObject({ ok: false, code: 'already_decided' });
  });
});
