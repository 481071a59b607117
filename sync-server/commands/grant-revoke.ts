import { err, ok, requestRevocation, revocationCategoryFor } from '../../core/index.js';
import { mayActOnGrant } from '../../core/engine/principal.js';
import { describeGrantEnd, hasAnyRole, type UseCase } from './context.js';

const ENDED = ['revoking', 'revoke_failed', 'revoked', 'verified'] as const;

export const grantRevoke: UseCase<'grant.revoke'> = (payload, ctx) => {
  const grant = ctx.store.get('grants', payload.grantId);
  if (!grant) return err('not_found', `grant ${payload.grantId} does not exist`);
  // Approvers and admins revoke any grant; anyone else only their own, or one a service identity they own holds (core/engine/principal.ts).
  const mayGiveBack = hasAnyRole(ctx.actor, ['approver', 'admin']) ? ok('approver') : mayActOnGrant(ctx.actor.user, grant, ctx.store.get('users', grant.userId), 'give back', ctx.names);
  if (!mayGiveBack.ok) return mayGiveBack;
  // The holder's side (the holder, an owner of the service identity holding it) gives back; anyone else revokes, saying which kind.
  const own = mayGiveBack.value !== 'approver' || mayActOnGrant(ctx.actor.user, grant, ctx.store.get('users', grant.userId), 'give back', ctx.names).ok;
  const category = revocationCategoryFor(payload.category, own ? 'own' : 'other');
  if (!category.ok) return category;
  if ((ENDED as readonly string[]).includes(grant.status)) return err('already_decided', describeGrantEnd(grant, ctx.names));
  const revoking = requestRevocation(grant, ctx.actor.id, payload.reason, { now: ctx.now }, category.value);
  if (!revoking.ok) return revoking;
  ctx.store.put('grants', revoking.value);
  ctx.audit('grant.revoke_requested', 'grant', grant.id, { category: category.value, reason: revoking.value.endedReason, expiresAt: grant.expiresAt });
  return ok({ message: `revocation of grant ${grant.id} requested; the connector removes the access next`, subjectIds: [grant.id] });
};
