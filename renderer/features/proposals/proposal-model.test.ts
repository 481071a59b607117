import { describe, expect, it } from 'vitest';
import type { AccessPolicy, Proposal } from '../../../core/index.js';
import { describeStep, diffChange, proposalActions, proposalState, readableWidening, sortProposals, summariseEffect, type Names } from './proposal-model.js';

const names: Names = {
  users: new Map([
    ['u-mallory', { displayName: 'Mallory Reyes' }],
    ['u-carol', { displayName: 'Carol Diaz' }],
    ['u-bob', { displayName: 'Bob Nguyen' }],
    ['u-dave', { displayName: 'Dave Okafor' }],
  ]),
  resources: new Map([
    ['res-user-admin', { name: 'User Administrator' }],
    ['res-prod', { name: 'PIM Prod Operators' }],
  ]),
  policies: new Map([['pol-two-step', { name: 'Owner and security' }]]),
};

const at = '2026-03-01T10:00:00.000Z';
const NOW = Date.parse('2026-03-02T10:00:00.000Z');

const policy: AccessPolicy = {
  id: 'pol-two-step',
  name: 'Owner and security',
  description: 'Owner, then security',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  requireJustification: true,
  requireTicket: true,
  requireMfa: false,
  approvalSteps: [
    { name: 'Resource owner', mode: 'any', approverIds: [], approverRoles: [], includeResourceOwner: true, includeManager: false, timeoutMinutes: 1440, escalateToIds: [] },
    { name: 'Security', mode: 'any', approverIds: ['u-carol', 'u-mallory'], approverRoles: [], includeResourceOwner: false, includeManager: false, timeoutMinutes: 1440, escalateToIds: [] },
  ],
  autoApprove: false,
  breakGlass: false,
  maxExtensions: 0,
  requestTtlMinutes: 10080,
  changedBy: [],
  updatedAt: at,
};

function proposal(overrides: Partial<Proposal> = {}): Proposal {
  return {
    id: 'prop-1',
    kind: 'policy',
    subjectId: policy.id,
    subjectName: policy.name,
    change: { kind: 'policy', before: policy, after: { ...policy, maxDurationMinutes: 480 } },
    widenings: ['maximum duration 240 → 480 minutes'],
    effect: { resourceIds: ['res-user-admin', 'res-prod'], peopleEligible: 5, newlyEligibleUserIds: [], newlyEligible: 0 },
    status: 'pending',
    proposedBy: 'u-mallory',
    proposedAt: at,
    expiresAt: '2026-03-15T10:00:00.000Z',
    decidedBy: null,
    decidedAt: null,
    decisionReason: '',
    updatedAt: at,
    revision: 1,
    ...overrides,
  };
}

describe('proposalState and sortProposals', () => {
  it('shows a pending proposal past its deadline as expired', () => {
    expect(proposalState(proposal(), NOW)).toBe('pending');
    expect(proposalState(proposal({ expiresAt: '2026-03-02T09:59:59.000Z' }), NOW)).toBe('expired');
    expect(proposalState(proposal({ status: 'applied', expiresAt: '2026-03-01T11:00:00.000Z' }), NOW)).toBe('applied');
  });

  it('lists pending ones first (oldest on top), then expired, then decided ones newest first', () => {
    const list = [
      proposal({ id: 'decided-old', status: 'rejected', decidedAt: '2026-03-01T11:00:00.000Z' }),
      proposal({ id: 'pending-new', proposedAt: '2026-03-02T09:00:00.000Z' }),
      proposal({ id: 'expired', expiresAt: '2026-03-02T00:00:00.000Z' }),
      proposal({ id: 'decided-new', status: 'applied', decidedAt: '2026-03-02T08:00:00.000Z' }),
      proposal({ id: 'pending-old', proposedAt: '2026-03-01T09:00:00.000Z' }),
    ];
    expect(sortProposals(list, NOW).map((p) => p.id)).toEqual(['pending-old', 'pending-new', 'expired', 'decided-new', 'decided-old']);
  });
});

describe('proposalActions', () => {
  const admin = { id: 'u-admin', roles: ['admin'] };
  it('lets another policy admin or admin approve or reject', () => {
    expect(proposalActions(proposal(), admin, NOW)).toMatchObject({ approve: true, reject: true, withdraw: false });
    expect(proposalActions(proposal(), { id: 'u-pa', roles: ['policy_admin'] }, NOW)).toMatchObject({ approve: true, reject: true });
  });

  it('gives the proposer only Withdraw, an auditor nothing', () => {
    expect(proposalActions(proposal(), { id: 'u-mallory', roles: ['policy_admin', 'approver'] }, NOW)).toMatchObject({ approve: false, reject: false, withdraw: true, isProposer: true });
    expect(proposalActions(proposal(), { id: 'u-heidi', roles: ['auditor'] }, NOW)).toMatchObject({ approve: false, reject: false, withdraw: false, mayDecide: false });
    expect(proposalActions(proposal(), { id: 'u-alice', roles: ['approver'] }, NOW)).toMatchObject({ approve: false, reject: false, withdraw: false });
  });

  it('offers no Approve on an expired proposal, and nothing on a decided one', () => {
    expect(proposalActions(proposal({ expiresAt: '2026-03-02T00:00:00.000Z' }), admin, NOW)).toMatchObject({ approve: false, reject: true });
    expect(proposalActions(proposal({ status: 'applied' }), admin, NOW)).toMatchObject({ approve: false, reject: false, withdraw: false });
    expect(proposalActions(proposal({ status: 'withdrawn' }), { id: 'u-mallory', roles: ['policy_admin'] }, NOW).withdraw).toBe(false);
  });
});

describe('diffChange', () => {
  it('shows only the fields that differ, in words', () => {
    expect(diffChange(proposal().change, names)).toEqual([{ field: 'maxDurationMinutes', label: 'Longest grant', before: '4 h', after: '8 h', added: [], removed: [] }]);
  });

  it('describes approval steps in words, step by step', () => {
    const after = { ...policy, approvalSteps: [policy.approvalSteps[1]!].map((s) => ({ ...s, approverIds: ['u-carol', 'u-bob'] })) };
    const rows = diffChange({ kind: 'policy', before: policy, after }, names);
    expect(rows.map((r) => r.label)).toEqual(['Approval step 1', 'Approval step 2']);
    expect(rows[0]).toMatchObject({
      before: '“Resource owner”: the resource owner; 1 day to decide, then the request expires',
      after: '“Security”: any one of Carol Diaz, Bob Nguyen; 1 day to decide, then the request expires',
    });
    expect(rows[1]).toMatchObject({ after: 'removed' });
  });

  it('names what a list gains and loses', () => {
    const profile = { id: 'prof-1', name: 'Ops', description: '', resourceIds: ['res-prod'], userIds: ['u-bob'], departments: [], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: at };
    const rows = diffChange({ kind: 'profile', before: profile, after: { ...profile, resourceIds: ['res-prod', 'res-user-admin'], userIds: ['u-dave'] } }, names);
    expect(rows).toEqual([
      { field: 'resourceIds', label: 'Resources', before: 'PIM Prod Operators', after: 'PIM Prod Operators, User Administrator', added: ['User Administrator'], removed: [] },
      { field: 'userIds', label: 'Named members', before: 'Bob Nguyen', after: 'Dave Okafor', added: ['Dave Okafor'], removed: ['Bob Nguyen'] },
    ]);
  });

  it('shows every field of a new entity against nothing', () => {
    const rows = diffChange({ kind: 'policy', before: null, after: policy }, names);
    expect(rows.find((r) => r.field === 'name')).toMatchObject({ before: '—', after: 'Owner and security' });
    expect(rows.filter((r) => r.field.startsWith('approvalSteps.'))).toHaveLength(2);
  });
});

describe('sentences', () => {
  it('names people and resources in the server’s reasons and says durations in hours', () => {
    expect(readableWidening('maximum duration 240 → 480 minutes', names)).toBe('maximum duration 4 h → 8 h');
    expect(readableWidening('step 2 "Security" adds approvers u-bob', names)).toBe('step 2 "Security" adds approvers Bob Nguyen');
  });

  it('describes a step with every kind of approver and its escalation', () => {
    const step = { name: 'Both', mode: 'all' as const, approverIds: ['u-carol'], approverRoles: ['policy_admin' as const], includeResourceOwner: false, includeManager: true, timeoutMinutes: 120, escalateToIds: ['u-mallory'] };
    expect(describeStep(step, names)).toBe('“Both”: every one of Carol Diaz, anyone with the policy admin role, the requester’s manager; 2 h to decide, then escalates to Mallory Reyes');
  });

  it('summarises the what-if: who becomes eligible, for what', () => {
    expect(summariseEffect(proposal().effect, names).headline).toBe('Nobody new becomes eligible: the 5 people who can request 2 resources get the looser rules.');
    const widened = summariseEffect({ resourceIds: ['res-prod'], peopleEligible: 7, newlyEligibleUserIds: ['u-dave', 'u-bob'], newlyEligible: 3 }, names);
    expect(widened).toEqual({
      headline: '3 people become eligible for PIM Prod Operators who could not request it before; 7 people can request it after the change.',
      newlyNamed: ['Bob Nguyen', 'Dave Okafor'],
      newlyUnnamed: 1,
      resources: ['PIM Prod Operators'],
    });
  });
});
