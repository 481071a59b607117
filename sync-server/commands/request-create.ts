import { randomUUID } from 'node:crypto';
import { createRequest, err, ok, PENDING_REQUEST_STATES, refuseTooManyOpen } from '../../core/index.js';
import { requireDirectoryAccount, requireOwnerOf } from '../../core/engine/principal.js';
import type { UseCase } from './context.js';
import { createGrantForApproved, grantIdFor } from './grant-for-request.js';
import { recordNewRequest, refusedIfIneligible, requestWorld } from './new-request.js';

const ID_MAX = 128;

export const requestCreate: UseCase<'request.create'> = (payload, ctx) => {
  const requestId = payload.requestId ?? `req-${randomUUID()}`;
  if (grantIdFor(requestId).length > ID_MAX) return err('invalid_input', `payload.requestId: must be at most ${ID_MAX - 2} characters`);
  if (ctx.store.get('requests', requestId)) return err('conflict', `a request with id ${requestId} already exists`);
  const resource = ctx.store.get('resources', payload.resourceId);
  if (!resource) return err('not_found', `resource ${payload.resourceId} does not exist`);
  const notFlooding = refuseTooManyOpen(ctx.store.count('requests', { where: { requesterId: ctx.actor.id }, status: PENDING_REQUEST_STATES }));
  if (!notFlooding.ok) return notFlooding;
  // For a service identity: only one of its owners asks; the identity is the principal in the directory, the owner is judged for eligibility.
  let grantee = ctx.actor.user;
  if (payload.onBehalfOf) {
    const owned = requireOwnerOf(ctx.actor.user, ctx.store.get('users', payload.onBehalfOf), payload.onBehalfOf, (id) => ctx.store.get('users', id)?.displayName ?? id);
    if (!owned.ok) return owned;
    grantee = owned.value;
  }
  const hasAccount = requireDirectoryAccount(grantee, resource);
  if (!hasAccount.ok) return refusedIfIneligible(hasAccount, requestId, resource.id, ctx);

  const created = createRequest(
    {
      id: requestId,
      requester: ctx.actor.user,
      resource,
      durationMinutes: payload.durationMinutes,
      justification: payload.justification,
      ticket: payload.ticket,
      ticketChecks: ctx.ticketChecks,
      startsAt: payload.startsAt,
    },
    requestWorld(ctx),
    { now: ctx.now, secondFactorAt: ctx.secondFactorAt },
  );
  if (!created.ok) return refusedIfIneligible(created, requestId, resource.id, ctx);
  const recorded = recordNewRequest(payload.onBehalfOf ? { ...created.value, onBehalfOf: grantee.id } : created.value, ctx, (approved) => createGrantForApproved(approved, ctx));
  if (!recorded.ok) return recorded;
  const { request, subjectIds } = recorded.value;

  const steps = request.policy?.approvalSteps ?? [];
  const message =
    request.status === 'approved'
      ? `request for ${resource.name} was approved automatically by its access policy${request.autoApproval?.approved && request.outcomeReason === request.autoApproval.reason ? ` (${request.autoApproval.reason})` : ''}`
      : `request for ${resource.name} is waiting for approval (step 1 of ${steps.length}: ${steps[0]?.name ?? 'approval'})`;
  // A scheduled request says when its access begins (the scheduler provisions it then).
  const starts = `${request.startsAt ? `; access starts at ${request.startsAt}` : ''}${request.onBehalfOf ? `; the access is for ${grantee.displayName}, asked on its behalf by ${ctx.actor.user.displayName}` : ''}`;
  return ok({ message: `${message}${starts}`, subjectIds });
};
