/**
 * Standing-privilege discovery, one rule: who the directory says holds a resource, held against the
 * console's grants and people. Each holder is
 * - explained: a live grant of the console gives them this resource (or its removal is under way);
 * - standing: no grant explains it (held permanently, outside the console);
 * - orphaned: the account is disabled (in the console's directory or in the directory itself) or
 *   belongs to nobody the console knows.
 * Where the directory says when the account last signed in, a holder with no sign-in for
 * `staleAfterDays` (or never) is stale, whatever its class.
 * The server runs it when it answers (so a grant that ended since the last import counts at once);
 * a review campaign snapshots its output.
 */
import type { ConnectorKind } from '../schema/common.js';
import type { DirectoryUser } from '../schema/directory.js';
import type { Grant } from '../schema/grant.js';
import type { Resource } from '../schema/resource.js';
import { directoryIdFor } from './principal.js';

export type HolderClass = 'explained' | 'standing' | 'orphaned';
export const HOLDER_CLASSES: readonly HolderClass[] = ['explained', 'standing', 'orphaned'];

/** What a discovery run found: one principal holding one resource, as the directory said it. */
export type DiscoveredHolding = {
  resourceId: string;
  connectorId: string;
  /** The principal in that directory: Entra object id, AD distinguished name. */
  principalId: string;
  /** How it is held, in the connector's words ("direct member", "nested member through ...", "permanent"). */
  detail: string;
  /** The directory's own account state, where it was read (Entra accountEnabled, AD userAccountControl). */
  directoryEnabled: boolean | null;
  /** Last sign-in as the directory records it; null: never signed in (only meaningful when `signInReadable`). */
  lastSignInAt: string | null;
  /** False where the directory did not let us read sign-ins (no permission, no licence, not kept). */
  signInReadable: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
};

export type ClassifiedHolding = DiscoveredHolding & {
  class: HolderClass;
  /** Why, in words. */
  reason: string;
  /** The console's person behind the principal, when known. */
  userId: string | null;
  displayName: string;
  /** The grant that explains it (explained only). */
  grantId: string | null;
  /** No sign-in for the threshold, or never; null where sign-ins are not readable. */
  stale: boolean | null;
};

/** Grants that explain a holder: access given or being given, and access whose removal is under way or awaits its read-back. */
export const EXPLAINING_GRANT_STATES: readonly Grant['status'][] = ['provisioning', 'active', 'revoking', 'revoke_failed', 'revoked'];

export const DEFAULT_STALE_AFTER_DAYS = 90;
const DAY = 86_400_000;

/** Principal ids compare case-insensitively (AD DNs; Entra GUIDs come in either case). */
export const principalKey = (connector: ConnectorKind, principalId: string): string => `${connector}:${principalId.trim().toLowerCase()}`;

/**
 * People by every directory id they have, under the key it is kept under (a connector id such as
 * `entra-demo`, or a kind such as `entra`). Which one applies to a resource is principal.ts's rule:
 * the id under the resource's connector id, else under its kind (personByPrincipal).
 */
export function peopleByPrincipal(users: readonly DirectoryUser[]): Map<string, DirectoryUser> {
  const index = new Map<string, DirectoryUser>();
  for (const user of users) {
    for (const [key, value] of Object.entries(user.externalIds)) if (value) index.set(`${key}:${value.trim().toLowerCase()}`, user);
  }
  return index;
}

/** The person behind a principal of this resource's directory, as core/engine/principal.ts names people there. */
export function personByPrincipal(people: ReadonlyMap<string, DirectoryUser>, resource: Pick<Resource, 'connector' | 'connectorId'>, principalId: string): DirectoryUser | undefined {
  const id = principalId.trim().toLowerCase();
  for (const key of [resource.connectorId, resource.connector]) {
    const person = people.get(`${key}:${id}`);
    if (person && directoryIdFor(person, resource)?.trim().toLowerCase() === id) return person;
  }
  return undefined;
}

export type StandingWorld = {
  resources: ReadonlyMap<string, Pick<Resource, 'id' | 'connector' | 'connectorId'>>;
  people: ReadonlyMap<string, DirectoryUser>;
  /** Grants by `${userId}|${resourceId}`, any status. */
  grants: ReadonlyMap<string, readonly Grant[]>;
};

export function grantsByHolder(grants: readonly Grant[]): Map<string, Grant[]> {
  const out = new Map<string, Grant[]>();
  for (const grant of grants) {
    const key = `${grant.userId}|${grant.resourceId}`;
    const list = out.get(key);
    if (list) list.push(grant);
    else out.set(key, [grant]);
  }
  return out;
}

export function staleness(holding: Pick<DiscoveredHolding, 'lastSignInAt' | 'signInReadable'>, now: Date, staleAfterDays: number): boolean | null {
  if (!holding.signInReadable) return null;
  if (holding.lastSignInAt === null) return true;
  return now.getTime() - Date.parse(holding.lastSignInAt) >= staleAfterDays * DAY;
}

/**
 * Classifies one holding. Orphaned comes first (a disabled account holding access is the finding,
 * grant or not), then a live grant, then standing. Returns null when the holding is known to be
 * gone since it was seen: a grant for it was verified removed after the import read it.
 */
export function classifyHolding(holding: DiscoveredHolding, world: StandingWorld, ctx: { now: Date; staleAfterDays?: number }): ClassifiedHolding | null {
  const resource = world.resources.get(holding.resourceId);
  const directory = resource && (resource.connector === 'entra' || resource.connector === 'ad');
  const person = directory && resource ? personByPrincipal(world.people, resource, holding.principalId) : undefined;
  const stale = staleness(holding, ctx.now, ctx.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS);
  const base = { ...holding, userId: person?.id ?? null, displayName: person?.displayName ?? holding.principalId, stale };
  const grants = person ? (world.grants.get(`${person.id}|${holding.resourceId}`) ?? []) : [];
  const removedSince = grants.find((g) => g.status === 'verified' && g.verifiedAt !== null && g.verifiedAt > holding.lastSeenAt);
  if (removedSince) return null;
  const live = grants.find((g) => EXPLAINING_GRANT_STATES.includes(g.status));
  if (/#microsoft\.graph\.group\b/.test(holding.detail)) {
    return { ...base, class: 'standing', grantId: null, reason: 'a group is a member: everyone in it holds this access through it, outside any grant' };
  }
  if (!person) return { ...base, class: 'orphaned', grantId: null, reason: 'the account belongs to nobody the console knows (departed, or never imported)' };
  if (person.disabled) return { ...base, class: 'orphaned', grantId: live?.id ?? null, reason: `${person.displayName}'s account is disabled in the console` };
  if (holding.directoryEnabled === false) return { ...base, class: 'orphaned', grantId: live?.id ?? null, reason: `${person.displayName}'s account is disabled in the directory` };
  if (live) {
    const how = live.status === 'provisioning' || live.status === 'active' ? `grant ${live.id} until ${live.expiresAt}` : `grant ${live.id}, whose removal is under way`;
    return { ...base, class: 'explained', grantId: live.id, reason: `explained by ${how}` };
  }
  // A time-bound assignment made in the directory (Entra PIM outside the console) ends on its own, but no grant explains it either.
  const until = /^until (\S+)/.exec(holding.detail)?.[1];
  return { ...base, class: 'standing', grantId: null, reason: until ? `no grant explains it: assigned in the directory until ${until}, outside the console` : 'no grant explains it: held outside the console' };
}

export type ResourceStanding = {
  resourceId: string;
  counts: Record<HolderClass, number> & { stale: number };
  holders: ClassifiedHolding[];
};

/** Every holding classified, grouped by resource (resources with the most standing and orphaned holders first). */
export function classifyStandingAccess(
  holdings: readonly DiscoveredHolding[],
  input: { resources: readonly Pick<Resource, 'id' | 'connector' | 'connectorId'>[]; users: readonly DirectoryUser[]; grants: readonly Grant[] },
  ctx: { now: Date; staleAfterDays?: number },
): ResourceStanding[] {
  const world: StandingWorld = {
    resources: new Map(input.resources.map((r) => [r.id, r])),
    people: peopleByPrincipal(input.users),
    grants: grantsByHolder(input.grants),
  };
  const byResource = new Map<string, ResourceStanding>();
  for (const holding of holdings) {
    const classified = classifyHolding(holding, world, ctx);
    if (!classified) continue;
    let entry = byResource.get(holding.resourceId);
    if (!entry) {
      entry = { resourceId: holding.resourceId, counts: { explained: 0, standing: 0, orphaned: 0, stale: 0 }, holders: [] };
      byResource.set(holding.resourceId, entry);
    }
    entry.counts[classified.class]++;
    if (classified.stale) entry.counts.stale++;
    entry.holders.push(classified);
  }
  const order: Record<HolderClass, number> = { orphaned: 0, standing: 1, explained: 2 };
  const result = [...byResource.values()];
  for (const entry of result) entry.holders.sort((a, b) => order[a.class] - order[b.class] || a.displayName.localeCompare(b.displayName));
  return result.sort((a, b) => b.counts.standing + b.counts.orphaned - (a.counts.standing + a.counts.orphaned) || a.resourceId.localeCompare(b.resourceId));
}

/**
 * Whether "Convert to eligible" applies: only to a standing holder who is a known, enabled person.
 * An orphaned holder is removed, not made eligible; an explained one already goes through a grant.
 */
export function convertible(holding: Pick<ClassifiedHolding, 'class' | 'userId' | 'reason'>): { ok: true } | { ok: false; why: string } {
  if (holding.class === 'explained') return { ok: false, why: `nothing to convert: ${holding.reason}` };
  if (holding.class === 'orphaned') return { ok: false, why: `an orphaned holder is removed, not made eligible: ${holding.reason}` };
  if (!holding.userId) return { ok: false, why: `${holding.reason}; only a person can be made eligible` };
  return { ok: true };
}
