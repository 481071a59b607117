import { describe, expect, it } from 'vitest';
import type { AccessPolicy, AccessRequest, Resource, Task } from '../../../core/index.js';
import { followUpWords, liveProgress, offboardPreview, progressWords, type OffboardingView } from './offboarding-model.js';

const policy = { id: 'p-1', name: 'Finance', approvalSteps: [{ name: 'Lead', mode: 'any', approverIds: ['u-dana'], approverRoles: [], approverGroupIds: [], escalateToIds: [] }] } as unknown as AccessPolicy;
const request = (id: string, requesterId: string) => ({ id, requesterId, status: 'pending_approval', policy: { approvalSteps: [{ name: 'Lead', approverIds: ['u-dana'], escalateToIds: [] }] } }) as unknown as AccessRequest;

describe('what offboarding will do, said before confirming', () => {
  const input = {
    personId: 'u-dana',
    personName: 'Dana',
    grants: [
      { userId: 'u-dana', status: 'active' as const },
      { userId: 'u-dana', status: 'verified' as const },
      { userId: 'u-bob', status: 'active' as const },
    ],
    requests: [request('r-1', 'u-dana'), request('r-2', 'u-carl')],
    policies: [policy],
    tasks: [{ id: 't-1', title: 'Check drift', assigneeId: 'u-dana', status: 'open' } as unknown as Task],
    resources: [{ id: 'res-1', name: 'Payroll', ownerId: 'u-dana' } as unknown as Resource],
  };

  it('names each consequence with the counts from the replica and the fallback', () => {
    const preview = offboardPreview({ ...input, fallbackId: 'u-fred', fallbackName: 'Fred' });
    expect(preview.problem).toBeNull();
    expect(preview.sentences).toEqual([
      "Dana's account is disabled and every session ends at once.",
      "1 live grant is revoked in its directory and read back until verified gone (manual ones through their owner's task).",
      '1 pending request is cancelled.',
      '4 duties move to Fred: Lead in policy Finance; approving request r-2; task "Check drift"; owner of Payroll.',
    ]);
  });

  it('says why it would be refused without a fallback for the duties', () => {
    expect(offboardPreview({ ...input, fallbackId: null, fallbackName: null }).problem).toMatch(/name a fallback person/);
  });
});

describe('the progress bar', () => {
  const view = { personId: 'u-dana', state: 'in_progress', record: null, sessions: 0, progress: { total: 2, revoked: 0, verified: 0, waiting: 2, failed: 0, done: false }, grants: [{ id: 'g-1', status: 'revoking' }, { id: 'g-2', status: 'revoking' }] } as unknown as OffboardingView;

  it('moves with the replica before the server is asked again', () => {
    const live = liveProgress(view, new Map([['g-1', { status: 'verified' as const }]]));
    expect(live).toMatchObject({ state: 'in_progress', progress: { verified: 1, waiting: 1 } });
    expect(progressWords(live.progress)).toBe('1 of 2 grants verified gone, 1 waiting for the connector.');
    expect(liveProgress(view, new Map([['g-1', { status: 'verified' as const }], ['g-2', { status: 'verified' as const }]])).state).toBe('done');
  });
});

describe('what offboarding leaves for an admin', () => {
  it('names the identity left with no owner, and the review item nobody is left to decide', () => {
    expect(followUpWords({ kind: 'service_no_owner', subjectId: 'sp-job', name: 'Nightly report job', taskId: 't-1', message: 'Nightly report job has no owner left: Bob was its last' })).toBe('Nightly report job has no owner left: Bob was its last');
    expect(followUpWords({ kind: 'review_unassigned', subjectId: 'ri-7', name: 'Quarterly admins', taskId: 't-2', message: 'stage 2 has nobody to decide it' })).toBe('Review item ri-7 of Quarterly admins: stage 2 has nobody to decide it');
  });
});
