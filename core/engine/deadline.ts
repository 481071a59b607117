import type { DirectoryUser } from '../schema/directory.js';
import type { AccessRequest, ResolvedPolicy } from '../schema/request.js';
import { authorizeCommand } from './authorize.js';
import { PENDING_REQUEST_STATES } from './lifecycle.js';
import { expireRequest, isStepApprover, minutesInWords } from './request.js';
import { err, ok, type EngineContext, type Result } from './result.js';
import { refuseRecentEditor, type DecisionBasis, type SeparationSettings } from './separation.js';

/**
 * Deadlines of a pending request, as one rule the scheduler applies: past its deadline
 * (`expiresAt`) it expires; its current step undecided by `stepDueAt` escalates to the step's
 * escalation approvers, once; undecided again, or with nobody to escalate to, the request expires.
 */

type Step = ResolvedPolicy['approvalSteps'][number];

/** A person as the directory (and their account) knows them now. */
export type DeadlinePerson = Pick<DirectoryUser, 'id' | 'displayName' | 'roles' | 'disabled' | 'managerId'>;

/** What the rule may look up: people, group members, the resource's owner, all as they are now. */
export type EscalationDirectory = {
  person(id: string): DeadlinePerson | null;
  groupMembers(groupId: string): readonly string[];
  resourceOwnerId: string | null;
};

export type DeadlineContext = EngineContext & {
  directory: EscalationDirectory;
  /** What the request is decided under now, for the cooling-off rule (an escalation approver must be able to approve). */
  separation?: { basis: DecisionBasis; settings: SeparationSettings } | undefined;
};

export type DeadlineOutcome =
  | { kind: 'expired'; request: AccessRequest; cause: 'deadline' | 'step_timeout'; stepIndex: number | null; stepName: string | null }
  | { kind: 'escalated'; request: AccessRequest; stepIndex: number; stepName: string; addedIds: string[]; overCap: number };

/** A group may be large: at most this many people are added to one step. */
export const MAX_ESCALATION_APPROVERS = 256;

/** Everyone the step names as an escalation target, in order: people, group members, the owner, the manager's manager. */
export function escalationTargets(step: Step, requesterId: string, directory: EscalationDirectory): string[] {
  const ids: string[] = [...step.escalateToIds];
  for (const groupId of step.escalateToGroupIds ?? []) ids.push(...directory.groupMembers(groupId));
  if (step.escalateToResourceOwner && directory.resourceOwnerId) ids.push(directory.resourceOwnerId);
  if (step.escalateToManagersManager) {
    const managerId = directory.person(requesterId)?.managerId ?? null;
    const above = managerId ? (directory.person(managerId)?.managerId ?? null) : null;
    if (above) ids.push(above);
  }
  return [...new Set(ids)];
}

/**
 * Whether this person adds someone who could decide the step: not the requester, not disabled,
 * holding a role that may approve, not already able to decide it, no approval of theirs on this
 * request already (one person, one step), and not refused by the cooling-off rule.
 */
function canStandIn(person: DeadlinePerson | null, request: AccessRequest, step: Step, ctx: DeadlineContext): person is DeadlinePerson {
  if (!person || person.id === request.requesterId || person.disabled) return false;
  if (!authorizeCommand(person.roles, 'request.approve').ok) return false;
  // Already able to decide it, in person, by role or as a member of one of its approver groups.
  const groupIds = (step.approverGroupIds ?? []).filter((id) => ctx.directory.groupMembers(id).includes(person.id));
  if (isStepApprover(step, { ...person, groupIds })) return false;
  if (request.decisions.some((d) => d.approverId === person.id && (d.decision === 'approve' || d.stepIndex === request.currentStep))) return false;
  if (ctx.separation && refuseRecentEditor(person.id, person.displayName, ctx.separation.basis, ctx.now, ctx.separation.settings)) return false;
  return true;
}

const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000).toISOString();

function listNames(names: readonly string[]): string {
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

function expireAtStep(request: AccessRequest, index: number, step: Step, reason: string, now: Date): DeadlineOutcome {
  const at = now.toISOString();
  return {
    kind: 'expired',
    cause: 'step_timeout',
    stepIndex: index,
    stepName: step.name,
    request: { ...request, status: 'expired', decidedAt: at, updatedAt: at, outcomeReason: reason.slice(0, 2048), revision: request.revision + 1 },
  };
}

/** What is due for this request now: expiry, an escalation, or nothing (an `invalid_transition` error). */
export function settleDeadline(request: AccessRequest, ctx: DeadlineContext): Result<DeadlineOutcome> {
  if (!PENDING_REQUEST_STATES.includes(request.status)) return err('already_decided', `the request is already ${request.status}`);
  const nowMs = ctx.now.getTime();
  if (request.expiresAt && nowMs >= Date.parse(request.expiresAt)) {
    const expired = expireRequest(request, ctx);
    if (!expired.ok) return expired;
    return ok({ kind: 'expired', cause: 'deadline', stepIndex: null, stepName: null, request: expired.value });
  }
  const index = request.currentStep;
  const step = request.policy?.approvalSteps[index];
  if (!step || !request.stepDueAt || nowMs < Date.parse(request.stepDueAt)) return err('invalid_transition', 'no deadline of the request has passed');

  const waited = minutesInWords(step.timeoutMinutes);
  const escalated = request.escalatedSteps ?? [];
  if (escalated.includes(index)) {
    const names = (step.escalatedApproverIds ?? []).map((id) => ctx.directory.person(id)?.displayName ?? id);
    const reason = `step "${step.name}" was not decided within ${waited}, nor within ${waited} of escalating to ${listNames(names) || 'its escalation approvers'}; nobody is left to escalate to, so the request expired`;
    return ok(expireAtStep(request, index, step, reason, ctx.now));
  }

  const standIns = escalationTargets(step, request.requesterId, ctx.directory)
    .map((id) => ctx.directory.person(id))
    .filter((person) => canStandIn(person, request, step, ctx));
  if (standIns.length === 0) {
    const reason = `step "${step.name}" was not decided within ${waited} and has nobody to escalate to, so the request expired`;
    return ok(expireAtStep(request, index, step, reason, ctx.now));
  }

  const added = standIns.slice(0, MAX_ESCALATION_APPROVERS).map((p) => p.id);
  const policy = request.policy as ResolvedPolicy;
  const approvalSteps = policy.approvalSteps.map((s, i) => (i === index ? { ...s, escalatedApproverIds: [...(s.escalatedApproverIds ?? []), ...added] } : s));
  const at = ctx.now.toISOString();
  return ok({
    kind: 'escalated',
    stepIndex: index,
    stepName: step.name,
    addedIds: added,
    overCap: standIns.length - added.length,
    request: {
      ...request,
      policy: { ...policy, approvalSteps },
      escalatedSteps: [...escalated, index],
      // The escalation approvers get the step's full time, from now.
      stepDueAt: addMinutes(ctx.now, step.timeoutMinutes),
      updatedAt: at,
      revision: request.revision + 1,
    },
  });
}

/** Whether the request's current step escalated after a timeout (the approval queue marks it). */
export function isEscalated(request: Pick<AccessRequest, 'status' | 'currentStep' | 'escalatedSteps'>): boolean {
  return PENDING_REQUEST_STATES.includes(request.status) && (request.escalatedSteps ?? []).includes(request.currentStep);
}

type StepEscalation = Pick<Step, 'timeoutMinutes' | 'escalateToIds' | 'escalateToGroupIds' | 'escalateToResourceOwner' | 'escalateToManagersManager'>;

/** A step's timeout and escalation in words: "undecided within 4 h, it escalates to Dina Diaz and the resource owner; undecided again within 4 h, the request expires". */
export function escalationInWords(step: StepEscalation, nameOf: (userId: string) => string, groupNameOf: (groupId: string) => string = (id) => id): string {
  const waited = minutesInWords(step.timeoutMinutes);
  const to = [
    ...step.escalateToIds.map(nameOf),
    ...(step.escalateToGroupIds ?? []).map((id) => `the members of ${groupNameOf(id)}`),
    ...(step.escalateToResourceOwner ? ['the resource owner'] : []),
    ...(step.escalateToManagersManager ? ["the requester's manager's manager"] : []),
  ];
  if (to.length === 0) return `undecided within ${waited}, the request expires`;
  const list = to.length === 1 ? to[0] : `${to.slice(0, -1).join(', ')} and ${to.at(-1)}`;
  return `undecided within ${waited}, it escalates to ${list}; undecided again within ${waited}, the request expires`;
}
