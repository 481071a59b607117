/**
 * The reviewer's inbox as data: each review item with what its row shows and searches, the filters
 * (what to show, by recommendation, by campaign, the search box), the order, where the cursor goes
 * when the list changes, and which items the signed-in person may decide (the server's rule, read
 * the same way: named on the item's current stage, never their own access, the campaign open).
 */
import { decideItem, runOpen } from '../../../core/engine/review-decide.js';
import type { RecommendationCode, ReviewCampaign, ReviewDecision, ReviewItem } from '../../../core/schema/review.js';

/** A decision this device sent (or keeps while offline) that the server has not answered yet. */
export type SentDecision = { commandId: string; decision: ReviewDecision; reason: string; createdAt: string };

export type InboxRow = {
  item: ReviewItem;
  campaignName: string;
  /** The reviewed person, as the snapshot names them. */
  personName: string;
  resourceName: string;
  codes: ReadonlySet<RecommendationCode>;
  dueMs: number;
  /** Lower-cased text the search box matches. */
  haystack: string;
};

/** What the inbox shows: the items waiting for the viewer, the ones decided, or every item they can see. */
export type InboxView = 'todo' | 'decided' | 'all';
/** By recommendation: any, those with at least one, those with none, or one kind. */
export type RecommendationFilter = 'any' | 'recommended' | 'none' | RecommendationCode;
export type InboxSort = 'recommended' | 'person' | 'resource' | 'due';

export type InboxFilters = {
  view: InboxView;
  recommendation: RecommendationFilter;
  campaignId: string;
  sort: InboxSort;
  search: string;
};

export const DEFAULT_INBOX_FILTERS: InboxFilters = { view: 'todo', recommendation: 'any', campaignId: '', sort: 'recommended', search: '' };

/** The recommendations' names in the glossary's words (their reasons, with figures, come with each item). */
export const RECOMMENDATION_LABEL: Record<RecommendationCode, string> = {
  no_sign_in: 'No recent sign-in',
  jit_unused: 'Not used through JIT',
  account_disabled: 'Account disabled',
  standing_no_grant: 'Standing access, no grant',
  grant_expired: 'JIT grant already expired',
  break_glass: 'Granted by break-glass',
};

export const SUBJECT_LABEL: Record<ReviewItem['subject']['type'], string> = {
  standing: 'Standing access',
  grant: 'JIT grant',
  eligibility: 'Eligibility',
  break_glass: 'Break-glass grant',
};

export function toInboxRows(items: readonly ReviewItem[], campaigns: ReadonlyMap<string, Pick<ReviewCampaign, 'name'>>): InboxRow[] {
  return items.map((item) => {
    const campaignName = campaigns.get(item.campaignId)?.name ?? item.campaignId;
    const { displayName, resourceName } = item.subject;
    return {
      item,
      campaignName,
      personName: displayName,
      resourceName,
      codes: new Set(item.recommendations.map((r) => r.code)),
      dueMs: Date.parse(item.dueAt),
      haystack: [displayName, resourceName, campaignName, SUBJECT_LABEL[item.subject.type], item.subject.detail, ...item.recommendations.map((r) => `${RECOMMENDATION_LABEL[r.code]} ${r.reason}`), item.id]
        .join('\u0000')
        .toLowerCase(),
    };
  });
}

/** The signed-in person as the inbox judges them: their id, roles and directory groups. */
export type Reviewer = { id: string; roles: readonly string[]; groupIds?: readonly string[] | undefined };

/** Whether the item's current stage names the viewer (the server resolves groups and fallbacks to people when the run opens). */
export function namesReviewer(item: Pick<ReviewItem, 'reviewerIds'>, viewer: Reviewer): boolean {
  return item.reviewerIds.includes(viewer.id);
}

/** Still waiting for its current stage's decision. */
export const undecided = (item: Pick<ReviewItem, 'decision' | 'stageDecisions' | 'stage'>): boolean => item.decision === null && !item.stageDecisions.some((s) => s.stage === item.stage && s.decision !== null);

/** The server's messages are sentence fragments: shown as sentences. */
const sentence = (text: string) => {
  const t = text.trim();
  const c = t ? t[0]!.toUpperCase() + t.slice(1) : t;
  return !c || /[.!?]$/.test(c) ? c : `${c}.`;
};

/** The server's own rule (core/engine/review-decide.ts) for whether this viewer's decision would be recorded; a keep is what it is tried with. */
function serverRefusal(item: ReviewItem, viewer: Reviewer): string | null {
  const tried = decideItem(item, { decision: 'keep', reason: '' }, { id: viewer.id, displayName: viewer.id }, new Date(0));
  return tried.ok ? null : tried.message;
}

/**
 * Why the viewer is offered no decision on this item, or null when they may decide it. `maySend`
 * says whether their roles send review decisions at all (the matrix); the rest is the server's rule.
 */
export function whyNotDecide(item: ReviewItem, campaign: Pick<ReviewCampaign, 'status' | 'name' | 'run' | 'closedAt'> | undefined, viewer: Reviewer, maySend: boolean): string | null {
  if (!maySend) return 'Read-only: your roles do not decide review items.';
  if (item.subject.userId === viewer.id) return 'This is your own access: someone else reviews it.';
  if (campaign) {
    const open = runOpen(campaign, item);
    if (!open.ok) return sentence(open.message);
  }
  if (!undecided(item)) return 'This item is already decided.';
  if (!namesReviewer(item, viewer)) return `Stage ${item.stage} of this item names other reviewers.`;
  const refusal = serverRefusal(item, viewer);
  return refusal ? sentence(refusal) : null;
}

/** Which rows the viewer's "to decide" holds: named on the current stage, undecided, not their own. */
export function isForViewer(row: InboxRow, viewer: Reviewer): boolean {
  const { item } = row;
  return undecided(item) && namesReviewer(item, viewer) && item.subject.userId !== viewer.id;
}

const byId = (a: InboxRow, b: InboxRow) => (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0);
const COMPARE: Record<InboxSort, (a: InboxRow, b: InboxRow) => number> = {
  // Items with recommendations first (the more reasons the earlier), then by person.
  recommended: (a, b) => b.codes.size - a.codes.size || a.personName.localeCompare(b.personName) || a.resourceName.localeCompare(b.resourceName) || byId(a, b),
  person: (a, b) => a.personName.localeCompare(b.personName) || a.resourceName.localeCompare(b.resourceName) || byId(a, b),
  resource: (a, b) => a.resourceName.localeCompare(b.resourceName) || a.personName.localeCompare(b.personName) || byId(a, b),
  due: (a, b) => a.dueMs - b.dueMs || byId(a, b),
};

/**
 * The rows the inbox lists. `sent` keeps an item decided on this device (offline, or not answered
 * yet) in "to decide", marked, until the server's answer moves it: nothing leaves on a guess.
 */
export function filterInbox(rows: readonly InboxRow[], filters: InboxFilters, viewer: Reviewer, sent: ReadonlyMap<string, SentDecision> = new Map()): InboxRow[] {
  const terms = filters.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const out = rows.filter((row) => {
    if (filters.view === 'todo' && !isForViewer(row, viewer)) return false;
    if (filters.view === 'decided' && undecided(row.item) && !sent.has(row.item.id)) return false;
    if (filters.campaignId && row.item.campaignId !== filters.campaignId) return false;
    if (filters.recommendation === 'recommended' && row.codes.size === 0) return false;
    if (filters.recommendation === 'none' && row.codes.size > 0) return false;
    if (filters.recommendation !== 'any' && filters.recommendation !== 'recommended' && filters.recommendation !== 'none' && !row.codes.has(filters.recommendation)) return false;
    for (const term of terms) if (!row.haystack.includes(term)) return false;
    return true;
  });
  return out.sort(COMPARE[filters.sort]);
}

/** How many rows carry each recommendation, for the filter's labels. */
export function recommendationCounts(rows: readonly InboxRow[]): Map<RecommendationCode, number> {
  const counts = new Map<RecommendationCode, number>();
  for (const row of rows) for (const code of row.codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return counts;
}

/**
 * Where the cursor goes when the list changes: it stays on the same item while it is listed; when
 * it left, it takes the item now at the same position, so the review carries on with the next one.
 */
export function followCursor(list: readonly InboxRow[], cursorId: string | null, lastIndex: number): { id: string | null; index: number } {
  if (list.length === 0) return { id: null, index: 0 };
  if (cursorId) {
    const index = list.findIndex((row) => row.item.id === cursorId);
    if (index >= 0) return { id: cursorId, index };
  }
  const index = Math.min(Math.max(lastIndex, 0), list.length - 1);
  return { id: list[index]!.item.id, index };
}

/**
 * After deciding the item at `index`: the next one below still waiting for a decision (not sent),
 * else the nearest one above, else stay. Deciding is "decide and move on", like a mail client's archive.
 */
export function nextUndecided(list: readonly InboxRow[], index: number, sent: ReadonlyMap<string, SentDecision>, justSent: ReadonlySet<string> = new Set()): number {
  const open = (row: InboxRow) => undecided(row.item) && !sent.has(row.item.id) && !justSent.has(row.item.id);
  for (let i = index + 1; i < list.length; i++) if (open(list[i]!)) return i;
  for (let i = index - 1; i >= 0; i--) if (open(list[i]!)) return i;
  return index;
}

/** Checked ids still in the list and still open to a decision by the viewer. */
export function keepChecked(checked: ReadonlySet<string>, list: readonly InboxRow[], sent: ReadonlyMap<string, SentDecision>): Set<string> {
  const present = new Set(list.filter((row) => !sent.has(row.item.id)).map((row) => row.item.id));
  return new Set([...checked].filter((id) => present.has(id)));
}

/** "Keep", "Remove" as the row and the evidence say it. */
export const DECISION_LABEL: Record<ReviewDecision, string> = { keep: 'Keep', remove: 'Remove' };
