/**
 * The lockout guard, one rule: a resource marked "must keep at least N members" (Resource.keepAtLeast)
 * refuses a removal that would leave fewer than N, and says so. Removals are counted in the order
 * given, so of several the ones that fit are applied and the rest refused.
 */
import type { Resource } from '../schema/resource.js';
import { err, ok, type Result } from './result.js';

export type LockoutCount = { resource: Pick<Resource, 'id' | 'name' | 'keepAtLeast'>; members: number; removing: number };

/** Whether one more removal fits: `members` as the directory lists them now, `removing` already accepted before this one. */
export function lockoutGuard({ resource, members, removing }: LockoutCount): Result<true> {
  const minimum = resource.keepAtLeast;
  if (minimum === undefined) return ok(true);
  const left = members - removing - 1;
  if (left >= minimum) return ok(true);
  return err(
    'below_minimum_members',
    `${resource.name} must keep at least ${minimum} member${minimum === 1 ? '' : 's'}; removing this one would leave ${Math.max(left, 0)}, so it is kept`,
  );
}
