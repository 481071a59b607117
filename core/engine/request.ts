import type { DirectoryUser } from '../schema/directory.js';
import type { AccessPolicy, AccessProfile } from '../schema/policy.js';
import type { AccessRequest, ApprovalDecision, ResolvedPolicy } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import { checkEligibility } from './eligibility.js';
import { canTransition, PENDING_REQUEST_STATES } from './lifecycle.js';
import { resolvePolicy, withManager } from './policy.js';
import { checkSecondFactor, strictestMfa, type SecondFactorContext } from './mfa.js';
import { err, ok, type EngineContext, type Result } from './result.js';
import { riskFactors, scoreOf } from './risk.js';
import { requestFieldProblems } from './catalog.js';
import { settleTicketCheck, type TicketHookAnswer } from './ticket-check.js';
import { heldConflicts } from './conflicts.js';
import { applyAutoApproval, boundPolicies, refuseOutsideWindows, type AutoApprovalFacts } from './auto-approval.js';
import { checkRequestedStart, requestDeadline, windowPassedInWords } from './scheduled-start.js';
import { CONFLICT_STEP_NAME, recentEditBy, refuseRecentEditor, requireSecondPerson, type DecisionBasis, type SeparationSettings } from './separation.js';

export type NewRequestInput = {
  id: string;
  requester: DirectoryUser;
  resource: Resource;
  /** Absent: the recommended duration of the resource's policies. */
  durationMinutes?: number | undefined;
  justification: string;
  ticket: string;
  /** The ticket-check hooks' answers, asked by the server before the command (absent: not asked, so unknown). */
  ticketChecks?: readonly TicketHookAnswer[] | undefined;
  /** A request for more time on this live grant of the requester's. */
  extendsGrantId?: string | null;
  /** A later start (core/engine/scheduled-start.ts); absent: as soon as it is approved. */
  startsAt?: string | null | undefined;
};

export type RequestWorld = {
  profiles: readonly AccessProfile[];
  policies: readonly AccessPolicy[];
  /** The requester's earlier requests, newest first, for the risk score. */
  history?: readonly AccessRequest[];
  /** Separation of duties: the cooling-off period after changing a request's configuration. */
  separation: SeparationSettings;
  /** The resources the requester holds now or is waiting for (live grants, pending requests), for conflicting-resource pairs. */
  heldResources?: readonly Resource[];
  /** Directory groups by id, for on-call conditions of auto-approval rules; absent: none holds. */
  groupOf?: AutoApprovalFacts['groupOf'];
};

/** The policies, profiles and resource a request for this person is decided under, as configured now. */
export function decisionBasis(
  policyIds: readonly string[],
  profileIds: readonly string[],
  resource: Resource,
  world: Pick<RequestWorld, 'policies' | 'profiles'>,
): DecisionBasis {
  return {
    policies: world.policies.filter((p) => policyIds.includes(p.id)),
    profiles: world.profiles.filter((p) => profileIds.includes(p.id)),
    resource,
  };
}

const addMinutes = (d: Date, minutes: number) => new Date(d.getTime() + minutes * 60_000).toISOString();

/** Eligibility, then the policy's bounds. Auto-approval decides at once; otherwise the chain starts. */
export function createRequest(input: NewRequestInput, world: RequestWorld, ctx: EngineContext & SecondFactorContext): Result<AccessRequest> {
  const eligibility = checkEligibility(input.requester, input.resource, world.profiles);
  if (!eligibility.ok) return eligibility;
  const resolved = resolvePolicy(input.resource, world.policies);
  if (!resolved.ok) return resolved;
  let policy = withManager(resolved.value, world.policies, input.requester.managerId);
  if (policy.autoApprove) {
    // One person must not change a policy, profile or resource and then be granted under it alone.
    const basis = decisionBasis(policy.policyIds, eligibility.value.profileIds, input.resource, world);
    if (recentEditBy(input.requester.id, basis, ctx.now, world.separation)) policy = requireSecondPerson(policy);
  }
  // Holding a resource that must not be held with this one: a person decides, warned (never automatic).
  const conflicts = heldConflicts(input.resource, world.heldResources ?? []);
  if (conflicts.length > 0 && policy.autoApprove) policy = requireSecondPerson(policy, CONFLICT_STEP_NAME);

  const cap = Math.min(policy.maxDurationMinutes, eligibility.value.maxDurationMinutes ?? Infinity);
  // A request that names no duration gets the recommended one; the maximum stays a hard cap.
  const durationMinutes = input.durationMinutes ?? Math.min(policy.defaultDurationMinutes ?? cap, cap);
  // The same field checks the console runs inline (core/engine/catalog.ts): the first problem refuses the request.
  const problem = requestFieldProblems({ ...policy, maxDurationMinutes: cap }, { durationMinutes, justification: input.justification, ticket: input.ticket }, input.resource.name)[0];
  if (problem) return err(problem.code, problem.message);
  // The ticket system's word on the ticket: closed is refused; unknown is refused or goes to a person, as the policy says.
  const checked = settleTicketCheck(policy, world.policies, input.ticket, input.ticketChecks, ctx.now);
  if (!checked.ok) return checked;
  policy = checked.value.policy;
  const start = checkRequestedStart(input.startsAt, ctx.now);
  if (!start.ok) return start;
  // Access windows (core/engine/auto-approval.ts): outside them the request is refused, naming the next opening; a later start is judged at its start.
  const closed = refuseOutsideWindows(boundPolicies(policy.policyIds, world.policies), start.value ? new Date(start.value) : ctx.now);
  if (closed) return closed;
  // Last, so a person is asked for a code only for a request that would otherwise go ahead.
  const factor = checkSecondFactor(policy, ctx.secondFactorAt, ctx.now, 'request');
  if (!factor.ok) return factor;

  const now = ctx.now.toISOString();
  const risk = riskFactors({ resource: input.resource, durationMinutes, maxDurationMinutes: cap, ticket: input.ticket, history: world.history ?? [], conflicts }, ctx);
  // Auto-approval rules: one of each policy's, every condition holding, skips the chain; separation of duties can withhold it.
  const automatic = applyAutoApproval(policy, world.policies, {
    requesterId: input.requester.id,
    riskScore: scoreOf(risk),
    at: ctx.now,
    startsAt: start.value ? new Date(start.value) : null,
    ticket: input.ticket,
    ticketStatus: checked.value.ticketCheck?.status,
    groupOf: world.groupOf,
    conflicts,
    recentEdit: () => recentEditBy(input.requester.id, decisionBasis(policy.policyIds, eligibility.value.profileIds, input.resource, world), ctx.now, world.separation),
  });
  policy = automatic.policy;
  const status = policy.autoApprove ? 'approved' : 'pending_approval';
  const request: AccessRequest = {
    id: input.id,
    requesterId: input.requester.id,
    resourceId: input.resource.id,
    durationMinutes,
    justification: input.justification.trim(),
    ticket: input.ticket.trim(),
    ...(checked.value.ticketCheck ? { ticketCheck: checked.value.ticketCheck } : {}),
    status,
    policy: { ...policy, maxDurationMinutes: cap },
    currentStep: 0,
    decisions: [],
    riskScore: scoreOf(risk),
    riskFactors: risk,
    ...(conflicts.length > 0 ? { conflicts: conflicts.slice(0, 16) } : {}),
    ...(automatic.record ? { autoApproval: automatic.record } : {}),
    outcomeReason: policy.autoApprove ? (automatic.byRule ? (automatic.record?.reason ?? '') : 'auto-approved by policy') : '',
    grantId: null,
    extendsGrantId: input.extendsGrantId ?? null,
    createdAt: now,
    updatedAt: now,
    decidedAt: policy.autoApprove ? now : null,
    expiresAt: policy.autoApprove ? null : requestDeadline(addMinutes(ctx.now, policy.requestTtlMinutes), start.value, durationMinutes),
    ...(start.value ? { startsAt: start.value } : {}),
    // The first step's clock: undecided by stepDueAt, it escalates (core/engine/deadline.ts).
    stepStartedAt: policy.autoApprove ? null : now,
    stepDueAt: !policy.autoApprove && policy.approvalSteps[0] ? addMinutes(ctx.now, policy.approvalSteps[0].timeoutMinutes) : null,
    escalatedSteps: [],
    revision: 1,
  };
  return ok(request);
}

/** Requests one person may have waiting for a decision at once: more is a flood of approvers' queues, not work. */
export const MAX_OPEN_REQUESTS_PER_PERSON = 50;

export function refuseTooManyOpen(open: number): Result<true> {
  if (open < MAX_OPEN_REQUESTS_PER_PERSON) return ok(true);
  return err('conflict', `you have ${open} requests waiting for a decision (at most ${MAX_OPEN_REQUESTS_PER_PERSON}); cancel some or wait for their decisions before asking again`);
}

export type Approver = Pick<DirectoryUser, 'id' | 'displayName' | 'roles' | 'disabled'> & {
  /** The directory groups the person is a member of now (a step's approverGroupIds); absent: none known. */
  groupIds?: readonly string[] | undefined;
};

type Step = ResolvedPolicy['approvalSteps'][number];
/** The step names one of these groups as approvers (any-mode: an all-of step names its people). */
const namesGroupOf = (step: Step, groupIds: readonly string[] | undefined) => step.mode === 'any' && (step.approverGroupIds ?? []).some((id) => (groupIds ?? []).includes(id));

/** Whether any approval step of the request names this person (escalations and their groups included): they may decide it, so they see it. */
export function namesApprover(request: Pick<AccessRequest, 'policy'>, userId: string, groupIds?: readonly string[]): boolean {
  return (request.policy?.approvalSteps ?? []).some((step) => step.approverIds.includes(userId) || (step.escalatedApproverIds ?? []).includes(userId) || namesGroupOf(step, groupIds));
}

/** Named on the step, one of the people it escalated to, or (any-mode) holding one of its roles or a member of one of its groups. */
export function isStepApprover(step: Step, actor: Approver): boolean {
  return (
    step.approverIds.includes(actor.id) ||
    (step.escalatedApproverIds ?? []).includes(actor.id) ||
    (step.mode === 'any' && step.approverRoles.some((r) => (actor.roles as string[]).includes(r))) ||
    namesGroupOf(step, actor.groupIds)
  );
}

/** "; its approvers include the members of SRE on-call, and Nina Ortiz is not one" (empty when the step names no group). */
function notInGroups(step: Step | undefined, actor: Approver, groupNames: (id: string) => string = (id) => id): string {
  const groups = step?.mode === 'any' ? (step.approverGroupIds ?? []) : [];
  if (groups.length === 0) return '';
  return `; its approvers include the members of ${groups.map(groupNames).join(' or ')}, and ${actor.displayName} is not one`;
}

function describeDecided(request: AccessRequest, names: (id: string) => string): string {
  const last = [...request.decisions].reverse().find((d) => d.decision === (request.status === 'denied' ? 'deny' : 'approve'));
  const by = last ? ` by ${names(last.approverId)}` : '';
  return `the request was already ${request.status.replace('_', ' ')}${by}`;
}

export type Decision = { decision: 'approve' | 'deny'; reason: string; breakGlass?: boolean };

/**
 * One approver's decision. Guard clauses first (not pending, expired, not an approver, self-approval,
 * deny without reason, twice in one step), then the step and the chain advance.
 */
export function decideRequest(
  request: AccessRequest,
  actor: Approver,
  decision: Decision,
  ctx: EngineContext & {
    names?: (id: string) => string;
    /** What the request is decided under now, and the cooling-off period for those who changed it. */
    separation?: { basis: DecisionBasis; settings: SeparationSettings };
    /** When the approver's session last proved a second factor (step-up MFA). */
    secondFactorAt?: SecondFactorContext['secondFactorAt'];
    /** Display name for a directory group id, for the refusal of someone outside a step's groups. */
    groupNames?: (groupId: string) => string;
  },
): Result<AccessRequest> {
  const names = ctx.names ?? ((id: string) => id);
  if (!PENDING_REQUEST_STATES.includes(request.status)) return err('already_decided', describeDecided(request, names));
  if (request.expiresAt && ctx.now.getTime() >= Date.parse(request.expiresAt)) {
    return err('stale', `the request expired at ${request.expiresAt} before it was decided`);
  }
  if (request.stepDueAt && (request.escalatedSteps ?? []).includes(request.currentStep) && ctx.now.getTime() >= Date.parse(request.stepDueAt)) {
    // Escalated and undecided again: the request expires (the scheduler records it), whoever is first.
    return err('stale', `the request expired at ${request.stepDueAt}: its escalated step was not decided in time`);
  }
  if (actor.disabled) return err('forbidden', `${actor.displayName} is disabled`);
  const policy = request.policy;
  if (!policy) return err('invalid_transition', 'the request has no resolved policy');
  const step = policy.approvalSteps[request.currentStep];
  const breakGlass = decision.decision === 'approve' && decision.breakGlass === true;

  if (actor.id === request.requesterId) {
    // Nobody decides their own request; the one exception is break-glass, which a second person reviews afterwards.
    if (!breakGlass) return err('self_approval_forbidden', 'you cannot approve or deny your own request; break-glass is the only exception');
    if (!policy.breakGlass) return err('self_approval_forbidden', 'break-glass is not allowed by the access policy');
    if (decision.reason.trim() === '') return err('invalid_input', 'reason: a break-glass approval needs a reason');
    if (request.extendsGrantId) return err('self_approval_forbidden', 'break-glass opens access in an emergency; more time on a grant needs an approver');
  } else if (breakGlass) {
    return err('forbidden', 'break-glass is only for the requester in an emergency');
  } else if (!step || !isStepApprover(step, actor)) {
    return err('forbidden', `${actor.displayName} is not an approver for step "${step?.name ?? 'none'}" of this request${notInGroups(step, actor, ctx.groupNames)}`);
  }
  if (decision.decision === 'deny' && decision.reason.trim() === '') return err('invalid_input', 'reason: a denial needs a reason');
  if (request.decisions.some((d) => d.stepIndex === request.currentStep && d.approverId === actor.id)) {
    return err('conflict', `${actor.displayName} has already decided step "${step?.name ?? request.currentStep}"`);
  }
  if (decision.decision === 'approve' && !breakGlass && ctx.separation) {
    const refused = refuseRecentEditor(actor.id, actor.displayName, ctx.separation.basis, ctx.now, ctx.separation.settings);
    if (refused) return refused;
  }
  if (decision.decision === 'approve' && !breakGlass) {
    // Separation of duties: each step of a chain is a different person's approval, or the chain is one pair of eyes.
    const earlier = request.decisions.find((d) => d.stepIndex < request.currentStep && d.approverId === actor.id && d.decision === 'approve');
    if (earlier) {
      const earlierName = policy.approvalSteps[earlier.stepIndex]?.name ?? String(earlier.stepIndex + 1);
      return err('forbidden', `${actor.displayName} already approved step "${earlierName}" of this request; step "${step?.name ?? request.currentStep}" needs a different person`);
    }
  }

  if (decision.decision === 'approve') {
    // Step-up, after every other rule: the policy as frozen on the request and as configured now, whichever asks more.
    const factor = checkSecondFactor(strictestMfa([policy, ...(ctx.separation?.basis.policies ?? [])]), ctx.secondFactorAt, ctx.now, 'approve', breakGlass);
    if (!factor.ok) return factor;
  }

  const now = ctx.now.toISOString();
  const recorded: ApprovalDecision = {
    stepIndex: request.currentStep,
    approverId: actor.id,
    decision: decision.decision,
    reason: decision.reason.trim(),
    decidedAt: now,
    breakGlass,
  };
  const decisions = [...request.decisions, recorded];
  const base = { ...request, decisions, updatedAt: now, revision: request.revision + 1 };

  if (decision.decision === 'deny') {
    if (!canTransition(request.status, 'denied')) return err('invalid_transition', `cannot deny a ${request.status} request`);
    return ok({ ...base, status: 'denied', decidedAt: now, outcomeReason: recorded.reason });
  }
  const stepDone =
    breakGlass ||
    !step ||
    step.mode === 'any' ||
    // Someone the step escalated to stands in for every approver who did not decide in time.
    (step.escalatedApproverIds ?? []).includes(actor.id) ||
    step.approverIds.every((id) => decisions.some((d) => d.stepIndex === request.currentStep && d.approverId === id && d.decision === 'approve'));
  if (!stepDone) return ok(base);
  const nextStep = breakGlass ? policy.approvalSteps.length : request.currentStep + 1;
  if (nextStep < policy.approvalSteps.length) {
    const next = policy.approvalSteps[nextStep];
    return ok({ ...base, currentStep: nextStep, stepStartedAt: now, stepDueAt: next ? addMinutes(ctx.now, next.timeoutMinutes) : null });
  }
  return ok({
    ...base,
    currentStep: policy.approvalSteps.length,
    status: 'approved',
    decidedAt: now,
    outcomeReason: breakGlass ? `break-glass: ${recorded.reason}` : recorded.reason,
  });
}

export function cancelRequest(request: AccessRequest, actor: Approver, reason: string, ctx: EngineContext): Result<AccessRequest> {
  if (!PENDING_REQUEST_STATES.includes(request.status)) return err('already_decided', `the request is already ${request.status}`);
  if (actor.id !== request.requesterId && !actor.roles.includes('admin')) {
    return err('forbidden', 'only the requester or an admin can cancel a request');
  }
  const now = ctx.now.toISOString();
  return ok({ ...request, status: 'cancelled', decidedAt: now, updatedAt: now, outcomeReason: reason.trim() || 'cancelled', revision: request.revision + 1 });
}

/** The scheduler's rule: a pending request past its deadline expires. */
export function expireRequest(request: AccessRequest, ctx: EngineContext): Result<AccessRequest> {
  if (!PENDING_REQUEST_STATES.includes(request.status)) return err('already_decided', `the request is already ${request.status}`);
  if (!request.expiresAt || ctx.now.getTime() < Date.parse(request.expiresAt)) return err('invalid_transition', 'the request has not reached its deadline');
  const now = ctx.now.toISOString();
  const reason = windowPassedInWords(request) ?? `nobody decided it within ${minutesInWords(request.policy?.requestTtlMinutes ?? Math.round((Date.parse(request.expiresAt) - Date.parse(request.createdAt)) / 60_000))} of asking, so it expired; ask again if the access is still needed`;
  return ok({ ...request, status: 'expired', decidedAt: now, updatedAt: now, outcomeReason: reason, revision: request.revision + 1 });
}

/** "45 min", "4 h", "7 days": a duration in a sentence. */
export function minutesInWords(minutes: number): string {
  if (minutes < 60 || minutes % 60 !== 0) return `${minutes} min`;
  const hours = minutes / 60;
  if (hours < 24 || hours % 24 !== 0) return `${hours} h`;
  const days = hours / 24;
  return `${days} day${days === 1 ? '' : 's'}`;
}
