import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { catalogPolicy, stepApproversInWords } from './catalog.js';
import { changeWidenings, type ConfigWorld } from './config-change.js';
import { policyFieldProblems } from './config-fields.js';
import { createRequest, decideRequest, isStepApprover, namesApprover, type Approver } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';

const now = new Date('2026-03-06T10:00:00.000Z');
const at = now.toISOString();
const SRE = 'grp-sre';

const requester = makeUser({ id: 'u-req', displayName: 'Rita Requester' });
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
  updatedAt: at,
};
const onCallStep = (over: Partial<ApprovalStep> = {}) => ApprovalStep.parse({ name: 'On-call SRE', mode: 'any', approverGroupIds: [SRE], ...over });
const policy = (steps = [onCallStep()]) => AccessPolicy.parse({ id: 'p-1', name: 'On-call', maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, approvalSteps: steps, updatedAt: at });

// A member of the group who holds only the requester role, and someone outside it.
const nina: Approver = { id: 'u-nina', displayName: 'Nina Ortiz', roles: ['requester'], disabled: false, groupIds: [SRE, 'grp-other'] };
const oscar: Approver = { id: 'u-oscar', displayName: 'Oscar Park', roles: ['approver'], disabled: false, groupIds: ['grp-other'] };

function pending(steps = [onCallStep()]): AccessRequest {
  const result = createRequest({ id: 'r-1', requester, resource, durationMinutes: 60, justification: '', ticket: '' }, { profiles: [everyone], policies: [policy(steps)], separation: DEFAULT_SEPARATION }, { now });
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

describe('approver groups on a step', () => {
  it('resolve onto the request, and a member of the group approves', () => {
    const request = pending();
    expect(request.policy?.approvalSteps[0]).toMatchObject({ approverGroupIds: [SRE] });
    expect(decideRequest(request, nina, { decision: 'approve', reason: 'on call' }, { now })).toMatchObject({ ok: true, value: { status: 'approved' } });
  });

  it('refuse someone outside the group with a sentence naming the group', () => {
    expect(decideRequest(pending(), oscar, { decision: 'approve', reason: '' }, { now, groupNames: (id) => (id === SRE ? 'SRE on-call' : id) })).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'Oscar Park is not an approver for step "On-call SRE" of this request; its approvers include the members of SRE on-call, and Oscar Park is not one',
    });
    // No group membership known at all is no membership.
    expect(decideRequest(pending(), { ...nina, groupIds: undefined }, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('never let the requester approve their own request, member or not', () => {
    const self: Approver = { id: requester.id, displayName: requester.displayName, roles: ['requester'], disabled: false, groupIds: [SRE] };
    expect(decideRequest(pending(), self, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'self_approval_forbidden' });
  });

  it('keep one person to one step: a member who approved step 1 cannot approve step 2 through the group', () => {
    const request = pending([ApprovalStep.parse({ name: 'Lead', mode: 'any', approverIds: ['u-nina'] }), onCallStep()]);
    const first = decideRequest(request, nina, { decision: 'approve', reason: '' }, { now });
    if (!first.ok) throw new Error(first.message);
    expect(first.value.currentStep).toBe(1);
    expect(decideRequest(first.value, nina, { decision: 'approve', reason: '' }, { now })).toMatchObject({ ok: false, code: 'forbidden', message: expect.stringMatching(/needs a different person/) });
  });

  it('count only in any-of steps (the rule; an all-of step with groups is refused when saved)', () => {
    const allStep = { ...pending().policy!.approvalSteps[0]!, mode: 'all' as const };
    expect(isStepApprover(allStep, nina)).toBe(false);
    expect(namesApprover({ policy: { ...pending().policy!, approvalSteps: [allStep] } }, nina.id, nina.groupIds)).toBe(false);
    expect(namesApprover(pending(), nina.id, nina.groupIds)).toBe(true);
    expect(namesApprover(pending(), oscar.id, oscar.groupIds)).toBe(false);
  });

  it('are refused in an all-of step when the policy is saved, on the field', () => {
    const problems = policyFieldProblems(policy([onCallStep({ mode: 'all', approverIds: ['u-alice'] })]));
    expect(problems).toContainEqual({ field: 'approvalSteps.0.approverGroupIds', message: 'an all-of step names its approvers one by one; approver groups need an any-of step (one member approves)' });
    // A step naming only a group names someone.
    expect(policyFieldProblems(policy())).toEqual([]);
  });

  it('read in words in the catalog: "a member of SRE on-call"', () => {
    const words = catalogPolicy(pending().policy!, 60, (id) => id, () => '', (id) => (id === SRE ? 'SRE on-call' : id));
    expect(words.steps[0]).toMatchObject({ groups: ['SRE on-call'] });
    expect(stepApproversInWords(words.steps[0]!)).toBe('a member of SRE on-call');
    expect(stepApproversInWords({ mode: 'any', approvers: ['Alice Moreau'], roles: ['admin'], groups: ['SRE on-call'] })).toBe('Alice Moreau, anyone who is an admin or a member of SRE on-call');
  });

  it('widen access when added: the change goes to a second person', () => {
    const before = policy([ApprovalStep.parse({ name: 'On-call SRE', mode: 'any', approverRoles: ['approver'] })]);
    const after = policy([onCallStep({ approverRoles: ['approver'] })]);
    const world: ConfigWorld = { policies: [before], profiles: [everyone], resources: [resource], users: [] };
    expect(changeWidenings({ kind: 'policy', before, after }, world)).toContain('step 1 "On-call SRE" lets the members of grp-sre approve');
    expect(changeWidenings({ kind: 'policy', before: after, after: before }, world)).toEqual([]);
  });
});
