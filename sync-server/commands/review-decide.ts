/**
 * review.decide: keep or remove, one item or many of one campaign's open run, all or nothing.
 * Each decision is core's rule (core/engine/review-decide.ts): only the current stage's reviewers,
 * never one's own access, only while the run is open (else `campaign_closed` with the reason).
 */
import { decideItem, err, ok, runOpen } from '../../core/index.js';
import { BREAK_GLASS_CAMPAIGN, settleBreakGlassDecision } from '../reviews/break-glass.js';
import { getCampaign, getItem, putCampaign, putItem, runItems, countsOf } from '../reviews/docs.js';
import type { UseCase } from './context.js';

export const reviewDecide: UseCase<'review.decide'> = ({ campaignId, decisions }, ctx) => {
  const campaign = getCampaign(ctx.store, campaignId);
  if (!campaign) return err('not_found', `campaign ${campaignId} does not exist`);
  const decided: string[] = [];
  let advanced = 0;
  for (const entry of decisions) {
    const item = getItem(ctx.store, entry.itemId);
    if (!item || item.campaignId !== campaignId) return err('not_found', `review item ${entry.itemId} is not in ${campaign.name}`);
    const open = runOpen(campaign, item);
    if (!open.ok) return open;
    const result = decideItem(item, entry, { id: ctx.actor.id, displayName: ctx.actor.displayName }, ctx.now);
    if (!result.ok) return err(result.code, `${item.subject.displayName} on ${item.subject.resourceName}: ${result.message}`);
    putItem(ctx.store, result.value.item);
    if (result.value.advanced) {
      advanced++;
      ctx.audit('review.stage_advanced', 'review', item.id, { campaignId, from: item.stage, to: result.value.item.stage, decision: entry.decision, reason: entry.reason });
    }
    decided.push(item.id);
    if (campaignId === BREAK_GLASS_CAMPAIGN) settleBreakGlassDecision(ctx.store, item.id, ctx.actor, ctx.now, ctx.audit);
  }
  ctx.audit('review.decided', 'review', campaignId, { run: campaign.run, decisions: decisions.map((d) => ({ itemId: d.itemId, decision: d.decision, reason: d.reason })) });
  const at = ctx.now.toISOString();
  putCampaign(ctx.store, { ...campaign, counts: countsOf(runItems(ctx.store, campaignId, campaign.run)), updatedAt: at, revision: campaign.revision + 1 });
  return ok({ message: `${decided.length} item${decided.length === 1 ? '' : 's'} decided${advanced ? `, ${advanced} moved to the next stage` : ''}`, subjectIds: [campaignId, ...decided].slice(0, 64) });
};
