/**
 * Campaigns as the list and the campaign page show them: progress from the server's counts (which
 * move as decisions sync), the deadline, the state in words, and each reviewer's progress read from
 * the items the replica holds.
 */
import type { CampaignStatus, ReviewCampaign, ReviewItem, RunCounts } from '../../../core/schema/review.js';
import { formatRelative } from '../../lib/time.js';

export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';

export const STATUS_WORDS: Record<CampaignStatus, { label: string; tone: Tone }> = {
  scheduled: { label: 'Scheduled', tone: 'neutral' },
  open: { label: 'Open', tone: 'info' },
  applying: { label: 'Applying removals', tone: 'warning' },
  closed: { label: 'Closed', tone: 'success' },
};

/** Whole percent of the items decided, rounded down so 99.6% never reads as done. */
export function percentDecided(counts: Pick<RunCounts, 'items' | 'decided'>): number {
  if (counts.items === 0) return 0;
  return Math.floor((100 * Math.min(counts.decided, counts.items)) / counts.items);
}

/** "240 of 1,000 decided (24%)". */
export function progressWords(counts: Pick<RunCounts, 'items' | 'decided'>): string {
  if (counts.items === 0) return 'No items';
  return `${counts.decided.toLocaleString()} of ${counts.items.toLocaleString()} decided (${percentDecided(counts)}%)`;
}

/** The deadline in words, and whether it is close (two days) or past while decisions are still open. */
export function deadlineWords(campaign: Pick<ReviewCampaign, 'status' | 'dueAt' | 'nextOpensAt' | 'closedAt'>, now: number): { text: string; tone: Tone } {
  if (campaign.status === 'scheduled') return { text: campaign.nextOpensAt ? `Opens ${formatRelative(campaign.nextOpensAt, now)}` : 'Opens when started', tone: 'neutral' };
  if (campaign.status !== 'open') return { text: campaign.closedAt ? `Closed ${formatRelative(campaign.closedAt, now)}` : 'Closed', tone: 'neutral' };
  if (!campaign.dueAt) return { text: 'No deadline', tone: 'neutral' };
  const left = Date.parse(campaign.dueAt) - now;
  if (left <= 0) return { text: `Due ${formatRelative(campaign.dueAt, now)}`, tone: 'danger' };
  return { text: `Due ${formatRelative(campaign.dueAt, now)}`, tone: left < 2 * 86_400_000 ? 'warning' : 'neutral' };
}

/** After the deadline: what the removals have come to ("3 of 5 removals verified gone · 1 refused"). */
export function applyWords(counts: RunCounts): string {
  if (counts.remove === 0) return 'No removals';
  const parts = [`${counts.verified.toLocaleString()} of ${counts.remove.toLocaleString()} removal${counts.remove === 1 ? '' : 's'} verified gone`];
  if (counts.refused > 0) parts.push(`${counts.refused.toLocaleString()} refused`);
  return parts.join(' · ');
}

export type ReviewerProgress = {
  reviewerId: string;
  /** Items of the current run with a stage naming this reviewer. */
  items: number;
  /** Of those, the stages decided (by them or by another reviewer of the same stage). */
  decided: number;
  /** Stages this reviewer decided themselves. */
  byThem: number;
};

/** Each reviewer's progress over the items of the campaign's current run, most work left first. */
export function reviewerProgress(items: readonly ReviewItem[], campaign: Pick<ReviewCampaign, 'id' | 'run'>): ReviewerProgress[] {
  const byReviewer = new Map<string, ReviewerProgress>();
  const entry = (id: string) => {
    let p = byReviewer.get(id);
    if (!p) byReviewer.set(id, (p = { reviewerId: id, items: 0, decided: 0, byThem: 0 }));
    return p;
  };
  for (const item of items) {
    if (item.campaignId !== campaign.id || item.run !== campaign.run) continue;
    for (const stage of item.stageDecisions) {
      for (const id of stage.reviewerIds) {
        const p = entry(id);
        p.items += 1;
        if (stage.decision !== null || item.decision !== null) p.decided += 1;
      }
      if (stage.decidedBy) entry(stage.decidedBy).byThem += 1;
    }
  }
  return [...byReviewer.values()].sort((a, b) => b.items - b.decided - (a.items - a.decided) || a.reviewerId.localeCompare(b.reviewerId));
}

/** Campaigns in the order the list shows them: open ones by deadline, then applying, scheduled, closed. */
export function sortCampaigns(campaigns: readonly ReviewCampaign[]): ReviewCampaign[] {
  const rank: Record<CampaignStatus, number> = { open: 0, applying: 1, scheduled: 2, closed: 3 };
  return [...campaigns].sort((a, b) => rank[a.status] - rank[b.status] || (a.dueAt ?? '9').localeCompare(b.dueAt ?? '9') || a.name.localeCompare(b.name));
}

/** The scope in words: "3 resources", "every critical and high resource", "discovered standing access". */
export function scopeWords(campaign: Pick<ReviewCampaign, 'scope'>, resourceName: (id: string) => string): string {
  const { scope } = campaign;
  if (scope.type === 'resources') return scope.resourceIds.length <= 3 ? scope.resourceIds.map(resourceName).join(', ') : `${scope.resourceIds.length} resources`;
  if (scope.type === 'sensitivity') return `Every ${scope.sensitivities.join(' and ')} resource`;
  return scope.resourceIds.length === 0 ? 'Discovered standing access, every resource' : `Discovered standing access on ${scope.resourceIds.length <= 3 ? scope.resourceIds.map(resourceName).join(', ') : `${scope.resourceIds.length} resources`}`;
}

export const DEFAULT_DECISION_WORDS: Record<ReviewCampaign['defaultDecision'], string> = {
  flag: 'Flag for follow-up (access kept)',
  keep: 'Keep',
  remove: 'Remove',
};
