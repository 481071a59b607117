/**
 * A lowered maximum and the grants that already run past it. Saving the lower maximum leaves them
 * as they are (a grant is never changed behind its holder's back); "shorten them" is its own
 * command: each grant then ends at its start plus the new maximum (at once when that is past), and
 * can be extended no further than the new maximum. The what-if lists the same grants with the same
 * rule, so what it shows is what the command does.
 */
import type { DirectoryUser } from '../schema/directory.js';
import type { Grant } from '../schema/grant.js';
import type { AccessPolicy, AccessProfile } from '../schema/policy.js';
import type { Resource } from '../schema/resource.js';
import { checkEligibility } from './eligibility.js';
import { resolvePolicy } from './policy.js';
import { formatDuration } from './catalog.js';
import { err, ok, type EngineContext, type Result } from './result.js';

const MINUTE = 60_000;

/** Grants a shortening may still change: access held or about to be. */
export const SHORTENABLE_GRANT_STATES: readonly Grant['status'][] = ['provisioning', 'active'];

/**
 * The longest a grant on this resource may run for this holder as configured now: the resource's
 * policies (most restrictive wins), capped by the holder's profiles (the most generous of them).
 * Null when the resource's policies do not resolve.
 */
export function grantMaximumMinutes(resource: Resource, holder: DirectoryUser | undefined, world: { policies: readonly AccessPolicy[]; profiles: readonly AccessProfile[] }): number | null {
  const resolved = resolvePolicy(resource, world.policies);
  if (!resolved.ok) return null;
  const eligibility = holder ? checkEligibility(holder, resource, world.profiles) : null;
  return Math.min(resolved.value.maxDurationMinutes, eligibility?.ok ? (eligibility.value.maxDurationMinutes ?? Infinity) : Infinity);
}

/** How long the grant runs from its start to its end, in minutes. */
export const grantRunMinutes = (grant: Pick<Grant, 'startsAt' | 'expiresAt'>) => Math.round((Date.parse(grant.expiresAt) - Date.parse(grant.startsAt)) / MINUTE);

/** Where a grant shortened to `maxMinutes` ends: its start plus the maximum. */
export const shortenedEnd = (grant: Pick<Grant, 'startsAt'>, maxMinutes: number) => new Date(Date.parse(grant.startsAt) + maxMinutes * MINUTE).toISOString();

/**
 * The grant ended at its start plus the maximum (now, when that has passed), its extensions held to
 * the maximum too. Refused with a sentence for a grant that has ended or does not run past it.
 */
export function shortenGrant(grant: Grant, maxMinutes: number, by: { actorId: string; actorName: string; reason: string }, ctx: EngineContext): Result<Grant> {
  if (!SHORTENABLE_GRANT_STATES.includes(grant.status)) return err('invalid_transition', `grant ${grant.id} is ${grant.status.replace('_', ' ')}: only live access can be shortened`);
  const runs = grantRunMinutes(grant);
  if (runs <= maxMinutes) {
    return err('invalid_transition', `grant ${grant.id} runs ${formatDuration(runs)}, within the maximum of ${formatDuration(maxMinutes)}: there is nothing to shorten`);
  }
  const now = ctx.now.toISOString();
  const end = shortenedEnd(grant, maxMinutes);
  const expiresAt = Date.parse(end) > ctx.now.getTime() ? end : now;
  return ok({
    ...grant,
    expiresAt,
    maxDurationMinutes: Math.min(grant.maxDurationMinutes, maxMinutes),
    shortened: { at: now, by: by.actorId, byName: by.actorName.slice(0, 256), previousExpiresAt: grant.expiresAt, maxMinutes, reason: by.reason.trim().slice(0, 2048) },
    updatedAt: now,
    revision: grant.revision + 1,
  });
}
