/**
 * Closing a run and applying it. At the deadline (or review.close) undecided items take the
 * campaign's default; each removal then goes the way every removal goes, through the revocation
 * path and its read-back receipts:
 * - a JIT grant: revoked with reason `review`;
 * - a standing member: a removal grant written in `revoking`, as standing.convert does;
 * - an eligibility: the person taken off the access profile (narrowing: applies at once).
 * The lockout guard (core/engine/review-lockout.ts) refuses a removal that would leave a resource
 * with fewer members than it must keep. The run stays `applying` until every removal is verified
 * gone (or refused); settleApplying follows the grants and finishes it.
 */
import { createHash } from 'node:crypto';
import { applyDefault, lockoutGuard, requestRevocation, type Grant, type ReviewCampaign, type ReviewItem } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { countsOf, putCampaign, putItem, runItems, type ReviewAudit } from './docs.js';
import { membersByResource } from './open.js';

export const reviewRemovalGrantId = (itemId: string): string => `gr-${createHash('sha256').update(itemId).digest('hex').slice(0, 40)}`;

function removeStanding(store: Store, item: ReviewItem, actorId: string, now: string): Grant | string {
  const s = item.subject;
  if (!s.userId) return 'the account belongs to nobody the console knows: remove it in the directory';
  const resource = store.get('resources', s.resourceId);
  if (!resource) return `resource ${s.resourceId} no longer exists`;
  const id = reviewRemovalGrantId(item.id);
  const earlier = store.get('grants', id);
  if (earlier) return earlier;
  return store.put('grants', {
    id,
    requestId: id,
    userId: s.userId,
    resourceId: s.resourceId,
    connector: resource.connector,
    status: 'revoking',
    approvedAt: now,
    startsAt: now,
    expiresAt: now,
    // Held in the directory: the revocation must write, not take it for never provisioned.
    provisionedAt: now,
    effectiveAt: now,
    verification: 'effective',
    revokeRequestedAt: now,
    endedBy: actorId,
    endedReason: `review: ${item.reason}`.slice(0, 2048),
    maxDurationMinutes: 1,
    updatedAt: now,
    revision: 0,
  });
}

function removeGrant(store: Store, item: ReviewItem, actorId: string, now: Date): Grant | string {
  const grant = item.subject.grantId ? store.get('grants', item.subject.grantId) : null;
  if (!grant) return `grant ${item.subject.grantId} no longer exists`;
  if (grant.status !== 'provisioning' && grant.status !== 'active') return grant;
  const revoking = requestRevocation(grant, actorId, `review: ${item.reason}`.slice(0, 2048), { now });
  if (!revoking.ok) return revoking.message;
  return store.put('grants', revoking.value);
}

function removeEligibility(store: Store, item: ReviewItem, now: string, audit: ReviewAudit): string | null {
  const profile = item.subject.profileId ? store.get('profiles', item.subject.profileId) : null;
  if (!profile || !item.subject.userId) return 'the access profile no longer exists';
  if (profile.userIds.includes(item.subject.userId)) {
    const written = store.put('profiles', { ...profile, userIds: profile.userIds.filter((id) => id !== item.subject.userId), updatedAt: now });
    // Like any other profile write: the profile as written, so its history shows who left it and why.
    const { updatedAt: _u, changedBy: _c, ...after } = written;
    const { updatedAt: _bu, changedBy: _bc, ...before } = profile;
    audit('profile.changed', 'profile', profile.id, { name: profile.name, created: false, before, after, reviewItemId: item.id, campaignId: item.campaignId, removedUserId: item.subject.userId });
  }
  return null;
}

/** Closes the open run to decisions, applies the default and the removals. Returns the campaign as written. */
export function closeRun(store: Store, campaign: ReviewCampaign, now: Date, actorId: string, audit: ReviewAudit): ReviewCampaign {
  const at = now.toISOString();
  const members = membersByResource(store, now);
  const removing = new Map<string, number>();
  const items = runItems(store, campaign.id, campaign.run).map((original) => {
    let item = original;
    if (item.decision === null) {
      item = applyDefault(item, campaign.defaultDecision, now);
      audit('review.default_applied', 'review', item.id, { campaignId: campaign.id, decision: item.decision, flagged: item.flagged });
    }
    if (item.decision !== 'remove' || item.apply.state !== 'none') return putItem(store, item);
    const s = item.subject;
    const resource = store.get('resources', s.resourceId);
    if (resource && s.type !== 'eligibility') {
      const guard = lockoutGuard({ resource, members: members.get(resource.id) ?? 0, removing: removing.get(resource.id) ?? 0 });
      if (!guard.ok) {
        audit('review.removal_refused', 'review', item.id, { campaignId: campaign.id, resourceId: resource.id, keepAtLeast: resource.keepAtLeast, reason: guard.message });
        return putItem(store, { ...item, apply: { ...item.apply, state: 'refused', message: guard.message, at }, updatedAt: at, revision: item.revision + 1 });
      }
      removing.set(resource.id, (removing.get(resource.id) ?? 0) + 1);
    }
    if (s.type === 'eligibility') {
      const problem = removeEligibility(store, item, at, audit);
      return putItem(store, { ...item, apply: { ...item.apply, state: problem ? 'refused' : 'verified', message: problem ?? 'taken off the access profile', at }, updatedAt: at, revision: item.revision + 1 });
    }
    const outcome = s.type === 'standing' ? removeStanding(store, item, actorId, at) : removeGrant(store, item, actorId, now);
    if (typeof outcome === 'string') return putItem(store, { ...item, apply: { ...item.apply, state: 'refused', message: outcome, at }, updatedAt: at, revision: item.revision + 1 });
    return putItem(store, { ...item, apply: { ...item.apply, state: 'applying', grantId: outcome.id, message: `removal through grant ${outcome.id}`, at }, updatedAt: at, revision: item.revision + 1 });
  });
  const counts = countsOf(items);
  const pending = items.some((i) => i.apply.state === 'applying' || i.apply.state === 'applied' || i.apply.state === 'failed');
  const closed = putCampaign(store, { ...campaign, status: pending ? 'applying' : 'closed', closedAt: at, counts, updatedAt: at, revision: campaign.revision + 1 });
  audit('review.closed', 'review', campaign.id, { run: campaign.run, counts, applying: pending });
  if (!pending) audit('review.applied', 'review', campaign.id, { run: campaign.run, counts });
  return closed;
}

/** Follows an applying run's removal grants: verified gone (with receipts), failed (escalated), and finishes the run when all are settled. */
export function settleApplying(store: Store, campaign: ReviewCampaign, now: Date, audit: ReviewAudit): ReviewCampaign {
  if (campaign.status !== 'applying') return campaign;
  const at = now.toISOString();
  const items = runItems(store, campaign.id, campaign.run).map((item) => {
    if (!item.apply.grantId || item.apply.state === 'verified' || item.apply.state === 'refused') return item;
    const grant = store.get('grants', item.apply.grantId);
    if (!grant) return item;
    const state = grant.status === 'verified' ? 'verified' : grant.status === 'revoked' ? 'applied' : grant.status === 'revoke_failed' ? 'failed' : 'applying';
    if (state === item.apply.state) return item;
    const receiptIds = store.list('verifications', { where: { grantId: grant.id } }).filter((v) => v.purpose === 'revocation').map((v) => v.id).slice(-16);
    const message = state === 'verified' ? `verified gone (${receiptIds.join(', ') || 'no receipt'})` : state === 'failed' ? `the removal failed and was escalated: ${grant.lastError}`.slice(0, 1024) : item.apply.message;
    return putItem(store, { ...item, apply: { ...item.apply, state, receiptIds, message, at }, updatedAt: at, revision: item.revision + 1 });
  });
  const counts = countsOf(items);
  const pending = items.some((i) => i.apply.state === 'applying' || i.apply.state === 'applied' || i.apply.state === 'failed');
  if (!pending) audit('review.applied', 'review', campaign.id, { run: campaign.run, counts });
  if (!pending || JSON.stringify(counts) !== JSON.stringify(campaign.counts)) {
    return putCampaign(store, { ...campaign, status: pending ? 'applying' : 'closed', counts, updatedAt: at, revision: campaign.revision + 1 });
  }
  return campaign;
}
