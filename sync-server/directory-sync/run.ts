import { createHash, randomUUID } from 'node:crypto';
import type { AccountRole } from '../../core/index.js';
import type { Store } from '../store/types.js';
import type { DirectorySyncSource } from './config.js';
import { applyPerson, applyService, PeopleIndex, prepared, removeUnlistedServices, resolvePendingManagers, type ApplyContext } from './people.js';
import { auditSummary, emptyReport, type ChangeReport } from './report.js';
import type { DirectorySource, GroupEntry, SourceCursor } from './types.js';
import { onDirectoryDisabled } from '../offboarding/directory-signal.js';
import { heldDisabledByOffboarding } from '../offboarding/record.js';

export type RunOutcome =
  | { ok: true; runId: string; report: ChangeReport; resumed: boolean }
  | { ok: false; runId: string; code: string; message: string; retryAfterMs?: number };

type StateRow = { connector_id: string; run_id: string | null; cursor: string; report: string; started_at: string | null };

export type RunDeps = { store: Store; now: () => Date; newPersonRoles: AccountRole[]; actorId?: string; /** Asked after each page: the server is stopping, the run resumes after the restart. */ shouldStop?: () => boolean };

function loadState(store: Store, connectorId: string): StateRow | undefined {
  return store.db.prepare('SELECT * FROM directory_sync_state WHERE connector_id = ?').get(connectorId) as StateRow | undefined;
}

function saveState(store: Store, connectorId: string, runId: string | null, cursor: SourceCursor, report: ChangeReport | null, startedAt: string | null, at: string): void {
  store.db
    .prepare(
      `INSERT INTO directory_sync_state (connector_id, run_id, cursor, report, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (connector_id) DO UPDATE SET run_id = excluded.run_id, cursor = excluded.cursor, report = excluded.report, started_at = excluded.started_at, updated_at = excluded.updated_at`,
    )
    .run(connectorId, runId, JSON.stringify(cursor), JSON.stringify(report ?? {}), startedAt, at);
}

const groupDocId = (connectorId: string, objectId: string): string => `dg-${createHash('sha256').update(`${connectorId}\u0000${objectId}`).digest('hex').slice(0, 24)}`;

/** A page's groups: their names into the round's list, their membership into the membership table. */
function applyGroups(store: Store, connectorId: string, groups: GroupEntry[]): void {
  const touched = prepared(store, 'SELECT 1 FROM directory_groups_touched WHERE connector_id = ? AND group_object_id = ?');
  const touch = prepared(store, 
    `INSERT INTO directory_groups_touched (connector_id, group_object_id, display_name, description) VALUES (?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET display_name = CASE WHEN excluded.display_name <> '' THEN excluded.display_name ELSE display_name END,
       description = CASE WHEN excluded.description <> '' THEN excluded.description ELSE description END`,
  );
  const clear = prepared(store, 'DELETE FROM directory_memberships WHERE connector_id = ? AND group_object_id = ?');
  const add = prepared(store, 'INSERT OR IGNORE INTO directory_memberships (connector_id, group_object_id, member_object_id) VALUES (?, ?, ?)');
  const remove = prepared(store, 'DELETE FROM directory_memberships WHERE connector_id = ? AND group_object_id = ? AND member_object_id = ?');
  for (const group of groups) {
    if (group.removed) {
      clear.run(connectorId, group.objectId);
      store.remove('groups', groupDocId(connectorId, group.objectId));
      continue;
    }
    // A full listing's first sight of a group replaces what we held (a large group may continue on later pages).
    if (group.members?.replace && !touched.get(connectorId, group.objectId)) clear.run(connectorId, group.objectId);
    touch.run(connectorId, group.objectId, group.displayName ?? '', group.description ?? '');
    for (const member of group.members?.added ?? []) add.run(connectorId, group.objectId, member);
    for (const member of group.members?.removed ?? []) remove.run(connectorId, group.objectId, member);
  }
}

/** End of a round: each group touched gets its document, members as people ids (nested groups are not people). */
function writeGroups(store: Store, connectorId: string, kind: 'entra' | 'ad', report: ChangeReport, at: string): void {
  const rows = store.db.prepare('SELECT group_object_id, display_name, description FROM directory_groups_touched WHERE connector_id = ?').all(connectorId) as { group_object_id: string; display_name: string; description: string }[];
  const members = store.db.prepare(
    `SELECT o.person_id FROM directory_memberships m JOIN directory_objects o ON o.connector_id = m.connector_id AND o.object_id = m.member_object_id
     WHERE m.connector_id = ? AND m.group_object_id = ? AND o.removed = 0`,
  );
  for (const row of rows) {
    const id = groupDocId(connectorId, row.group_object_id);
    const existing = store.get('groups', id);
    const memberUserIds = [...new Set((members.all(connectorId, row.group_object_id) as { person_id: string }[]).map((r) => r.person_id))].sort();
    const displayName = row.display_name || existing?.displayName || row.group_object_id;
    const description = row.description || existing?.description || '';
    if (existing && existing.displayName === displayName && existing.description === description && existing.memberUserIds.join(',') === memberUserIds.join(',')) continue;
    store.put('groups', { id, displayName: displayName.slice(0, 256), description: description.slice(0, 1024), connector: kind, externalId: row.group_object_id, memberUserIds, updatedAt: at });
    if (existing) report.counts.groupsChanged++;
    else report.counts.groupsAdded++;
  }
  store.db.prepare('DELETE FROM directory_groups_touched WHERE connector_id = ?').run(connectorId);
}

/**
 * One run of a source, page by page until its round is done. Each page's people, the cursor and
 * the report so far commit together: a crash loses at most the page in flight, and the next run
 * of the source carries on from the stored cursor with the same run id and report. The run ends
 * with a `directory.synced` audit event and a row in `directory_sync_runs`.
 */
export async function runSource(source: DirectorySource, config: DirectorySyncSource, deps: RunDeps): Promise<RunOutcome> {
  const { store } = deps;
  const connectorId = source.connectorId;
  const state = loadState(store, connectorId);
  const resumed = Boolean(state?.run_id);
  const runId = state?.run_id ?? `dsr-${randomUUID()}`;
  const startedAt = state?.started_at ?? deps.now().toISOString();
  let cursor: SourceCursor = state ? (JSON.parse(state.cursor) as SourceCursor) : {};
  const report: ChangeReport = resumed && state ? (JSON.parse(state.report) as ChangeReport) : emptyReport();
  if (!resumed) {
    store.tx(() => {
      store.db.prepare('DELETE FROM directory_groups_touched WHERE connector_id = ?').run(connectorId);
      store.db.prepare('DELETE FROM directory_services_seen WHERE connector_id = ?').run(connectorId);
    });
  }
  const index = new PeopleIndex(connectorId, source.kind, store.list('users'));
  const addedIds = new Set<string>();
  const ctxFor = (at: string): ApplyContext => ({
    store,
    connectorId,
    index,
    rules: config.matchOn,
    newPersonRoles: deps.newPersonRoles,
    report,
    addedIds,
    at,
    heldDisabled: (personId) => heldDisabledByOffboarding(store, personId),
    managerFor: (managerObjectId) => {
      if (managerObjectId === null) return { managerId: null, pending: false };
      const manager = index.byObjectId(managerObjectId);
      return manager ? { managerId: manager.id, pending: false } : { managerId: null, pending: true };
    },
  });

  for (;;) {
    const fetched = await source.nextPage(cursor);
    if (!fetched.ok) {
      const f = fetched.failure;
      // The cursor stays where it is: the next run (or the next tick) resumes at this page.
      return { ok: false, runId, code: f.code, message: f.message, ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) };
    }
    const { page } = fetched;
    const at = deps.now().toISOString();
    const finished = store.tx(() => {
      if (report.pages === 0) report.full = page.full;
      report.pages++;
      const ctx = ctxFor(at);
      for (const person of page.people) applyPerson(person, ctx);
      for (const service of page.services ?? []) applyService(service, ctx);
      if (page.servicesComplete) removeUnlistedServices(ctx);
      for (const warning of page.warnings ?? []) {
        report.warnings ??= [];
        if (!report.warnings.includes(warning)) report.warnings.push(warning);
      }
      applyGroups(store, connectorId, page.groups);
      cursor = page.cursor;
      if (!page.done) {
        saveState(store, connectorId, runId, cursor, report, startedAt, at);
        return false;
      }
      resolvePendingManagers(ctx);
      writeGroups(store, connectorId, source.kind, report, at);
      saveState(store, connectorId, null, cursor, null, null, at);
      store.db
        .prepare('INSERT INTO directory_sync_runs (id, connector_id, started_at, finished_at, status, report) VALUES (?, ?, ?, ?, ?, ?)')
        .run(runId, connectorId, startedAt, at, 'completed', JSON.stringify(report));
      store.appendAudit({ type: 'directory.synced', actorId: deps.actorId ?? 'system', subjectType: 'connector', subjectId: connectorId, data: { runId, startedAt, ...auditSummary(report) }, at });
      return true;
    });
    if (finished) {
      signalLeavers(store, connectorId, report, addedIds, deps.now().toISOString());
      return { ok: true, runId, report, resumed };
    }
    if (deps.shouldStop?.()) return { ok: false, runId, code: 'stopped', message: `the server is stopping; the run resumes at page ${report.pages + 1}` };
  }
}

export type RunView = { id: string; connectorId: string; startedAt: string; finishedAt: string; status: string; report: ChangeReport };

export type RunSummary = Omit<RunView, 'report'> & { counts: ChangeReport['counts'] };

export function listRuns(store: Store, opts: { connectorId?: string; limit?: number } = {}): RunSummary[] {
  const limit = Math.min(Math.max(opts.limit ?? 20, 1), 200);
  const rows = (
    opts.connectorId
      ? store.db.prepare('SELECT * FROM directory_sync_runs WHERE connector_id = ? ORDER BY finished_at DESC LIMIT ?').all(opts.connectorId, limit)
      : store.db.prepare('SELECT * FROM directory_sync_runs ORDER BY finished_at DESC LIMIT ?').all(limit)
  ) as { id: string; connector_id: string; started_at: string; finished_at: string; status: string; report: string }[];
  return rows.map((r) => ({ id: r.id, connectorId: r.connector_id, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status, counts: (JSON.parse(r.report) as ChangeReport).counts }));
}

export function getRun(store: Store, id: string): RunView | undefined {
  const r = store.db.prepare('SELECT * FROM directory_sync_runs WHERE id = ?').get(id) as { id: string; connector_id: string; started_at: string; finished_at: string; status: string; report: string } | undefined;
  return r ? { id: r.id, connectorId: r.connector_id, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status, report: JSON.parse(r.report) as ChangeReport } : undefined;
}

/** Where each source stands: a run under way (with its pages so far) or idle. */
export function syncState(store: Store, connectorId: string): { running: boolean; runId: string | null; pages: number; updatedAt: string | null } {
  const state = loadState(store, connectorId);
  const pages = state?.run_id ? ((JSON.parse(state.report) as ChangeReport).pages ?? 0) : 0;
  return { running: Boolean(state?.run_id), runId: state?.run_id ?? null, pages, updatedAt: (state as { updated_at?: string } | undefined)?.updated_at ?? null };
}

/**
 * People this run saw disabled or removed who were known before it (not someone first seen
 * disabled): the offboarding setting decides what follows, an "Offboard?" alert for admins or
 * offboarding at once (../offboarding/directory-signal.ts). Each runs in its own transaction.
 */
function signalLeavers(store: Store, connectorId: string, report: ChangeReport, addedIds: ReadonlySet<string>, at: string): void {
  for (const person of report.disabled) {
    if (!addedIds.has(person.personId)) onDirectoryDisabled(store, { personId: person.personId, change: 'disabled', connectorId, at });
  }
  for (const person of report.removed) onDirectoryDisabled(store, { personId: person.personId, change: 'removed', connectorId, at });
}

