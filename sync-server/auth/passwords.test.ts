import { describe, expect, it } from 'vitest';
import { hashToken, newToken, tokenTtlFromEnv } from './tokens.js';
import { generatePassword, hashPassword, SCRYPT_PARAMS, verifyPassword } from './passwords.js';

describe('password hashes', () => {
  it('store scrypt parameters and a random salt; verify only the right password', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse'), hashPassword('correct horse')]);
    expect(a).toMatch(new RegExp(`^scrypt\\$${SCRYPT_PARAMS.N}\\$8\\$1\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$`));
    expect(SCRYPT_PARAMS.N).toBeGreaterThanOrEqual(2 ** 15);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsf', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'plain-text')).toBe(false);
    expect(await verifyPassword('correct horse', a.replace(/\$8\$/, '$0$'))).toBe(false);
  });

  it('generated passwords and tokens are long and distinct; tokens are stored as sha256', () => {
    expect(generatePassword()).toHaveLength(24);
    const token = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(token);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads the token lifetime from the environment, refusing nonsense', () => {
    expect(tokenTtlFromEnv({})).toBe(720);
    expect(tokenTtlFromEnv({ JIT_TOKEN_TTL_MINUTES: '30' })).toBe(30);
    expect(() => tokenTtlFromEnv({ JIT_TOKEN_TTL_MINUTES: '-1' })).toThrow(/positive whole number/);
  });
});
