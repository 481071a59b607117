/**
 * The reviews' scheduler pass, a plain function of the store and the clock (injected, as the
 * scheduler's other passes): opens campaigns whose schedule is due, reminds reviewers with undecided
 * items every `reminderEveryDays`, closes runs at their deadline (the default applies, removals go
 * to the connectors) and follows applying runs until every removal is verified gone.
 */
import type { AuditEvent, AuditEventType, ReviewCampaign } from '../../core/index.js';
import type { Store } from '../store/types.js';
import { closeRun, settleApplying } from './close.js';
import { putCampaign, putItem, runItems, type ReviewAudit } from './docs.js';
import { openRun } from './open.js';
import { settleBreakGlass } from './break-glass.js';

const DAY = 86_400_000;

export type ReviewPassSummary = { opened: number; reminded: number; closed: number; finished: number };

function campaigns(store: Store): ReviewCampaign[] {
  return store.list('reviews', { where: { kind: 'campaign' } }).filter((d): d is ReviewCampaign => d.kind === 'campaign');
}

/** Reminds each reviewer of an open run once per `reminderEveryDays`: one event per reviewer, the count written on their items. */
function remind(store: Store, campaign: ReviewCampaign, now: Date, audit: ReviewAudit): number {
  if (campaign.reminderEveryDays === 0 || !campaign.openedAt) return 0;
  const every = campaign.reminderEveryDays * DAY;
  const at = now.toISOString();
  const waiting = new Map<string, number>();
  const due = runItems(store, campaign.id, campaign.run).filter((item) => {
    if (item.decision !== null) return false;
    const last = Date.parse(item.remindedAt ?? campaign.openedAt!);
    return now.getTime() - last >= every;
  });
  for (const item of due) {
    for (const id of item.reviewerIds) waiting.set(id, (waiting.get(id) ?? 0) + 1);
    putItem(store, { ...item, reminders: item.reminders + 1, remindedAt: at, updatedAt: at, revision: item.revision + 1 });
  }
  for (const [reviewerId, items] of waiting) audit('review.reminded', 'review', campaign.id, { run: campaign.run, reviewerId, items, dueAt: campaign.dueAt });
  if (due.length > 0) putCampaign(store, { ...campaign, updatedAt: at, revision: campaign.revision + 1 });
  return waiting.size;
}

export function runReviewPass(store: Store, now: Date): ReviewPassSummary {
  const summary: ReviewPassSummary = { opened: 0, reminded: 0, closed: 0, finished: 0 };
  const at = now.toISOString();
  const audit: ReviewAudit = (type: AuditEventType, subjectType: AuditEvent['subjectType'], subjectId: string, data: Record<string, unknown>) => {
    store.appendAudit({ type, actorId: 'system', subjectType, subjectId, data, at });
  };
  store.tx(() => settleBreakGlass(store, now, audit));
  for (const found of campaigns(store)) {
    if (found.system) continue;
    store.tx(() => {
      let campaign = getFresh(store, found.id) ?? found;
      if (campaign.status === 'applying') {
        campaign = settleApplying(store, campaign, now, audit);
        if (campaign.status === 'closed') summary.finished++;
      }
      if (campaign.status === 'open' && campaign.dueAt && campaign.dueAt <= at) {
        campaign = closeRun(store, campaign, now, 'system', audit);
        summary.closed++;
        if (campaign.status === 'closed') summary.finished++;
      } else if (campaign.status === 'open') {
        summary.reminded += remind(store, campaign, now, audit);
      }
      if ((campaign.status === 'scheduled' || campaign.status === 'closed') && campaign.enabled && !campaign.system && campaign.nextOpensAt && campaign.nextOpensAt <= at) {
        openRun(store, campaign, now, audit);
        summary.opened++;
      }
    });
  }
  return summary;
}

function getFresh(store: Store, id: string): ReviewCampaign | null {
  const doc = store.get('reviews', id);
  return doc && doc.kind === 'campaign' ? doc : null;
}
