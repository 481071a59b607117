/**
 * Recovery codes: ten single-use codes shown once at enrolment, for a lost phone. Each is 12
 * characters of Crockford's base32 (60 random bits), shown as `xxxx-xxxx-xxxx`.
 *
 * Stored as HMAC-SHA256 under a random per-account key that is kept encrypted with the TOTP secret
 * (the server's secrets key seals both), not with the password hash: the codes are random, so a slow
 * hash adds nothing against guessing, which the step-up lock-out limits anyway, while scrypt's 32 MiB
 * and tens of milliseconds per comparison, times ten codes per attempt, would hand anyone signed in
 * a cheap way to load the server. The key means a copy of the database without the secrets key
 * cannot even test guesses offline, and key rotation re-seals it with the TOTP secret.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const LENGTH = 12;

export function newRecoveryKey(): string {
  return randomBytes(32).toString('base64');
}

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    // 256 is a multiple of 32: every byte masked to 5 bits is uniform.
    const chars = Array.from(randomBytes(LENGTH), (b) => ALPHABET[b & 31] as string).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

/** What a person typed, as stored: lower case, no dashes or spaces, the letters Crockford reads as digits mapped. */
export function normaliseRecoveryCode(input: string): string | null {
  const plain = input
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/[il]/g, '1')
    .replace(/o/g, '0');
  if (plain.length !== LENGTH || [...plain].some((c) => !ALPHABET.includes(c))) return null;
  return plain;
}

export function hashRecoveryCode(recoveryKey: string, normalised: string): string {
  return createHmac('sha256', Buffer.from(recoveryKey, 'base64')).update(normalised, 'utf8').digest('hex');
}

