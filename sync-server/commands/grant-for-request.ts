import { grantFromRequest, ok, type AccessRequest, type Result } from '../../core/index.js';
import type { UseCaseContext } from './context.js';

/** Grant ids are derived from the request so a replayed approval can never create a second one. */
export const grantIdFor = (requestId: string) => `g-${requestId}`;

/**
 * The final approval hands over to a grant in `provisioning`; the scheduler provisions it.
 * Returns the request with its grantId set (the caller writes it).
 */
export function createGrantForApproved(request: AccessRequest, ctx: UseCaseContext): Result<AccessRequest> {
  const resource = ctx.store.get('resources', request.resourceId);
  if (!resource) return { ok: false, code: 'not_found', message: `resource ${request.resourceId} of the request no longer exists` };
  const grantId = grantIdFor(request.id);
  if (ctx.store.get('grants', grantId)) return { ok: false, code: 'conflict', message: `grant ${grantId} already exists` };
  const grant = grantFromRequest(request, resource, grantId, { now: ctx.now }, ctx.store.list('policies'));
  if (!grant.ok) return grant;
  ctx.store.put('grants', grant.value);
  ctx.audit('grant.created', 'grant', grantId, {
    requestId: request.id,
    userId: grant.value.userId,
    ...(grant.value.requestedBy ? { requestedBy: grant.value.requestedBy } : {}),
    resourceId: resource.id,
    connector: grant.value.connector,
    expiresAt: grant.value.expiresAt,
    // A scheduled grant (or one approved after its access window closed) waits for its start before the scheduler provisions it.
    ...(grant.value.startsAt > grant.value.approvedAt ? { startsAt: grant.value.startsAt } : {}),
  });
  return ok({ ...request, grantId });
}
