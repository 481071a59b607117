/**
 * A campaign run's snapshot, one rule: the scope's resources, then on each what is reviewed (the
 * standing and orphaned holders discovery found, the period's grants, the people profiles name),
 * one item each, with its reviewers per stage resolved now and its recommendations. The items do
 * not move under the reviewers: nothing later rewrites their subject.
 */
import type { DirectoryUser } from '../schema/directory.js';
import type { Grant } from '../schema/grant.js';
import type { AccessProfile } from '../schema/policy.js';
import type { Resource } from '../schema/resource.js';
import type { ReviewCampaign, ReviewItem, ReviewSubject, StageDecision } from '../schema/review.js';
import { directoryIdFor } from './principal.js';
import { recommend } from './review-recommend.js';
import { resolveReviewers, type ReviewerWorld } from './review-reviewers.js';
import type { ClassifiedHolding } from './standing-access.js';

const DAY = 86_400_000;
const LIVE: readonly Grant['status'][] = ['provisioning', 'active'];

export type SnapshotWorld = ReviewerWorld & {
  resources: readonly Resource[];
  people: ReadonlyMap<string, DirectoryUser>;
  grants: readonly Grant[];
  profiles: readonly AccessProfile[];
  /** Standing and orphaned holders as discovery classifies them now. */
  standing: readonly ClassifiedHolding[];
  /** Grants opened by a break-glass self-approval, by grant id. */
  breakGlassGrantIds: ReadonlySet<string>;
};

/** The resources a campaign's scope names (archived ones left out). */
export function scopeResources(campaign: Pick<ReviewCampaign, 'scope'>, resources: readonly Resource[]): Resource[] {
  const live = resources.filter((r) => !r.archived);
  const scope = campaign.scope;
  if (scope.type === 'sensitivity') return live.filter((r) => scope.sensitivities.includes(r.sensitivity));
  if (scope.type === 'resources' || scope.resourceIds.length > 0) {
    const ids = new Set(scope.resourceIds);
    return live.filter((r) => ids.has(r.id));
  }
  return live;
}

/** Item ids are stable per run and subject, so opening twice never doubles an item. */
export const reviewItemId = (campaignId: string, run: number, key: string) => `ri-${campaignId}-${run}-${key}`.slice(0, 128);

const ID_SAFE = /^[A-Za-z0-9._:@-]{1,64}$/;

/**
 * A principal as an id part: an Entra object id as it is; anything an id may not hold or too long
 * to keep whole (an AD distinguished name: spaces, commas, '=') as a 64-bit hash of its
 * lower-cased form (two 32-bit FNV-1a variants side by side), so the item id stays valid and two
 * long DNs under one OU never collide by being cut at the id's length.
 */
export function principalIdPart(principalId: string): string {
  const key = principalId.toLowerCase();
  if (ID_SAFE.test(key)) return key;
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x01000193 + 2) >>> 0;
  }
  return `h${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

export function snapshotCampaign(campaign: ReviewCampaign, run: number, world: SnapshotWorld, now: Date, dueAt: string): ReviewItem[] {
  const resources = scopeResources(campaign, world.resources);
  const byId = new Map(resources.map((r) => [r.id, r]));
  const lastUse = new Map<string, string>();
  for (const g of world.grants) {
    const key = `${g.userId}|${g.resourceId}`;
    if ((lastUse.get(key) ?? '') < g.startsAt) lastUse.set(key, g.startsAt);
  }
  const at = now.toISOString();
  const items: ReviewItem[] = [];
  const seen = new Set<string>();
  // Unless a rule names the person's manager, a stage's reviewers depend only on the resource's
  // owner and on whether the person is among them: resolved once per owner, and again only for an
  // item whose person that answer names (a group of 300 reviewers was otherwise read for every item).
  const shared = new Map<string, { found: ReturnType<typeof resolveReviewers>; ids: Set<string> }>();
  const reviewersOf = (index: number, stage: ReviewCampaign['stages'][number], userId: string | null, ownerId: string | null) => {
    const target = { reviewedUserId: userId, resourceOwnerId: ownerId };
    if (stage.reviewer.type === 'manager' || stage.fallback.type === 'manager') return resolveReviewers(stage, target, world);
    const cacheKey = `${index}\u0000${ownerId ?? ''}`;
    let entry = shared.get(cacheKey);
    if (!entry) {
      const found = resolveReviewers(stage, { reviewedUserId: null, resourceOwnerId: ownerId }, world);
      entry = { found, ids: new Set(found.reviewerIds) };
      shared.set(cacheKey, entry);
    }
    if (userId === null || !entry.ids.has(userId)) return { reviewerIds: [...entry.found.reviewerIds], fallbackReason: entry.found.fallbackReason };
    return resolveReviewers(stage, target, world);
  };
  const add = (key: string, subject: ReviewSubject, resource: Resource) => {
    const id = reviewItemId(campaign.id, run, key);
    if (seen.has(id)) return;
    seen.add(id);
    const stageDecisions: StageDecision[] = campaign.stages.map((stage, index) => {
      const found = reviewersOf(index, stage, subject.userId, resource.ownerId);
      // Nobody at all: the campaign's owner reviews (never their own access: then nobody, and the default applies).
      const ids = found.reviewerIds.length > 0 ? found.reviewerIds : campaign.ownerId !== subject.userId ? [campaign.ownerId] : [];
      const fallbackReason = found.reviewerIds.length > 0 ? found.fallbackReason : `${found.fallbackReason}: the campaign owner reviews`;
      return { stage: index + 1, reviewerIds: ids, fallbackReason, decision: null, reason: '', decidedBy: null, decidedAt: null };
    });
    items.push({
      kind: 'item',
      id,
      campaignId: campaign.id,
      run,
      subject,
      stage: 1,
      stageCount: campaign.stages.length,
      reviewerIds: stageDecisions[0]?.reviewerIds ?? [],
      stageDecisions,
      recommendations: recommend(subject, now),
      decision: null,
      decisionSource: null,
      reason: '',
      decidedBy: null,
      decidedAt: null,
      flagged: false,
      flagReason: '',
      dueAt,
      remindedAt: null,
      reminders: 0,
      escalatedAt: null,
      escalatedToId: null,
      apply: { state: 'none', grantId: null, receiptIds: [], message: '', at: null },
      createdAt: at,
      updatedAt: at,
      revision: 0,
    });
  };
  const base = (resource: Resource, person: DirectoryUser | undefined) => ({
    resourceId: resource.id,
    resourceName: resource.name,
    connectorId: resource.connectorId,
    sensitivity: resource.sensitivity,
    userId: person?.id ?? null,
    displayName: person?.displayName ?? '',
    accountDisabled: person?.disabled ?? false,
    lastJitUseAt: person ? (lastUse.get(`${person.id}|${resource.id}`) ?? null) : null,
  });

  if (campaign.reviewed.standingMembers || campaign.scope.type === 'standing') {
    for (const h of world.standing) {
      const resource = byId.get(h.resourceId);
      if (!resource || h.class === 'explained') continue;
      const person = h.userId ? world.people.get(h.userId) : undefined;
      add(`s-${principalIdPart(h.principalId)}-${resource.id}`, {
        ...base(resource, person),
        type: 'standing',
        displayName: h.displayName,
        principalId: h.principalId,
        grantId: null,
        grantStatus: null,
        grantExpiresAt: null,
        grantedByBreakGlass: false,
        profileId: null,
        holderClass: h.class,
        detail: h.reason,
        accountDisabled: (person?.disabled ?? false) || h.directoryEnabled === false,
        lastSignInAt: h.lastSignInAt,
        signInReadable: h.signInReadable,
      }, resource);
    }
  }
  if (campaign.reviewed.jitGrants && campaign.scope.type !== 'standing') {
    const since = now.getTime() - campaign.lookBackDays * DAY;
    for (const g of world.grants) {
      const resource = byId.get(g.resourceId);
      if (!resource) continue;
      const live = LIVE.includes(g.status);
      const ended = g.revokedAt ?? g.expiresAt;
      if (!live && Date.parse(ended) < since) continue;
      if (!live && g.status !== 'revoked' && g.status !== 'verified') continue;
      const person = world.people.get(g.userId);
      add(`g-${g.id}`, {
        ...base(resource, person),
        type: 'grant',
        displayName: person?.displayName ?? g.userId,
        principalId: person ? (directoryIdFor(person, resource) ?? '') : '',
        grantId: g.id,
        grantStatus: g.status,
        grantExpiresAt: g.expiresAt,
        grantedByBreakGlass: world.breakGlassGrantIds.has(g.id),
        profileId: null,
        holderClass: null,
        detail: live ? `grant ${g.id} until ${g.expiresAt}` : `grant ${g.id}, ended ${ended}`,
        lastSignInAt: null,
        signInReadable: false,
      }, resource);
    }
  }
  if (campaign.reviewed.eligibility && campaign.scope.type !== 'standing') {
    for (const profile of world.profiles) {
      if (!profile.enabled) continue;
      for (const resourceId of profile.resourceIds) {
        const resource = byId.get(resourceId);
        if (!resource) continue;
        for (const userId of profile.userIds) {
          const person = world.people.get(userId);
          add(`e-${profile.id}-${userId}-${resource.id}`, {
            ...base(resource, person),
            type: 'eligibility',
            displayName: person?.displayName ?? userId,
            principalId: '',
            grantId: null,
            grantStatus: null,
            grantExpiresAt: null,
            grantedByBreakGlass: false,
            profileId: profile.id,
            holderClass: null,
            detail: `eligible through access profile ${profile.name}`,
            lastSignInAt: null,
            signInReadable: false,
          }, resource);
        }
      }
    }
  }
  return items;
}

/** Reviewers of a run, any stage: who the campaign document names for their replicas. */
export function runReviewers(items: readonly ReviewItem[]): string[] {
  const ids = new Set<string>();
  for (const item of items) for (const s of item.stageDecisions) for (const id of s.reviewerIds) ids.add(id);
  return [...ids].sort();
}
