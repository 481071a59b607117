import { describe, expect, it } from 'vitest';
import { ALL_ROLES, COMMAND_MATRIX, COMMAND_ROLES, RECORD_ONLY_COMMANDS, type AccessRequest, type CommandType, type Relation } from '../../core/index.js';
import { isReadOnly, mayCancelRequest, mayDecideProposal, mayDecideRequest, mayExtendGrant, mayRevokeGrant, maySend, maySendAs, requestRelation } from './permissions.js';

const TYPES = Object.keys(COMMAND_MATRIX) as CommandType[];
const RELATIONS: Relation[] = ['own', 'approver', 'assignee', 'other', 'any'];
const me = (...roles: string[]) => ({ id: 'u-me', roles });

function request(over: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: 'r-1',
    requesterId: 'u-someone',
    resourceId: 'res-1',
    durationMinutes: 60,
    justification: '',
    ticket: '',
    status: 'pending_approval',
    policy: {
      policyIds: ['p'],
      maxDurationMinutes: 60,
      requireJustification: false,
      requireTicket: false,
      requireMfa: false,
      autoApprove: false,
      breakGlass: false,
      maxExtensions: 0,
      requestTtlMinutes: 60,
      approvalSteps: [
        { name: 'Owner', mode: 'any', approverIds: ['u-owner'], approverRoles: [], timeoutMinutes: 60, escalateToIds: [] },
        { name: 'Approvers', mode: 'any', approverIds: [], approverRoles: ['approver'], timeoutMinutes: 60, escalateToIds: [] },
      ],
    },
    currentStep: 1,
    decisions: [],
    riskScore: 0,
    outcomeReason: '',
    grantId: null,
    extendsGrantId: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    decidedAt: null,
    expiresAt: null,
    revision: 1,
    ...over,
  };
}

describe('permissions agree with the authorisation matrix', () => {
  it('maySend is COMMAND_ROLES for every role and command', () => {
    for (const type of TYPES) for (const role of ALL_ROLES) expect(maySend(me(role), type), `${type} / ${role}`).toBe(COMMAND_ROLES[type].includes(role));
  });

  it('maySendAs is the COMMAND_MATRIX cell for every role, command and relation the matrix names', () => {
    for (const type of TYPES) {
      const cells = COMMAND_MATRIX[type].cells;
      for (const relation of RELATIONS) {
        const cell = cells[relation];
        for (const role of ALL_ROLES) {
          // A relation the command has no cell for: being named on a step or assigned a task is "other"; anything else is refused.
          const expected = cell ? cell.includes(role) : relation === 'approver' || relation === 'assignee' ? (cells.other ?? []).includes(role) : false;
          expect(maySendAs(me(role), type, relation), `${type} / ${relation} / ${role}`).toBe(expected);
        }
      }
    }
  });

  it('an auditor is read-only; every other role sends something', () => {
    // The record of an export made is no decision: an auditor sends those and stays read-only.
    const decisions = TYPES.filter((type) => !RECORD_ONLY_COMMANDS.includes(type));
    for (const role of ALL_ROLES) expect(isReadOnly(me(role)), role).toBe(!decisions.some((type) => COMMAND_ROLES[type].includes(role)));
    expect(maySend(me('auditor'), 'export.record')).toBe(true);
    expect(isReadOnly(me('auditor'))).toBe(true);
    expect(isReadOnly(me())).toBe(true);
    expect(isReadOnly(me('auditor', 'approver'))).toBe(false);
  });
});

describe('the relation a screen knows', () => {
  it('approves only where the current step names the person or a role they hold, and never their own request', () => {
    expect(requestRelation(request(), me('approver'))).toBe('approver');
    expect(mayDecideRequest(me('approver'), request())).toBe(true);
    expect(mayDecideRequest(me('approver'), request(), 'request.deny')).toBe(true);
    // Step 0 names someone else; holding the approver role does not help there.
    expect(mayDecideRequest(me('approver'), request({ currentStep: 0 }))).toBe(false);
    expect(mayDecideRequest({ id: 'u-owner', roles: ['requester'] }, request({ currentStep: 0 }))).toBe(true);
    expect(mayDecideRequest(me('approver'), request({ requesterId: 'u-me' }))).toBe(false);
    expect(mayDecideRequest(me('auditor'), request())).toBe(false);
    expect(mayDecideRequest(me('policy_admin'), request())).toBe(false);
    expect(mayDecideRequest(me('approver'), request({ status: 'approved' }))).toBe(false);
    expect(mayDecideRequest(me('approver'), request({ policy: null }))).toBe(false);
  });

  it('does not offer a second decision on a step, nor a second approval in one chain', () => {
    const decided = { approverId: 'u-me', decision: 'approve' as const, reason: '', decidedAt: '2024-01-01T00:00:00.000Z', breakGlass: false };
    expect(mayDecideRequest(me('approver'), request({ decisions: [{ ...decided, stepIndex: 1 }] }))).toBe(false);
    expect(mayDecideRequest(me('approver'), request({ decisions: [{ ...decided, stepIndex: 0 }] }))).toBe(false);
    expect(mayDecideRequest(me('approver'), request({ decisions: [{ ...decided, stepIndex: 0 }] }), 'request.deny')).toBe(true);
  });

  it('cancels one’s own pending request; someone else’s only as an admin', () => {
    expect(mayCancelRequest(me('requester'), request({ requesterId: 'u-me' }))).toBe(true);
    expect(mayCancelRequest(me('requester'), request({ requesterId: 'u-me', status: 'cancelled' }))).toBe(false);
    expect(mayCancelRequest(me('approver'), request())).toBe(false);
    expect(mayCancelRequest(me('admin'), request())).toBe(true);
    expect(mayCancelRequest(me('auditor'), request({ requesterId: 'u-me' }))).toBe(false);
  });

  it('cancels one’s own approved request while its start is still ahead, not once it has begun', () => {
    const at = Date.parse('2026-06-05T09:00:00.000Z');
    const scheduled = request({ requesterId: 'u-me', status: 'approved', startsAt: '2026-06-06T22:00:00.000Z' });
    expect(mayCancelRequest(me('requester'), scheduled, at)).toBe(true);
    expect(mayCancelRequest(me('requester'), scheduled, Date.parse('2026-06-06T22:00:00.000Z'))).toBe(false);
    expect(mayCancelRequest(me('requester'), request({ requesterId: 'u-me', status: 'approved' }), at)).toBe(false);
  });

  it('sees a step naming one of the viewer’s groups (any-of) as theirs to decide', () => {
    const step = { name: 'On-call', mode: 'any' as const, approverIds: [], approverRoles: [], approverGroupIds: ['grp-sre'], timeoutMinutes: 60, escalateToIds: [] };
    const grouped = request({ currentStep: 0, policy: { ...request().policy!, approvalSteps: [step] } });
    expect(requestRelation(grouped, { ...me('requester'), groupIds: ['grp-sre'] })).toBe('approver');
    expect(mayDecideRequest({ ...me('requester'), groupIds: ['grp-sre'] }, grouped)).toBe(true);
    expect(requestRelation(grouped, me('requester'))).toBe('other');
  });

  it('revokes one’s own grant as a requester, someone else’s only as an approver or admin; more time only on one’s own', () => {
    const mine = { userId: 'u-me' };
    const theirs = { userId: 'u-other' };
    expect(mayRevokeGrant(me('requester'), mine)).toBe(true);
    expect(mayRevokeGrant(me('requester'), theirs)).toBe(false);
    expect(mayRevokeGrant(me('approver'), theirs)).toBe(true);
    expect(mayRevokeGrant(me('policy_admin'), theirs)).toBe(false);
    expect(mayRevokeGrant(me('auditor'), mine)).toBe(false);
    expect(mayExtendGrant(me('requester'), mine)).toBe(true);
    expect(mayExtendGrant(me('admin'), theirs)).toBe(false);
  });

  it('decides someone else’s proposal, withdraws one’s own', () => {
    expect(mayDecideProposal(me('policy_admin'), { proposedBy: 'u-other' }, 'proposal.approve')).toBe(true);
    expect(mayDecideProposal(me('policy_admin'), { proposedBy: 'u-me' }, 'proposal.approve')).toBe(false);
    expect(mayDecideProposal(me('policy_admin'), { proposedBy: 'u-me' }, 'proposal.reject')).toBe(true);
    expect(mayDecideProposal(me('auditor'), { proposedBy: 'u-other' }, 'proposal.reject')).toBe(false);
  });
});
