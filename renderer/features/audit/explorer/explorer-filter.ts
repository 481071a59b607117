/** The explorer's filter as the page holds it (names chosen, a period in words) and as the index takes it. */
import type { AuditFilter } from './audit-index.js';

export type Period = 'any' | '24h' | '7d' | '30d' | '90d' | '365d';
export const PERIODS: Array<{ value: Period; label: string; ms: number }> = [
  { value: 'any', label: 'Any time', ms: 0 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
  { value: '365d', label: 'Last 12 months', ms: 365 * 86_400_000 },
];

export type ExplorerFilter = { personId: string; resourceId: string; type: string; period: Period; text: string };
export const NO_FILTER: ExplorerFilter = { personId: '', resourceId: '', type: '', period: 'any', text: '' };

/** A timeline: one grant's story or one person's, oldest first. Route ids `grant:<id>` and `person:<id>`. */
export type Timeline = { kind: 'grant' | 'person'; id: string };

export function parseTimeline(routeId: string | null): Timeline | null {
  const match = /^(grant|person):(.+)$/.exec(routeId ?? '');
  return match ? { kind: match[1] as Timeline['kind'], id: match[2]! } : null;
}

export function indexFilter(filter: ExplorerFilter, now: number): AuditFilter {
  const period = PERIODS.find((p) => p.value === filter.period);
  return {
    people: filter.personId ? [filter.personId] : [],
    resources: filter.resourceId ? [filter.resourceId] : [],
    types: filter.type ? [filter.type] : [],
    from: period && period.ms > 0 ? now - period.ms : null,
    text: filter.text,
  };
}

export function isFiltered(filter: ExplorerFilter): boolean {
  return filter.personId !== '' || filter.resourceId !== '' || filter.type !== '' || filter.period !== 'any' || filter.text.trim() !== '';
}
