import type { MigrationSet } from '../store/types.js';

/**
 * Step-up MFA's server-only tables (never replicated). Never edit a shipped step; append a new one.
 *
 * - mfa_authenticators: one TOTP authenticator per account, `pending` from enrolment until its first
 *   code is confirmed, then `active`. `secret` is an encrypted envelope (../secrets/crypto.ts) of the
 *   TOTP secret and the key recovery codes are hashed with; `last_counter` is the TOTP time step of
 *   the last code accepted, so a code (or an older one) is never accepted twice. A rowid table: key
 *   rotation (../secrets/rotate.ts) rewrites rows by rowid.
 * - mfa_recovery_codes: HMAC-SHA256 of each recovery code under that key; `used_at` once spent.
 * - mfa_failures: wrong codes per account (step-up, confirmation, removal), for the lock-out.
 * - sessions.second_factor_at / second_factor_method: when this session last proved a second factor
 *   (the step-up mark that policies requiring MFA are checked against), and with what.
 * - mfa_removals: the last removal of an account's authenticator and what proved it; one proved only
 *   by the password holds back a new enrolment for a while (./mfa-store.ts, REENROL_WAIT_MS).
 */
export const MFA_MIGRATIONS: MigrationSet = {
  name: 'mfa',
  steps: [
    `CREATE TABLE mfa_authenticators (
       account_id TEXT PRIMARY KEY REFERENCES accounts (id),
       status TEXT NOT NULL CHECK (status IN ('pending', 'active')),
       secret TEXT NOT NULL,
       created_at TEXT NOT NULL,
       confirmed_at TEXT,
       last_counter INTEGER NOT NULL DEFAULT -1
     );
     CREATE TABLE mfa_recovery_codes (
       account_id TEXT NOT NULL,
       code_hash TEXT NOT NULL,
       used_at TEXT,
       PRIMARY KEY (account_id, code_hash)
     ) WITHOUT ROWID;
     CREATE TABLE mfa_failures (
       account_id TEXT PRIMARY KEY,
       failures INTEGER NOT NULL,
       locked_until INTEGER NOT NULL DEFAULT 0,
       announced_until INTEGER NOT NULL DEFAULT 0,
       last_failure_at INTEGER NOT NULL
     ) WITHOUT ROWID;
     ALTER TABLE sessions ADD COLUMN second_factor_at TEXT;
     ALTER TABLE sessions ADD COLUMN second_factor_method TEXT;`,
    `CREATE TABLE mfa_removals (
       account_id TEXT PRIMARY KEY,
       removed_at TEXT NOT NULL,
       proved_with TEXT NOT NULL
     ) WITHOUT ROWID;`,
  ],
};
