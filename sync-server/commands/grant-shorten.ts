import { err, formatDuration, grantMaximumMinutes, ok, shortenGrant, type Grant } from '../../core/index.js';
import { personNow, type UseCase } from './context.js';

/**
 * "Shorten them": after a maximum is lowered, the live grants past it end at their start plus the
 * maximum as configured now (the resource's policies, capped by the holder's profiles). All or
 * nothing: one grant that has ended or runs within its maximum refuses the command, naming it.
 * The scheduler books each grant's earlier revocation when the change commits; its holder reads
 * why on My access (`grant.shortened` on the grant).
 */
export const grantShorten: UseCase<'grant.shorten'> = (payload, ctx) => {
  const ids = [...new Set(payload.grantIds)];
  const world = { policies: ctx.store.list('policies'), profiles: ctx.store.list('profiles') };
  const shortened: Grant[] = [];
  for (const id of ids) {
    const grant = ctx.store.get('grants', id);
    if (!grant) return err('not_found', `grant ${id} does not exist`);
    const resource = ctx.store.get('resources', grant.resourceId);
    if (!resource) return err('not_found', `resource ${grant.resourceId} of grant ${id} no longer exists`);
    const maximum = grantMaximumMinutes(resource, personNow(ctx.store, grant.userId) ?? undefined, world);
    if (maximum === null) return err('invalid_transition', `the access policies of ${resource.name} do not resolve, so grant ${id} has no maximum to shorten it to`);
    const reason = payload.reason.trim() || `the maximum for ${resource.name} is now ${formatDuration(maximum)}`;
    const next = shortenGrant(grant, maximum, { actorId: ctx.actor.id, actorName: ctx.actor.displayName, reason }, { now: ctx.now });
    if (!next.ok) return err(next.code, `${next.message}; nothing was shortened`);
    shortened.push(next.value);
    ctx.store.put('grants', next.value);
    ctx.audit('grant.shortened', 'grant', id, {
      userId: grant.userId,
      resourceId: grant.resourceId,
      previousExpiresAt: grant.expiresAt,
      expiresAt: next.value.expiresAt,
      maxMinutes: maximum,
      reason,
    });
  }
  const endingNow = shortened.filter((g) => g.expiresAt === ctx.now.toISOString()).length;
  const count = `${shortened.length} grant${shortened.length === 1 ? '' : 's'}`;
  return ok({
    message: `${count} shortened to the maximum${endingNow ? `; ${endingNow} already past it end${endingNow === 1 ? 's' : ''} now` : ''}; ${shortened.length === 1 ? 'its revocation is rescheduled and its holder told' : 'their revocations are rescheduled and their holders told'}`,
    subjectIds: ids,
  });
};
