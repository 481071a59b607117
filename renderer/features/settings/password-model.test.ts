import { describe, expect, it } from 'vitest';
import { localProblem, passwordProblem, sessionsEndedText } from './password-model.js';

describe('own password change', () => {
  it('puts a refusal on the field the server named', () => {
    expect(passwordProblem('currentPassword: is not your current password')).toEqual({ field: 'currentPassword', text: 'Is not your current password.' });
    expect(passwordProblem('newPassword: must differ from the current password')).toEqual({ field: 'newPassword', text: 'Must differ from the current password.' });
    expect(passwordProblem('too many wrong passwords for this account from this address; try again in 30 second(s)')).toEqual({
      field: null,
      text: 'Too many wrong passwords for this account from this address; try again in 30 second(s).',
    });
  });

  it('checks what it can before asking the server', () => {
    expect(localProblem('', 'long-enough-password', 'long-enough-password')?.field).toBe('currentPassword');
    expect(localProblem('old', 'short', 'short')?.field).toBe('newPassword');
    expect(localProblem('old', 'long-enough-password', 'long-enough-passw0rd')).toEqual({ field: null, text: 'The new password and its repetition differ.' });
    expect(localProblem('old', 'long-enough-password', 'long-enough-password')).toBeNull();
  });

  it('says which sessions ended', () => {
    expect(sessionsEndedText(0)).toMatch(/no other sessions/);
    expect(sessionsEndedText(1)).toMatch(/Your other session has/);
    expect(sessionsEndedText(3)).toMatch(/Your 3 other sessions/);
  });
});
