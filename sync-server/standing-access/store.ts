/**
 * What discovery found, kept on the server only (docs/decisions/standing-access.md): the holdings
 * each run read from the directories, and the runs themselves as durable work (due, claimed with a
 * lease, retried, finished). Times of runs are epoch milliseconds; holdings keep ISO times as the
 * core rule reads them. Never edit a shipped step; append a new one.
 */
import type Database from 'better-sqlite3';
import type { DiscoveredHolding } from '../../core/engine/standing-access.js';
import type { MigrationSet } from '../store/types.js';

export const STANDING_ACCESS_MIGRATIONS: MigrationSet = {
  name: 'standing-access',
  steps: [
    `CREATE TABLE discovery_runs (
       connector_id TEXT PRIMARY KEY,
       state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
       due_at INTEGER NOT NULL,
       locked_until INTEGER,
       attempts INTEGER NOT NULL DEFAULT 0,
       requested_by TEXT,
       started_at INTEGER,
       finished_at INTEGER,
       last_error TEXT NOT NULL DEFAULT '',
       summary TEXT NOT NULL DEFAULT '{}',
       updated_at INTEGER NOT NULL
     );
     CREATE TABLE discovered_holdings (
       resource_id TEXT NOT NULL,
       principal_key TEXT NOT NULL,
       connector_id TEXT NOT NULL,
       principal_id TEXT NOT NULL,
       detail TEXT NOT NULL DEFAULT '',
       directory_enabled INTEGER,
       last_sign_in_at TEXT,
       sign_in_readable INTEGER NOT NULL DEFAULT 0,
       first_seen_at TEXT NOT NULL,
       last_seen_at TEXT NOT NULL,
       PRIMARY KEY (resource_id, principal_key)
     );
     CREATE INDEX discovered_holdings_connector ON discovered_holdings (connector_id);`,
  ],
};

export type RunState = 'queued' | 'running' | 'done' | 'failed';
export type DiscoveryRun = {
  connectorId: string;
  state: RunState;
  dueAt: number;
  lockedUntil: number | null;
  attempts: number;
  requestedBy: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  lastError: string;
  summary: RunSummary;
};
/** What a finished run read: resources listed, holders found, resources it could not list and why. */
export type RunSummary = { resources?: number; holders?: number; failedResources?: { resourceId: string; error: string }[]; signInReadable?: boolean; signInNote?: string };

type RunRow = {
  connector_id: string;
  state: RunState;
  due_at: number;
  locked_until: number | null;
  attempts: number;
  requested_by: string | null;
  started_at: number | null;
  finished_at: number | null;
  last_error: string;
  summary: string;
};
type HoldingRow = {
  resource_id: string;
  connector_id: string;
  principal_id: string;
  detail: string;
  directory_enabled: number | null;
  last_sign_in_at: string | null;
  sign_in_readable: number;
  first_seen_at: string;
  last_seen_at: string;
};

const runOf = (r: RunRow): DiscoveryRun => ({
  connectorId: r.connector_id,
  state: r.state,
  dueAt: r.due_at,
  lockedUntil: r.locked_until,
  attempts: r.attempts,
  requestedBy: r.requested_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  lastError: r.last_error,
  summary: JSON.parse(r.summary) as RunSummary,
});
const holdingOf = (r: HoldingRow): DiscoveredHolding => ({
  resourceId: r.resource_id,
  connectorId: r.connector_id,
  principalId: r.principal_id,
  detail: r.detail,
  directoryEnabled: r.directory_enabled === null ? null : r.directory_enabled === 1,
  lastSignInAt: r.last_sign_in_at,
  signInReadable: r.sign_in_readable === 1,
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
});

/** The tables' statements; every method is synchronous, for use inside the store's transaction. */
export class StandingAccessTables {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      run: db.prepare('SELECT * FROM discovery_runs WHERE connector_id = ?'),
      runs: db.prepare('SELECT * FROM discovery_runs ORDER BY connector_id'),
      // A new connector's first run, or a finished one due again; a queued one is only brought forward.
      book: db.prepare(
        `INSERT INTO discovery_runs (connector_id, state, due_at, requested_by, updated_at) VALUES (@connectorId, 'queued', @dueAt, @requestedBy, @now)
         ON CONFLICT (connector_id) DO UPDATE SET state = 'queued', due_at = MIN(discovery_runs.due_at, excluded.due_at),
           requested_by = COALESCE(excluded.requested_by, discovery_runs.requested_by), updated_at = excluded.updated_at
         WHERE discovery_runs.state != 'running'`,
      ),
      // A finished run waits at its next scheduled time (due_at); a running one whose lease ran out is taken over.
      due: db.prepare(`SELECT * FROM discovery_runs WHERE (state != 'running' AND due_at <= @now) OR (state = 'running' AND locked_until <= @now) ORDER BY due_at`),
      nextDue: db.prepare(`SELECT MIN(CASE WHEN state = 'running' THEN locked_until ELSE due_at END) FROM discovery_runs`).pluck(),
      claim: db.prepare(
        `UPDATE discovery_runs SET state = 'running', locked_until = @lockedUntil, started_at = @now, attempts = attempts + 1, updated_at = @now
         WHERE connector_id = @connectorId AND ((state != 'running' AND due_at <= @now) OR (state = 'running' AND locked_until <= @now))`,
      ),
      finish: db.prepare(
        `UPDATE discovery_runs SET state = @state, due_at = @nextDueAt, locked_until = NULL, finished_at = @now, attempts = @attempts, last_error = @lastError,
           summary = @summary, requested_by = NULL, updated_at = @now WHERE connector_id = @connectorId`,
      ),
      retry: db.prepare(`UPDATE discovery_runs SET state = 'queued', due_at = @dueAt, locked_until = NULL, last_error = @lastError, updated_at = @now WHERE connector_id = @connectorId`),
      recover: db.prepare(`UPDATE discovery_runs SET state = 'queued', locked_until = NULL WHERE state = 'running'`),
      holdingsOf: db.prepare('SELECT * FROM discovered_holdings WHERE resource_id = ?'),
      allHoldings: db.prepare('SELECT * FROM discovered_holdings ORDER BY resource_id, principal_key'),
      upsertHolding: db.prepare(
        `INSERT INTO discovered_holdings (resource_id, principal_key, connector_id, principal_id, detail, directory_enabled, last_sign_in_at, sign_in_readable, first_seen_at, last_seen_at)
         VALUES (@resourceId, @principalKey, @connectorId, @principalId, @detail, @directoryEnabled, @lastSignInAt, @signInReadable, @seenAt, @seenAt)
         ON CONFLICT (resource_id, principal_key) DO UPDATE SET connector_id = excluded.connector_id, principal_id = excluded.principal_id, detail = excluded.detail,
           directory_enabled = excluded.directory_enabled, last_sign_in_at = excluded.last_sign_in_at, sign_in_readable = excluded.sign_in_readable, last_seen_at = excluded.last_seen_at`,
      ),
      dropHolding: db.prepare('DELETE FROM discovered_holdings WHERE resource_id = ? AND principal_key = ?'),
      dropResourcesOf: db.prepare(`DELETE FROM discovered_holdings WHERE connector_id = @connectorId AND resource_id NOT IN (SELECT value FROM json_each(@keep))`),
    };
  }

  run(connectorId: string): DiscoveryRun | null {
    const row = this.s.run.get(connectorId) as RunRow | undefined;
    return row ? runOf(row) : null;
  }

  runs(): DiscoveryRun[] {
    return (this.s.runs.all() as RunRow[]).map(runOf);
  }

  /** Books a run at `dueAt` (never later than one already booked); a running run is left alone. */
  book(connectorId: string, dueAt: number, now: number, requestedBy: string | null = null): void {
    this.s.book.run({ connectorId, dueAt, now, requestedBy });
  }

  due(now: number): DiscoveryRun[] {
    return (this.s.due.all({ now }) as RunRow[]).map(runOf);
  }

  nextDueAt(): number | null {
    return (this.s.nextDue.get() as number | null) ?? null;
  }

  claim(connectorId: string, now: number, leaseMs: number): boolean {
    return this.s.claim.run({ connectorId, now, lockedUntil: now + leaseMs }).changes === 1;
  }

  finish(connectorId: string, now: number, outcome: { state: 'done' | 'failed'; nextDueAt: number; lastError?: string; summary: RunSummary; attempts?: number }): void {
    this.s.finish.run({ connectorId, now, state: outcome.state, nextDueAt: outcome.nextDueAt, lastError: (outcome.lastError ?? '').slice(0, 2048), summary: JSON.stringify(outcome.summary), attempts: outcome.attempts ?? 0 });
  }

  retry(connectorId: string, now: number, dueAt: number, lastError: string): void {
    this.s.retry.run({ connectorId, now, dueAt, lastError: lastError.slice(0, 2048) });
  }

  /** At start-up of the only process on this data file: a run a crash left running runs again. */
  recoverInterrupted(): void {
    this.s.recover.run();
  }

  holdings(resourceId?: string): DiscoveredHolding[] {
    return ((resourceId === undefined ? this.s.allHoldings.all() : this.s.holdingsOf.all(resourceId)) as HoldingRow[]).map(holdingOf);
  }

  /** Replaces one resource's holdings with what was read now; first-seen times of those still there are kept. */
  replaceHoldings(resourceId: string, connectorId: string, seen: readonly (Omit<DiscoveredHolding, 'resourceId' | 'connectorId' | 'firstSeenAt' | 'lastSeenAt'> & { principalKey: string })[], seenAt: string): void {
    const keep = new Set(seen.map((h) => h.principalKey));
    for (const row of this.s.holdingsOf.all(resourceId) as (HoldingRow & { principal_key: string })[]) if (!keep.has(row.principal_key)) this.s.dropHolding.run(resourceId, row.principal_key);
    for (const h of seen) {
      this.s.upsertHolding.run({
        resourceId,
        connectorId,
        principalKey: h.principalKey,
        principalId: h.principalId,
        detail: h.detail.slice(0, 1024),
        directoryEnabled: h.directoryEnabled === null ? null : h.directoryEnabled ? 1 : 0,
        lastSignInAt: h.lastSignInAt,
        signInReadable: h.signInReadable ? 1 : 0,
        seenAt,
      });
    }
  }

  /** A connector's holdings of resources it no longer serves (archived, moved, deleted) go. */
  keepOnlyResources(connectorId: string, resourceIds: readonly string[]): void {
    this.s.dropResourcesOf.run({ connectorId, keep: JSON.stringify(resourceIds) });
  }
}
