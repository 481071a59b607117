/**
 * Step-up MFA's records in the store (./migrations.ts): authenticators with their encrypted
 * secrets, recovery code hashes, the per-account lock-out counter, and the mark a step-up leaves on
 * the session. Every method is synchronous and runs inside the caller's `store.tx` where it writes.
 */
import { delayAfter, DEFAULT_LOGIN_THROTTLE, type LoginThrottleSettings } from '../auth/throttle.js';
import { decryptSecret, encryptSecret, type SecretKey } from '../secrets/crypto.js';
import type { Store } from '../store/types.js';
import { MFA_MIGRATIONS } from './migrations.js';

export type SecondFactorMethod = 'totp' | 'recovery_code';

export type Authenticator = {
  accountId: string;
  status: 'pending' | 'active';
  createdAt: string;
  confirmedAt: string | null;
  /** The TOTP time step of the last code accepted (-1: none yet). */
  lastCounter: number;
};

/** What the envelope holds: the TOTP secret (base32) and the key recovery codes are hashed with. */
export type AuthenticatorSecrets = { totp: string; recoveryKey: string };

/**
 * Wrong codes per account: five free, then a wait that doubles from 30 seconds up to an hour,
 * forgotten a day after the last one. Per account rather than per address: whoever guesses holds
 * the account's session already, and may come from anywhere.
 */
export const MFA_LOCKOUT: Pick<LoginThrottleSettings, 'freeFailures' | 'baseDelayMs' | 'maxDelayMs' | 'forgetAfterMs'> = {
  freeFailures: 5,
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
};

/**
 * After an authenticator is removed with the password alone, a new one can be enrolled only this much
 * later (or after an admin's unlock): otherwise whoever learnt the password, holding a session, could
 * swap in their own authenticator and pass every step-up at once. With a code, removal proves the
 * factor itself and the wait does not apply.
 */
export const REENROL_WAIT_MS = 24 * 60 * 60_000;

export type Lockout = { lockedUntil: number; failures: number; /** The first refusal of this wait: the one worth an audit event. */ announce: boolean };

/** The record an envelope is sealed to: a secret copied onto another account does not open. */
export const authenticatorContext = (accountId: string) => `mfa_authenticators/${accountId}`;

type Row = { account_id: string; status: 'pending' | 'active'; secret: string; created_at: string; confirmed_at: string | null; last_counter: number };
type FailureRow = { failures: number; locked_until: number; announced_until: number; last_failure_at: number };

export type MfaStore = ReturnType<typeof createMfaStore>;

export function createMfaStore(store: Store, key: SecretKey | undefined) {
  store.applyMigrations(MFA_MIGRATIONS);
  const db = store.db;
  const stmts = {
    get: db.prepare('SELECT account_id, status, secret, created_at, confirmed_at, last_counter FROM mfa_authenticators WHERE account_id = ?'),
    upsertPending: db.prepare(
      `INSERT INTO mfa_authenticators (account_id, status, secret, created_at) VALUES (@accountId, 'pending', @secret, @at)
       ON CONFLICT (account_id) DO UPDATE SET status = 'pending', secret = @secret, created_at = @at, confirmed_at = NULL, last_counter = -1`,
    ),
    activate: db.prepare("UPDATE mfa_authenticators SET status = 'active', confirmed_at = ?, last_counter = ? WHERE account_id = ? AND status = 'pending'"),
    advance: db.prepare('UPDATE mfa_authenticators SET last_counter = ? WHERE account_id = ? AND last_counter < ?'),
    remove: db.prepare('DELETE FROM mfa_authenticators WHERE account_id = ?'),
    removeCodes: db.prepare('DELETE FROM mfa_recovery_codes WHERE account_id = ?'),
    addCode: db.prepare('INSERT INTO mfa_recovery_codes (account_id, code_hash) VALUES (?, ?)'),
    spendCode: db.prepare('UPDATE mfa_recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL'),
    codesLeft: db.prepare('SELECT COUNT(*) FROM mfa_recovery_codes WHERE account_id = ? AND used_at IS NULL').pluck(),
    mark: db.prepare('UPDATE sessions SET second_factor_at = ?, second_factor_method = ? WHERE token_hash = ?'),
    unmarkAll: db.prepare('UPDATE sessions SET second_factor_at = NULL, second_factor_method = NULL WHERE account_id = ?'),
    failures: db.prepare('SELECT failures, locked_until, announced_until, last_failure_at FROM mfa_failures WHERE account_id = ?'),
    fail: db.prepare(
      `INSERT INTO mfa_failures (account_id, failures, locked_until, last_failure_at) VALUES (@accountId, @failures, @lockedUntil, @now)
       ON CONFLICT (account_id) DO UPDATE SET failures = @failures, locked_until = @lockedUntil, last_failure_at = @now`,
    ),
    announced: db.prepare('UPDATE mfa_failures SET announced_until = ? WHERE account_id = ?'),
    clearFailures: db.prepare('DELETE FROM mfa_failures WHERE account_id = ?'),
    removed: db.prepare('INSERT INTO mfa_removals (account_id, removed_at, proved_with) VALUES (?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET removed_at = excluded.removed_at, proved_with = excluded.proved_with'),
    lastRemoval: db.prepare('SELECT removed_at, proved_with FROM mfa_removals WHERE account_id = ?'),
    clearRemoval: db.prepare('DELETE FROM mfa_removals WHERE account_id = ?'),
  };
  const view = (row: Row): Authenticator => ({ accountId: row.account_id, status: row.status, createdAt: row.created_at, confirmedAt: row.confirmed_at, lastCounter: row.last_counter });
  const current = (accountId: string, nowMs: number): FailureRow | null => {
    const row = stmts.failures.get(accountId) as FailureRow | undefined;
    return row && row.last_failure_at >= nowMs - MFA_LOCKOUT.forgetAfterMs ? row : null;
  };

  return {
    /** Whether enrolment is possible at all: secrets need the server's secrets key. */
    available: key !== undefined,
    get(accountId: string): Authenticator | null {
      const row = stmts.get.get(accountId) as Row | undefined;
      return row ? view(row) : null;
    },
    /** Decrypts the account's secrets; throws SecretKeyError / SecretIntegrityError when they do not open. */
    secrets(accountId: string): AuthenticatorSecrets | null {
      const row = stmts.get.get(accountId) as Row | undefined;
      if (!row || !key) return null;
      return JSON.parse(decryptSecret(row.secret, key, authenticatorContext(accountId))) as AuthenticatorSecrets;
    },
    /** A new pending authenticator (replacing a pending one and any recovery codes). The caller refuses an active one. */
    startEnrolment(accountId: string, secrets: AuthenticatorSecrets, at: string): void {
      if (!key) throw new Error('startEnrolment needs the secrets key');
      stmts.removeCodes.run(accountId);
      stmts.upsertPending.run({ accountId, secret: encryptSecret(JSON.stringify(secrets), key, authenticatorContext(accountId)), at });
    },
    /** The first code was right: active from now, with these recovery code hashes. */
    activate(accountId: string, counter: number, codeHashes: readonly string[], at: string): void {
      stmts.activate.run(at, counter, accountId);
      for (const hash of codeHashes) stmts.addCode.run(accountId, hash);
    },
    /** Moves the last used step to `counter`; false when that step (or a later one) was already used: a replay. */
    useStep(accountId: string, counter: number): boolean {
      return stmts.advance.run(counter, accountId, counter).changes === 1;
    },
    /** Spends an unused recovery code; false when there is none with this hash. */
    spendRecoveryCode(accountId: string, hash: string, at: string): boolean {
      return stmts.spendCode.run(at, accountId, hash).changes === 1;
    },
    recoveryCodesLeft(accountId: string): number {
      return stmts.codesLeft.get(accountId) as number;
    },
    /**
     * Removes the authenticator and its recovery codes; every session of the account loses its step-up
     * mark. `admin`: an admin reset it (lost device); the person enrols again at once.
     */
    remove(accountId: string, provedWith: SecondFactorMethod | 'password' | 'admin', at: string): void {
      stmts.removeCodes.run(accountId);
      stmts.remove.run(accountId);
      stmts.unmarkAll.run(accountId);
      stmts.removed.run(accountId, at, provedWith);
    },
    /** When a new enrolment is possible again after a removal proved by the password alone; null: now. */
    enrolmentHeldUntil(accountId: string, nowMs: number): string | null {
      const row = stmts.lastRemoval.get(accountId) as { removed_at: string; proved_with: string } | undefined;
      if (!row || row.proved_with !== 'password') return null;
      const until = Date.parse(row.removed_at) + REENROL_WAIT_MS;
      return until > nowMs ? new Date(until).toISOString() : null;
    },
    /** idp_mfa: the single sign-on provider's ID token said `amr: ['mfa']` (../http/oidc-routes.ts). */
    markSession(tokenHash: string, at: string, method: SecondFactorMethod | 'idp_mfa'): void {
      stmts.mark.run(at, method, tokenHash);
    },
    /** The account's current wait, if a run of wrong codes imposed one. */
    lockout(accountId: string, nowMs: number): Lockout | null {
      const row = current(accountId, nowMs);
      if (!row || row.locked_until <= nowMs) return null;
      const announce = row.announced_until < row.locked_until;
      if (announce) stmts.announced.run(row.locked_until, accountId);
      return { lockedUntil: row.locked_until, failures: row.failures, announce };
    },
    /** Counts a wrong code; returns the count and the wait it imposes (0: none). */
    recordFailure(accountId: string, nowMs: number): { failures: number; lockedUntil: number } {
      const failures = (current(accountId, nowMs)?.failures ?? 0) + 1;
      const delay = delayAfter(failures, { ...DEFAULT_LOGIN_THROTTLE, ...MFA_LOCKOUT });
      const lockedUntil = delay > 0 ? nowMs + delay : 0;
      stmts.fail.run({ accountId, failures, lockedUntil, now: nowMs });
      return { failures, lockedUntil };
    },
    /** A right code, or an admin's unlock: the count starts again. Returns whether there was one. */
    clearFailures(accountId: string): boolean {
      return stmts.clearFailures.run(accountId).changes > 0;
    },
    /** An admin's unlock: a new authenticator may be enrolled at once. Returns whether one was held back. */
    releaseEnrolment(accountId: string, nowMs: number): boolean {
      const held = this.enrolmentHeldUntil(accountId, nowMs) !== null;
      stmts.clearRemoval.run(accountId);
      return held;
    },
  };
}

const factorStatements = new WeakMap<Store, { get(tokenHash: string): unknown }>();

/** When this session last proved a second factor, read by the command routes for the processor; null when never. */
export function sessionSecondFactorAt(store: Store, tokenHash: string): string | null {
  let statement = factorStatements.get(store);
  if (!statement) {
    statement = store.db.prepare('SELECT second_factor_at FROM sessions WHERE token_hash = ?');
    factorStatements.set(store, statement);
  }
  const row = statement.get(tokenHash) as { second_factor_at: string | null } | undefined;
  return row?.second_factor_at ?? null;
}
