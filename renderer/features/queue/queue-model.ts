import { isEscalated, riskBand, type AccessRequest, type DirectoryUser, type Resource } from '../../../core/index.js';

/** A pending request with what the list shows and searches, computed once per data change. */
export type QueueItem = {
  request: AccessRequest;
  requesterName: string;
  resourceName: string;
  risk: 'low' | 'medium' | 'high';
  /** An extension request: more time on a grant held now, not new access. */
  extension: boolean;
  /** Its current step timed out and escalated: more approvers were added. */
  escalated: boolean;
  createdMs: number;
  expiresMs: number;
  /** Lower-cased text the search box matches. */
  haystack: string;
};

export type AgeFilter = 'any' | 'lt1h' | 'lt24h' | 'gt24h';
export type RiskFilter = 'any' | 'high' | 'medium' | 'low';
export type QueueSort = 'newest' | 'oldest' | 'risk' | 'expiring';

export type QueueFilters = {
  search: string;
  resourceId: string;
  requesterId: string;
  age: AgeFilter;
  risk: RiskFilter;
  sort: QueueSort;
};

export const DEFAULT_FILTERS: QueueFilters = { search: '', resourceId: '', requesterId: '', age: 'any', risk: 'any', sort: 'oldest' };

export type Lookups = {
  users: ReadonlyMap<string, Pick<DirectoryUser, 'displayName' | 'username' | 'department'>>;
  resources: ReadonlyMap<string, Pick<Resource, 'name' | 'kind' | 'sensitivity'>>;
};

export function toQueueItems(requests: readonly AccessRequest[], lookups: Lookups): QueueItem[] {
  return requests.map((request) => {
    const user = lookups.users.get(request.requesterId);
    const resource = lookups.resources.get(request.resourceId);
    const requesterName = user?.displayName ?? request.requesterId;
    const resourceName = resource?.name ?? request.resourceId;
    return {
      request,
      requesterName,
      resourceName,
      risk: riskBand(request.riskScore),
      extension: Boolean(request.extendsGrantId),
      escalated: isEscalated(request),
      createdMs: Date.parse(request.createdAt),
      expiresMs: request.expiresAt ? Date.parse(request.expiresAt) : Number.POSITIVE_INFINITY,
      haystack: [requesterName, user?.username ?? '', user?.department ?? '', resourceName, request.justification, request.ticket, request.id, request.extendsGrantId ? 'more time extension' : '', isEscalated(request) ? 'escalated' : '']
        .join('\u0000')
        .toLowerCase(),
    };
  });
}

const HOUR = 3_600_000;
const RISK_ORDER = { high: 0, medium: 1, low: 2 } as const;

/** Whether an item passes the filters and the search; order is not touched. */
function matcher(filters: QueueFilters, now: number): (item: QueueItem) => boolean {
  const terms = filters.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return (item) => {
    if (filters.resourceId && item.request.resourceId !== filters.resourceId) return false;
    if (filters.requesterId && item.request.requesterId !== filters.requesterId) return false;
    if (filters.risk !== 'any' && item.risk !== filters.risk) return false;
    if (filters.age !== 'any') {
      const age = now - item.createdMs;
      if (filters.age === 'lt1h' && age >= HOUR) return false;
      if (filters.age === 'lt24h' && age >= 24 * HOUR) return false;
      if (filters.age === 'gt24h' && age < 24 * HOUR) return false;
    }
    for (const term of terms) if (!item.haystack.includes(term)) return false;
    return true;
  };
}

const byId = (a: QueueItem, b: QueueItem) => (a.request.id < b.request.id ? -1 : a.request.id > b.request.id ? 1 : 0);
const COMPARE: Record<QueueSort, (a: QueueItem, b: QueueItem) => number> = {
  newest: (a, b) => b.createdMs - a.createdMs || byId(a, b),
  oldest: (a, b) => a.createdMs - b.createdMs || byId(a, b),
  risk: (a, b) => RISK_ORDER[a.risk] - RISK_ORDER[b.risk] || b.request.riskScore - a.request.riskScore || a.createdMs - b.createdMs || byId(a, b),
  expiring: (a, b) => a.expiresMs - b.expiresMs || a.createdMs - b.createdMs || byId(a, b),
};

/** The items in the chosen order (a copy). The queue sorts once per data or order change, not per keystroke. */
export function sortQueue(items: readonly QueueItem[], sort: QueueSort): QueueItem[] {
  return [...items].sort(COMPARE[sort]);
}

/** The items, already in order, that pass the filters and the search, in the same order. */
export function matchQueue(sorted: readonly QueueItem[], filters: QueueFilters, now: number): QueueItem[] {
  return sorted.filter(matcher(filters, now));
}

export function filterQueue(items: readonly QueueItem[], filters: QueueFilters, now: number): QueueItem[] {
  return sortQueue(matchQueue(items, filters, now), filters.sort);
}

/**
 * Typing narrows: when the search only grew (the same filters, the old search a prefix of the new),
 * every item the new search matches was matched by the old one, so the previous result is filtered
 * instead of the whole list. Each term of the new search contains the old term at its place.
 */
export function narrows(previous: QueueFilters, next: QueueFilters): boolean {
  return (
    previous.resourceId === next.resourceId &&
    previous.requesterId === next.requesterId &&
    previous.risk === next.risk &&
    previous.age === next.age &&
    previous.sort === next.sort &&
    next.search.toLowerCase().startsWith(previous.search.toLowerCase())
  );
}

/**
 * Where the cursor goes when the list changes under it: it stays on the same request while that
 * request is still listed; when it left (decided, filtered out), it takes the item now at the same
 * position, so triage continues with the next one.
 */
export function followCursor(list: readonly QueueItem[], cursorId: string | null, lastIndex: number): { id: string | null; index: number } {
  if (list.length === 0) return { id: null, index: 0 };
  if (cursorId) {
    const index = list.findIndex((item) => item.request.id === cursorId);
    if (index >= 0) return { id: cursorId, index };
  }
  const index = Math.min(Math.max(lastIndex, 0), list.length - 1);
  return { id: list[index]!.request.id, index };
}

/** Checked ids that are still in the list; the rest were decided or filtered away. */
export function keepChecked(checked: ReadonlySet<string>, list: readonly QueueItem[]): Set<string> {
  // Nothing checked is the usual case: no pass over the list at all.
  if (checked.size === 0) return new Set();
  const kept = new Set<string>();
  for (const item of list) if (checked.has(item.request.id)) kept.add(item.request.id);
  return kept;
}
