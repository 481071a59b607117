/**
 * TOTP (RFC 6238) through otpauth: SHA-1, 6 digits, 30-second steps, the parameters every
 * authenticator app reads from an otpauth:// URI. A code is accepted one step either side of the
 * server's clock (phones drift), and `matchCode` says which step it belonged to, so the caller can
 * refuse a step already used (a replayed code) or an older one.
 */
import { Secret, TOTP } from 'otpauth';

export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
/** Steps either side of now that still count. */
export const TOTP_WINDOW = 1;
/** 160 bits: the secret length RFC 4226 recommends. */
const SECRET_BYTES = 20;

export const ISSUER = 'JIT access';

export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

function totpOf(secretBase32: string, label = ''): TOTP {
  return new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS });
}

/** otpauth://totp/JIT%20access:alice?issuer=JIT%20access&secret=...: what the QR code carries. */
export function otpauthUri(secretBase32: string, username: string): string {
  return totpOf(secretBase32, username).toString();
}

/** Six digits, spaces and dashes allowed between them (as apps show them: "123 456"). */
export function normaliseTotpCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** The time step the code belongs to (within the window around nowMs), or null when it is not a current code. */
export function matchCode(secretBase32: string, code: string, nowMs: number): number | null {
  const totp = totpOf(secretBase32);
  const delta = totp.validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  if (delta === null) return null;
  return totp.counter({ timestamp: nowMs }) + delta;
}

/** The code for a time (tests and the demo tooling; the server never sends a code). */
export function codeAt(secretBase32: string, nowMs: number): string {
  return totpOf(secretBase32).generate({ timestamp: nowMs });
}
