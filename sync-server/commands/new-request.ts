import { checkEligibility, LIVE_GRANT_STATES, ok, PENDING_REQUEST_STATES, type AccessRequest, type Err, type RequestWorld, type Resource, type Result } from '../../core/index.js';
import type { UseCaseContext } from './context.js';

/** What a new request of the actor's is judged against: the configuration now, their history, the cooling-off rule. */
export function requestWorld(ctx: UseCaseContext): RequestWorld {
  return {
    profiles: ctx.store.list('profiles'),
    policies: ctx.store.list('policies'),
    history: ctx.store.list('requests', { where: { requesterId: ctx.actor.id }, order: 'desc', limit: 200 }),
    separation: ctx.separation,
    heldResources: heldResources(ctx),
    // On-call conditions of auto-approval rules read the group's members as the directory connector last listed them.
    groupOf: (id) => ctx.store.get('groups', id),
  };
}

/**
 * The resources the actor holds or is waiting for (live grants and pending requests), for
 * separation-of-duties pairs: counting only grants would let someone ask for one of a pair, get
 * the other approved automatically while the first waits, and then be granted both.
 */
function heldResources(ctx: UseCaseContext): Resource[] {
  const ids = new Set(ctx.store.list('grants', { where: { userId: ctx.actor.id }, status: LIVE_GRANT_STATES }).map((g) => g.resourceId));
  for (const pending of ctx.store.list('requests', { where: { requesterId: ctx.actor.id }, status: PENDING_REQUEST_STATES })) ids.add(pending.resourceId);
  return [...ids].map((id) => ctx.store.get('resources', id)).filter((r): r is Resource => r !== null && r !== undefined);
}

/**
 * Audits a new request (a first ask or more time), settles an automatic approval through `approve`
 * (creating or extending the grant), and writes it. Returns the request as written and the
 * documents it created or changed.
 */
export function recordNewRequest(
  created: AccessRequest,
  ctx: UseCaseContext,
  approve: (request: AccessRequest) => Result<AccessRequest>,
): Result<{ request: AccessRequest; subjectIds: string[] }> {
  let request = created;
  ctx.audit('request.created', 'request', request.id, {
    resourceId: request.resourceId,
    // Who the access is for, and who asked on its behalf (a service identity's owner).
    ...(request.onBehalfOf ? { onBehalfOf: request.onBehalfOf, requestedBy: request.requesterId } : {}),
    durationMinutes: request.durationMinutes,
    ticket: request.ticket,
    ...(request.ticketCheck ? { ticketCheck: request.ticketCheck } : {}),
    ...(request.extendsGrantId ? { extendsGrantId: request.extendsGrantId } : {}),
    riskScore: request.riskScore,
    status: request.status,
    ...(request.startsAt ? { startsAt: request.startsAt } : {}),
    ...(request.conflicts ? { conflicts: request.conflicts.map((c) => c.resourceId) } : {}),
  });
  // Which profiles made the requester eligible (the same rule createRequest just passed), for an auditor asking why.
  const resource = ctx.store.get('resources', request.resourceId);
  const eligibility = resource ? checkEligibility(ctx.actor.user, resource, ctx.store.list('profiles')) : null;
  if (eligibility?.ok) {
    ctx.audit('request.eligibility_checked', 'request', request.id, {
      resourceId: request.resourceId,
      profileIds: eligibility.value.profileIds,
      profileMaxDurationMinutes: eligibility.value.maxDurationMinutes,
    });
  }
  const subjectIds = [request.id];
  if (request.status === 'approved') {
    ctx.audit('request.approved', 'request', request.id, { auto: true, policyIds: request.policy?.policyIds ?? [] });
    const settled = approve(request);
    if (!settled.ok) return settled;
    request = settled.value;
    if (request.grantId) subjectIds.push(request.grantId);
  }
  ctx.store.put('requests', request);
  return ok({ request, subjectIds });
}

/**
 * A new request refused because its requester is not eligible (no profile names them, disabled,
 * archived resource, no account in its directory) leaves `request.ineligible` with the reason beside
 * the command's rejection, so the refusal is found on the request and its resource. Other failures pass through.
 */
export function refusedIfIneligible(failure: Err, requestId: string, resourceId: string, ctx: UseCaseContext, extra: Record<string, unknown> = {}): Err {
  if (failure.code === 'not_eligible') ctx.auditIfRefused('request.ineligible', 'request', requestId, { resourceId, reason: failure.message, ...extra });
  return failure;
}
