/**
 * Opening a campaign run: the scope snapshotted into review items (core/engine/review-snapshot.ts),
 * written in the caller's transaction, the campaign's run state and next opening updated, audited.
 */
import { nextCampaignOpening, runReviewers, snapshotCampaign, type ReviewCampaign } from '../../core/index.js';
import { standingAccessView } from '../standing-access/view.js';
import { discoveredStandingScope } from '../standing-access/view.js';
import type { Store } from '../store/types.js';
import { countsOf, putCampaign, type ReviewAudit } from './docs.js';

const DAY = 86_400_000;

/** Grants a break-glass self-approval opened: their request's decisions say so. */
function breakGlassGrantIds(store: Store): Set<string> {
  const ids = new Set<string>();
  for (const request of store.list('requests', { status: 'approved' })) {
    if (request.grantId && request.decisions.some((d) => d.breakGlass)) ids.add(request.grantId);
  }
  return ids;
}

export function openRun(store: Store, campaign: ReviewCampaign, now: Date, audit: ReviewAudit): ReviewCampaign {
  const run = campaign.run + 1;
  const dueAt = new Date(now.getTime() + campaign.durationDays * DAY).toISOString();
  const users = store.list('users');
  const needsStanding = campaign.reviewed.standingMembers || campaign.scope.type === 'standing';
  const items = snapshotCampaign(
    campaign,
    run,
    {
      users: new Map(users.map((u) => [u.id, { ...u, roles: store.getAccount(u.id)?.roles ?? u.roles }])),
      people: new Map(users.map((u) => [u.id, u])),
      groups: new Map(store.list('groups').map((g) => [g.id, g])),
      resources: store.list('resources'),
      grants: store.list('grants'),
      profiles: store.list('profiles'),
      standing: needsStanding ? discoveredStandingScope(store, now) : [],
      breakGlassGrantIds: breakGlassGrantIds(store),
    },
    now,
    dueAt,
  );
  // Built whole by core's snapshot: the store's own check of the collection's shape is enough,
  // and one bulk write gives them the seqs and change feed that a put of each would.
  store.putMany('reviews', items as never[]);
  const at = now.toISOString();
  const history = campaign.run > 0 && campaign.openedAt && campaign.dueAt
    ? [{ run: campaign.run, openedAt: campaign.openedAt, dueAt: campaign.dueAt, closedAt: campaign.closedAt, finishedAt: campaign.closedAt, status: campaign.status, counts: campaign.counts }, ...campaign.history].slice(0, 40)
    : campaign.history;
  const next = nextCampaignOpening(campaign.schedule, now, run);
  const opened = putCampaign(store, {
    ...campaign,
    status: 'open',
    run,
    openedAt: at,
    dueAt,
    closedAt: null,
    nextOpensAt: next ? next.toISOString() : null,
    counts: countsOf(items),
    reviewerIds: runReviewers(items),
    history,
    updatedAt: at,
    revision: campaign.revision + 1,
  });
  audit('review.opened', 'review', campaign.id, { run, items: items.length, dueAt, reviewers: opened.reviewerIds.length, scope: campaign.scope });
  return opened;
}

/** How many members each resource has as discovery last listed them (every class), for the lockout guard. */
export function membersByResource(store: Store, now: Date): Map<string, number> {
  return new Map(standingAccessView(store, now).resources.map((r) => [r.resourceId, r.holders.length]));
}
