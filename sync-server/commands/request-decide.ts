import { openBreakGlassItem } from '../reviews/break-glass.js';
import { checkEligibility, decideRequest, decisionBasis, err, ok, PENDING_REQUEST_STATES, type AccessRequest, type DecisionBasis } from '../../core/index.js';
import { describeRequestOutcome, personNow, stillEligible, type UseCase, type UseCaseContext } from './context.js';
import { extendGrantForApproved } from './grant-extend.js';
import { createGrantForApproved } from './grant-for-request.js';
import { groupIdsOf } from '../store/memberships.js';

type DecideInput = { requestId: string; reason: string; breakGlass?: boolean };

/** What the request is decided under as configured now: its policies, its resource, the profiles that make the requester eligible. */
export function basisNow(request: AccessRequest, ctx: Pick<UseCaseContext, 'store'>): DecisionBasis | null {
  const resource = ctx.store.get('resources', request.resourceId);
  const requester = personNow(ctx.store, request.requesterId);
  if (!resource || !requester) return null;
  const profiles = ctx.store.list('profiles');
  const eligibility = checkEligibility(requester, resource, profiles);
  return decisionBasis(request.policy?.policyIds ?? [], eligibility.ok ? eligibility.value.profileIds : [], resource, { policies: ctx.store.list('policies'), profiles });
}

function decide(decision: 'approve' | 'deny', payload: DecideInput, ctx: UseCaseContext) {
  const request = ctx.store.get('requests', payload.requestId);
  if (!request) return err('not_found', `request ${payload.requestId} does not exist`);
  // A decision on a request someone else already decided is stale: say who decided it.
  if (!PENDING_REQUEST_STATES.includes(request.status)) return err('already_decided', describeRequestOutcome(request, ctx.names));

  const basis = decision === 'approve' ? basisNow(request, ctx) : null;
  const decided = decideRequest(
    request,
    // Group membership as the directory says now: a step naming a group lets its members decide.
    { id: ctx.actor.id, displayName: ctx.actor.displayName, roles: ctx.actor.roles, disabled: ctx.actor.disabled, groupIds: groupIdsOf(ctx.store.db, ctx.actor.id) },
    { decision, reason: payload.reason, breakGlass: payload.breakGlass ?? false },
    { now: ctx.now, names: ctx.names, groupNames: (id) => ctx.store.get('groups', id)?.displayName ?? id, secondFactorAt: ctx.secondFactorAt, ...(basis ? { separation: { basis, settings: ctx.separation } } : {}) },
  );
  if (!decided.ok) return decided;
  if (decision === 'approve') {
    // Checked after the approver's own rights, so only an approver of the step learns why.
    const eligible = stillEligible(request.requesterId, request.resourceId, ctx, 'the request can no longer be approved, only denied');
    if (!eligible.ok) return eligible;
  }
  let next = decided.value;
  const recorded = next.decisions[next.decisions.length - 1];
  const stepName = request.policy?.approvalSteps[request.currentStep]?.name ?? '';

  if (decision === 'deny') {
    ctx.audit('request.denied', 'request', next.id, { stepIndex: request.currentStep, stepName, reason: recorded?.reason ?? '' });
  } else if (recorded?.breakGlass) {
    ctx.audit('request.break_glass', 'request', next.id, { reason: recorded.reason });
  } else {
    ctx.audit('request.approval_recorded', 'request', next.id, { stepIndex: request.currentStep, stepName, reason: recorded?.reason ?? '' });
  }

  const subjectIds = [next.id];
  if (next.status === 'approved') {
    ctx.audit('request.approved', 'request', next.id, { breakGlass: recorded?.breakGlass ?? false });
    const withGrant = next.extendsGrantId ? extendGrantForApproved(next, ctx) : createGrantForApproved(next, ctx);
    if (!withGrant.ok) return withGrant;
    next = withGrant.value;
    subjectIds.push(next.grantId as string);
    if (recorded?.breakGlass) subjectIds.push(openBreakGlassReview(next, recorded.reason, ctx));
  }
  ctx.store.put('requests', next);

  const steps = next.policy?.approvalSteps ?? [];
  const message =
    next.status === 'approved'
      ? next.extendsGrantId
        ? `request ${next.id} approved; grant ${next.grantId} is extended`
        : `request ${next.id} approved; grant ${next.grantId} is being provisioned`
      : next.status === 'denied'
        ? `request ${next.id} denied`
        : next.currentStep > request.currentStep
          ? `approval recorded; request ${next.id} moves to step ${next.currentStep + 1} of ${steps.length}: ${steps[next.currentStep]?.name ?? ''}`
          : `approval recorded; step "${stepName}" still needs other approvers`;
  return ok({ message, subjectIds });
}

const BREAK_GLASS_REVIEW_HOURS = 24;

/**
 * Break-glass skips the approval chain, so its compensating control is a mandatory review by a
 * second person: the resource owner, or an admin when the owner is the one who broke the glass.
 */
function openBreakGlassReview(request: AccessRequest, reason: string, ctx: UseCaseContext): string {
  const resource = ctx.store.get('resources', request.resourceId);
  const ownerId = resource && resource.ownerId !== request.requesterId ? resource.ownerId : null;
  const now = ctx.now.toISOString();
  const id = `t-break-glass-${request.id}`;
  ctx.store.put('tasks', {
    id,
    kind: 'break_glass_review',
    title: `Review break-glass access: ${resource?.name ?? request.resourceId} for ${ctx.names(request.requesterId)}`,
    detail: `${ctx.names(request.requesterId)} approved their own request under break-glass. Reason given: ${reason}`.slice(0, 8192),
    assigneeId: ownerId,
    grantId: request.grantId,
    requestId: request.id,
    resourceId: request.resourceId,
    severity: 'critical',
    status: 'open',
    createdAt: now,
    dueAt: new Date(ctx.now.getTime() + BREAK_GLASS_REVIEW_HOURS * 3_600_000).toISOString(),
    closedAt: null,
    closedBy: null,
    updatedAt: now,
  });
  ctx.audit('task.created', 'task', id, { kind: 'break_glass_review', requestId: request.id, grantId: request.grantId, assigneeId: ownerId });
  // The follow-up is also a review item: "remove" revokes the grant; undecided by the deadline it escalates (sync-server/reviews/break-glass.ts).
  const admins = ctx.store.list('users').filter((u) => (ctx.store.getAccount(u.id)?.roles ?? u.roles).includes('admin')).map((u) => u.id);
  openBreakGlassItem(ctx.store, request, { reviewerIds: ownerId ? [ownerId] : admins, dueAt: new Date(ctx.now.getTime() + BREAK_GLASS_REVIEW_HOURS * 3_600_000).toISOString(), reason }, ctx.now, ctx.audit);
  return id;
}

export const requestApprove: UseCase<'request.approve'> = (payload, ctx) => decide('approve', payload, ctx);
export const requestDeny: UseCase<'request.deny'> = (payload, ctx) => decide('deny', payload, ctx);
