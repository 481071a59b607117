/**
 * standing.convert: a discovered standing holder of a resource becomes eligible for it instead.
 * - The removal goes the way every removal goes: a grant is written in `revoking` for the standing
 *   membership (the console never granted it, so the grant is its record from discovery to verified
 *   gone), and the scheduler revokes it through the resource's connector, reads the directory back
 *   until reads agree and writes the verification receipt.
 * - The person is named on the resource's conversion profile (one per resource), so they can request
 *   it through its access policy from then on. This applies at once, without a second person: the
 *   person already held the resource permanently; after the change they hold it only through
 *   requests the policy decides. Net, access narrows (docs/decisions/standing-access.md).
 * Refused unless the holder is standing now (core's rule), is a known, enabled person, and the
 * resource has a policy that a request would be decided under.
 */
import { createHash } from 'node:crypto';
import { classifyHolding, convertible, grantsByHolder, peopleByPrincipal, principalKey } from '../../core/engine/standing-access.js';
import { directoryIdFor } from '../../core/engine/principal.js';
import { err, lockoutGuard, ok, resolvePolicy, type AccessProfile } from '../../core/index.js';
import { standingAccessTables } from '../standing-access/view.js';
import { writeChange } from './config-change.js';
import { personNow, type UseCase } from './context.js';

/** An id from a prefix and parts, hashed when it would pass the 128 characters ids may have. */
function boundedId(prefix: string, ...parts: string[]): string {
  const plain = `${prefix}${parts.join(':')}`;
  if (plain.length <= 100) return plain;
  return `${prefix}${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40)}`;
}
export const conversionProfileId = (resourceId: string): string => boundedId('profile-standing-', resourceId);
export const conversionGrantId = (resourceId: string, userId: string): string => boundedId('gs-', resourceId, userId);

export const standingConvert: UseCase<'standing.convert'> = ({ resourceId, userId, reason }, ctx) => {
  const resource = ctx.store.get('resources', resourceId);
  if (!resource) return err('not_found', `resource ${resourceId} does not exist`);
  if (resource.archived) return err('invalid_transition', `${resource.name} is archived: remove its members through the directory`);
  const person = personNow(ctx.store, userId);
  if (!person) return err('not_found', `user ${userId} does not exist`);
  // Whose object in this resource's directory: principal.ts's rule (the connector id's key, else the kind's).
  const principalId = resource.connector === 'entra' || resource.connector === 'ad' ? directoryIdFor(person, resource) : undefined;
  if (!principalId) return err('invalid_transition', `${person.displayName} has no account in ${resource.connectorId} the console knows`);

  const grantId = conversionGrantId(resourceId, userId);
  const earlier = ctx.store.get('grants', grantId);
  if (earlier && earlier.status !== 'verified') return err('already_decided', `the conversion of ${person.displayName}'s standing access to ${resource.name} is already under way (grant ${grantId})`);
  const holding = standingAccessTables(ctx.store).holdings(resourceId).find((h) => principalKey(resource.connector, h.principalId) === principalKey(resource.connector, principalId));
  if (!holding) return err('not_found', `discovery has not found ${person.displayName} holding ${resource.name}; run discovery again if they were added since`);
  const classified = classifyHolding(
    holding,
    { resources: new Map([[resource.id, resource]]), people: peopleByPrincipal([person]), grants: grantsByHolder(ctx.store.list('grants', { where: { userId } })) },
    { now: ctx.now },
  );
  if (!classified) return err('already_decided', `${person.displayName}'s access to ${resource.name} was already removed and verified gone`);
  const allowed = convertible(classified);
  if (!allowed.ok) return err('invalid_transition', allowed.why);
  // Eligible for something nobody could request is no eligibility: the resource must resolve to a policy.
  const policy = resolvePolicy(resource, ctx.store.list('policies'));
  if (!policy.ok) return err('invalid_transition', `${resource.name} has no access policy a request would be decided under (${policy.message}); give it one first`);

  // An admin disabled the conversion profile: converting must not quietly turn it back on (which would
  // make everyone on it eligible again). Refused, naming it, rather than a second profile beside it.
  const profileId = conversionProfileId(resourceId);
  const before = ctx.store.get('profiles', profileId);
  if (before && !before.enabled) {
    return err('invalid_transition', `${before.name} (${profileId}) is disabled; enable it through the profile editor (a second person approves widening) before converting more of ${resource.name}'s holders`);
  }
  // The lockout guard: never below the members the resource must keep, in-flight removals counted.
  const holders = standingAccessTables(ctx.store).holdings(resourceId).length;
  const removing = ctx.store.list('grants', { where: { resourceId }, status: ['revoking', 'revoke_failed', 'revoked'] }).length;
  const guard = lockoutGuard({ resource, members: holders, removing });
  if (!guard.ok) return guard;

  const now = ctx.now.toISOString();
  const held = holding.firstSeenAt < now ? holding.firstSeenAt : now;
  const grant = ctx.store.put('grants', {
    id: grantId,
    requestId: grantId,
    userId,
    resourceId,
    connector: resource.connector,
    status: 'revoking',
    approvedAt: held,
    startsAt: held,
    expiresAt: now,
    // Held in the directory since discovery first saw it: the revocation must write, not take it for never provisioned.
    provisionedAt: held,
    effectiveAt: held,
    verification: 'effective',
    revokeRequestedAt: now,
    endedBy: ctx.actor.id,
    endedReason: `standing access converted to eligible: ${reason}`.slice(0, 2048),
    endedCategory: 'standing_converted',
    maxDurationMinutes: 1,
    updatedAt: now,
    revision: (earlier?.revision ?? -1) + 1,
  });

  const after: AccessProfile = before
    ? { ...before, userIds: before.userIds.includes(userId) ? before.userIds : [...before.userIds, userId], updatedAt: now }
    : {
        id: profileId,
        name: `Converted from standing access: ${resource.name}`.slice(0, 256),
        description: `People who held ${resource.name} permanently in the directory and request it instead since their standing access was converted.`.slice(0, 2048),
        resourceIds: [resourceId],
        userIds: [userId],
        departments: [],
        roles: [],
        maxDurationMinutes: null,
        enabled: true,
        changedBy: [],
        updatedAt: now,
      };
  writeChange({ kind: 'profile', before, after }, ctx, [ctx.actor.id]);

  ctx.audit('standing.converted', 'grant', grant.id, {
    resourceId,
    userId,
    principalId: holding.principalId,
    connectorId: resource.connectorId,
    detail: holding.detail,
    firstSeenAt: holding.firstSeenAt,
    lastSeenAt: holding.lastSeenAt,
    profileId,
    reason,
  });
  return ok({
    message: `${person.displayName}'s standing access to ${resource.name} is being removed in the directory (grant ${grant.id}, verified gone like any revocation); they are eligible to request it through ${after.name}`,
    subjectIds: [grant.id, profileId],
  });
};
