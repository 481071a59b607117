import { createHash, randomBytes } from 'node:crypto';

/** A bearer token: 32 random bytes, url-safe. Only its sha256 is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export const DEFAULT_TOKEN_TTL_MINUTES = 12 * 60;

/** JIT_TOKEN_TTL_MINUTES, when a positive integer; otherwise 12 hours. */
export function tokenTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.JIT_TOKEN_TTL_MINUTES;
  if (raw === undefined || raw === '') return DEFAULT_TOKEN_TTL_MINUTES;
  const minutes = Number(raw);
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`JIT_TOKEN_TTL_MINUTES must be a positive whole number of minutes, got "${raw}"`);
  return minutes;
}
