import type { DirectoryUser } from '../schema/directory.js';
import type { ConfigEntities, ConfigKind } from '../schema/config.js';
import type { AccessPolicy, AccessProfile } from '../schema/policy.js';
import type { ProposalChange, ProposalEffect } from '../schema/proposal.js';
import type { Resource } from '../schema/resource.js';
import { canonicalJson } from '../audit/chain.js';
import { canonicalConfig, configOf, type ConfigState } from '../config/document.js';
import { changeWidenings, governedResources, widensOwnAccess, withChange, type ConfigWorld } from './config-change.js';
import { checkEligibility } from './eligibility.js';

/**
 * Four eyes on a whole configuration import (config.import). The import is one change made of
 * several, applied all or nothing: each entity's change is judged by the same rules as its single
 * upsert (core/engine/config-change.ts), in the order they apply (policies, resources, profiles),
 * each against the configuration with the earlier ones written, so that a new policy and the
 * resource pointed at it in the same file are judged together. One widening makes the whole
 * import a proposal for a second person; one that widens the importer's own access refuses it.
 */

const KIND_WORD = { policy: 'access policy', profile: 'access profile', resource: 'resource' } as const;

/** The entity as it will be written: the file's fields, with the server's kept from the stored one. */
function written<T extends { changedBy: unknown }>(after: object, before: T | null, now: string) {
  return { ...after, changedBy: before?.changedBy ?? [], updatedAt: now };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The changes a file asks for, in the order they apply: added and changed entities as the file
 * has them, and with prune, resources left out archived and profiles left out disabled (the
 * removals diffConfig refuses are not here: the caller refuses the import first).
 */
export function importChanges(state: ConfigState, file: ConfigEntities, options: { prune: boolean; now: Date }): ProposalChange[] {
  const now = options.now.toISOString();
  const desired = canonicalConfig(file);
  // Stored documents read the way a file reads them (defaults filled in), so only real differences count.
  const current = configOf(state);
  const differs = <T extends { id: string }>(list: readonly T[], next: T) => {
    const stored = list.find((e) => e.id === next.id);
    return !stored || canonicalJson(stored) !== canonicalJson(next);
  };
  const stored = <T extends { id: string }>(list: readonly T[], id: string) => list.find((e) => e.id === id) ?? null;
  const changes: ProposalChange[] = [];
  for (const policy of desired.policies) {
    if (!differs(current.policies, policy)) continue;
    const before = stored(state.policies, policy.id);
    changes.push({ kind: 'policy', before, after: written(policy, before, now) as AccessPolicy });
  }
  for (const resource of desired.resources) {
    if (!differs(current.resources, resource)) continue;
    const before = stored(state.resources, resource.id);
    changes.push({ kind: 'resource', before, after: written(resource, before, now) as Resource });
  }
  if (options.prune) {
    const kept = new Set(desired.resources.map((r) => r.id));
    for (const before of [...state.resources].sort(byId)) {
      if (!kept.has(before.id) && !before.archived) changes.push({ kind: 'resource', before, after: { ...before, archived: true, updatedAt: now } });
    }
  }
  for (const profile of desired.profiles) {
    if (!differs(current.profiles, profile)) continue;
    const before = stored(state.profiles, profile.id);
    changes.push({ kind: 'profile', before, after: written(profile, before, now) as AccessProfile });
  }
  if (options.prune) {
    const kept = new Set(desired.profiles.map((p) => p.id));
    for (const before of [...state.profiles].sort(byId)) {
      if (!kept.has(before.id) && before.enabled) changes.push({ kind: 'profile', before, after: { ...before, enabled: false, updatedAt: now } });
    }
  }
  return changes;
}

export type ImportWidening = { kind: ConfigKind; id: string; name: string; widenings: string[] };

/** The configuration with every change written, in order. */
export function withChanges(changes: readonly ProposalChange[], world: ConfigWorld): ConfigWorld {
  return changes.reduce((w, change) => withChange(change, w), world);
}

/** Each change that widens access, and how, judged in order against the configuration with the earlier changes written. */
export function importWidenings(changes: readonly ProposalChange[], world: ConfigWorld): ImportWidening[] {
  const out: ImportWidening[] = [];
  let at = world;
  for (const change of changes) {
    const widenings = changeWidenings(change, at);
    if (widenings.length > 0) out.push({ kind: change.kind, id: change.after.id, name: change.after.name, widenings });
    at = withChange(change, at);
  }
  return out;
}

/** The widenings as a proposal lists them, each naming its entity. */
export function importWideningWords(widenings: readonly ImportWidening[]): string[] {
  return widenings.flatMap((w) => w.widenings.map((words) => `${KIND_WORD[w.kind]} ${w.name} (${w.id}): ${words}`));
}

/**
 * Whether the import widens this person's own access: one of its widening changes does, judged
 * where it applies and against the configuration once the whole import is written.
 */
export function importWidensOwnAccess(user: DirectoryUser, changes: readonly ProposalChange[], world: ConfigWorld): boolean {
  const final = withChanges(changes, world);
  let at = world;
  for (const change of changes) {
    if (changeWidenings(change, at).length > 0 && (widensOwnAccess(user, change, at) || widensOwnAccess(user, change, final))) return true;
    at = withChange(change, at);
  }
  return false;
}

/** Resources whose requests the import governs, by id: every change's, once the import is written. */
export function importGoverned(changes: readonly ProposalChange[], world: ConfigWorld): string[] {
  const final = withChanges(changes, world);
  const ids = new Set<string>();
  for (const change of changes) for (const resource of governedResources(change, final)) ids.add(resource.id);
  return [...ids].sort();
}

const NAMED_MAX = 1000;

/** The import's what-if: who can request the resources it governs afterwards, and who could not before. */
export function importEffect(changes: readonly ProposalChange[], world: ConfigWorld): ProposalEffect {
  const final = withChanges(changes, world);
  const governed = new Set(importGoverned(changes, world));
  const after = final.resources.filter((r) => governed.has(r.id));
  const before = new Map(world.resources.map((r) => [r.id, r]));
  let peopleEligible = 0;
  const newly: string[] = [];
  for (const user of world.users) {
    const nowIn = after.filter((r) => checkEligibility(user, r, final.profiles).ok);
    if (nowIn.length === 0) continue;
    peopleEligible++;
    if (nowIn.some((r) => { const old = before.get(r.id); return !old || !checkEligibility(user, old, world.profiles).ok; })) newly.push(user.id);
  }
  return { resourceIds: [...governed].slice(0, 10000), peopleEligible, newlyEligibleUserIds: newly.slice(0, NAMED_MAX), newlyEligible: newly.length };
}
