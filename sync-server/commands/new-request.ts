import { ok, type AccessRequest, type RequestWorld, type Result } from '../../core/index.js';
import type { UseCaseContext } from './context.js';

/** What a new request of the actor's is judged against: the configuration now, their history, the cooling-off rule. */
export function requestWorld(ctx: UseCaseContext): RequestWorld {
  return {
    profiles: ctx.store.list('profiles'),
    policies: ctx.store.list('policies'),
    history: ctx.store.list('requests', { where: { requesterId: ctx.actor.id }, order: 'desc', limit: 200 }),
    separation: ctx.separation,
  };
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
    durationMinutes: request.durationMinutes,
    ticket: request.ticket,
    ...(request.extendsGrantId ? { extendsGrantId: request.extendsGrantId } : {}),
    riskScore: request.riskScore,
    status: request.status,
  });
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
