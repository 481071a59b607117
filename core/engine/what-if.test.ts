import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../schema/request.js';
import { AccessPolicy, AccessProfile, ApprovalStep } from '../schema/policy.js';
import { makeGrant, makeResource, makeUser } from '../test-fixtures.js';
import type { ConfigWorld } from './config-change.js';
import { configWhatIf, outcomeChangeInWords, overMaximumInWords } from './what-if.js';

const now = new Date('2026-03-02T10:00:00.000Z');
const at = '2026-03-01T10:00:00.000Z';

const step = (over: Partial<ApprovalStep> = {}) => ApprovalStep.parse({ name: 'Approver', mode: 'any', approverRoles: ['approver'], ...over });
const policy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({ id: 'p-1', name: 'Standard', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, approvalSteps: [step()], updatedAt: at, ...over });
const profile = (over: Partial<AccessProfile> = {}) => AccessProfile.parse({ id: 'prof-1', name: 'Ops', resourceIds: ['res-1'], departments: ['ops'], updatedAt: at, ...over });

const ann = makeUser({ id: 'u-ann', displayName: 'Ann', department: 'ops' });
const ben = makeUser({ id: 'u-ben', displayName: 'Ben', department: 'ops' });
const cat = makeUser({ id: 'u-cat', displayName: 'Cat', department: 'sales' });

const world = (over: Partial<ConfigWorld> = {}): ConfigWorld => ({
  policies: [policy()],
  profiles: [profile()],
  resources: [makeResource({ policyIds: ['p-1'] }), makeResource({ id: 'res-2', name: 'Other', policyIds: ['p-1'] })],
  users: [ann, ben, cat],
  ...over,
});

let n = 0;
const request = (over: Partial<AccessRequest> = {}): AccessRequest => ({
  id: `r-${++n}`,
  requesterId: 'u-ann',
  resourceId: 'res-1',
  durationMinutes: 240,
  justification: 'work',
  ticket: '',
  status: 'approved',
  policy: null,
  currentStep: 0,
  decisions: [],
  riskScore: 0,
  outcomeReason: '',
  grantId: null,
  extendsGrantId: null,
  createdAt: '2026-02-20T10:00:00.000Z',
  updatedAt: '2026-02-20T10:00:00.000Z',
  decidedAt: null,
  expiresAt: null,
  revision: 1,
  ...over,
});

const policyChange = (after: AccessPolicy, w = world()) => ({ change: { kind: 'policy' as const, before: w.policies[0]!, after }, world: w });

describe('configWhatIf: a policy change', () => {
  it('changes nobody’s eligibility (only profiles decide it) and counts who can request the governed resources', () => {
    const result = configWhatIf({ ...policyChange(policy({ maxDurationMinutes: 120 })), requests: [], grants: [], now });
    expect(result.resourceIds.sort()).toEqual(['res-1', 'res-2']);
    expect(result.eligibility).toMatchObject({ before: 2, after: 2, gained: [], lost: [], gainedCount: 0, lostCount: 0 });
  });

  it('replays the last 90 days’ requests with the live rules: a lower maximum and a required ticket refuse some, older ones are left out', () => {
    const long = request({ durationMinutes: 240 });
    const short = request({ durationMinutes: 60, ticket: 'OPS-12' });
    const noTicket = request({ durationMinutes: 60 });
    const old = request({ durationMinutes: 240, createdAt: '2025-10-01T10:00:00.000Z' });
    const elsewhere = request({ resourceId: 'res-9', durationMinutes: 240 });
    const result = configWhatIf({
      ...policyChange(policy({ maxDurationMinutes: 120, requireTicket: true })),
      requests: [long, short, noTicket, old, elsewhere],
      grants: [],
      now,
    });
    expect(result.requests.considered).toBe(3);
    expect(result.requests.counts).toMatchObject({ newlyRefused: 2, toChain: 0, toAutomatic: 0 });
    const byId = new Map(result.requests.changed.map((c) => [c.requestId, c]));
    expect(byId.get(long.id)).toMatchObject({ before: { kind: 'chain' }, after: { kind: 'refused', code: 'duration_exceeds_policy' } });
    expect(byId.get(long.id)!.why).toMatch(/^refused: durationMinutes 240 exceeds the maximum of 120 minutes/);
    expect(byId.get(noTicket.id)).toMatchObject({ after: { kind: 'refused', code: 'ticket_required' } });
    expect(byId.has(short.id)).toBe(false);
  });

  it('says which requests would wait for a chain instead of being approved automatically, and the other way round', () => {
    const auto = world({ policies: [policy({ autoApprove: true, approvalSteps: [] })] });
    const chained = configWhatIf({ ...policyChange(policy({ autoApprove: false, approvalSteps: [step({ name: 'Owner' }), step({ name: 'Security' })] }), auto), requests: [request()], grants: [], now });
    expect(chained.requests.counts.toChain).toBe(1);
    expect(chained.requests.changed[0]!.why).toBe('waits for 2 approval steps (Owner → Security) instead of being approved automatically');

    const back = configWhatIf({ ...policyChange(policy({ autoApprove: true, approvalSteps: [] })), requests: [request()], grants: [], now });
    expect(back.requests.counts.toAutomatic).toBe(1);
    expect(back.requests.changed[0]!.after).toEqual({ kind: 'auto-approved', asksSecondFactor: false });
  });

  it('an added step and a second factor are differences too; an unchanged policy changes nothing', () => {
    const more = configWhatIf({ ...policyChange(policy({ approvalSteps: [step(), step({ name: 'Security', approverIds: ['u-cat'] })] })), requests: [request()], grants: [], now });
    expect(more.requests.changed[0]!.why).toBe('goes through 2 approval steps (Approver → Security) instead of 1 (Approver)');
    const mfa = configWhatIf({ ...policyChange(policy({ requireMfa: true })), requests: [request()], grants: [], now });
    expect(mfa.requests.changed[0]!.why).toBe('the requester is asked for a second factor first');
    const same = configWhatIf({ ...policyChange(policy()), requests: [request(), request({ requesterId: 'u-ben' })], grants: [], now });
    expect(same.requests).toMatchObject({ considered: 2, changed: [], skipped: 0 });
  });

  it('the editor’s own requests lose auto-approval for the cooling-off period, as the server would decide them', () => {
    const auto = world({ policies: [policy({ autoApprove: true, approvalSteps: [] })] });
    const result = configWhatIf({ ...policyChange(policy({ autoApprove: true, approvalSteps: [], maxExtensions: 0, description: 'reworded' }), auto), requests: [request(), request({ requesterId: 'u-ben' })], grants: [], now, editorId: 'u-ann' });
    expect(result.requests.changed.map((c) => c.requesterId)).toEqual(['u-ann']);
    expect(result.requests.changed[0]!.after.kind).toBe('chain');
  });

  it('lists live grants that run past the new maximum with when they would end, and skips ended ones and other resources', () => {
    const grants = [
      makeGrant({ id: 'g-long', userId: 'u-ann', startsAt: '2026-03-02T06:00:00.000Z', expiresAt: '2026-03-02T14:00:00.000Z' }),
      makeGrant({ id: 'g-short', userId: 'u-ben', startsAt: '2026-03-02T09:00:00.000Z', expiresAt: '2026-03-02T10:30:00.000Z' }),
      makeGrant({ id: 'g-ended', userId: 'u-ann', status: 'revoked', startsAt: '2026-03-01T06:00:00.000Z', expiresAt: '2026-03-01T14:00:00.000Z' }),
      makeGrant({ id: 'g-other', resourceId: 'res-9', startsAt: '2026-03-02T06:00:00.000Z', expiresAt: '2026-03-02T14:00:00.000Z' }),
    ];
    const result = configWhatIf({ ...policyChange(policy({ maxDurationMinutes: 120 })), requests: [], grants, now });
    expect(result.grants.live).toBe(2);
    expect(result.grants.overMaximumCount).toBe(1);
    expect(result.grants.overMaximum[0]).toMatchObject({ grantId: 'g-long', durationMinutes: 480, maxMinutesAfter: 120, shortenedExpiresAt: '2026-03-02T08:00:00.000Z' });
    expect(overMaximumInWords(result.grants.overMaximum[0]!)).toBe('8 h, 6 h past the new maximum of 2 h');
  });
});

describe('configWhatIf: a profile change', () => {
  it('names who gains and who loses eligibility, for which resources', () => {
    const w = world();
    const after = profile({ departments: ['sales'], resourceIds: ['res-1', 'res-2'] });
    const result = configWhatIf({ change: { kind: 'profile', before: w.profiles[0]!, after }, world: w, requests: [request({ requesterId: 'u-cat' }), request()], grants: [], now });
    expect(result.eligibility.gained).toEqual([{ userId: 'u-cat', resourceIds: ['res-1', 'res-2'] }]);
    expect(result.eligibility.lost).toEqual([
      { userId: 'u-ann', resourceIds: ['res-1'] },
      { userId: 'u-ben', resourceIds: ['res-1'] },
    ]);
    expect(result.eligibility).toMatchObject({ before: 2, after: 1, gainedCount: 1, lostCount: 2 });
    // Ann's request would now be refused as not eligible; Cat's would go to the chain.
    const byRequester = new Map(result.requests.changed.map((c) => [c.requesterId, c]));
    expect(byRequester.get('u-ann')!.after).toMatchObject({ kind: 'refused', code: 'not_eligible' });
    expect(byRequester.get('u-cat')!.before).toMatchObject({ kind: 'refused', code: 'not_eligible' });
    expect(byRequester.get('u-cat')!.why).toMatch(/^no longer refused/);
  });

  it('a tighter profile cap bounds the grants of its members, and a requester missing from the directory copy is skipped', () => {
    const w = world();
    const grants = [makeGrant({ id: 'g-ann', userId: 'u-ann', startsAt: '2026-03-02T06:00:00.000Z', expiresAt: '2026-03-02T14:00:00.000Z' })];
    const result = configWhatIf({ change: { kind: 'profile', before: w.profiles[0]!, after: profile({ maxDurationMinutes: 240 }) }, world: w, requests: [request({ requesterId: 'u-gone' })], grants, now });
    expect(result.grants.overMaximum.map((g) => [g.grantId, g.maxMinutesAfter])).toEqual([['g-ann', 240]]);
    expect(result.requests).toMatchObject({ considered: 1, skipped: 1 });
  });
});

describe('configWhatIf: a resource change', () => {
  it('archiving a resource takes everyone’s eligibility for it and refuses its requests', () => {
    const w = world();
    const before = w.resources[0]!;
    const result = configWhatIf({ change: { kind: 'resource', before, after: { ...before, archived: true } }, world: w, requests: [request()], grants: [], now });
    expect(result.resourceIds).toEqual(['res-1']);
    expect(result.eligibility.lost.map((l) => l.userId)).toEqual(['u-ann', 'u-ben']);
    expect(result.requests.changed[0]!.after).toMatchObject({ kind: 'refused', code: 'not_eligible' });
  });

  it('moving a resource to a stricter policy is replayed under the combined chain', () => {
    const w = world({ policies: [policy(), policy({ id: 'p-2', name: 'Strict', maxDurationMinutes: 60, approvalSteps: [step({ name: 'Security' })] })] });
    const before = w.resources[0]!;
    const result = configWhatIf({ change: { kind: 'resource', before, after: { ...before, policyIds: ['p-1', 'p-2'] } }, world: w, requests: [request({ durationMinutes: 30 })], grants: [], now });
    expect(result.requests.changed[0]!.why).toBe('goes through 2 approval steps (Approver → Security) instead of 1 (Approver)');
  });
});

describe('outcomeChangeInWords', () => {
  it('says a different refusal as such', () => {
    expect(outcomeChangeInWords({ kind: 'refused', code: 'ticket_required', message: 'a' }, { kind: 'refused', code: 'duration_exceeds_policy', message: 'b' })).toBe('refused for another reason: b');
  });
});
