import { cancelBeforeStart, cancelRequest, err, ok, PENDING_REQUEST_STATES } from '../../core/index.js';
import { describeRequestOutcome, type UseCase } from './context.js';

export const requestCancel: UseCase<'request.cancel'> = (payload, ctx) => {
  const request = ctx.store.get('requests', payload.requestId);
  if (!request) return err('not_found', `request ${payload.requestId} does not exist`);
  if (request.status === 'approved' && request.startsAt) {
    // Approved for a later start: cancelling ends its grant before it begins.
    const grant = request.grantId ? ctx.store.get('grants', request.grantId) : null;
    const cancelled = cancelBeforeStart(request, grant ?? null, ctx.actor, payload.reason, { now: ctx.now });
    if (!cancelled.ok) return cancelled;
    ctx.store.put('grants', cancelled.value.grant);
    ctx.store.put('requests', cancelled.value.request);
    ctx.audit('request.cancelled', 'request', request.id, { reason: cancelled.value.request.outcomeReason, beforeStart: true, grantId: cancelled.value.grant.id });
    ctx.audit('grant.revoke_requested', 'grant', cancelled.value.grant.id, { category: cancelled.value.grant.endedCategory, reason: cancelled.value.grant.endedReason, expiresAt: cancelled.value.grant.expiresAt });
    return ok({ message: `request ${request.id} cancelled before its start; its grant ${cancelled.value.grant.id} ends before it begins`, subjectIds: [request.id, cancelled.value.grant.id] });
  }
  if (!PENDING_REQUEST_STATES.includes(request.status)) return err('already_decided', describeRequestOutcome(request, ctx.names));
  const cancelled = cancelRequest(request, ctx.actor, payload.reason, { now: ctx.now });
  if (!cancelled.ok) return cancelled;
  ctx.store.put('requests', cancelled.value);
  ctx.audit('request.cancelled', 'request', request.id, { reason: cancelled.value.outcomeReason });
  return ok({ message: `request ${request.id} cancelled`, subjectIds: [request.id] });
};
