import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, DEMO_USERS } from '../demo/seed.js';
import { assertPasswordPolicy, checkPasswordPolicy, commonPasswords, PasswordPolicyError } from './password-policy.js';
import { generatePassword } from './passwords.js';

const rule = (password: string, username = 'nina') => {
  const verdict = checkPasswordPolicy(password, { username });
  return verdict.ok ? 'ok' : verdict.rule;
};

describe('password policy', () => {
  it('wants 12 characters after trimming, and not only whitespace', () => {
    expect(rule(' '.repeat(12))).toBe('whitespace');
    expect(rule('\t \n'.repeat(8))).toBe('whitespace');
    expect(rule('short')).toBe('min_length');
    expect(rule(`   ${'x7Q!'.repeat(2)}   `)).toBe('min_length');
    expect(rule('x7Q!x7Q!x7Q!')).toBe('ok');
    expect(rule('y'.repeat(1025))).toBe('max_length');
  });

  it('refuses the username, in any case, as the password or inside it', () => {
    expect(rule('adminadmin12', 'adminadmin12')).toBe('username');
    expect(rule('My-Admin-Is-Strong', 'admin')).toBe('username');
    expect(rule('ALICE.MOREAU.2030', 'alice.moreau')).toBe('username');
    // Two-letter usernames are too common inside words to refuse them as a part.
    expect(rule('unalienable-rights', 'al')).toBe('ok');
    expect(rule('al', 'al')).toBe('min_length');
  });

  it('refuses the 100,000 most common passwords, whatever their case or surrounding spaces', () => {
    expect(commonPasswords().size).toBeGreaterThan(95_000);
    expect(commonPasswords().has('123456')).toBe(true);
    expect(rule('password1234')).toBe('common');
    expect(rule('  Password1234 ')).toBe('common');
    expect(rule('qwertyuiop123')).toBe('common');
    expect(rule('passwordpassword')).toBe('common');
  });

  it('names the rule in its message and its error', () => {
    const verdict = checkPasswordPolicy('password1234', { username: 'x' });
    expect(verdict).toEqual({ ok: false, rule: 'common', message: expect.stringMatching(/most common passwords/) });
    expect(() => assertPasswordPolicy('   ', { username: 'x' })).toThrow(PasswordPolicyError);
    expect(() => assertPasswordPolicy('short', { username: 'x' })).toThrow(/at least 12 characters/);
  });

  it('accepts the demo and test passwords, and every generated one', () => {
    for (const user of DEMO_USERS) expect(rule(DEMO_PASSWORD, user.username), user.username).toBe('ok');
    for (const password of ['test-console-password-1', 'e2e-console-password-1', 'bench-console-password-1']) expect(rule(password, 'admin')).toBe('ok');
    for (const password of ['long-enough-password', 'a-long-enough-password']) expect(rule(password, 'nina')).toBe('ok');
    for (let i = 0; i < 50; i++) expect(rule(generatePassword('admin'), 'admin')).toBe('ok');
  });
});
