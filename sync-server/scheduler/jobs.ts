import type Database from 'better-sqlite3';

export const JOB_KINDS = ['provision', 'revoke', 'verify_provision', 'verify_revocation', 'drift_check'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobState = 'queued' | 'running' | 'waiting' | 'done' | 'cancelled';

export type Job = {
  id: string;
  grantId: string;
  kind: JobKind;
  connectorId: string;
  dueAt: number;
  /**
   * Outcomes that count: for writes, answers other than throttling (a claim whose process died,
   * or a 429/503, is not an attempt); for verifications, claims.
   */
  attempts: number;
  /** Claims so far, this one included once running. */
  claims: number;
  /** The app registration (or other identity) that made the write this job follows up. */
  actedVia: string | null;
  updatedAt: number;
  state: JobState;
  lockedUntil: number | null;
  lastError: string;
  escalated: boolean;
  taskId: string | null;
};

type JobRow = {
  id: string;
  grant_id: string;
  kind: JobKind;
  connector_id: string;
  due_at: number;
  attempts: number;
  state: JobState;
  locked_until: number | null;
  last_error: string;
  escalated: number;
  task_id: string | null;
  claims: number;
  acted_via: string | null;
  updated_at: number;
};

const fromRow = (r: JobRow): Job => ({
  id: r.id,
  grantId: r.grant_id,
  kind: r.kind,
  connectorId: r.connector_id,
  dueAt: r.due_at,
  attempts: r.attempts,
  state: r.state,
  lockedUntil: r.locked_until,
  lastError: r.last_error,
  escalated: r.escalated === 1,
  taskId: r.task_id,
  claims: r.claims,
  actedVia: r.acted_via,
  updatedAt: r.updated_at,
});

/** One job per (kind, grant); drift checks are numbered. The id is the idempotency key. */
export const jobId = (kind: JobKind, grantId: string, n?: number): string => (n === undefined ? `${kind}:${grantId}` : `${kind}:${grantId}:${n}`);

/**
 * The durable job table. Every method is synchronous and meant to run inside the store's
 * transaction together with the grant, task and audit writes it belongs to.
 */
export class JobQueue {
  private readonly stmts;
  /** Per-kind statements: one index range each (state, kind, due_at), so cost does not grow with the table. */
  private readonly byKind: Record<JobKind, { due: Database.Statement; expired: Database.Statement; nextDue: Database.Statement; nextLease: Database.Statement; waiting: Database.Statement }>;

  constructor(db: Database.Database) {
    this.byKind = Object.fromEntries(
      JOB_KINDS.map((kind) => [
        kind,
        {
          due: db.prepare(`SELECT * FROM scheduler_jobs WHERE state = 'queued' AND kind = '${kind}' AND due_at <= ? ORDER BY due_at LIMIT ?`),
          expired: db.prepare(`SELECT * FROM scheduler_jobs WHERE state = 'running' AND kind = '${kind}' AND locked_until <= ? LIMIT ?`),
          nextDue: db.prepare(`SELECT MIN(due_at) FROM scheduler_jobs WHERE state = 'queued' AND kind = '${kind}'`).pluck(),
          nextLease: db.prepare(`SELECT MIN(locked_until) FROM scheduler_jobs WHERE state = 'running' AND kind = '${kind}'`).pluck(),
          waiting: db.prepare(`SELECT * FROM scheduler_jobs WHERE state = 'waiting' AND kind = '${kind}' LIMIT ?`),
        },
      ]),
    ) as JobQueue['byKind'];
    this.stmts = {
      get: db.prepare('SELECT * FROM scheduler_jobs WHERE id = ?'),
      // A finished job is brought back when its grant needs that work again (e.g. a failed verification).
      ensure: db.prepare(
        `INSERT INTO scheduler_jobs (id, grant_id, kind, connector_id, due_at, attempts, state, created_at, updated_at, acted_via)
         VALUES (@id, @grantId, @kind, @connectorId, @dueAt, 0, 'queued', @now, @now, @actedVia)
         ON CONFLICT (id) DO UPDATE SET state = 'queued', due_at = excluded.due_at, locked_until = NULL, updated_at = excluded.updated_at,
           acted_via = COALESCE(excluded.acted_via, scheduler_jobs.acted_via)
         WHERE scheduler_jobs.state IN ('done', 'cancelled') AND @reopen = 1`,
      ),
      // A deadline: a new job, or an untried queued one brought forward (never pushed back:
      // a later deadline is found when the job is claimed early and re-reads its grant).
      schedule: db.prepare(
        `INSERT INTO scheduler_jobs (id, grant_id, kind, connector_id, due_at, attempts, state, created_at, updated_at)
         VALUES (@id, @grantId, @kind, @connectorId, @dueAt, 0, 'queued', @now, @now)
         ON CONFLICT (id) DO UPDATE SET due_at = MIN(scheduler_jobs.due_at, excluded.due_at), updated_at = excluded.updated_at
         WHERE scheduler_jobs.state = 'queued' AND scheduler_jobs.attempts = 0 AND excluded.due_at < scheduler_jobs.due_at`,
      ),
      claim: db.prepare(
        `UPDATE scheduler_jobs SET state = 'running', claims = claims + 1, attempts = attempts + @countAttempt, locked_until = @lockedUntil, updated_at = @now
         WHERE id = @id AND ((state = 'queued' AND due_at <= @now) OR (state = 'running' AND locked_until <= @now))`,
      ),
      finish: db.prepare(`UPDATE scheduler_jobs SET state = @state, locked_until = NULL, last_error = @lastError, attempts = COALESCE(@attempts, attempts), updated_at = @now WHERE id = @id`),
      retry: db.prepare(
        `UPDATE scheduler_jobs SET state = 'queued', due_at = @dueAt, locked_until = NULL, last_error = @lastError, escalated = MAX(escalated, @escalated),
           attempts = COALESCE(@attempts, attempts), updated_at = @now WHERE id = @id`,
      ),
      wait: db.prepare(`UPDATE scheduler_jobs SET state = 'waiting', task_id = @taskId, locked_until = NULL, updated_at = @now WHERE id = @id`),
      cancelForGrant: db.prepare(
        `UPDATE scheduler_jobs SET state = 'cancelled', locked_until = NULL, updated_at = @now
         WHERE grant_id = @grantId AND kind IN (SELECT value FROM json_each(@kinds)) AND state IN ('queued', 'waiting')`,
      ),
      runningFor: db.prepare(`SELECT COUNT(*) FROM scheduler_jobs WHERE grant_id = ? AND kind = ? AND state = 'running'`).pluck(),
      forGrant: db.prepare('SELECT * FROM scheduler_jobs WHERE grant_id = ? ORDER BY id'),
      recover: db.prepare(`UPDATE scheduler_jobs SET state = 'queued', locked_until = NULL, updated_at = @now WHERE state = 'running'`),
      counts: db.prepare('SELECT kind, state, COUNT(*) AS n FROM scheduler_jobs GROUP BY kind, state'),
    };
  }

  get(id: string): Job | null {
    const row = this.stmts.get.get(id) as JobRow | undefined;
    return row ? fromRow(row) : null;
  }

  /**
   * Makes sure a job exists; with `reopen`, a done or cancelled one is queued again.
   * A queued, running or waiting job is left as it is.
   */
  ensure(job: { id: string; grantId: string; kind: JobKind; connectorId: string; dueAt: number; actedVia?: string | undefined }, now: number, reopen = true): void {
    this.stmts.ensure.run({ ...job, actedVia: job.actedVia ?? null, now, reopen: reopen ? 1 : 0 });
  }

  /** Books a deadline (see the statement); leaves running, waiting, retried and finished jobs alone. */
  schedule(job: { id: string; grantId: string; kind: JobKind; connectorId: string; dueAt: number }, now: number): void {
    this.stmts.schedule.run({ ...job, now });
  }

  /** Due jobs of these kinds (queued and due, or running with an expired lease). */
  due(kinds: readonly JobKind[], now: number, limit: number): Job[] {
    const rows: JobRow[] = [];
    for (const kind of kinds) {
      rows.push(...(this.byKind[kind].expired.all(now, limit) as JobRow[]));
      rows.push(...(this.byKind[kind].due.all(now, limit) as JobRow[]));
    }
    const dueOf = (r: JobRow) => (r.state === 'running' ? (r.locked_until ?? r.due_at) : r.due_at);
    return rows.sort((a, b) => dueOf(a) - dueOf(b)).slice(0, limit).map(fromRow);
  }

  /**
   * Claims a job; false when someone else got it first. `countAttempt`: the claim itself is an
   * attempt (verifications); writes count theirs when the outcome is recorded (`attempts` below).
   */
  claim(id: string, now: number, leaseMs: number, countAttempt = true): boolean {
    return this.stmts.claim.run({ id, now, lockedUntil: now + leaseMs, countAttempt: countAttempt ? 1 : 0 }).changes === 1;
  }

  finish(id: string, now: number, state: 'done' | 'cancelled' = 'done', lastError = '', attempts?: number): void {
    this.stmts.finish.run({ id, now, state, lastError: lastError.slice(0, 2048), attempts: attempts ?? null });
  }

  /** Back to the queue; `attempts`, when given, is the job's new count of attempts. */
  retry(id: string, now: number, dueAt: number, lastError: string, escalated = false, attempts?: number): void {
    this.stmts.retry.run({ id, now, dueAt, lastError: lastError.slice(0, 2048), escalated: escalated ? 1 : 0, attempts: attempts ?? null });
  }

  waitForTask(id: string, taskId: string, now: number): void {
    this.stmts.wait.run({ id, taskId, now });
  }

  waiting(kinds: readonly JobKind[], limit = 1000): Job[] {
    return kinds.flatMap((kind) => this.byKind[kind].waiting.all(limit) as JobRow[]).slice(0, limit).map(fromRow);
  }

  cancelForGrant(grantId: string, kinds: readonly JobKind[], now: number): void {
    this.stmts.cancelForGrant.run({ grantId, kinds: JSON.stringify(kinds), now });
  }

  isRunning(grantId: string, kind: JobKind): boolean {
    return (this.stmts.runningFor.get(grantId, kind) as number) > 0;
  }

  forGrant(grantId: string): Job[] {
    return (this.stmts.forGrant.all(grantId) as JobRow[]).map(fromRow);
  }

  /** Earliest time a job of these kinds becomes claimable, or null. */
  nextDueAt(kinds: readonly JobKind[]): number | null {
    let next: number | null = null;
    for (const kind of kinds) {
      for (const value of [this.byKind[kind].nextDue.get() as number | null, this.byKind[kind].nextLease.get() as number | null]) {
        if (value !== null && (next === null || value < next)) next = value;
      }
    }
    return next;
  }

  /**
   * At start-up of the only process using this data file: jobs left running by a crash are
   * queued again at once instead of waiting out their lease. Their connector calls are
   * idempotent, so running them again is safe.
   */
  recoverInterrupted(now: number): number {
    return this.stmts.recover.run({ now }).changes;
  }

  counts(): { kind: JobKind; state: JobState; n: number }[] {
    return this.stmts.counts.all() as { kind: JobKind; state: JobState; n: number }[];
  }
}
