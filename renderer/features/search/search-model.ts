/**
 * The top bar's search across the replica: requests and grants of every status, people and
 * resources, each word matching somewhere in what a person would search by (ticket, justification,
 * id, names). Pure so it is tested; the screen only renders it.
 */
import type { AccessRequest, DirectoryUser, Grant, Resource } from '../../../core/index.js';

export type SearchData = {
  requests: readonly AccessRequest[];
  grants: readonly Grant[];
  users: ReadonlyMap<string, DirectoryUser>;
  resources: ReadonlyMap<string, Resource>;
};

export type SearchResults = {
  requests: AccessRequest[];
  grants: Grant[];
  people: DirectoryUser[];
  resources: Resource[];
  /** How many matched before the per-group limit. */
  totals: { requests: number; grants: number; people: number; resources: number };
};

export const SEARCH_LIMIT = 50;

export function searchWords(query: string): string[] {
  return query.trim().toLowerCase().split(/\s+/).filter(Boolean);
}

const matches = (words: readonly string[], text: string) => {
  const lower = text.toLowerCase();
  return words.every((w) => lower.includes(w));
};

function limited<T>(rows: T[], limit: number): T[] {
  return rows.length > limit ? rows.slice(0, limit) : rows;
}

export function searchAll(query: string, data: SearchData, limit = SEARCH_LIMIT): SearchResults {
  const words = searchWords(query);
  const empty: SearchResults = { requests: [], grants: [], people: [], resources: [], totals: { requests: 0, grants: 0, people: 0, resources: 0 } };
  if (words.length === 0) return empty;
  const person = (id: string) => {
    const u = data.users.get(id);
    return u ? `${u.displayName} ${u.username}` : id;
  };
  const resource = (id: string) => data.resources.get(id)?.name ?? id;
  const requests = data.requests
    .filter((r) => matches(words, `${r.id} ${r.ticket} ${r.justification} ${person(r.requesterId)} ${resource(r.resourceId)} ${r.status} ${r.outcomeReason}`))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const grants = data.grants
    .filter((g) => matches(words, `${g.id} ${g.requestId} ${person(g.userId)} ${resource(g.resourceId)} ${g.status} ${g.endedReason}`))
    .sort((a, b) => b.startsAt.localeCompare(a.startsAt));
  const people = [...data.users.values()].filter((u) => matches(words, `${u.displayName} ${u.username} ${u.department} ${u.id}`)).sort((a, b) => a.displayName.localeCompare(b.displayName));
  const resources = [...data.resources.values()].filter((r) => matches(words, `${r.name} ${r.description} ${r.id} ${r.kind}`)).sort((a, b) => a.name.localeCompare(b.name));
  return {
    requests: limited(requests, limit),
    grants: limited(grants, limit),
    people: limited(people, limit),
    resources: limited(resources, limit),
    totals: { requests: requests.length, grants: grants.length, people: people.length, resources: resources.length },
  };
}
