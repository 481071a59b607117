/**
 * Checking a code someone typed: a current TOTP code not used before, or (where allowed) an unused
 * recovery code. Wrong, replayed and refused-while-locked codes count toward the account's lock-out
 * and are audited (`auth.step_up_failed`; once per wait while locked, so guessing cannot flood the
 * chain). Runs in one transaction: the check, the spent step or code and the counter move together.
 */
import { SecretIntegrityError, SecretKeyError } from '../secrets/crypto.js';
import type { AccountRecord, Store } from '../store/types.js';
import type { MfaStore, SecondFactorMethod } from './mfa-store.js';
import { hashRecoveryCode, normaliseRecoveryCode } from './recovery-codes.js';
import { matchCode, normaliseTotpCode } from './totp.js';

/** What the code is for, recorded on failures. */
export type CodePurpose = 'step_up' | 'confirm' | 'disenrol';

export type CodeCheck =
  | { ok: true; method: SecondFactorMethod; /** The TOTP step used (confirmation records it). */ counter: number | null }
  | { ok: false; status: 400 | 409 | 429; code: 'invalid_input' | 'conflict' | 'throttled'; message: string; retryAfterMs?: number };

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const waitText = (ms: number) => (seconds(ms) < 120 ? `${seconds(ms)} second(s)` : `${Math.ceil(seconds(ms) / 60)} minute(s)`);

export function checkCode(
  store: Store,
  mfa: MfaStore,
  input: { account: AccountRecord; code: string; purpose: CodePurpose; now: Date; ip: string; allowRecovery: boolean },
): CodeCheck {
  const { account, purpose, ip } = input;
  const nowMs = input.now.getTime();
  const at = input.now.toISOString();
  const audit = (data: Record<string, unknown>) => store.appendAudit({ type: 'auth.step_up_failed', actorId: account.id, subjectType: 'account', subjectId: account.id, data: { during: purpose, ip, ...data }, at });

  return store.tx((): CodeCheck => {
    const lock = mfa.lockout(account.id, nowMs);
    if (lock) {
      if (lock.announce) audit({ reason: 'locked', failures: lock.failures, retryAfterSeconds: seconds(lock.lockedUntil - nowMs) });
      return { ok: false, status: 429, code: 'throttled', message: `too many wrong codes for this account; try again in ${waitText(lock.lockedUntil - nowMs)}`, retryAfterMs: lock.lockedUntil - nowMs };
    }
    const fail = (reason: string, message: string, status: 400 | 409 = 400): CodeCheck => {
      const counted = mfa.recordFailure(account.id, nowMs);
      audit({ reason, failures: counted.failures, ...(counted.lockedUntil ? { retryAfterSeconds: seconds(counted.lockedUntil - nowMs) } : {}) });
      const locked = counted.lockedUntil ? `; too many wrong codes, so the next try waits ${waitText(counted.lockedUntil - nowMs)}` : '';
      return { ok: false, status, code: status === 409 ? 'conflict' : 'invalid_input', message: `${message}${locked}` };
    };

    const authenticator = mfa.get(account.id);
    const wanted = purpose === 'confirm' ? 'pending' : 'active';
    if (!authenticator || authenticator.status !== wanted) {
      return fail(
        'not_enrolled',
        purpose === 'confirm' ? 'no enrolment is waiting for a first code; start again from Settings' : 'no authenticator is set up for this account; set one up in Settings (two-step verification) first',
        409,
      );
    }
    let secrets;
    try {
      secrets = mfa.secrets(account.id);
    } catch (error) {
      if (error instanceof SecretKeyError || error instanceof SecretIntegrityError) {
        return { ok: false, status: 409, code: 'conflict', message: "this account's authenticator cannot be read with the server's secrets key; an admin must restore the key it was stored under" };
      }
      throw error;
    }
    if (!secrets) return { ok: false, status: 409, code: 'conflict', message: 'two-step verification needs the server’s secrets key (JIT_SECRET_KEY_FILE); ask an admin' };

    const totp = normaliseTotpCode(input.code);
    if (totp !== null) {
      const counter = matchCode(secrets.totp, totp, nowMs);
      if (counter !== null) {
        // A code, or any older one, is accepted once: what was seen over a shoulder cannot be used again.
        if (!mfa.useStep(account.id, counter)) return fail('replayed', 'code: this code was already used; wait for the next one in your authenticator');
        mfa.clearFailures(account.id);
        return { ok: true, method: 'totp', counter };
      }
    }
    if (input.allowRecovery) {
      const recovery = normaliseRecoveryCode(input.code);
      if (recovery !== null && mfa.spendRecoveryCode(account.id, hashRecoveryCode(secrets.recoveryKey, recovery), at)) {
        mfa.clearFailures(account.id);
        return { ok: true, method: 'recovery_code', counter: null };
      }
    }
    return fail('wrong_code', `code: is not the current code of your authenticator${input.allowRecovery ? ' nor an unused recovery code' : ''}`);
  });
}
