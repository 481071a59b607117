import type { AccessPolicy, AccessProfile, ChangedBy } from '../schema/policy.js';
import type { ResolvedPolicy } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import { err, type Err } from './result.js';

/** Separation of duties settings; the server may configure the cooling-off period. */
export type SeparationSettings = {
  /** Days after changing a policy, profile or resource during which one may not approve, or be auto-approved for, requests it governs. */
  cooldownDays: number;
};

export const DEFAULT_SEPARATION: SeparationSettings = { cooldownDays: 30 };

const DAY = 86_400_000;
const KEPT = 32;

/** The entity's editors with this one added as the newest; entries older than the cooling-off period are dropped. */
export function recordEditor(changedBy: ChangedBy, userIds: readonly string[], now: Date, settings: SeparationSettings): ChangedBy {
  const at = now.toISOString();
  const horizon = now.getTime() - settings.cooldownDays * DAY;
  const kept = changedBy.filter((e) => !userIds.includes(e.userId) && Date.parse(e.at) >= horizon);
  return [...userIds.map((userId) => ({ userId, at })), ...kept].slice(0, KEPT);
}

/** What a request is decided under: its policies, its resource, and the profiles that make its requester eligible. */
export type DecisionBasis = { policies: readonly AccessPolicy[]; profiles: readonly AccessProfile[]; resource: Resource };

export type RecentEdit = { kind: 'policy' | 'profile' | 'resource'; id: string; name: string; at: string };

/** The most recent change this person made to anything the request is decided under, within the cooling-off period. */
export function recentEditBy(userId: string, basis: DecisionBasis, now: Date, settings: SeparationSettings): RecentEdit | null {
  if (settings.cooldownDays <= 0) return null;
  const horizon = now.getTime() - settings.cooldownDays * DAY;
  const entities = [
    ...basis.policies.map((p) => ({ kind: 'policy' as const, id: p.id, name: p.name, changedBy: p.changedBy })),
    ...basis.profiles.map((p) => ({ kind: 'profile' as const, id: p.id, name: p.name, changedBy: p.changedBy })),
    { kind: 'resource' as const, id: basis.resource.id, name: basis.resource.name, changedBy: basis.resource.changedBy },
  ];
  let latest: RecentEdit | null = null;
  for (const entity of entities) {
    const edit = entity.changedBy.find((e) => e.userId === userId && Date.parse(e.at) >= horizon);
    if (edit && (!latest || edit.at > latest.at)) latest = { kind: entity.kind, id: entity.id, name: entity.name, at: edit.at };
  }
  return latest;
}

const KIND_WORD = { policy: 'access policy', profile: 'access profile', resource: 'resource' } as const;

/** The refusal an approver gets when they changed the request's configuration recently. */
export function refuseRecentEditor(userId: string, displayName: string, basis: DecisionBasis, now: Date, settings: SeparationSettings): Err | null {
  const edit = recentEditBy(userId, basis, now, settings);
  if (!edit) return null;
  return err(
    'forbidden',
    `${displayName} changed ${KIND_WORD[edit.kind]} "${edit.name}" on ${edit.at.slice(0, 10)}; for ${settings.cooldownDays} days requests it governs need another person's approval`,
  );
}

/** The step an auto-approving chain gets when its requester holds a resource that conflicts with the one asked for. */
export const CONFLICT_STEP_NAME = 'Second person (separation-of-duties conflict)';

/** The step an auto-approving chain gets when its requester changed its configuration recently. */
export const SECOND_PERSON_STEP_NAME = 'Second person (you changed its access configuration)';

/**
 * Auto-approval would let one person change a policy and then be granted under it with nobody
 * else involved: instead, the request waits for an approver or admin (the roles that decide
 * requests); the cooling-off rule still refuses anyone who changed its configuration. The step has
 * nobody to escalate to, so its timeout is the request's own deadline.
 */
export function requireSecondPerson(policy: ResolvedPolicy, stepName: string = SECOND_PERSON_STEP_NAME): ResolvedPolicy {
  return {
    ...policy,
    autoApprove: false,
    approvalSteps: [{ name: stepName, mode: 'any', approverIds: [], approverRoles: ['approver', 'admin'], timeoutMinutes: policy.requestTtlMinutes, escalateToIds: [] }],
  };
}
