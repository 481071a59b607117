import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../../core/index.js';
import { expectedDecider, splitByViewer } from './queue-views.js';

const step = (name: string, approverIds: string[], approverRoles: string[] = [], mode: 'any' | 'all' = 'any') => ({ name, mode, approverIds, approverRoles, timeoutMinutes: 60, escalateToIds: [] });
const request = (id: string, steps: ReturnType<typeof step>[], over: Partial<AccessRequest> = {}) =>
  ({ id, requesterId: 'u-bob', resourceId: 'res-1', status: 'pending_approval', currentStep: 0, decisions: [], policy: { approvalSteps: steps }, ...over }) as unknown as AccessRequest;
const names: Record<string, string> = { 'u-carol': 'Carol Diaz', 'u-mallory': 'Mallory Reyes', 'u-alice': 'Alice Moreau' };
const nameOf = (id: string) => names[id] ?? id;

describe('the queue split by viewer', () => {
  const alice = { id: 'u-alice', roles: ['approver'] };
  it('puts what names the viewer (in person or by role) in mine, the rest and the own in others', () => {
    const items = [
      { request: request('named', [step('Owner', ['u-alice'])]) },
      { request: request('by-role', [step('Approver', [], ['approver'])]) },
      { request: request('security', [step('Security', ['u-carol', 'u-mallory'])]) },
      { request: request('own', [step('Approver', [], ['approver'])], { requesterId: 'u-alice' }) },
      { request: request('decided-by-me', [step('Owner', ['u-alice'], [], 'all')], { decisions: [{ stepIndex: 0, approverId: 'u-alice', decision: 'approve', reason: '', decidedAt: '2026-03-02T08:00:00.000Z', breakGlass: false }] }) },
    ];
    const { mine, others } = splitByViewer(items, alice);
    expect(mine.map((i) => i.request.id)).toEqual(['named', 'by-role']);
    expect(others.map((i) => i.request.id)).toEqual(['security', 'own', 'decided-by-me']);
  });

  it('counts a step naming one of the viewer’s directory groups as mine (a requester-role member too), never their own request', () => {
    const onCall = { ...step('On-call', [], []), approverGroupIds: ['grp-sre'] };
    const items = [{ request: request('group', [onCall]) }, { request: request('own-group', [onCall], { requesterId: 'u-dave' }) }];
    const dave = { id: 'u-dave', roles: ['requester'], groupIds: ['grp-sre'] };
    expect(splitByViewer(items, dave).mine.map((i) => i.request.id)).toEqual(['group']);
    // Groups not known (not read yet, or none): nothing of the group's is mine.
    expect(splitByViewer(items, { id: 'u-dave', roles: ['requester'] }).mine).toEqual([]);
    expect(expectedDecider(request('r', [onCall]), nameOf)).toBe('On-call: a member of grp-sre');
  });

  it('says who is expected now, leaving out who already approved an all-of step', () => {
    expect(expectedDecider(request('r', [step('Security', ['u-carol', 'u-mallory'])]), nameOf)).toBe('Security: Carol Diaz or Mallory Reyes');
    const allOf = request('r', [step('Both', ['u-carol', 'u-mallory'], [], 'all')], { decisions: [{ stepIndex: 0, approverId: 'u-carol', decision: 'approve', reason: '', decidedAt: '2026-03-02T08:00:00.000Z', breakGlass: false }] });
    expect(expectedDecider(allOf, nameOf)).toBe('Both: Mallory Reyes');
    expect(expectedDecider(request('r', [step('Approver', [], ['approver'])]), nameOf)).toBe('Approver: anyone who is an approver');
  });
});
