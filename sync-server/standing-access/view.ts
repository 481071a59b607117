/**
 * Discovered standing access as the console and the REST API read it: the stored holdings classified
 * by core's rule against the grants and people as they are now, grouped by resource, with each
 * connector's last run. Campaigns (access reviews) take their "discovered standing access" scope
 * from the same function, so a review and the screen always agree on what is standing.
 */
import { classifyStandingAccess, DEFAULT_STALE_AFTER_DAYS, HOLDER_CLASSES, type ClassifiedHolding, type HolderClass } from '../../core/engine/standing-access.js';
import type { Store } from '../store/types.js';
import { StandingAccessTables, STANDING_ACCESS_MIGRATIONS, type DiscoveryRun } from './store.js';

/** Discovery's "not scheduled" marker (scheduler/discovery.ts). */
const NEVER = 8.64e15;
const iso = (ms: number | null): string | null => (ms === null || ms >= NEVER ? null : new Date(ms).toISOString());

export type StandingAccessView = {
  generatedAt: string;
  staleAfterDays: number;
  totals: Record<HolderClass, number> & { stale: number };
  runs: { connectorId: string; state: DiscoveryRun['state']; lastRunAt: string | null; nextRunAt: string | null; lastError: string; summary: DiscoveryRun['summary']; requestedBy: string | null }[];
  resources: {
    resourceId: string;
    name: string;
    kind: string;
    connectorId: string;
    sensitivity: string;
    counts: Record<HolderClass, number> & { stale: number };
    holders: ClassifiedHolding[];
  }[];
};

export function standingAccessTables(store: Store): StandingAccessTables {
  store.applyMigrations(STANDING_ACCESS_MIGRATIONS);
  return new StandingAccessTables(store.db);
}

export function standingAccessView(store: Store, now: Date, opts: { staleAfterDays?: number; tables?: StandingAccessTables } = {}): StandingAccessView {
  const tables = opts.tables ?? standingAccessTables(store);
  const staleAfterDays = opts.staleAfterDays ?? DEFAULT_STALE_AFTER_DAYS;
  const resources = store.list('resources');
  const byId = new Map(resources.map((r) => [r.id, r]));
  const holdings = tables.holdings().filter((h) => byId.has(h.resourceId) && !byId.get(h.resourceId)!.archived);
  const heldIds = new Set(holdings.map((h) => h.resourceId));
  const grants = [...heldIds].flatMap((id) => store.list('grants', { where: { resourceId: id } }));
  const classified = classifyStandingAccess(holdings, { resources, users: store.list('users'), grants }, { now, staleAfterDays });
  const totals = { explained: 0, standing: 0, orphaned: 0, stale: 0 };
  for (const entry of classified) {
    for (const c of HOLDER_CLASSES) totals[c] += entry.counts[c];
    totals.stale += entry.counts.stale;
  }
  return {
    generatedAt: now.toISOString(),
    staleAfterDays,
    totals,
    runs: tables.runs().map((r) => ({
      connectorId: r.connectorId,
      state: r.state,
      lastRunAt: iso(r.finishedAt),
      nextRunAt: r.state === 'running' ? null : iso(r.dueAt),
      lastError: r.lastError,
      summary: r.summary,
      requestedBy: r.requestedBy,
    })),
    resources: classified.map((entry) => {
      const resource = byId.get(entry.resourceId)!;
      return { resourceId: entry.resourceId, name: resource.name, kind: resource.kind, connectorId: resource.connectorId, sensitivity: resource.sensitivity, counts: entry.counts, holders: entry.holders };
    }),
  };
}

/**
 * The scope "discovered standing access" of a review campaign: every standing or orphaned holder as
 * the rule classifies them now, one item each, for the campaign to snapshot when it opens.
 */
export function discoveredStandingScope(store: Store, now: Date, opts: { staleAfterDays?: number; tables?: StandingAccessTables } = {}): (ClassifiedHolding & { resourceName: string })[] {
  return standingAccessView(store, now, opts).resources.flatMap((r) => r.holders.filter((h) => h.class !== 'explained').map((h) => ({ ...h, resourceName: r.name })));
}
