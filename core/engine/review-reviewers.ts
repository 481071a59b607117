/**
 * Who reviews an item at a stage, one rule: the stage's reviewer rule, else its fallback, and never
 * the reviewed person. Someone counts as a reviewer only when they exist, are not disabled and hold
 * a role whose replica holds review items (REVIEWING_ROLES); otherwise the rule found nobody.
 */
import type { DirectoryGroup, DirectoryUser } from '../schema/directory.js';
import type { ReviewerRule, ReviewStage } from '../schema/review.js';
import { REVIEWING_ROLES } from './access-matrix.js';

export type ReviewerWorld = {
  users: ReadonlyMap<string, Pick<DirectoryUser, 'id' | 'displayName' | 'managerId' | 'roles' | 'disabled'>>;
  groups: ReadonlyMap<string, Pick<DirectoryGroup, 'id' | 'displayName' | 'memberUserIds'>>;
};

export type ReviewerTarget = { reviewedUserId: string | null; resourceOwnerId: string | null };

const RULE_WORDS: Record<ReviewerRule['type'], string> = { resource_owner: 'the resource owner', manager: "the person's manager", person: 'the named reviewer', group: 'the named group' };

function candidates(rule: ReviewerRule, target: ReviewerTarget, world: ReviewerWorld): string[] {
  switch (rule.type) {
    case 'resource_owner':
      return target.resourceOwnerId ? [target.resourceOwnerId] : [];
    case 'manager': {
      const person = target.reviewedUserId ? world.users.get(target.reviewedUserId) : undefined;
      return person?.managerId ? [person.managerId] : [];
    }
    case 'person':
      return [rule.userId];
    case 'group':
      return [...(world.groups.get(rule.groupId)?.memberUserIds ?? [])];
  }
}

function usable(ids: readonly string[], target: ReviewerTarget, world: ReviewerWorld): { ids: string[]; why: string | null } {
  const people = ids.map((id) => world.users.get(id)).filter((u) => u !== undefined);
  const able = people.filter((u) => !u.disabled && u.roles.some((r) => REVIEWING_ROLES.includes(r)));
  const others = able.filter((u) => u.id !== target.reviewedUserId);
  if (others.length > 0) return { ids: others.map((u) => u.id).sort(), why: null };
  if (able.length > 0) return { ids: [], why: 'is the reviewed person' };
  if (people.length > 0) return { ids: [], why: 'is disabled or holds no reviewing role' };
  return { ids: [], why: 'is missing' };
}

export type ResolvedReviewers = { reviewerIds: string[]; fallbackReason: string | null };

/** The stage's reviewers for one item; empty only when the fallback finds nobody either (the caller then names the campaign owner). */
export function resolveReviewers(stage: ReviewStage, target: ReviewerTarget, world: ReviewerWorld): ResolvedReviewers {
  const first = usable(candidates(stage.reviewer, target, world), target, world);
  if (first.ids.length > 0) return { reviewerIds: first.ids, fallbackReason: null };
  const fallback = usable(candidates(stage.fallback, target, world), target, world);
  const reason = `${RULE_WORDS[stage.reviewer.type]} ${first.why}`;
  if (fallback.ids.length > 0) return { reviewerIds: fallback.ids, fallbackReason: `${reason}: the fallback reviews` };
  return { reviewerIds: [], fallbackReason: `${reason}, and the fallback ${fallback.why}` };
}
