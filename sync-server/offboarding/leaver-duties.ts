/**
 * What offboarding ends or moves beyond the person's own access and approval duties, in the caller's
 * transaction: their place as reviewer on undecided review items (to the campaign's fallback,
 * core/engine/offboarding.ts planReviewReassignment), the grants they asked for on behalf of a
 * service identity (revoked through the connector with verification, reason `offboarding`), and the
 * service identities they own that are left with no owner. What nobody takes over becomes an alert
 * for admins and a follow-up on the offboarding record. Run again, it finds only what is left.
 */
import { LIVE_GRANT_STATES, OFFBOARDING_REASON, planReviewReassignment, requestRevocation, runReviewers, type DutyReassignment, type ReviewCampaign, type ReviewItem, type Task } from '../../core/index.js';
import { putCampaign, putItem, runItems } from '../reviews/docs.js';
import type { Store } from '../store/types.js';
import type { OffboardingFollowUp } from './record.js';

export type LeaverDutiesOutcome = {
  /** Grants the person asked for on behalf of service identities, now being revoked. */
  identityGrants: string[];
  /** Review items moved to their campaign's fallback (audited by the caller with the other duties). */
  reassigned: Extract<DutyReassignment, { kind: 'review_item' }>[];
  /** Alerts raised by this run. */
  followUps: OffboardingFollowUp[];
};

export const noOwnerAlertId = (identityId: string) => `t-no-owner-${identityId}`.slice(0, 128);
export const reviewUnassignedAlertId = (personId: string) => `t-review-unassigned-${personId}`.slice(0, 128);

function raiseAlert(store: Store, task: Pick<Task, 'id' | 'kind' | 'title' | 'detail'> & { resourceId?: string | null }, data: Record<string, unknown>, at: string): boolean {
  const existing = store.get('tasks', task.id);
  if (existing && existing.status === 'open') return false;
  store.put('tasks', { assigneeId: null, grantId: null, requestId: null, resourceId: null, severity: 'warning', status: 'open', createdAt: at, dueAt: null, closedAt: null, closedBy: null, reminders: 0, remindedAt: null, updatedAt: at, ...task });
  store.appendAudit({ type: 'task.created', actorId: 'system', subjectType: 'task', subjectId: task.id, data: { kind: task.kind, ...data }, at });
  return true;
}

function moveReviews(store: Store, personId: string, name: string, at: string): { reassigned: LeaverDutiesOutcome['reassigned']; followUps: OffboardingFollowUp[] } {
  const campaigns = store.list('reviews', { where: { kind: 'campaign' } }).filter((d): d is ReviewCampaign => d.kind === 'campaign' && d.status === 'open');
  const users = store.list('users');
  const resources = new Map(store.list('resources').map((r) => [r.id, r]));
  const itemsOf = new Map(campaigns.map((c) => [c.id, runItems(store, c.id, c.run)]));
  const plan = planReviewReassignment({
    personId,
    campaigns,
    items: [...itemsOf.values()].flat(),
    world: { users: new Map(users.map((u) => [u.id, { ...u, roles: store.getAccount(u.id)?.roles ?? u.roles }])), groups: new Map(store.list('groups').map((g) => [g.id, g])) },
    resourceOwnerOf: (id) => resources.get(id)?.ownerId ?? null,
  });
  const changed = new Map<string, ReviewItem>(plan.items.map((i) => [i.id, i]));
  for (const item of plan.items) putItem(store, { ...item, updatedAt: at, revision: item.revision + 1 });
  for (const campaign of campaigns) {
    const items = (itemsOf.get(campaign.id) ?? []).map((i) => changed.get(i.id) ?? i);
    if (!items.some((i) => changed.has(i.id))) continue;
    putCampaign(store, { ...campaign, reviewerIds: runReviewers(items), updatedAt: at, revision: campaign.revision + 1 });
  }
  const followUps: OffboardingFollowUp[] = [];
  if (plan.unassigned.length > 0) {
    const taskId = reviewUnassignedAlertId(personId);
    const list = plan.unassigned.map((u) => `${u.itemId} (campaign ${u.name}, stage ${u.stages.join(', ')})`);
    const message = `${plan.unassigned.length} review item${plan.unassigned.length === 1 ? '' : 's'} ${name} was to decide ha${plan.unassigned.length === 1 ? 's' : 've'} nobody left to decide: the campaign's fallback finds nobody`;
    raiseAlert(store, { id: taskId, kind: 'review_unassigned_alert', title: `Review items without a reviewer: ${name} left`.slice(0, 512), detail: `${message}. ${list.join('; ')}`.slice(0, 8192) }, { personId, items: plan.unassigned.map((u) => u.itemId) }, at);
    for (const u of plan.unassigned) followUps.push({ kind: 'review_unassigned', subjectId: u.itemId, name: u.name, taskId, message: `stage ${u.stages.join(', ')} has nobody to decide it` });
  }
  return { reassigned: plan.reassigned, followUps };
}

/** The service identities the person owns: the grants they asked for on one's behalf end; one left with no owner who can act raises an alert. */
function endServiceDuties(store: Store, personId: string, name: string, actorId: string, at: string): { identityGrants: string[]; followUps: OffboardingFollowUp[] } {
  const now = new Date(at);
  const users = store.list('users');
  const identities = new Map(users.filter((u) => u.kind === 'service').map((u) => [u.id, u]));
  const identityGrants: string[] = [];
  for (const grant of store.list('grants', { status: [...LIVE_GRANT_STATES] })) {
    if (grant.requestedBy !== personId || grant.userId === personId || !identities.has(grant.userId)) continue;
    if (grant.status === 'revoking' || grant.status === 'revoke_failed') continue;
    const revoking = requestRevocation(grant, actorId, OFFBOARDING_REASON, { now }, 'offboarding');
    if (!revoking.ok) continue;
    store.put('grants', revoking.value);
    store.appendAudit({ type: 'grant.revoke_requested', actorId, subjectType: 'grant', subjectId: grant.id, data: { category: revoking.value.endedCategory, reason: OFFBOARDING_REASON, expiresAt: grant.expiresAt, offboarding: personId, onBehalfOf: grant.userId, requestedBy: personId }, at });
    identityGrants.push(grant.id);
  }
  const followUps: OffboardingFollowUp[] = [];
  for (const identity of identities.values()) {
    if (!(identity.ownerIds ?? []).includes(personId)) continue;
    const able = (identity.ownerIds ?? []).filter((id) => {
      if (id === personId) return false;
      const owner = users.find((u) => u.id === id);
      const account = store.getAccount(id);
      return owner !== undefined && !owner.disabled && (!account || account.disabledAt === null);
    });
    if (able.length > 0) continue;
    const taskId = noOwnerAlertId(identity.id);
    const message = `${identity.displayName} has no owner left: ${name} was its last, and nobody can ask for or answer for its access`;
    raiseAlert(store, { id: taskId, kind: 'no_owner_alert', title: `No owner left: ${identity.displayName}`.slice(0, 512), detail: `${message}. Name an owner in its directory (the next sync reads it), or disable the identity there.` }, { identityId: identity.id, personId }, at);
    followUps.push({ kind: 'service_no_owner', subjectId: identity.id, name: identity.displayName, taskId, message });
  }
  return { identityGrants, followUps };
}

export function endLeaverDuties(store: Store, input: { personId: string; name: string; actorId: string; at: string }): LeaverDutiesOutcome {
  const reviews = moveReviews(store, input.personId, input.name, input.at);
  const services = endServiceDuties(store, input.personId, input.name, input.actorId, input.at);
  return { identityGrants: services.identityGrants, reassigned: reviews.reassigned, followUps: [...reviews.followUps, ...services.followUps] };
}
