import { describe, expect, it } from 'vitest';
import type { AccessRequest, Command, DirectoryUser } from '../../../core/index.js';
import { makeGrant } from '../../../core/test-fixtures.js';
import { chainProgress, historyOf, ownedIdentities, ownersInWords, unsentRequests } from './my-access-model.js';

const NAMES: Record<string, string> = { 'u-alice': 'Alice Moreau', 'u-carol': 'Carol Diaz', 'u-mallory': 'Mallory Reyes', 'u-bob': 'Bob Nguyen' };
const nameOf = (id: string) => NAMES[id] ?? id;
const step = (name: string, mode: 'any' | 'all', approverIds: string[], approverRoles: string[] = []) => ({ name, mode, approverIds, approverRoles, timeoutMinutes: 1440, escalateToIds: [] });

function request(over: Partial<AccessRequest>): AccessRequest {
  return {
    id: 'req-1',
    requesterId: 'u-bob',
    resourceId: 'res-1',
    durationMinutes: 60,
    justification: 'x',
    ticket: '',
    status: 'pending_approval',
    policy: {
      policyIds: ['p-1'],
      maxDurationMinutes: 480,
      requireJustification: true,
      requireTicket: false,
      requireMfa: false,
      autoApprove: false,
      breakGlass: false,
      maxExtensions: 1,
      requestTtlMinutes: 10080,
      approvalSteps: [step('Owner', 'any', ['u-alice']), step('Security', 'all', ['u-carol', 'u-mallory'])],
    },
    currentStep: 0,
    decisions: [],
    riskScore: 0,
    outcomeReason: '',
    grantId: null,
    extendsGrantId: null,
    createdAt: '2026-03-02T08:00:00.000Z',
    updatedAt: '2026-03-02T08:00:00.000Z',
    decidedAt: null,
    expiresAt: '2026-03-09T08:00:00.000Z',
    revision: 1,
    ...over,
  } as AccessRequest;
}

const approval = (stepIndex: number, approverId: string, decidedAt = '2026-03-02T08:30:00.000Z') => ({ stepIndex, approverId, decision: 'approve' as const, reason: '', decidedAt, breakGlass: false });

describe('chainProgress', () => {
  it('names the current step and who it waits for, and what comes after', () => {
    const progress = chainProgress(request({}), nameOf);
    expect(progress.summary).toBe('Step 1 of 2 · Owner: waiting for Alice Moreau');
    expect(progress.steps.map((s) => [s.state, s.who])).toEqual([
      ['current', 'Alice Moreau'],
      ['next', 'each of Carol Diaz and Mallory Reyes'],
    ]);
  });

  it('on an all-of step, names only who is still to approve, and who approved before', () => {
    const progress = chainProgress(request({ currentStep: 1, decisions: [approval(0, 'u-alice'), approval(1, 'u-carol')] }), nameOf);
    expect(progress.summary).toBe('Step 2 of 2 · Security: waiting for Mallory Reyes');
    expect(progress.steps[0]).toMatchObject({ state: 'approved', approvedBy: [{ name: 'Alice Moreau' }] });
    expect(progress.steps[1]!.approvedBy).toEqual([{ name: 'Carol Diaz', at: '2026-03-02T08:30:00.000Z' }]);
  });

  it('says roles in words, and a chain the server has not frozen yet', () => {
    const byRole = request({ policy: { ...request({}).policy!, approvalSteps: [step('Approver', 'any', [], ['approver'])] } });
    expect(chainProgress(byRole, nameOf).summary).toBe('Step 1 of 1 · Approver: waiting for anyone who is an approver');
    expect(chainProgress(request({ policy: null }), nameOf).summary).toBe('Waiting for the server to start the approval chain');
  });
});

describe('historyOf', () => {
  it('lists refused and withdrawn requests and ended grants, newest first, each with its reason', () => {
    const denied = request({ id: 'req-d', status: 'denied', decidedAt: '2026-03-03T10:00:00.000Z', decisions: [{ ...approval(0, 'u-alice'), decision: 'deny', reason: 'Use the read-only role' }] });
    const cancelled = request({ id: 'req-c', status: 'cancelled', outcomeReason: 'cancelled by the requester: solved', decidedAt: '2026-03-01T10:00:00.000Z' });
    const pending = request({ id: 'req-p' });
    const givenBack = makeGrant({ id: 'g-b', requestId: 'req-b', userId: 'u-bob', status: 'verified', revokeRequestedAt: '2026-03-02T10:00:00.000Z', revokedAt: '2026-03-02T10:00:05.000Z', endedBy: 'u-bob', endedReason: 'Done' });
    const revoked = makeGrant({ id: 'g-r', requestId: 'req-r', userId: 'u-bob', status: 'revoked', revokeRequestedAt: '2026-03-02T09:30:00.000Z', revokedAt: '2026-03-02T09:30:02.000Z', endedBy: 'u-alice', endedReason: 'Incident closed' });
    const expired = makeGrant({ id: 'g-e', requestId: 'req-e', userId: 'u-bob', status: 'verified', revokeRequestedAt: '2026-03-02T11:00:00.000Z', revokedAt: '2026-03-02T11:00:01.000Z', endedReason: 'expired' });
    const live = makeGrant({ id: 'g-l', requestId: 'req-l', userId: 'u-bob' });
    const rows = historyOf([denied, cancelled, pending], [givenBack, revoked, expired, live], nameOf);
    expect(rows.map((r) => [r.requestId, r.outcome, r.reason])).toEqual([
      ['req-d', 'Denied', 'Alice Moreau: Use the read-only role'],
      ['req-e', 'Ended at expiry · verified gone', 'expired'],
      ['req-b', 'Given back · verified gone', 'Done'],
      ['req-r', 'Ended early', 'Revoked by Alice Moreau: Incident closed'],
      ['req-c', 'Cancelled', 'cancelled by the requester: solved'],
    ]);
  });

  it("says a service identity's grant its owner gave back was given back, for the identity", () => {
    const identityGrant = makeGrant({ id: 'g-sp', requestId: 'req-sp', userId: 'sp-job', requestedBy: 'u-bob', status: 'verified', revokeRequestedAt: '2026-03-02T10:00:00.000Z', revokedAt: '2026-03-02T10:00:05.000Z', endedBy: 'u-bob', endedReason: 'Moved' });
    const deniedForIt = request({ id: 'req-spd', status: 'denied', onBehalfOf: 'sp-job', decidedAt: '2026-03-01T10:00:00.000Z', decisions: [{ ...approval(0, 'u-alice'), decision: 'deny', reason: 'Not for jobs' }] });
    expect(historyOf([deniedForIt], [identityGrant], nameOf).map((r) => [r.requestId, r.outcome, r.forId])).toEqual([
      ['req-sp', 'Given back · verified gone', 'sp-job'],
      ['req-spd', 'Denied', 'sp-job'],
    ]);
  });
});

describe('historyOf and a scheduled request cancelled before its start', () => {
  it('lists the cancelled request once: its grant never began, so it has no row of its own', () => {
    const cancelled = request({ id: 'req-s', status: 'cancelled', grantId: 'g-s', startsAt: '2026-03-07T22:00:00.000Z', outcomeReason: 'cancelled before its start: moved', decidedAt: '2026-03-05T10:00:00.000Z' });
    const ended = makeGrant({ id: 'g-s', requestId: 'req-s', userId: 'u-bob', status: 'verified', provisionedAt: null, revokeRequestedAt: '2026-03-06T10:00:00.000Z', endedBy: 'u-bob', endedReason: 'cancelled before its start: moved' });
    expect(historyOf([cancelled], [ended], nameOf).map((r) => [r.requestId, r.outcome])).toEqual([['req-s', 'Cancelled']]);
  });
});

describe('unsentRequests', () => {
  it('keeps new requests the server has not answered and that have not come back as requests', () => {
    const command = (id: string, requestId: string, type: Command['type'] = 'request.create') =>
      ({ id, type, actorId: 'u-bob', payload: { requestId, resourceId: 'res-1', durationMinutes: 60, justification: '', ticket: '' }, createdAt: `2026-03-02T08:0${id.slice(-1)}:00.000Z`, baseRevision: null }) as Command;
    const commands = new Map([command('c1', 'req-a'), command('c2', 'req-b'), command('c3', 'req-c', 'request.cancel')].map((c) => [c.id, c]));
    const waiting = new Map([
      ['req-a', { commandId: 'c1', type: 'request.create' }],
      ['req-b', { commandId: 'c2', type: 'request.create' }],
      ['req-c', { commandId: 'c3', type: 'request.cancel' }],
    ]);
    expect(unsentRequests(waiting, commands, new Set(['req-b'])).map((c) => c.id)).toEqual(['c1']);
  });
});

describe('service identities I own', () => {
  const user = (id: string, displayName: string, extra: Partial<DirectoryUser> = {}): DirectoryUser => ({ id, username: id, displayName, email: '', department: '', managerId: null, roles: [], externalIds: {}, disabled: false, updatedAt: '2026-01-01T00:00:00.000Z', ...extra });
  const users = [
    user('sp-z', 'Zebra sync', { kind: 'service', ownerIds: ['u-bob'] }),
    user('sp-a', 'Archive job', { kind: 'service', ownerIds: ['u-alice', 'u-bob'] }),
    user('sp-off', 'Old job', { kind: 'service', ownerIds: ['u-bob'], disabled: true }),
    user('sp-other', 'Carol job', { kind: 'service', ownerIds: ['u-carol'] }),
    // A person is never an identity, whatever it names.
    user('u-carol', 'Carol Diaz', { ownerIds: ['u-bob'] }),
  ];
  it('lists only the service identities whose owners name me, by name; the enabled ones for asking', () => {
    expect(ownedIdentities(users, 'u-bob').map((u) => u.id)).toEqual(['sp-a', 'sp-off', 'sp-z']);
    expect(ownedIdentities(users, 'u-bob', { enabledOnly: true }).map((u) => u.id)).toEqual(['sp-a', 'sp-z']);
    expect(ownedIdentities(users, 'u-mallory')).toEqual([]);
  });
  it('names the other owners beside me', () => {
    expect(ownersInWords({ ownerIds: ['u-bob'] }, 'u-bob', nameOf)).toBe('you');
    expect(ownersInWords({ ownerIds: ['u-alice', 'u-bob'] }, 'u-bob', nameOf)).toBe('you and Alice Moreau');
    expect(ownersInWords({ ownerIds: ['u-bob', 'u-alice', 'u-carol', 'u-mallory'] }, 'u-bob', nameOf)).toBe('you, Alice Moreau, Carol Diaz and 1 more');
  });
});
