import type { MigrationSet } from '../store/types.js';

/**
 * Sign-in throttling's server-only tables, so a restart does not hand an attacker fresh counters.
 * Times are epoch milliseconds. Never edit a shipped step; append a new one.
 *
 * - login_pairs: one row per (username, client address). `username` is lower-cased and kept for
 *   names that have no account too, so an unknown name is throttled exactly like a known one.
 *   `failures` drives the pair's progressive delay; `last_success_at` marks an address this account
 *   recently signed in from (its sign-ins go first when the server is busy checking passwords).
 * - login_addresses: a leaky bucket of failures per client address, across every username
 *   (password spraying). `level` drains at the configured rate from `updated_at`.
 */
export const AUTH_MIGRATIONS: MigrationSet = {
  name: 'auth',
  steps: [
    `CREATE TABLE login_pairs (
       username TEXT NOT NULL,
       address TEXT NOT NULL,
       failures INTEGER NOT NULL DEFAULT 0,
       blocked_until INTEGER NOT NULL DEFAULT 0,
       announced_until INTEGER NOT NULL DEFAULT 0,
       last_failure_at INTEGER,
       last_success_at INTEGER,
       updated_at INTEGER NOT NULL,
       PRIMARY KEY (username, address)
     ) WITHOUT ROWID;
     CREATE INDEX login_pairs_updated ON login_pairs (updated_at);
     CREATE TABLE login_addresses (
       address TEXT PRIMARY KEY,
       level REAL NOT NULL,
       announced_until INTEGER NOT NULL DEFAULT 0,
       updated_at INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX login_addresses_updated ON login_addresses (updated_at);`,
  ],
};
