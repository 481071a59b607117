/**
 * The one password policy, for every place a password is set: account creation (HTTP), the first
 * admin (JIT_ADMIN_PASSWORD), the recovery tool. Rules, checked in this order:
 *
 *   whitespace   not only whitespace
 *   min_length   at least 12 characters once spaces at either end are trimmed (12 spaces fail)
 *   max_length   at most 1024 characters (what the sign-in endpoint accepts)
 *   username     not the username, and not containing it (case-insensitive; usernames of 3+ characters)
 *   common       not one of the 100,000 most common passwords (./wordlists/README.md names the source),
 *                compared trimmed and case-insensitively
 *
 * Sign-in never applies the policy: an account made before a rule existed can still sign in.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
/** Shorter usernames are only refused as the whole password, not as a part of it ("al" is in too many words). */
const MIN_CONTAINED_USERNAME = 3;

export type PasswordRule = 'whitespace' | 'min_length' | 'max_length' | 'username' | 'common';

export type PasswordVerdict = { ok: true } | { ok: false; rule: PasswordRule; message: string };

/** A password the policy refuses; the message names the rule ("must be at least 12 characters ..."). */
export class PasswordPolicyError extends Error {
  constructor(
    readonly rule: PasswordRule,
    message: string,
  ) {
    super(message);
    this.name = 'PasswordPolicyError';
  }
}

const COMMON_LIST_URL = new URL('./wordlists/common-passwords.txt.gz', import.meta.url);
let common: ReadonlySet<string> | null = null;

/** The list, lower-cased; read once, on first use (about 100,000 entries). */
export function commonPasswords(): ReadonlySet<string> {
  if (!common) {
    const text = gunzipSync(readFileSync(COMMON_LIST_URL)).toString('utf8');
    const set = new Set<string>();
    for (const line of text.split('\n')) {
      const entry = line.trim().toLowerCase();
      if (entry) set.add(entry);
    }
    common = set;
  }
  return common;
}

export function checkPasswordPolicy(password: string, context: { username: string }): PasswordVerdict {
  const trimmed = password.trim();
  if (trimmed.length === 0) return { ok: false, rule: 'whitespace', message: 'may not be only whitespace' };
  if (trimmed.length < MIN_PASSWORD_LENGTH) {
    return { ok: false, rule: 'min_length', message: `must be at least ${MIN_PASSWORD_LENGTH} characters, not counting spaces at either end` };
  }
  if (password.length > MAX_PASSWORD_LENGTH) return { ok: false, rule: 'max_length', message: `must be at most ${MAX_PASSWORD_LENGTH} characters` };
  const lower = trimmed.toLowerCase();
  const username = context.username.trim().toLowerCase();
  if (username && (lower === username || (username.length >= MIN_CONTAINED_USERNAME && lower.includes(username)))) {
    return { ok: false, rule: 'username', message: 'may not be or contain the username' };
  }
  if (commonPasswords().has(lower)) return { ok: false, rule: 'common', message: 'is one of the 100,000 most common passwords; choose another' };
  return { ok: true };
}

/** Throws PasswordPolicyError naming the rule when the password is refused. */
export function assertPasswordPolicy(password: string, context: { username: string }): void {
  const verdict = checkPasswordPolicy(password, context);
  if (!verdict.ok) throw new PasswordPolicyError(verdict.rule, verdict.message);
}
