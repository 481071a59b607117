/**
 * review.campaign_upsert, review.open, review.close: a campaign's owner (or an admin) defines it,
 * opens a run now and closes it early. The run's work is in sync-server/reviews/.
 */
import { campaignProblems, err, nextCampaignOpening, ok, type ReviewCampaign } from '../../core/index.js';
import { closeRun } from '../reviews/close.js';
import { getCampaign, putCampaign } from '../reviews/docs.js';
import { openRun } from '../reviews/open.js';
import { hasAnyRole, type UseCaseContext, type UseCase } from './context.js';

function mayRun(campaign: ReviewCampaign, ctx: UseCaseContext) {
  if (campaign.system) return err('forbidden', `${campaign.name} is kept by the server: its items are decided, not the campaign`);
  if (campaign.ownerId !== ctx.actor.id && !hasAnyRole(ctx.actor, ['admin'])) return err('forbidden', `${campaign.name} belongs to ${ctx.names(campaign.ownerId)}; only they or an admin may change or run it`);
  return ok(true as const);
}

export const reviewCampaignUpsert: UseCase<'review.campaign_upsert'> = ({ campaign: def }, ctx) => {
  const problems = campaignProblems(def, {
    userIds: new Set(ctx.store.list('users').map((u) => u.id)),
    groupIds: new Set(ctx.store.list('groups').map((g) => g.id)),
    resourceIds: new Set(ctx.store.list('resources').map((r) => r.id)),
  });
  const first = problems[0];
  // Named like the schema's own refusals (payload.campaign.<field>), so the console puts it on the field.
  if (first) return err('invalid_input', `payload.campaign.${first.field}: ${first.message}`);
  const before = getCampaign(ctx.store, def.id);
  if (before) {
    const allowed = mayRun(before, ctx);
    if (!allowed.ok) return allowed;
  } else if (ctx.store.get('reviews', def.id)) return err('conflict', `${def.id} is a review item's id`);
  const at = ctx.now.toISOString();
  const next = def.enabled ? nextCampaignOpening(def.schedule, ctx.now, before?.run ?? 0) : null;
  const campaign = putCampaign(ctx.store, {
    ...def,
    kind: 'campaign',
    campaignId: def.id,
    ownerId: before?.ownerId ?? ctx.actor.id,
    status: before?.status ?? 'scheduled',
    run: before?.run ?? 0,
    openedAt: before?.openedAt ?? null,
    dueAt: before?.dueAt ?? null,
    closedAt: before?.closedAt ?? null,
    nextOpensAt: next ? next.toISOString() : null,
    counts: before?.counts ?? { items: 0, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 },
    reviewerIds: before?.reviewerIds ?? [],
    history: before?.history ?? [],
    createdAt: before?.createdAt ?? at,
    updatedAt: at,
    revision: (before?.revision ?? -1) + 1,
  });
  ctx.audit('review.campaign_changed', 'review', campaign.id, { campaign: def, created: !before });
  return ok({ message: `campaign ${campaign.name} ${before ? 'changed' : 'created'}${campaign.nextOpensAt ? `; it opens ${campaign.nextOpensAt}` : ''}`, subjectIds: [campaign.id] });
};

export const reviewOpen: UseCase<'review.open'> = ({ campaignId }, ctx) => {
  const campaign = getCampaign(ctx.store, campaignId);
  if (!campaign) return err('not_found', `campaign ${campaignId} does not exist`);
  const allowed = mayRun(campaign, ctx);
  if (!allowed.ok) return allowed;
  if (campaign.status === 'open' || campaign.status === 'applying') return err('invalid_transition', `${campaign.name} run ${campaign.run} is still ${campaign.status}; close it first`);
  const opened = openRun(ctx.store, campaign, ctx.now, ctx.audit);
  return ok({ message: `${opened.name} run ${opened.run} opened with ${opened.counts.items} items, due ${opened.dueAt}`, subjectIds: [opened.id] });
};

export const reviewClose: UseCase<'review.close'> = ({ campaignId, reason }, ctx) => {
  const campaign = getCampaign(ctx.store, campaignId);
  if (!campaign) return err('not_found', `campaign ${campaignId} does not exist`);
  const allowed = mayRun(campaign, ctx);
  if (!allowed.ok) return allowed;
  if (campaign.status !== 'open') return err('campaign_closed', `${campaign.name} is ${campaign.status}, not open`);
  const closed = closeRun(ctx.store, campaign, ctx.now, ctx.actor.id, (type, subjectType, subjectId, data) => ctx.audit(type, subjectType, subjectId, { ...data, reason }));
  return ok({ message: `${closed.name} run ${closed.run} closed: ${closed.counts.remove} removals, ${closed.counts.flagged} flagged${closed.status === 'applying' ? '; removals are being applied and verified' : ''}`, subjectIds: [closed.id] });
};
