import { cancelRequest, err, ok, PENDING_REQUEST_STATES } from '../../core/index.js';
import { describeRequestOutcome, type UseCase } from './context.js';

export const requestCancel: UseCase<'request.cancel'> = (payload, ctx) => {
  const request = ctx.store.get('requests', payload.requestId);
  if (!request) return err('not_found', `request ${payload.requestId} does not exist`);
  if (!PENDING_REQUEST_STATES.includes(request.status)) return err('already_decided', describeRequestOutcome(request, ctx.names));
  const cancelled = cancelRequest(request, ctx.actor, payload.reason, { now: ctx.now });
  if (!cancelled.ok) return cancelled;
  ctx.store.put('requests', cancelled.value);
  ctx.audit('request.cancelled', 'request', request.id, { reason: cancelled.value.outcomeReason });
  return ok({ message: `request ${request.id} cancelled`, subjectIds: [request.id] });
};
