/**
 * What the signed-in person may send, read from the authorisation matrix the server enforces
 * (core COMMAND_MATRIX and COMMAND_ROLES): a screen offers a button or a shortcut only when the
 * command would be accepted for that role and relation. Deny by default; no second list here.
 */
import {
  COMMAND_MATRIX,
  COMMAND_ROLES,
  RECORD_ONLY_COMMANDS,
  isStepApprover,
  PENDING_REQUEST_STATES,
  type AccessRequest,
  type CommandType,
  type Grant,
  type Proposal,
  type Relation,
} from '../../core/index.js';
import { mayActOnGrant } from '../../core/engine/principal.js';

/** The signed-in person: their roles and, once read (GET /api/v1/me), the directory groups they are in. */
export type Viewer = { id: string; roles: readonly string[]; groupIds?: readonly string[] | undefined };

const holds = (viewer: Viewer, allowed: readonly string[] | undefined) => Boolean(allowed) && viewer.roles.some((role) => allowed!.includes(role));

/** Whether any of the viewer's roles may send this command at all (COMMAND_ROLES). */
export function maySend(viewer: Viewer, type: CommandType): boolean {
  return holds(viewer, COMMAND_ROLES[type]);
}

/**
 * Whether the viewer may send this command about a subject in this relation (COMMAND_MATRIX's
 * cell). Being named on a step or assigned a task is a kind of "not one's own": a command with no
 * cell for that relation (cancelling, revoking) is read from its `other` cell.
 */
export function maySendAs(viewer: Viewer, type: CommandType, relation: Relation): boolean {
  const cells = COMMAND_MATRIX[type].cells;
  const cell = cells[relation] ?? (relation === 'approver' || relation === 'assignee' ? cells.other : undefined);
  return holds(viewer, cell);
}

/** Someone whose roles send no decision at all (an auditor, who sends only the records of exports made): the console is read-only for them. */
export function isReadOnly(viewer: Viewer): boolean {
  return !(Object.keys(COMMAND_ROLES) as CommandType[]).some((type) => !RECORD_ONLY_COMMANDS.includes(type) && maySend(viewer, type));
}

/** How the viewer stands to a request: its requester, named on its current step, or neither. */
export function requestRelation(request: AccessRequest, viewer: Viewer): Relation {
  if (request.requesterId === viewer.id) return 'own';
  const step = request.policy?.approvalSteps[request.currentStep];
  if (step && isStepApprover(step, { id: viewer.id, displayName: viewer.id, roles: viewer.roles as never, disabled: false, groupIds: viewer.groupIds })) return 'approver';
  return 'other';
}

const pending = (request: AccessRequest) => PENDING_REQUEST_STATES.includes(request.status);

/**
 * Approve or deny: a pending request whose current step names the viewer or one of their roles,
 * which they have not decided yet, and whose earlier steps they did not approve (one person, one step).
 */
export function mayDecideRequest(viewer: Viewer, request: AccessRequest, type: 'request.approve' | 'request.deny' = 'request.approve'): boolean {
  if (!pending(request) || !maySendAs(viewer, type, requestRelation(request, viewer))) return false;
  if (request.decisions.some((d) => d.approverId === viewer.id && d.stepIndex === request.currentStep)) return false;
  if (type === 'request.approve' && request.decisions.some((d) => d.approverId === viewer.id && d.stepIndex < request.currentStep && d.decision === 'approve')) return false;
  return true;
}

/**
 * Cancel: the requester's own pending request, or one approved for a start still ahead (its grant
 * has not begun); per the matrix, an admin's on anyone's.
 */
export function mayCancelRequest(viewer: Viewer, request: AccessRequest, now: number = Date.now()): boolean {
  const beforeStart = request.status === 'approved' && Boolean(request.startsAt) && Date.parse(request.startsAt ?? '') > now;
  return (pending(request) || beforeStart) && maySendAs(viewer, 'request.cancel', request.requesterId === viewer.id ? 'own' : 'other');
}

/** The grant's holder as the replica has it: a service identity's owners act on its grants as on their own (core/engine/principal.ts). */
type Holder = Parameters<typeof mayActOnGrant>[2];

export const grantRelation = (grant: Pick<Grant, 'userId'>, viewer: Viewer, holder?: Holder): Relation => (mayActOnGrant({ id: viewer.id, displayName: viewer.id }, grant, holder, 'give back').ok ? 'own' : 'other');

/** Revoke now: one's own grant (giving it back) or a service identity's one owns, or someone else's for the roles the matrix names. */
export function mayRevokeGrant(viewer: Viewer, grant: Pick<Grant, 'userId'>, holder?: Holder): boolean {
  return maySendAs(viewer, 'grant.revoke', grantRelation(grant, viewer, holder));
}

/** Ask for more time: only on one's own grant, or on an enabled service identity's one owns. */
export function mayExtendGrant(viewer: Viewer, grant: Pick<Grant, 'userId'>, holder?: Holder): boolean {
  return maySendAs(viewer, 'grant.extend', grantRelation(grant, viewer, holder)) && mayActOnGrant({ id: viewer.id, displayName: viewer.id }, grant, holder, 'more time').ok;
}

export const proposalRelation = (proposal: Pick<Proposal, 'proposedBy'>, viewer: Viewer): Relation => (proposal.proposedBy === viewer.id ? 'own' : 'other');

/** Approve or reject someone else's proposal, withdraw (reject) one's own: the matrix's proposal cells. */
export function mayDecideProposal(viewer: Viewer, proposal: Pick<Proposal, 'proposedBy'>, type: 'proposal.approve' | 'proposal.reject'): boolean {
  return maySendAs(viewer, type, proposalRelation(proposal, viewer));
}
