import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { changeWidenings } from './config-change.js';
import { checkSecondFactor, strictestMfa } from './mfa.js';
import { decisionBasis, createRequest, decideRequest } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';

const now = new Date('2025-03-03T10:00:00.000Z');
const at = now.toISOString();
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const MINUTE = 60_000;

const requester = makeUser({ id: 'u-req', displayName: 'Rita Requester', updatedAt: at });
const approver = makeUser({ id: 'u-alice', displayName: 'Alice Approver', roles: ['approver'], updatedAt: at });
const resource = makeResource({ updatedAt: at });
const everyone: AccessProfile = { id: 'prof-all', name: 'IT', description: '', resourceIds: ['res-1'], userIds: [], departments: ['it'], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: at };

const policy = (over: Partial<AccessPolicy> = {}): AccessPolicy =>
  AccessPolicy.parse({
    id: 'p-1',
    name: 'Standard',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    requireJustification: false,
    approvalSteps: [ApprovalStep.parse({ name: 'approvers', mode: 'any', approverRoles: ['approver'] })],
    updatedAt: at,
    ...over,
  });

const world = (p: AccessPolicy) => ({ profiles: [everyone], policies: [p], separation: DEFAULT_SEPARATION });
const ask = (p: AccessPolicy, secondFactorAt: string | null, over: { extendsGrantId?: string } = {}) =>
  createRequest({ id: 'r-1', requester, resource, durationMinutes: 60, justification: 'why', ticket: 'CHG-1', ...over }, world(p), { now, secondFactorAt });

describe('checkSecondFactor: the one step-up rule', () => {
  const required = { requireMfa: true, requireApproverMfa: true, mfaFreshMinutes: 15 };

  it('a factor at most mfaFreshMinutes old counts; older, none, or one from the future does not', () => {
    expect(checkSecondFactor(required, at, now).ok).toBe(true);
    expect(checkSecondFactor(required, ago(15 * MINUTE), now).ok).toBe(true);
    expect(checkSecondFactor(required, ago(15 * MINUTE + 1), now)).toMatchObject({ ok: false, code: 'mfa_required' });
    expect(checkSecondFactor(required, null, now)).toMatchObject({ ok: false, code: 'mfa_required' });
    expect(checkSecondFactor(required, 'not a time', now)).toMatchObject({ ok: false, code: 'mfa_required' });
    expect(checkSecondFactor(required, new Date(now.getTime() + 1000).toISOString(), now)).toMatchObject({ ok: false, code: 'mfa_required' });
  });

  it('says what needs the factor, within how long, and how old the one given is', () => {
    const stale = checkSecondFactor(required, ago(40 * MINUTE), now, 'approve');
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.message).toMatch(/approving this request needs a second factor within the last 15 minutes; yours was 40 minutes ago/);
  });

  it('each action asks only what the policy asks of it; break-glass is held to both rules', () => {
    const requesterOnly = { requireMfa: true, requireApproverMfa: false, mfaFreshMinutes: 15 };
    const approverOnly = { requireMfa: false, requireApproverMfa: true, mfaFreshMinutes: 15 };
    expect(checkSecondFactor(requesterOnly, null, now, 'approve').ok).toBe(true);
    expect(checkSecondFactor(requesterOnly, null, now, 'approve', true).ok).toBe(false);
    expect(checkSecondFactor(approverOnly, null, now, 'request').ok).toBe(true);
    expect(checkSecondFactor(approverOnly, null, now, 'approve').ok).toBe(false);
  });

  it('several policies: any requirement and the shortest freshness win', () => {
    expect(strictestMfa([{ requireMfa: false, requireApproverMfa: true, mfaFreshMinutes: 60 }, { requireMfa: true, requireApproverMfa: false, mfaFreshMinutes: 5 }])).toEqual({ requireMfa: true, requireApproverMfa: true, mfaFreshMinutes: 5 });
  });
});

describe('requests and approvals under a policy that requires MFA', () => {
  it('a request is refused with mfa_required without a fresh factor, and created with one', () => {
    const p = policy({ requireMfa: true });
    expect(ask(p, null)).toMatchObject({ ok: false, code: 'mfa_required' });
    expect(ask(p, ago(16 * MINUTE))).toMatchObject({ ok: false, code: 'mfa_required' });
    expect(ask(p, ago(MINUTE))).toMatchObject({ ok: true, value: { status: 'pending_approval', policy: { requireMfa: true, mfaFreshMinutes: 15 } } });
  });

  it('other refusals come first: nobody types a code for a request that fails anyway', () => {
    expect(ask(policy({ requireMfa: true, requireTicket: true }), null, {}).ok).toBe(false);
    const noTicket = createRequest({ id: 'r-1', requester, resource, durationMinutes: 60, justification: 'why', ticket: '' }, world(policy({ requireMfa: true, requireTicket: true })), { now });
    expect(noTicket).toMatchObject({ ok: false, code: 'ticket_required' });
  });

  it('an approval needs the approver’s fresh factor when the policy, as frozen or as configured now, requires it', () => {
    const created = ask(policy(), null);
    if (!created.ok) throw new Error(created.message);
    const frozen: AccessRequest = { ...created.value, policy: { ...created.value.policy!, requireApproverMfa: true } };
    expect(decideRequest(frozen, approver, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'mfa_required' });
    expect(decideRequest(frozen, approver, { decision: 'approve', reason: '' }, { now, secondFactorAt: ago(MINUTE) })).toMatchObject({ ok: true, value: { status: 'approved' } });
    // Tightened since the request was made: the policy as it is now binds the approval too.
    const basis = decisionBasis(['p-1'], ['prof-all'], resource, { policies: [policy({ requireApproverMfa: true, mfaFreshMinutes: 5 })], profiles: [everyone] });
    const separation = { basis, settings: DEFAULT_SEPARATION };
    expect(decideRequest(created.value, approver, { decision: 'approve', reason: '' }, { now, separation, secondFactorAt: ago(6 * MINUTE) })).toMatchObject({ ok: false, code: 'mfa_required' });
    expect(decideRequest(created.value, approver, { decision: 'approve', reason: '' }, { now, separation, secondFactorAt: ago(4 * MINUTE) }).ok).toBe(true);
  });

  it('a denial never needs a second factor: it narrows access', () => {
    const created = ask(policy({ requireApproverMfa: true }), null);
    if (!created.ok) throw new Error(created.message);
    expect(decideRequest(created.value, approver, { decision: 'deny', reason: 'no' }, { now })).toMatchObject({ ok: true, value: { status: 'denied' } });
  });
});

describe('property: no path approves or creates a request whose policy requires MFA without a fresh factor', () => {
  const policyArb = fc.record({
    requireMfa: fc.boolean(),
    requireApproverMfa: fc.boolean(),
    mfaFreshMinutes: fc.integer({ min: 1, max: 720 }),
    autoApprove: fc.boolean(),
    breakGlass: fc.boolean(),
    steps: fc.integer({ min: 0, max: 2 }),
  });
  /** No factor, or one this many ms before now (negative: from the future). */
  const factorArb = fc.option(fc.integer({ min: -10 * MINUTE, max: 24 * 60 * MINUTE }), { nil: null });
  const isFresh = (age: number | null, fresh: number) => age !== null && age >= 0 && age <= fresh * MINUTE;
  const build = (g: { requireMfa: boolean; requireApproverMfa: boolean; mfaFreshMinutes: number; autoApprove: boolean; breakGlass: boolean; steps: number }) =>
    policy({
      requireMfa: g.requireMfa,
      requireApproverMfa: g.requireApproverMfa,
      mfaFreshMinutes: g.mfaFreshMinutes,
      autoApprove: g.autoApprove,
      breakGlass: g.breakGlass,
      approvalSteps: Array.from({ length: g.steps }, (_, i) => ApprovalStep.parse({ name: `step ${i + 1}`, mode: 'any', approverRoles: ['approver'], approverIds: ['u-req'] })),
    });

  it('creating (a first ask or more time, automatic approval included)', () => {
    let guarded = 0;
    fc.assert(
      fc.property(policyArb, factorArb, fc.boolean(), (g, age, extension) => {
        const p = build(g);
        const created = ask(p, age === null ? null : ago(age), extension ? { extendsGrantId: 'g-1' } : {});
        if (created.ok && p.requireMfa) {
          guarded++;
          expect(isFresh(age, p.mfaFreshMinutes)).toBe(true);
        }
        if (!created.ok && p.requireMfa && !isFresh(age, p.mfaFreshMinutes)) expect(created.code).toBe('mfa_required');
      }),
      { numRuns: 500 },
    );
    // Not vacuous: requests under MFA policies did go through, each with a fresh factor.
    expect(guarded).toBeGreaterThan(20);
  });

  it('approving (any approver, break-glass by the requester, the policy as frozen and as configured now)', () => {
    let guarded = 0;
    fc.assert(
      fc.property(policyArb, policyArb, factorArb, fc.boolean(), fc.boolean(), (frozenG, nowG, age, byRequester, breakGlass) => {
        const frozenPolicy = build({ ...frozenG, autoApprove: false, steps: Math.max(1, frozenG.steps) });
        // The request exists (made with a fresh factor); only the approval is in question.
        const created = ask(frozenPolicy, at);
        if (!created.ok) return;
        const current = build({ ...nowG, autoApprove: false, steps: Math.max(1, nowG.steps) });
        const basis = decisionBasis(['p-1'], ['prof-all'], resource, { policies: [current], profiles: [everyone] });
        const actor = byRequester ? requester : approver;
        const result = decideRequest(created.value, actor, { decision: 'approve', reason: 'because', breakGlass }, { now, separation: { basis, settings: DEFAULT_SEPARATION }, secondFactorAt: age === null ? null : ago(age) });
        if (!result.ok) return;
        const recordedBreakGlass = result.value.decisions.at(-1)?.breakGlass === true;
        const rules = strictestMfa([frozenPolicy, current]);
        const needed = rules.requireApproverMfa || (recordedBreakGlass && rules.requireMfa);
        if (needed) {
          guarded++;
          expect(isFresh(age, rules.mfaFreshMinutes)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
    expect(guarded).toBeGreaterThan(20);
  });
});

describe('changing a policy’s MFA rules: loosening waits for a second person, tightening applies', () => {
  const widenings = (before: Partial<AccessPolicy>, after: Partial<AccessPolicy>) =>
    changeWidenings({ kind: 'policy', before: policy(before), after: policy(after) }, { policies: [policy(before)], profiles: [everyone], resources: [resource], users: [requester, approver] });

  it('dropping the approvers’ factor, or letting a required one count for longer, widens access', () => {
    expect(widenings({ requireApproverMfa: true }, { requireApproverMfa: false })).toEqual(['MFA is no longer required of approvers']);
    expect(widenings({ requireMfa: true, mfaFreshMinutes: 15 }, { requireMfa: true, mfaFreshMinutes: 60 })).toEqual(['a second factor counts for 15 → 60 minutes']);
  });

  it('turning MFA on, at any freshness, or shortening the freshness, tightens', () => {
    expect(widenings({}, { requireMfa: true, requireApproverMfa: true, mfaFreshMinutes: 720 })).toEqual([]);
    expect(widenings({ requireApproverMfa: true, mfaFreshMinutes: 30 }, { requireApproverMfa: true, mfaFreshMinutes: 5 })).toEqual([]);
  });
});
