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

export function filterQueue(items: readonly QueueItem[], filters: QueueFilters, now: number): QueueItem[] {
  const terms = filters.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const out = items.filter((item) => {
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
  });
  const byId = (a: QueueItem, b: QueueItem) => (a.request.id < b.request.id ? -1 : a.request.id > b.request.id ? 1 : 0);
  const compare: Record<QueueSort, (a: QueueItem, b: QueueItem) => number> = {
    newest: (a, b) => b.createdMs - a.createdMs || byId(a, b),
    oldest: (a, b) => a.createdMs - b.createdMs || byId(a, b),
    risk: (a, b) => RISK_ORDER[a.risk] - RISK_ORDER[b.risk] || b.request.riskScore - a.request.riskScore || a.createdMs - b.createdMs || byId(a, b),
    expiring: (a, b) => a.expiresMs - b.expiresMs || a.createdMs - b.createdMs || byId(a, b),
  };
  return out.sort(compare[filters.sort]);
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
  const present = new Set(list.map((item) => item.request.id));
  return new Set([...checked].filter((id) => present.has(id)));
}
