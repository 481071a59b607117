import { z } from 'zod';
import { ApiError, requestJson } from '../../session/api-client.js';

/** What GET /api/v1/directory-sync answers: each source, a run under way or idle, and its last run's counts. */
const Counts = z.object({ added: z.number(), changed: z.number(), disabled: z.number(), enabled: z.number(), removed: z.number(), skipped: z.number(), groupsAdded: z.number(), groupsChanged: z.number() });
export const DirectorySyncSource = z.object({
  connectorId: z.string(),
  running: z.boolean(),
  runId: z.string().nullable(),
  pages: z.number(),
  lastRun: z.object({ id: z.string(), startedAt: z.string(), finishedAt: z.string(), status: z.string(), counts: Counts }).nullable(),
  lastError: z.string().nullable(),
});
export type DirectorySyncSource = z.infer<typeof DirectorySyncSource>;
export const DirectorySyncAnswer = z.object({ intervalMs: z.number(), sources: z.array(DirectorySyncSource) });
export type DirectorySyncAnswer = z.infer<typeof DirectorySyncAnswer>;

/** The server's table: admins and auditors read the sync; only admins start a run. */
export const mayViewDirectorySync = (roles: readonly string[]): boolean => roles.includes('admin') || roles.includes('auditor');
export const mayRunDirectorySync = (roles: readonly string[]): boolean => roles.includes('admin');

export async function fetchDirectorySync(serverUrl: string, token: string, fetchImpl?: typeof fetch): Promise<DirectorySyncAnswer> {
  const { status, body } = await requestJson(serverUrl, '/api/v1/directory-sync', { token, fetch: fetchImpl, unreachable: `Could not reach ${serverUrl}: the directory sync's state needs a connection to the server.` });
  const parsed = DirectorySyncAnswer.safeParse(body);
  if (!parsed.success) throw new ApiError(status, 'unexpected_answer', "The server's directory sync state is not in the expected shape.");
  return parsed.data;
}

export async function startDirectorySync(serverUrl: string, token: string, connectorId: string, fetchImpl?: typeof fetch): Promise<void> {
  await requestJson(serverUrl, `/api/v1/directory-sync/${encodeURIComponent(connectorId)}/run`, { method: 'POST', token, fetch: fetchImpl, unreachable: `Could not reach ${serverUrl}: the server runs the sync, so it needs a connection.` });
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** The last run's report in a sentence: "12 added, 3 changed, 1 disabled, 0 removed" (groups when any moved). */
export function reportSentence(counts: z.infer<typeof Counts>): string {
  const people = [`${counts.added.toLocaleString()} added`, `${counts.changed.toLocaleString()} changed`, `${counts.disabled.toLocaleString()} disabled`, `${counts.removed.toLocaleString()} removed`];
  if (counts.enabled) people.push(`${counts.enabled.toLocaleString()} enabled again`);
  if (counts.skipped) people.push(`${plural(counts.skipped, 'object')} left as linked by hand`);
  const groups = counts.groupsAdded + counts.groupsChanged > 0 ? `; ${plural(counts.groupsAdded, 'group')} added, ${counts.groupsChanged.toLocaleString()} changed` : '';
  return `${people.join(', ')}${groups}`;
}

/** Where a source stands, in words, for its connector's card. */
export function syncState(source: DirectorySyncSource): { label: string; tone: 'success' | 'warning' | 'danger' | 'neutral' } {
  if (source.running) return { label: `Syncing people: ${plural(source.pages, 'page')} read so far`, tone: 'neutral' };
  if (source.lastError) return { label: `Last sync stopped: ${source.lastError}`, tone: 'danger' };
  if (!source.lastRun) return { label: 'Not synced yet: people appear after the first run.', tone: 'warning' };
  return { label: `Last sync: ${reportSentence(source.lastRun.counts)}`, tone: 'success' };
}
