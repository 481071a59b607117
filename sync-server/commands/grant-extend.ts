import { err, extendGrant, ok } from '../../core/index.js';
import { describeGrantEnd, stillEligible, type UseCase } from './context.js';

export const grantExtend: UseCase<'grant.extend'> = (payload, ctx) => {
  const grant = ctx.store.get('grants', payload.grantId);
  if (!grant) return err('not_found', `grant ${payload.grantId} does not exist`);
  // More time on one's own access is a self-approval: allowed only where the policy allows that.
  if (grant.userId === ctx.actor.id && ctx.store.get('requests', grant.requestId)?.policy?.allowSelfApproval !== true) {
    return err('forbidden', 'you cannot extend your own grant; ask another approver');
  }
  const live = grant.status === 'active' || grant.status === 'provisioning';
  const base = ctx.command.baseRevision;
  if (!live && base !== null && grant.revision > base) {
    return err('stale', `${describeGrantEnd(grant, ctx.names)} after you loaded it (revision ${base}, now ${grant.revision})`);
  }
  const eligible = stillEligible(grant.userId, grant.resourceId, ctx, 'the grant cannot be extended');
  if (!eligible.ok) return eligible;
  const extended = extendGrant(grant, payload.minutes, { now: ctx.now });
  if (!extended.ok) return extended;
  ctx.store.put('grants', extended.value);
  ctx.audit('grant.extended', 'grant', grant.id, {
    minutes: payload.minutes,
    reason: payload.reason.trim(),
    previousExpiresAt: grant.expiresAt,
    expiresAt: extended.value.expiresAt,
    extensions: extended.value.extensions,
  });
  return ok({ message: `grant ${grant.id} extended by ${payload.minutes} minutes, until ${extended.value.expiresAt}`, subjectIds: [grant.id] });
};
