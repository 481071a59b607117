/**
 * Cancelling a scheduled request after its approval, before its start: the request is cancelled
 * and its grant, which has not begun, ends (the scheduler sees nothing was written and writes
 * nothing). Once the start has come, the access is live: the grantee gives the grant back instead.
 */
import type { Grant } from '../schema/grant.js';
import type { AccessRequest } from '../schema/request.js';
import { requestRevocation } from './grant.js';
import { canTransition } from './lifecycle.js';
import type { Approver } from './request.js';
import { err, ok, type EngineContext, type Result } from './result.js';
import { waitsForStart } from './scheduled-start.js';

export function cancelBeforeStart(request: AccessRequest, grant: Grant | null, actor: Approver, reason: string, ctx: EngineContext): Result<{ request: AccessRequest; grant: Grant }> {
  if (request.status !== 'approved' || !request.startsAt || !canTransition(request.status, 'cancelled')) return err('already_decided', `the request is already ${request.status}`);
  if (actor.id !== request.requesterId && !actor.roles.includes('admin')) return err('forbidden', 'only the requester or an admin can cancel a request');
  if (!grant || !waitsForStart(grant, ctx.now)) {
    return err('already_decided', `its access started at ${grant?.startsAt ?? request.startsAt}: give the grant back instead of cancelling the request`);
  }
  const why = reason.trim() || 'cancelled';
  const revoking = requestRevocation(grant, actor.id, `cancelled before its start: ${why}`.slice(0, 2048), ctx, 'cancelled_before_start');
  if (!revoking.ok) return revoking;
  const now = ctx.now.toISOString();
  return ok({ request: { ...request, status: 'cancelled', updatedAt: now, outcomeReason: `cancelled before its start: ${why}`.slice(0, 2048), revision: request.revision + 1 }, grant: revoking.value });
}
