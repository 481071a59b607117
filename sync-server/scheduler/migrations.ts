import type { MigrationSet } from '../store/types.js';

/**
 * The scheduler's server-only table. Deadlines live here (and in the grants themselves), so a
 * restarted server finds everything that fell due while it was down. Times are epoch milliseconds.
 * Never edit a shipped step; append a new one.
 */
export const SCHEDULER_MIGRATIONS: MigrationSet = {
  name: 'scheduler',
  steps: [
    `CREATE TABLE scheduler_jobs (
       id TEXT PRIMARY KEY,
       grant_id TEXT NOT NULL,
       kind TEXT NOT NULL CHECK (kind IN ('provision', 'revoke', 'verify_provision', 'verify_revocation', 'drift_check')),
       connector_id TEXT NOT NULL,
       due_at INTEGER NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'waiting', 'done', 'cancelled')),
       locked_until INTEGER,
       last_error TEXT NOT NULL DEFAULT '',
       escalated INTEGER NOT NULL DEFAULT 0,
       task_id TEXT,
       created_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     );
     CREATE INDEX scheduler_jobs_due ON scheduler_jobs (state, kind, due_at);
     CREATE INDEX scheduler_jobs_grant ON scheduler_jobs (grant_id, kind);`,
    // Claims are counted apart from attempts: a claim whose process died costs no attempt, and a
    // write answered "slow down" is not an attempt either. acted_via: the app registration that wrote.
    `ALTER TABLE scheduler_jobs ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE scheduler_jobs ADD COLUMN acted_via TEXT;`,
  ],
};
