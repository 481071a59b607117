import type { DirectoryUser } from '../schema/directory.js';
import type { AccessProfile } from '../schema/policy.js';
import type { Resource } from '../schema/resource.js';
import { err, ok, type Result } from './result.js';

export type Eligibility = { profileIds: string[]; maxDurationMinutes: number | null };

export function isProfileMember(profile: AccessProfile, user: DirectoryUser): boolean {
  return (
    profile.userIds.includes(user.id) ||
    (user.department !== '' && profile.departments.includes(user.department)) ||
    profile.roles.some((r) => user.roles.includes(r))
  );
}

/** Deny by default: eligible only through an enabled profile that names both the person and the resource. */
export function checkEligibility(user: DirectoryUser, resource: Resource, profiles: readonly AccessProfile[]): Result<Eligibility> {
  if (user.disabled) return err('not_eligible', `${user.displayName} is disabled`);
  if (resource.archived) return err('not_eligible', `${resource.name} is archived and cannot be requested`);
  const matching = profiles.filter((p) => p.enabled && p.resourceIds.includes(resource.id) && isProfileMember(p, user));
  if (matching.length === 0) {
    return err('not_eligible', `${user.displayName} is not eligible for ${resource.name}: no access profile grants it`);
  }
  // Among the profiles that grant eligibility the most generous cap applies: each alone would allow it.
  const caps = matching.map((p) => p.maxDurationMinutes);
  const maxDurationMinutes = caps.includes(null) ? null : Math.max(...(caps as number[]));
  return ok({ profileIds: matching.map((p) => p.id), maxDurationMinutes });
}
