/**
 * The Standing access screen's data: GET /api/v1/standing-access (admin, reviewer, auditor), read
 * over REST rather than replicated (docs/decisions/standing-access.md), and the words it shows.
 * Classes and the conversion rule come from core, so the screen offers only what the server accepts.
 */
import { allowedRoles, ENDPOINT_ACCESS } from '../../../core/index.js';
import type { ClassifiedHolding, HolderClass } from '../../../core/engine/standing-access.js';
import { requestJson } from '../../session/api-client.js';

export type Counts = Record<HolderClass, number> & { stale: number };
export type ResourceStanding = { resourceId: string; name: string; kind: string; connectorId: string; sensitivity: string; counts: Counts; holders: ClassifiedHolding[] };
export type DiscoveryRunView = {
  connectorId: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  lastRunAt: string | null;
  nextRunAt: string | null;
  lastError: string;
  summary: { resources?: number; holders?: number; failedResources?: { resourceId: string; error: string }[]; signInReadable?: boolean; signInNote?: string };
  requestedBy: string | null;
};
export type StandingAnswer = { generatedAt: string; staleAfterDays: number; totals: Counts; runs: DiscoveryRunView[]; resources: ResourceStanding[] };

/** A holder with the resource it holds, one row of the table. */
export type HolderRow = ClassifiedHolding & { resourceName: string; sensitivity: string };

export const mayViewStanding = (roles: readonly string[]): boolean => allowedRoles(ENDPOINT_ACCESS['GET /api/v1/standing-access']).some((r) => roles.includes(r));
export const mayRunDiscovery = (roles: readonly string[]): boolean => allowedRoles(ENDPOINT_ACCESS['POST /api/v1/standing-access/discover']).some((r) => roles.includes(r));

export async function fetchStanding(serverUrl: string, token: string): Promise<StandingAnswer> {
  return (await requestJson(serverUrl, '/api/v1/standing-access', { token, unreachable: 'Standing access needs the server: it could not be reached.' })).body as StandingAnswer;
}

export async function runDiscovery(serverUrl: string, token: string): Promise<{ booked: string[] }> {
  return (await requestJson(serverUrl, '/api/v1/standing-access/discover', { method: 'POST', token, body: '{}' })).body as { booked: string[] };
}

export const CLASS_WORDS: Record<HolderClass, { label: string; tone: 'success' | 'warning' | 'danger'; hint: string }> = {
  explained: { label: 'Explained', tone: 'success', hint: 'a live grant of the console gives it' },
  standing: { label: 'Standing', tone: 'warning', hint: 'held permanently, outside any grant' },
  orphaned: { label: 'Orphaned', tone: 'danger', hint: 'the account is disabled or belongs to nobody known' },
};

export type ClassFilter = HolderClass | 'all' | 'stale';

/** Every holder of the chosen resources, in the server's order (orphaned, standing, explained), filtered. */
export function holderRows(answer: StandingAnswer | undefined, resourceId: string | 'all', filter: ClassFilter, search: string): HolderRow[] {
  if (!answer) return [];
  const terms = search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const rows: HolderRow[] = [];
  for (const resource of answer.resources) {
    if (resourceId !== 'all' && resource.resourceId !== resourceId) continue;
    for (const holder of resource.holders) {
      if (filter === 'stale' ? holder.stale !== true : filter !== 'all' && holder.class !== filter) continue;
      if (terms.length > 0) {
        const text = `${holder.displayName} ${holder.principalId} ${resource.name} ${holder.reason}`.toLowerCase();
        if (!terms.every((t) => text.includes(t))) continue;
      }
      rows.push({ ...holder, resourceName: resource.name, sensitivity: resource.sensitivity });
    }
  }
  return rows;
}

/** "never", "200 days ago", or why it is not known. */
export function signInWords(holder: Pick<ClassifiedHolding, 'signInReadable' | 'lastSignInAt'>, now: number): string {
  if (!holder.signInReadable) return 'not readable';
  if (!holder.lastSignInAt) return 'never';
  const days = Math.floor((now - Date.parse(holder.lastSignInAt)) / 86_400_000);
  return days <= 0 ? 'today' : days === 1 ? 'yesterday' : `${days} days ago`;
}

export function runWords(run: DiscoveryRunView): string {
  const when = run.lastRunAt ? `last read ${new Date(run.lastRunAt).toLocaleString()}` : 'never read yet';
  if (run.state === 'running') return `${run.connectorId}: reading now`;
  if (run.state === 'failed') return `${run.connectorId}: ${run.lastError || 'the last run failed'}`;
  const found = run.summary.holders !== undefined ? `, ${run.summary.holders} holder(s) of ${run.summary.resources ?? 0} resource(s)` : '';
  const next = run.state === 'queued' && (!run.nextRunAt || Date.parse(run.nextRunAt) <= Date.now()) ? '; a run is due now' : run.nextRunAt ? `; next ${new Date(run.nextRunAt).toLocaleString()}` : '';
  return `${run.connectorId}: ${when}${found}${next}`;
}
