/**
 * Break-glass follow-up as a review item: a break-glass self-approval puts its grant under review
 * in one campaign the server keeps (`rc-break-glass`, always open, no schedule). The resource owner
 * reviews it (an admin when the owner broke the glass); "remove" revokes the grant at once through
 * the revocation path; a decision either way closes the approval's follow-up task; undecided by its deadline it escalates to the owner's manager, and both the
 * item and the grant are flagged (`Grant.reviewFlag`, which the revocations page reads).
 */
import { recommend, requestRevocation, ReviewCampaign, type AccessRequest, type ReviewItem, type Task } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { getCampaign, getItem, putCampaign, putItem, runItems, type ReviewAudit } from './docs.js';

export const BREAK_GLASS_CAMPAIGN = 'rc-break-glass';

function breakGlassCampaign(store: Store, now: Date): ReviewCampaign {
  const existing = getCampaign(store, BREAK_GLASS_CAMPAIGN);
  if (existing) return existing;
  const at = now.toISOString();
  return putCampaign(store, ReviewCampaign.parse({
    id: BREAK_GLASS_CAMPAIGN, campaignId: BREAK_GLASS_CAMPAIGN, kind: 'campaign', system: 'break_glass', ownerId: 'system',
    name: 'Break-glass follow-up', description: 'Every break-glass self-approval, reviewed afterwards by a second person.',
    scope: { type: 'resources', resourceIds: ['break-glass'] }, stages: [{ name: 'Follow-up', reviewer: { type: 'resource_owner' }, fallback: { type: 'resource_owner' } }],
    schedule: { type: 'once' }, durationDays: 1, defaultDecision: 'flag', enabled: false, status: 'open', run: 1, openedAt: at,
    counts: { items: 0, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 }, createdAt: at, updatedAt: at, revision: 0,
  }));
}

export function openBreakGlassItem(store: Store, request: AccessRequest, input: { reviewerIds: string[]; dueAt: string; reason: string }, now: Date, audit: ReviewAudit): ReviewItem | null {
  const resource = store.get('resources', request.resourceId);
  const grant = request.grantId ? store.get('grants', request.grantId) : null;
  if (!resource || !grant) return null;
  const campaign = breakGlassCampaign(store, now);
  const person = store.get('users', request.requesterId);
  const at = now.toISOString();
  const subject = {
    type: 'break_glass' as const, userId: request.requesterId, displayName: person?.displayName ?? request.requesterId, principalId: '', resourceId: resource.id, resourceName: resource.name,
    connectorId: resource.connectorId, sensitivity: resource.sensitivity, grantId: grant.id, grantStatus: grant.status, grantExpiresAt: grant.expiresAt, grantedByBreakGlass: true,
    profileId: null, holderClass: null, detail: `approved by its own requester under break-glass: ${input.reason}`.slice(0, 1024), accountDisabled: false, lastSignInAt: null, signInReadable: false, lastJitUseAt: null,
  };
  const reviewerIds = input.reviewerIds.filter((id) => id !== request.requesterId);
  const item = putItem(store, {
    kind: 'item', id: `ri-break-glass-${request.id}`.slice(0, 128), campaignId: campaign.id, run: 1, subject, stage: 1, stageCount: 1, reviewerIds,
    stageDecisions: [{ stage: 1, reviewerIds, fallbackReason: null, decision: null, reason: '', decidedBy: null, decidedAt: null }],
    recommendations: recommend(subject, now), decision: null, decisionSource: null, reason: '', decidedBy: null, decidedAt: null, flagged: false, flagReason: '',
    dueAt: input.dueAt, remindedAt: null, reminders: 0, escalatedAt: null, escalatedToId: null, apply: { state: 'none', grantId: grant.id, receiptIds: [], message: '', at: null },
    createdAt: at, updatedAt: at, revision: 0,
  });
  putCampaign(store, { ...campaign, reviewerIds: [...new Set([...campaign.reviewerIds, ...reviewerIds])].sort().slice(0, 10000), counts: { ...campaign.counts, items: campaign.counts.items + 1 }, updatedAt: at, revision: campaign.revision + 1 });
  audit('review.opened', 'review', item.id, { campaignId: campaign.id, requestId: request.id, grantId: grant.id, reviewerIds, dueAt: input.dueAt });
  return item;
}

/** The Tasks screen's break-glass follow-up of a grant: the task the approval opened alongside the item. */
export function breakGlassTaskOf(store: Store, grantId: string): Task | null {
  return store.list('tasks', { where: { grantId } }).find((t) => t.kind === 'break_glass_review') ?? null;
}

/**
 * A break-glass item decided: "remove" revokes the grant now (reason `review`), not at a close;
 * either way the follow-up task the approval opened is done, closed by the reviewer who decided,
 * since the review item is the follow-up (task.close refuses it by hand while the grant is live).
 */
export function settleBreakGlassDecision(store: Store, itemId: string, actor: { id: string; displayName: string }, now: Date, audit: ReviewAudit): void {
  const item = getItem(store, itemId);
  if (!item || item.decision === null || !item.subject.grantId) return;
  const at = now.toISOString();
  if (item.decision === 'remove') {
    const grant = store.get('grants', item.subject.grantId);
    if (grant && (grant.status === 'active' || grant.status === 'provisioning')) {
      const revoking = requestRevocation(grant, actor.id, `review: ${item.reason}`.slice(0, 2048), { now });
      if (revoking.ok) store.put('grants', revoking.value);
    }
    putItem(store, { ...item, apply: { ...item.apply, state: 'applying', message: `removal through grant ${item.subject.grantId}`, at }, updatedAt: at, revision: item.revision + 1 });
  }
  // Decided, even late: the grant is no longer an overdue follow-up on the revocations page.
  const flagged = store.get('grants', item.subject.grantId);
  if (flagged?.reviewFlag) {
    const { reviewFlag: _flag, ...unflagged } = flagged;
    store.put('grants', { ...unflagged, updatedAt: at, revision: flagged.revision + 1 });
  }
  const task = breakGlassTaskOf(store, item.subject.grantId);
  if (!task || task.status !== 'open') return;
  const note = `${item.decision === 'remove' ? 'Removed' : 'Kept'} in the break-glass review${item.reason ? `: ${item.reason}` : ''}`;
  store.put('tasks', { ...task, status: 'done', closedAt: at, closedBy: actor.id, detail: `${task.detail}${task.detail ? '\n\n' : ''}${actor.displayName}: ${note}`.slice(0, 8192), updatedAt: at });
  audit('task.closed', 'task', task.id, { outcome: 'done', note, kind: task.kind, grantId: task.grantId, reviewItemId: item.id, decision: item.decision });
}

/** Past its deadline undecided: escalated once to the resource owner's manager, item and grant flagged; applying ones followed to verified. */
export function settleBreakGlass(store: Store, now: Date, audit: ReviewAudit): number {
  const campaign = getCampaign(store, BREAK_GLASS_CAMPAIGN);
  if (!campaign) return 0;
  const at = now.toISOString();
  let escalated = 0;
  for (const item of runItems(store, campaign.id, 1)) {
    if (item.apply.state === 'applying' && item.apply.grantId) {
      const grant = store.get('grants', item.apply.grantId);
      if (grant?.status === 'verified') {
        const receiptIds = store.list('verifications', { where: { grantId: grant.id } }).filter((v) => v.purpose === 'revocation').map((v) => v.id).slice(-16);
        putItem(store, { ...item, apply: { ...item.apply, state: 'verified', receiptIds, message: 'verified gone', at }, updatedAt: at, revision: item.revision + 1 });
      }
      continue;
    }
    if (item.decision !== null || item.escalatedAt !== null || item.dueAt > at) continue;
    const owner = store.get('resources', item.subject.resourceId)?.ownerId;
    const managerId = owner ? (store.get('users', owner)?.managerId ?? null) : null;
    const to = managerId && managerId !== item.subject.userId ? managerId : null;
    const reason = to ? `no decision by ${item.dueAt}: escalated to the resource owner's manager` : `no decision by ${item.dueAt}, and the resource owner has no manager to escalate to`;
    const reviewerIds = to ? [...new Set([...item.reviewerIds, to])] : item.reviewerIds;
    putItem(store, { ...item, reviewerIds, stageDecisions: item.stageDecisions.map((s) => ({ ...s, reviewerIds })), escalatedAt: at, escalatedToId: to, flagged: true, flagReason: reason, updatedAt: at, revision: item.revision + 1 });
    const grant = item.subject.grantId ? store.get('grants', item.subject.grantId) : null;
    if (grant) store.put('grants', { ...grant, reviewFlag: { itemId: item.id, at, reason, escalatedToId: to }, updatedAt: at, revision: grant.revision + 1 });
    if (to && !campaign.reviewerIds.includes(to)) putCampaign(store, { ...campaign, reviewerIds: [...campaign.reviewerIds, to].sort(), updatedAt: at, revision: campaign.revision + 1 });
    audit('review.escalated', 'review', item.id, { campaignId: campaign.id, grantId: grant?.id ?? null, escalatedToId: to, reason });
    escalated++;
  }
  return escalated;
}
