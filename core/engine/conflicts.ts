import type { Resource } from '../schema/resource.js';

/** A resource the requester holds that must not be held together with the one asked for. */
export type HeldConflict = { resourceId: string; resourceName: string };

/** Whether holding both is a separation-of-duties conflict: either resource may name the other. */
export function resourcesConflict(a: Pick<Resource, 'id' | 'conflictsWith'>, b: Pick<Resource, 'id' | 'conflictsWith'>): boolean {
  if (a.id === b.id) return false;
  return (a.conflictsWith ?? []).includes(b.id) || (b.conflictsWith ?? []).includes(a.id);
}

/** The resources among those the requester holds now that conflict with the one asked for, each once. */
export function heldConflicts(asked: Pick<Resource, 'id' | 'conflictsWith'>, held: readonly Pick<Resource, 'id' | 'name' | 'conflictsWith'>[]): HeldConflict[] {
  const seen = new Set<string>();
  const out: HeldConflict[] = [];
  for (const resource of held) {
    if (seen.has(resource.id) || !resourcesConflict(asked, resource)) continue;
    seen.add(resource.id);
    out.push({ resourceId: resource.id, resourceName: resource.name });
  }
  return out;
}
