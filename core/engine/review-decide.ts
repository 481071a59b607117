/**
 * Deciding review items, one rule each: a decision by one of the current stage's reviewers (never
 * about their own access, only while the run is open) records that stage and advances the item to
 * the next; the last stage's decision is the item's. At the deadline an undecided item takes the
 * campaign's default: keep, remove, or flag (kept, and marked for follow-up).
 */
import type { DefaultDecision, ReviewCampaign, ReviewDecision, ReviewItem } from '../schema/review.js';
import { err, ok, type Result } from './result.js';

export type Decider = { id: string; displayName: string };

/** Whether the run an item belongs to takes decisions now, with the reason when not. */
export function runOpen(campaign: Pick<ReviewCampaign, 'name' | 'status' | 'run' | 'closedAt'>, item: Pick<ReviewItem, 'run'>): Result<true> {
  if (item.run !== campaign.run) return err('campaign_closed', `${campaign.name}: this item belongs to run ${item.run}, which has closed; run ${campaign.run} is the current one`);
  if (campaign.status !== 'open') {
    const when = campaign.closedAt ? ` at ${campaign.closedAt}` : '';
    return err('campaign_closed', `${campaign.name} closed to decisions${when} (${campaign.status}); the decision was not recorded`);
  }
  return ok(true);
}

export function decideItem(item: ReviewItem, input: { decision: ReviewDecision; reason: string }, by: Decider, now: Date): Result<{ item: ReviewItem; advanced: boolean }> {
  if (item.subject.userId === by.id) return err('forbidden', 'nobody reviews their own access: this item is about you');
  if (item.decision !== null) return err('already_decided', `the item was already decided (${item.decision}${item.decidedBy ? ` by ${item.decidedBy}` : ''})`);
  if (!item.reviewerIds.includes(by.id)) return err('forbidden', `stage ${item.stage} of this item is not yours to review`);
  const reason = input.reason.trim();
  if (input.decision === 'remove' && !reason) return err('invalid_input', 'a removal needs a reason');
  const at = now.toISOString();
  const stageDecisions = item.stageDecisions.map((s) => (s.stage === item.stage ? { ...s, decision: input.decision, reason, decidedBy: by.id, decidedAt: at } : s));
  const last = item.stage >= item.stageCount;
  if (!last) {
    const next = stageDecisions.find((s) => s.stage === item.stage + 1);
    return ok({ item: { ...item, stageDecisions, stage: item.stage + 1, reviewerIds: next?.reviewerIds ?? [], updatedAt: at, revision: item.revision + 1 }, advanced: true });
  }
  return ok({ item: { ...item, stageDecisions, decision: input.decision, decisionSource: 'reviewer', reason, decidedBy: by.id, decidedAt: at, updatedAt: at, revision: item.revision + 1 }, advanced: false });
}

/** The default at the deadline for an item nobody decided (at its last stage). */
export function applyDefault(item: ReviewItem, fallback: DefaultDecision, now: Date): ReviewItem {
  if (item.decision !== null) return item;
  const at = now.toISOString();
  const base = { ...item, decisionSource: 'default' as const, decidedAt: at, decidedBy: null, updatedAt: at, revision: item.revision + 1 };
  if (fallback === 'flag') return { ...base, decision: 'keep', flagged: true, flagReason: `nobody decided by the deadline (stage ${item.stage} of ${item.stageCount}): kept and flagged for follow-up`, reason: 'no response: flagged' };
  return { ...base, decision: fallback, reason: `no response by the deadline: the campaign's default (${fallback})` };
}
