import { describe, expect, it } from 'vitest';
import type { AccessPolicy, AccessRequest, Resource, Task } from '../index.js';
import { hasDuties, offboardingProgress, planDutyReassignment } from './offboarding.js';

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
