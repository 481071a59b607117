import { createHash } from 'node:crypto';
import { createRequest, err, extendGrant, mayUseConsole, ok, PENDING_REQUEST_STATES, resolvePolicy, type AccessRequest, type Grant, type ResolvedPolicy, type Result } from '../../core/index.js';
import { mayActOnGrant } from '../../core/engine/principal.js';
import { describeGrantEnd, stillEligible, type UseCase, type UseCaseContext } from './context.js';
import { recordNewRequest, refusedIfIneligible, requestWorld } from './new-request.js';

/** The grant with its extension limits tightened to a policy's, where the policy is stricter than when the grant was made. */
function withinPolicy(grant: Grant, policy: Pick<ResolvedPolicy, 'maxExtensions' | 'maxDurationMinutes'> | null): Grant {
  if (!policy) return grant;
  return { ...grant, maxExtensions: Math.min(grant.maxExtensions, policy.maxExtensions), maxDurationMinutes: Math.min(grant.maxDurationMinutes, policy.maxDurationMinutes) };
}

const extensionIdFor = (commandId: string) => `ext-${createHash('sha256').update(commandId).digest('hex').slice(0, 24)}`;

/**
 * More time is a decision like the first one: the grantee asks, and the request walks the
 * resource's approval chain as it is configured now (approved at once only where the policy
 * approves automatically). No approver can lengthen someone's access on their own.
 */
export const grantExtend: UseCase<'grant.extend'> = (payload, ctx) => {
  const grant = ctx.store.get('grants', payload.grantId);
  if (!grant) return err('not_found', `grant ${payload.grantId} does not exist`);
  // The holder asks, or an owner of the service identity holding it (core/engine/principal.ts).
  const holder = grant.userId === ctx.actor.id ? null : ctx.store.get('users', grant.userId);
  const may = mayActOnGrant(ctx.actor.user, grant, holder, 'more time', ctx.names);
  if (!may.ok) {
    // Someone without a console role does not see others' grants: answer as if there were none (a service identity's owners are no secret: request.create names them).
    if (holder?.kind !== 'service' && !mayUseConsole(ctx.actor.roles)) return err('not_found', `grant ${payload.grantId} does not exist`);
    return may;
  }
  const live = grant.status === 'active' || grant.status === 'provisioning';
  const base = ctx.command.baseRevision;
  if (!live && base !== null && grant.revision > base) {
    return err('stale', `${describeGrantEnd(grant, ctx.names)} after you loaded it (revision ${base}, now ${grant.revision})`);
  }
  // The same bounds the approval will apply, checked now so nobody is asked to approve what cannot happen.
  const possible = extendGrant(grant, payload.minutes, { now: ctx.now });
  if (!possible.ok) return possible;
  const waiting = ctx.store.list('requests', { where: { extendsGrantId: grant.id }, status: PENDING_REQUEST_STATES });
  if (waiting.length > 0) return err('conflict', `request ${waiting[0]?.id} for more time on this grant is already waiting for approval`);
  const resource = ctx.store.get('resources', grant.resourceId);
  if (!resource) return err('not_found', `resource ${grant.resourceId} of the grant no longer exists`);
  const requestId = payload.requestId ?? extensionIdFor(ctx.command.id);
  if (ctx.store.get('requests', requestId)) return err('conflict', `a request with id ${requestId} already exists`);

  const original = ctx.store.get('requests', grant.requestId);
  const created = createRequest(
    {
      id: requestId,
      requester: ctx.actor.user,
      resource,
      durationMinutes: payload.minutes,
      justification: payload.reason,
      // The ticket the access was granted for still explains it.
      ticket: original?.ticket ?? '',
      ticketChecks: ctx.ticketChecks,
      extendsGrantId: grant.id,
    },
    requestWorld(ctx),
    { now: ctx.now, secondFactorAt: ctx.secondFactorAt },
  );
  if (!created.ok) return refusedIfIneligible(created, requestId, resource.id, ctx, { extendsGrantId: grant.id });
  // A policy tightened since the grant was made binds its extensions too.
  const allowedNow = extendGrant(withinPolicy(grant, created.value.policy), payload.minutes, { now: ctx.now });
  if (!allowedNow.ok) return allowedNow;
  // More time for a service identity's grant is asked on its behalf: the request and its audit say for whom, and who asked.
  const asked = may.value === 'owner' ? { ...created.value, onBehalfOf: grant.userId } : created.value;
  const recorded = recordNewRequest(asked, ctx, (approved) => extendGrantForApproved(approved, ctx));
  if (!recorded.ok) return recorded;
  const { request, subjectIds } = recorded.value;
  const steps = request.policy?.approvalSteps ?? [];
  const message =
    request.status === 'approved'
      ? `grant ${grant.id} extended by ${payload.minutes} minutes, approved automatically by its access policy`
      : `request for ${payload.minutes} more minutes on ${resource.name} is waiting for approval (step 1 of ${steps.length}: ${steps[0]?.name ?? 'approval'})`;
  const forWhom = may.value === 'owner' ? `; the access is ${ctx.names(grant.userId)}'s, asked on its behalf by ${ctx.actor.displayName}` : '';
  return ok({ message: `${message}${forWhom}`, subjectIds });
};

/** The approved extension request lengthens its grant, within the policy's bounds at that moment. */
export function extendGrantForApproved(request: AccessRequest, ctx: UseCaseContext): Result<AccessRequest> {
  const grantId = request.extendsGrantId;
  const grant = grantId ? ctx.store.get('grants', grantId) : null;
  if (!grant) return err('not_found', `grant ${grantId ?? '(none)'} of the extension request no longer exists`);
  // Judged on whoever asked: the holder, or the owner of the service identity holding it, who must still own it.
  if (request.requesterId !== grant.userId) {
    const requester = ctx.store.get('users', request.requesterId);
    const stillOwner = mayActOnGrant(requester ?? { id: request.requesterId, displayName: ctx.names(request.requesterId) }, grant, ctx.store.get('users', grant.userId), 'more time', ctx.names);
    if (!stillOwner.ok) return err(stillOwner.code, `${stillOwner.message}; the extension can no longer be approved, only denied`);
  }
  const eligible = stillEligible(request.requesterId, grant.resourceId, ctx, 'the grant cannot be extended');
  if (!eligible.ok) return eligible;
  const resource = ctx.store.get('resources', grant.resourceId);
  const current = resource ? resolvePolicy(resource, ctx.store.list('policies')) : null;
  // The limits of the policy as it is now, and as it was when more time was asked, whichever is tighter.
  const bounded = withinPolicy(withinPolicy(grant, request.policy), current?.ok ? current.value : null);
  const extended = extendGrant(bounded, request.durationMinutes, { now: ctx.now });
  if (!extended.ok) return err(extended.code, `${extended.message}; the extension can no longer be approved, only denied`);
  ctx.store.put('grants', extended.value);
  ctx.audit('grant.extended', 'grant', grant.id, {
    minutes: request.durationMinutes,
    reason: request.justification,
    requestId: request.id,
    previousExpiresAt: grant.expiresAt,
    expiresAt: extended.value.expiresAt,
    extensions: extended.value.extensions,
    ...(request.requesterId !== grant.userId ? { requestedBy: request.requesterId } : {}),
  });
  return ok({ ...request, grantId: grant.id });
}
