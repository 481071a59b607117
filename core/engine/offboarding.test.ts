import { describe, expect, it } from 'vitest';
import type { AccessPolicy, AccessRequest, Resource, ReviewCampaign, ReviewItem, Task } from '../index.js';
import { hasDuties, offboardingProgress, planDutyReassignment, planReviewReassignment } from './offboarding.js';

const at = '2026-11-02T09:00:00.000Z';
const step = (approverIds: string[], escalateToIds: string[] = []) => ({ name: 'Lead', mode: 'any' as const, approverIds, approverRoles: [], approverGroupIds: [], includeResourceOwner: false, includeManager: false, timeoutMinutes: 60, escalateToIds, escalateToGroupIds: [], escalateToResourceOwner: false, escalateToManagersManager: false });
const policy = (id: string, steps: ReturnType<typeof step>[]) => ({ id, name: id, approvalSteps: steps, changedBy: [], updatedAt: at }) as unknown as AccessPolicy;
const request = (id: string, requesterId: string, approverIds: string[], status: AccessRequest['status'] = 'pending_approval') =>
  ({ id, requesterId, status, revision: 1, policy: { approvalSteps: [{ name: 'Lead', mode: 'any', approverIds, approverRoles: [], timeoutMinutes: 60, escalateToIds: [] }] } }) as unknown as AccessRequest;
const task = (id: string, assigneeId: string, status: Task['status'] = 'open') => ({ id, title: id, assigneeId, status }) as unknown as Task;
const resource = (id: string, ownerId: string) => ({ id, name: id, ownerId }) as unknown as Resource;

describe('what a departing person\u2019s duties become', () => {
  const input = {
    personId: 'dana',
    policies: [policy('p-1', [step(['dana', 'ann'], ['dana']), step(['bob'])]), policy('p-2', [step(['bob'])])],
    requests: [request('r-other', 'carl', ['dana', 'ann']), request('r-own', 'dana', ['ann']), request('r-by-fallback', 'fred', ['dana']), request('r-done', 'carl', ['dana'], 'approved')],
    tasks: [task('t-1', 'dana'), task('t-2', 'dana', 'done'), task('t-3', 'bob')],
    resources: [resource('res-1', 'dana'), resource('res-2', 'bob')],
  };

  it('moves every step, open task and owned resource naming them to the fallback, and nothing else', () => {
    const plan = planDutyReassignment({ ...input, fallbackId: 'fred' });
    if (!plan.ok) throw new Error(plan.message);
    expect(plan.value.policies.map((p) => p.id)).toEqual(['p-1']);
    expect(plan.value.policies[0]?.approvalSteps[0]).toMatchObject({ approverIds: ['fred', 'ann'], escalateToIds: ['fred'] });
    expect(plan.value.policies[0]?.approvalSteps[1]).toMatchObject({ approverIds: ['bob'] });
    // Never onto the fallback's own request (nobody approves their own), never the leaver's own (cancelled instead), never a decided one.
    expect(plan.value.requests.map((r) => r.id)).toEqual(['r-other']);
    expect(plan.value.tasks.map((t) => [t.id, t.assigneeId])).toEqual([['t-1', 'fred']]);
    expect(plan.value.resources.map((r) => [r.id, r.ownerId])).toEqual([['res-1', 'fred']]);
    expect(plan.value.reassigned.map((d) => d.kind)).toEqual(['policy_step', 'request_step', 'task', 'resource_owner']);
  });

  it('does not name the fallback twice on a step that already names them', () => {
    const plan = planDutyReassignment({ ...input, policies: [policy('p-3', [step(['dana', 'fred'])])], fallbackId: 'fred' });
    expect(plan.ok && plan.value.policies[0]?.approvalSteps[0]?.approverIds).toEqual(['fred']);
  });

  it('refuses a fallback already on an all-of step beside the leaver: two approvals would become one', () => {
    const both = { ...step(['dana', 'fred']), mode: 'all' as const, name: 'Both leads' };
    const plan = planDutyReassignment({ ...input, policies: [policy('p-4', [both as unknown as ReturnType<typeof step>])], fallbackId: 'fred' });
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.message).toMatch(/all-of step "Both leads" of access policy "p-4"/);
    expect(planDutyReassignment({ ...input, policies: [policy('p-4', [both as unknown as ReturnType<typeof step>])], fallbackId: 'gina' }).ok).toBe(true);
  });

  it('needs a fallback only when there is something to move, and never the person themselves', () => {
    expect(planDutyReassignment({ ...input, fallbackId: null })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(planDutyReassignment({ ...input, fallbackId: 'dana' })).toMatchObject({ ok: false, message: expect.stringMatching(/someone other/) });
    const none = { personId: 'zoe', policies: input.policies, requests: input.requests, tasks: input.tasks, resources: input.resources };
    expect(hasDuties('zoe', none)).toBe(false);
    expect(planDutyReassignment({ ...none, fallbackId: null })).toMatchObject({ ok: true, value: { reassigned: [] } });
  });
});

describe('offboarding progress', () => {
  it('is done only when every grant is verified gone', () => {
    expect(offboardingProgress([{ status: 'revoking' }, { status: 'revoked' }, { status: 'verified' }, { status: 'revoke_failed' }])).toEqual({ total: 4, revoked: 2, verified: 1, waiting: 1, failed: 1, done: false });
    expect(offboardingProgress([{ status: 'verified' }, { status: 'verified' }])).toMatchObject({ done: true, verified: 2 });
    expect(offboardingProgress([])).toMatchObject({ total: 0, done: true });
  });
});

describe('a departing reviewer\u2019s review items', () => {
  const user = (id: string, extra: Record<string, unknown> = {}) => [id, { id, displayName: id, managerId: null, roles: ['approver'], disabled: false, ...extra }] as const;
  const world = { users: new Map([user('dana'), user('fred'), user('ann'), user('zoe', { disabled: true })]), groups: new Map() } as never;
  const sd = (stage: number, reviewerIds: string[], decision: 'keep' | null = null) => ({ stage, reviewerIds, fallbackReason: null, decision, reason: '', decidedBy: null, decidedAt: null });
  const campaign = (id: string, fallback: string, status = 'open') =>
    ({ id, name: id, status, run: 1, stages: [{ name: 'One', reviewer: { type: 'person', userId: 'dana' }, fallback: { type: 'person', userId: fallback } }, { name: 'Two', reviewer: { type: 'person', userId: 'dana' }, fallback: { type: 'person', userId: fallback } }] }) as unknown as ReviewCampaign;
  const item = (id: string, campaignId: string, stage: number, stages: ReturnType<typeof sd>[], userId = 'carl') =>
    ({ id, campaignId, run: 1, stage, stageCount: 2, reviewerIds: stages[stage - 1]?.reviewerIds ?? [], stageDecisions: stages, decision: null, subject: { userId, resourceId: 'res-1' } }) as unknown as ReviewItem;

  it('gives each undecided stage naming them to the stage fallback, beside its other reviewers; a stage the fallback cannot take is unassigned', () => {
    const plan = planReviewReassignment({
      personId: 'dana',
      campaigns: [campaign('c-fred', 'fred'), campaign('c-zoe', 'zoe'), campaign('c-closed', 'fred', 'closed')],
      items: [
        item('i-1', 'c-fred', 1, [sd(1, ['dana', 'ann']), sd(2, ['dana'])]),
        item('i-2', 'c-fred', 2, [sd(1, ['dana'], 'keep'), sd(2, ['ann'])]),
        item('i-3', 'c-zoe', 1, [sd(1, ['dana']), sd(2, ['ann'])]),
        item('i-4', 'c-closed', 1, [sd(1, ['dana']), sd(2, ['dana'])]),
        // Fred is the reviewed person here: he never reviews his own access.
        item('i-5', 'c-fred', 1, [sd(1, ['dana']), sd(2, ['ann'])], 'fred'),
      ],
      world,
      resourceOwnerOf: () => null,
    });
    expect(plan.items.map((i) => i.id)).toEqual(['i-1', 'i-3', 'i-5']);
    expect(plan.items[0]).toMatchObject({ reviewerIds: ['ann', 'fred'], stageDecisions: [{ reviewerIds: ['ann', 'fred'] }, { reviewerIds: ['fred'] }] });
    expect(plan.reassigned).toEqual([{ kind: 'review_item', itemId: 'i-1', campaignId: 'c-fred', name: 'c-fred', stages: [1, 2], reviewerIds: ['ann', 'fred'] }]);
    expect(plan.unassigned).toEqual([
      { itemId: 'i-3', campaignId: 'c-zoe', name: 'c-zoe', stages: [1] },
      { itemId: 'i-5', campaignId: 'c-fred', name: 'c-fred', stages: [1] },
    ]);
    expect(plan.items[1]?.stageDecisions[0]?.fallbackReason).toMatch(/^dana left, and the fallback/);
  });
});
