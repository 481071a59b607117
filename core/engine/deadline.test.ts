import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../schema/directory.js';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { escalationInWords, settleDeadline, type DeadlineContext, type EscalationDirectory } from './deadline.js';
import { createRequest, decideRequest, isStepApprover } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';

const now = new Date('2025-03-03T10:00:00.000Z');
const at = now.toISOString();
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

const people: Record<string, DirectoryUser> = Object.fromEntries(
  [
    makeUser({ id: 'u-req', displayName: 'Rita Requester', managerId: 'u-mgr' }),
    makeUser({ id: 'u-mgr', displayName: 'Max Manager', managerId: 'u-director' }),
    makeUser({ id: 'u-director', displayName: 'Dina Director', roles: ['requester'] }),
    makeUser({ id: 'u-alice', displayName: 'Alice Approver', roles: ['approver'] }),
    makeUser({ id: 'u-esc', displayName: 'Esme Escalation', roles: ['approver'] }),
    makeUser({ id: 'u-g1', displayName: 'Gus Group', roles: ['approver'] }),
    makeUser({ id: 'u-g2', displayName: 'Gia Group', roles: ['approver'] }),
    makeUser({ id: 'u-owner', displayName: 'Olga Owner', roles: ['requester'] }),
    makeUser({ id: 'u-gone', displayName: 'Gone Person', roles: ['approver'], disabled: true }),
    makeUser({ id: 'u-auditor', displayName: 'Audrey Auditor', roles: ['auditor'] }),
  ].map((u) => [u.id, u]),
);

const directory = (over: Partial<EscalationDirectory> = {}): EscalationDirectory => ({
  person: (id) => people[id] ?? null,
  groupMembers: (id) => (id === 'grp-oncall' ? ['u-g1', 'u-g2', 'u-req'] : []),
  resourceOwnerId: 'u-owner',
  ...over,
});
const ctxAt = (minutes: number, over: Partial<DeadlineContext> = {}): DeadlineContext => ({ now: later(minutes), directory: directory(), ...over });

const everyone: AccessProfile = {
  id: 'prof-all', name: 'IT', description: '', resourceIds: ['res-1'], userIds: [], departments: ['it'], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: at,
};

function pending(steps: Partial<ApprovalStep>[], over: Partial<AccessPolicy> = {}): AccessRequest {
  const policy = AccessPolicy.parse({
    id: 'p-1',
    name: 'Standard',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    requireJustification: false,
    approvalSteps: steps.map((s, i) => ApprovalStep.parse({ name: `step ${i + 1}`, mode: 'any', approverIds: ['u-alice'], timeoutMinutes: 60, ...s })),
    updatedAt: at,
    ...over,
  });
  const created = createRequest(
    { id: 'r-1', requester: people['u-req'] as DirectoryUser, resource: makeResource({ updatedAt: at }), durationMinutes: 60, justification: '', ticket: '' },
    { profiles: [everyone], policies: [policy], separation: DEFAULT_SEPARATION },
    { now },
  );
  if (!created.ok) throw new Error(created.message);
  return created.value;
}

function settled(request: AccessRequest, ctx: DeadlineContext) {
  const result = settleDeadline(request, ctx);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
}

describe('step clock on the request', () => {
  it('a new request starts its first step now, due after the step timeout; the next step starts when the first is done', () => {
    const request = pending([{ timeoutMinutes: 30 }, { timeoutMinutes: 90, approverIds: ['u-esc'] }]);
    expect(request).toMatchObject({ stepStartedAt: at, stepDueAt: later(30).toISOString(), escalatedSteps: [] });
    const first = decideRequest(request, people['u-alice'] as DirectoryUser, { decision: 'approve', reason: '' }, { now: later(10) });
    expect(first).toMatchObject({ ok: true, value: { currentStep: 1, stepStartedAt: later(10).toISOString(), stepDueAt: later(100).toISOString() } });
  });
});

describe('settleDeadline', () => {
  it('nothing is due before the step timeout or the deadline', () => {
    expect(settleDeadline(pending([{}]), ctxAt(59))).toMatchObject({ ok: false, code: 'invalid_transition' });
  });

  it('past its deadline a pending request expires, saying why in plain words', () => {
    const outcome = settled(pending([{ timeoutMinutes: 7 * 24 * 60 }]), ctxAt(7 * 24 * 60));
    expect(outcome).toMatchObject({ kind: 'expired', cause: 'deadline', request: { status: 'expired', decidedAt: later(7 * 24 * 60).toISOString(), revision: 2 } });
    expect(outcome.request.outcomeReason).toBe('nobody decided it within 7 days of asking, so it expired; ask again if the access is still needed');
  });

  it('a decided request has no deadline left', () => {
    const approved = decideRequest(pending([{}]), people['u-alice'] as DirectoryUser, { decision: 'approve', reason: '' }, { now });
    if (!approved.ok) throw new Error(approved.message);
    expect(settleDeadline(approved.value, ctxAt(10_000))).toMatchObject({ ok: false, code: 'already_decided' });
  });

  it('a timed-out step escalates to the named people, the group, the owner and the manager’s manager, once each, never the requester', () => {
    const request = pending([{ escalateToIds: ['u-esc', 'u-alice'], escalateToGroupIds: ['grp-oncall'], escalateToResourceOwner: true, escalateToManagersManager: true }]);
    const outcome = settled(request, ctxAt(60));
    expect(outcome.kind).toBe('escalated');
    if (outcome.kind !== 'escalated') return;
    // u-alice is already an approver of the step; u-req is the requester.
    expect(outcome.addedIds).toEqual(['u-esc', 'u-g1', 'u-g2', 'u-owner', 'u-director']);
    expect(outcome.request).toMatchObject({ status: 'pending_approval', escalatedSteps: [0], stepDueAt: later(120).toISOString(), revision: 2 });
    expect(outcome.request.policy?.approvalSteps[0]?.escalatedApproverIds).toEqual(outcome.addedIds);
  });

  it('nobody who could not approve counts: disabled, without an approving role, or who changed the policy recently', () => {
    const request = pending([{ escalateToIds: ['u-gone', 'u-auditor', 'u-esc'] }]);
    const recentEditor = AccessPolicy.parse({ id: 'p-1', name: 'x', maxDurationMinutes: 60, defaultDurationMinutes: 60, changedBy: [{ userId: 'u-esc', at }], updatedAt: at });
    const separation = { basis: { policies: [recentEditor], profiles: [], resource: makeResource() }, settings: DEFAULT_SEPARATION };
    const outcome = settled(request, ctxAt(60, { separation }));
    expect(outcome).toMatchObject({ kind: 'expired', cause: 'step_timeout', stepIndex: 0, request: { status: 'expired' } });
    expect(outcome.request.outcomeReason).toBe('step "step 1" was not decided within 1 h and has nobody to escalate to, so the request expired');
    expect(settled(request, ctxAt(60))).toMatchObject({ kind: 'escalated', addedIds: ['u-esc'] });
  });

  it('members of the step’s own approver group are not added again: they could already decide it', () => {
    const request = pending([{ approverIds: [], approverGroupIds: ['grp-oncall'], escalateToIds: ['u-esc', 'u-g1'] }]);
    expect(settled(request, ctxAt(60))).toMatchObject({ kind: 'escalated', addedIds: ['u-esc'] });
  });

  it('a step without escalation approvers expires the request at its timeout', () => {
    expect(settled(pending([{}]), ctxAt(60))).toMatchObject({ kind: 'expired', cause: 'step_timeout' });
  });

  it('escalated and undecided again, the request expires: nobody is left', () => {
    const escalated = settled(pending([{ timeoutMinutes: 45, escalateToIds: ['u-esc'] }]), ctxAt(45)).request;
    expect(settleDeadline(escalated, ctxAt(89))).toMatchObject({ ok: false });
    const outcome = settled(escalated, ctxAt(90));
    expect(outcome).toMatchObject({ kind: 'expired', cause: 'step_timeout', request: { status: 'expired' } });
    expect(outcome.request.outcomeReason).toBe('step "step 1" was not decided within 45 min, nor within 45 min of escalating to Esme Escalation; nobody is left to escalate to, so the request expired');
  });

  it('an escalation approver completes an all-of step alone; the requester in the group still cannot decide', () => {
    const request = pending([{ mode: 'all', approverIds: ['u-alice', 'u-owner'], escalateToGroupIds: ['grp-oncall'] }]);
    const escalated = settled(request, ctxAt(60)).request;
    const step = escalated.policy?.approvalSteps[0];
    if (!step) throw new Error('no step');
    expect(isStepApprover(step, people['u-g1'] as DirectoryUser)).toBe(true);
    expect(isStepApprover(step, people['u-req'] as DirectoryUser)).toBe(false);
    expect(decideRequest(escalated, people['u-req'] as DirectoryUser, { decision: 'approve', reason: 'me' }, { now: later(61) })).toMatchObject({ ok: false, code: 'self_approval_forbidden' });
    expect(decideRequest(escalated, people['u-g1'] as DirectoryUser, { decision: 'approve', reason: 'on call' }, { now: later(61) })).toMatchObject({ ok: true, value: { status: 'approved' } });
  });

  it('an approval after the escalated step timed out is stale, even before the scheduler records the expiry', () => {
    const escalated = settled(pending([{ escalateToIds: ['u-esc'] }]), ctxAt(60)).request;
    expect(decideRequest(escalated, people['u-esc'] as DirectoryUser, { decision: 'approve', reason: '' }, { now: later(120) })).toMatchObject({ ok: false, code: 'stale' });
  });

  it('someone who approved an earlier step is not escalated to on a later one', () => {
    const request = pending([{}, { approverIds: ['u-owner'], escalateToIds: ['u-alice'] }]);
    const first = decideRequest(request, people['u-alice'] as DirectoryUser, { decision: 'approve', reason: '' }, { now });
    if (!first.ok) throw new Error(first.message);
    expect(settled(first.value, ctxAt(60))).toMatchObject({ kind: 'expired', cause: 'step_timeout', stepIndex: 1 });
  });
});

describe('property: timeout, then escalation, then expiry, over random clocks', () => {
  const stepArb = fc.record({
    timeoutMinutes: fc.integer({ min: 1, max: 3 * 24 * 60 }),
    escalateToIds: fc.subarray(['u-esc', 'u-req', 'u-alice', 'u-gone']),
    escalateToGroupIds: fc.subarray(['grp-oncall', 'grp-empty']),
    escalateToResourceOwner: fc.boolean(),
    escalateToManagersManager: fc.boolean(),
  });

  it('whatever the steps and the clock, the request escalates at most once per step, never to the requester, and ends expired with a reason', () => {
    fc.assert(
      fc.property(stepArb, fc.integer({ min: 60, max: 14 * 24 * 60 }), fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 12 }), (step, ttl, ticks) => {
        let request = pending([step], { requestTtlMinutes: ttl });
        let clock = 0;
        let escalations = 0;
        for (const tick of [...ticks, 30 * 24 * 60]) {
          clock += tick;
          const result = settleDeadline(request, ctxAt(clock));
          if (!result.ok) {
            // Nothing due: neither the deadline nor the step's timeout has passed.
            expect(['invalid_transition', 'already_decided']).toContain(result.code);
            if (result.code === 'invalid_transition') {
              expect(clock).toBeLessThan((Date.parse(request.expiresAt ?? '') - now.getTime()) / 60_000);
              expect(later(clock).getTime()).toBeLessThan(Date.parse(request.stepDueAt ?? ''));
            }
            continue;
          }
          const outcome = result.value;
          expect(outcome.request.revision).toBe(request.revision + 1);
          if (outcome.kind === 'escalated') {
            escalations++;
            expect(outcome.addedIds.length).toBeGreaterThan(0);
            expect(outcome.addedIds).not.toContain('u-req');
            expect(outcome.addedIds).not.toContain('u-gone');
          } else {
            expect(outcome.request.status).toBe('expired');
            expect(outcome.request.outcomeReason).toMatch(/expired/);
          }
          request = outcome.request;
        }
        expect(escalations).toBeLessThanOrEqual(1);
        expect(request.status).toBe('expired');
      }),
      { numRuns: 300 },
    );
  });
});

describe('escalationInWords', () => {
  it('says what a step does when nobody decides it', () => {
    const names = (id: string) => people[id]?.displayName ?? id;
    expect(escalationInWords({ timeoutMinutes: 240, escalateToIds: [] }, names)).toBe('undecided within 4 h, the request expires');
    expect(
      escalationInWords({ timeoutMinutes: 60, escalateToIds: ['u-esc'], escalateToGroupIds: ['grp-oncall'], escalateToResourceOwner: true, escalateToManagersManager: true }, names, () => 'On-call'),
    ).toBe("undecided within 1 h, it escalates to Esme Escalation, the members of On-call, the resource owner and the requester's manager's manager; undecided again within 1 h, the request expires");
  });
});
