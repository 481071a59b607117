import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../schema/directory.js';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import type { AccessRequest, ResolvedPolicy } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { cancelRequest, createRequest, decideRequest, expireRequest, type Approver, type NewRequestInput, type RequestWorld } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';

const now = new Date('2025-03-03T10:00:00.000Z');
const at = now.toISOString();
const minutesLater = (m: number) => new Date(now.getTime() + m * 60_000);

const person = (id: string, displayName: string, roles: DirectoryUser['roles'] = ['approver'], over: Partial<DirectoryUser> = {}): DirectoryUser =>
  makeUser({ id, displayName, roles, updatedAt: at, ...over });

const requester = person('u-req', 'Rita Requester', ['requester']);
const alice = person('u-alice', 'Alice Admin');
const bob = person('u-bob', 'Bob Boss');
const sec = person('u-sec', 'Sam Security');

const resource: Resource = makeResource({ updatedAt: at });

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
  updatedAt: at,
};

const policy = (over: Partial<AccessPolicy> = {}): AccessPolicy =>
  AccessPolicy.parse({
    id: 'p-1',
    name: 'Standard',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    requireJustification: true,
    approvalSteps: [ApprovalStep.parse({ name: 'approvers', mode: 'any', approverRoles: ['approver'] })],
    updatedAt: at,
    ...over,
  });

const input = (over: Partial<NewRequestInput> = {}): NewRequestInput => ({
  id: 'r-1',
  requester,
  resource,
  durationMinutes: 60,
  justification: 'restore last night’s payroll run',
  ticket: '',
  ...over,
});

const world = (p: AccessPolicy = policy(), profiles: AccessProfile[] = [everyone]): RequestWorld => ({ profiles, policies: [p], separation: DEFAULT_SEPARATION });

function pending(p: AccessPolicy = policy(), over: Partial<NewRequestInput> = {}): AccessRequest {
  const result = createRequest(input(over), world(p), { now });
  if (!result.ok) throw new Error(result.message);
  expect(result.value.status).toBe('pending_approval');
  return result.value;
}

const names = (id: string) => ({ 'u-alice': 'Alice Admin', 'u-bob': 'Bob Boss' })[id] ?? id;

describe('createRequest', () => {
  it('opens a pending request with the resolved policy, a deadline and revision 1', () => {
    const request = pending();
    expect(request).toMatchObject({ requesterId: 'u-req', resourceId: 'res-1', currentStep: 0, decisions: [], revision: 1, decidedAt: null });
    expect(request.expiresAt).toBe(minutesLater(7 * 24 * 60).toISOString());
    expect(request.policy?.policyIds).toEqual(['p-1']);
  });

  it('refuses an ineligible requester', () => {
    expect(createRequest(input(), world(policy(), []), { now })).toMatchObject({ ok: false, code: 'not_eligible' });
  });

  it('refuses a duration over the policy maximum, and over a tighter profile cap', () => {
    expect(createRequest(input({ durationMinutes: 241 }), world(), { now })).toMatchObject({
      ok: false,
      code: 'duration_exceeds_policy',
      message: 'durationMinutes 241 exceeds the maximum of 240 minutes for Payroll DB admins',
    });
    expect(createRequest(input({ durationMinutes: 240 }), world(), { now }).ok).toBe(true);
    const capped = world(policy(), [{ ...everyone, maxDurationMinutes: 30 }]);
    expect(createRequest(input({ durationMinutes: 31 }), capped, { now })).toMatchObject({ ok: false, code: 'duration_exceeds_policy' });
    const ok = createRequest(input({ durationMinutes: 30 }), capped, { now });
    expect(ok).toMatchObject({ ok: true, value: { policy: { maxDurationMinutes: 30 } } });
  });

  it('requires a justification (blank is none) and a ticket when the policy says so', () => {
    expect(createRequest(input({ justification: '   ' }), world(), { now })).toMatchObject({ ok: false, code: 'justification_required' });
    expect(createRequest(input({ justification: '' }), world(policy({ requireJustification: false })), { now }).ok).toBe(true);
    expect(createRequest(input(), world(policy({ requireTicket: true })), { now })).toMatchObject({ ok: false, code: 'ticket_required' });
    expect(createRequest(input({ ticket: ' INC-42 ' }), world(policy({ requireTicket: true })), { now })).toMatchObject({ ok: true, value: { ticket: 'INC-42' } });
  });

  it('auto-approves at once when the policy allows it and has no steps', () => {
    const result = createRequest(input(), world(policy({ autoApprove: true, approvalSteps: [] })), { now });
    expect(result).toMatchObject({ ok: true, value: { status: 'approved', decidedAt: at, expiresAt: null, outcomeReason: 'auto-approved by policy' } });
    const withSteps = createRequest(input(), world(policy({ autoApprove: true })), { now });
    expect(withSteps).toMatchObject({ ok: true, value: { status: 'pending_approval' } });
  });
});

describe('decideRequest', () => {
  it('any-mode: one approver approves and the request is approved', () => {
    const result = decideRequest(pending(), alice, { decision: 'approve', reason: 'ok' }, { now });
    expect(result).toMatchObject({ ok: true, value: { status: 'approved', decidedAt: at, revision: 2, currentStep: 1 } });
    if (result.ok) expect(result.value.decisions).toEqual([{ stepIndex: 0, approverId: 'u-alice', decision: 'approve', reason: 'ok', decidedAt: at, breakGlass: false }]);
  });

  it('all-mode: waits for every named approver', () => {
    const p = policy({ approvalSteps: [ApprovalStep.parse({ name: 'both', mode: 'all', approverIds: ['u-alice', 'u-bob'] })] });
    const first = decideRequest(pending(p), alice, { decision: 'approve', reason: '' }, { now });
    expect(first).toMatchObject({ ok: true, value: { status: 'pending_approval', currentStep: 0 } });
    if (!first.ok) return;
    // In all-mode, holding the approver role is not enough: only named approvers count.
    expect(decideRequest(first.value, sec, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideRequest(first.value, bob, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: true, value: { status: 'approved' } });
  });

  it('multi-step: each step in turn, and an approver of a later step cannot skip ahead', () => {
    const p = policy({
      approvalSteps: [ApprovalStep.parse({ name: 'manager', mode: 'any', approverIds: ['u-bob'] }), ApprovalStep.parse({ name: 'security', mode: 'any', approverIds: ['u-sec'] })],
    });
    const request = pending(p);
    expect(decideRequest(request, sec, { decision: 'approve', reason: '' }, { now })).toMatchObject({
      ok: false,
      code: 'forbidden',
      message: 'Sam Security is not an approver for step "manager" of this request',
    });
    const afterManager = decideRequest(request, bob, { decision: 'approve', reason: '' }, { now });
    expect(afterManager).toMatchObject({ ok: true, value: { status: 'pending_approval', currentStep: 1 } });
    if (!afterManager.ok) return;
    expect(decideRequest(afterManager.value, bob, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(decideRequest(afterManager.value, sec, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: true, value: { status: 'approved', currentStep: 2 } });
  });

  it('forbids approving or denying one’s own request, even to a requester who is an approver of the step', () => {
    const approverRequester = person('u-req', 'Rita Requester', ['requester', 'approver']);
    for (const decision of ['approve', 'deny'] as const) {
      expect(decideRequest(pending(), approverRequester, { decision, reason: 'mine' }, { now })).toMatchObject({
        ok: false,
        code: 'self_approval_forbidden',
        message: 'you cannot approve or deny your own request; break-glass is the only exception',
      });
    }
  });

  it('break-glass: the requester approves in an emergency with a reason, only where the policy allows it', () => {
    const glass = policy({ breakGlass: true });
    const result = decideRequest(pending(glass), requester, { decision: 'approve', reason: 'prod down', breakGlass: true }, { now });
    expect(result).toMatchObject({ ok: true, value: { status: 'approved', outcomeReason: 'break-glass: prod down' } });
    if (result.ok) expect(result.value.decisions[0]?.breakGlass).toBe(true);
    expect(decideRequest(pending(glass), requester, { decision: 'approve', reason: ' ', breakGlass: true }, { now })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(decideRequest(pending(), requester, { decision: 'approve', reason: 'prod down', breakGlass: true }, { now })).toMatchObject({
      ok: false,
      code: 'self_approval_forbidden',
      message: 'break-glass is not allowed by the access policy',
    });
    expect(decideRequest(pending(glass), alice, { decision: 'approve', reason: 'prod down', breakGlass: true }, { now })).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('a denial needs a reason, which becomes the outcome', () => {
    expect(decideRequest(pending(), alice, { decision: 'deny', reason: '  ' }, { now })).toMatchObject({ ok: false, code: 'invalid_input', message: 'reason: a denial needs a reason' });
    expect(decideRequest(pending(), alice, { decision: 'deny', reason: 'not on call' }, { now })).toMatchObject({ ok: true, value: { status: 'denied', outcomeReason: 'not on call' } });
  });

  it('the same approver cannot decide the same step twice', () => {
    const p = policy({ approvalSteps: [ApprovalStep.parse({ name: 'both', mode: 'all', approverIds: ['u-alice', 'u-bob'] })] });
    const first = decideRequest(pending(p), alice, { decision: 'approve', reason: '' }, { now });
    if (!first.ok) throw new Error(first.message);
    expect(decideRequest(first.value, alice, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'conflict', message: 'Alice Admin has already decided step "both"' });
  });

  it('a request past its deadline is stale', () => {
    const request = pending();
    const late = minutesLater(7 * 24 * 60);
    expect(decideRequest(request, alice, { decision: 'approve', reason: '' }, { now: late })).toMatchObject({ ok: false, code: 'stale' });
  });

  it('an already decided request says who decided it', () => {
    const approved = decideRequest(pending(), alice, { decision: 'approve', reason: '' }, { now });
    if (!approved.ok) throw new Error(approved.message);
    expect(decideRequest(approved.value, bob, { decision: 'approve', reason: '' }, { now, names })).toEqual({
      ok: false,
      code: 'already_decided',
      message: 'the request was already approved by Alice Admin',
    });
    const denied = decideRequest(pending(), bob, { decision: 'deny', reason: 'no' }, { now });
    if (!denied.ok) throw new Error(denied.message);
    expect(decideRequest(denied.value, alice, { decision: 'approve', reason: '' }, { now, names })).toMatchObject({ message: 'the request was already denied by Bob Boss' });
  });

  it('a disabled approver cannot decide', () => {
    expect(decideRequest(pending(), { ...alice, disabled: true }, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('cancel and expire end a pending request, and nothing else', () => {
    const request = pending();
    expect(cancelRequest(request, requester, '', { now })).toMatchObject({ ok: true, value: { status: 'cancelled', outcomeReason: 'cancelled' } });
    expect(cancelRequest(request, alice, 'x', { now })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(expireRequest(request, { now })).toMatchObject({ ok: false, code: 'invalid_transition' });
    const expired = expireRequest(request, { now: minutesLater(7 * 24 * 60) });
    expect(expired).toMatchObject({ ok: true, value: { status: 'expired' } });
    if (expired.ok) expect(cancelRequest(expired.value, requester, '', { now })).toMatchObject({ ok: false, code: 'already_decided' });
  });
});

describe('property: a forbidden self-approval never passes', () => {
  const roles = fc.subarray(['requester', 'approver', 'policy_admin', 'reviewer', 'auditor', 'admin'] as const, { minLength: 1 });
  const stepArb = fc.record({
    name: fc.constantFrom('a', 'b', 'c'),
    mode: fc.constantFrom('any' as const, 'all' as const),
    approverIds: fc.subarray(['u-req', 'u-alice', 'u-bob']),
    approverRoles: fc.subarray(['requester', 'approver', 'admin'] as const),
    timeoutMinutes: fc.constant(60),
    escalateToIds: fc.constant([] as string[]),
  });
  const policyArb: fc.Arbitrary<ResolvedPolicy> = fc.record({
    policyIds: fc.constant(['p-1']),
    maxDurationMinutes: fc.constant(240),
    requireJustification: fc.boolean(),
    requireTicket: fc.boolean(),
    requireMfa: fc.boolean(),
    requireApproverMfa: fc.boolean(),
    mfaFreshMinutes: fc.constant(15),
    autoApprove: fc.constant(false),
    breakGlass: fc.boolean(),
    maxExtensions: fc.constant(0),
    requestTtlMinutes: fc.constant(60),
    approvalSteps: fc.array(stepArb, { minLength: 0, maxLength: 3 }),
  });

  it('whatever the policy, roles, step or decision, the requester never decides their own request without break-glass', () => {
    fc.assert(
      fc.property(
        policyArb,
        roles,
        fc.nat({ max: 3 }),
        fc.constantFrom('approve' as const, 'deny' as const),
        fc.string({ maxLength: 5 }),
        fc.boolean(),
        (resolved, actorRoles, stepIndex, decision, reason, breakGlassAsked) => {
          const request: AccessRequest = {
            ...pending(),
            policy: resolved,
            currentStep: Math.min(stepIndex, resolved.approvalSteps.length),
          };
          const actor: Approver = { id: 'u-req', displayName: 'Rita Requester', roles: actorRoles, disabled: false };
          const result = decideRequest(request, actor, { decision, reason, breakGlass: breakGlassAsked }, { now });
          if (result.ok) {
            // The one way through: an emergency approval the policy allows, with a reason, recorded as such.
            expect(decision).toBe('approve');
            expect(breakGlassAsked && resolved.breakGlass && reason.trim() !== '').toBe(true);
            expect(result.value.decisions.at(-1)?.breakGlass).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('separation of duties across the steps of one chain', () => {
  const twoSteps = () =>
    policy({
      approvalSteps: [
        ApprovalStep.parse({ name: 'first', mode: 'any', approverRoles: ['approver'] }),
        ApprovalStep.parse({ name: 'second', mode: 'any', approverRoles: ['approver'] }),
      ],
    });

  it('one person cannot approve two steps: a second step needs another approver', () => {
    const first = decideRequest(pending(twoSteps()), alice, { decision: 'approve', reason: 'ok' }, { now });
    if (!first.ok) throw new Error(first.message);
    expect(first.value.currentStep).toBe(1);
    const again = decideRequest(first.value, alice, { decision: 'approve', reason: 'still ok' }, { now, names });
    expect(again).toMatchObject({ ok: false, code: 'forbidden' });
    if (!again.ok) expect(again.message).toMatch(/Alice Admin already approved step "first".*different person/);
    expect(decideRequest(first.value, bob, { decision: 'approve', reason: 'ok' }, { now })).toMatchObject({ ok: true, value: { status: 'approved' } });
  });

  it('an approver of an earlier step may still deny a later one', () => {
    const first = decideRequest(pending(twoSteps()), alice, { decision: 'approve', reason: 'ok' }, { now });
    if (!first.ok) throw new Error(first.message);
    expect(decideRequest(first.value, alice, { decision: 'deny', reason: 'changed my mind' }, { now })).toMatchObject({ ok: true, value: { status: 'denied' } });
  });
});
