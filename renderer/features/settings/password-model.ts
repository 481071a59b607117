/**
 * Changing one's own password: POST /api/v1/auth/password with the current one. The server names
 * the field it refuses at the start of its message ("currentPassword: is not your current password").
 */
import { requestJson } from '../../session/api-client.js';
import { sentence } from '../../ui/ui.js';

export type PasswordField = 'currentPassword' | 'newPassword';
export type PasswordProblem = { field: PasswordField | null; text: string };

/** The policy's first rule, said before the server is asked (sync-server/auth/password-policy.ts). */
export const MIN_PASSWORD_LENGTH = 12;

export async function changeOwnPassword(serverUrl: string, token: string, currentPassword: string, newPassword: string): Promise<{ sessionsEnded: number }> {
  const { body } = await requestJson(serverUrl, '/api/v1/auth/password', {
    method: 'POST',
    token,
    body: JSON.stringify({ currentPassword, newPassword }),
    unreachable: `Could not reach ${serverUrl}: passwords are changed on the server. Try again when you are online.`,
  });
  return body as { sessionsEnded: number };
}

const FIELD_PREFIX = /^(currentPassword|newPassword): (.+)$/s;

/** Which field a refusal is about, and its sentence without the field's code name. */
export function passwordProblem(message: string): PasswordProblem {
  const match = FIELD_PREFIX.exec(message);
  if (!match) return { field: null, text: sentence(message) };
  return { field: match[1] as PasswordField, text: sentence(match[2]!) };
}

/** What the form says before sending, or null when it may be sent. */
export function localProblem(current: string, next: string, repeat: string): PasswordProblem | null {
  if (!current) return { field: 'currentPassword', text: 'Enter your current password.' };
  if (next.trim().length < MIN_PASSWORD_LENGTH) return { field: 'newPassword', text: `Must be at least ${MIN_PASSWORD_LENGTH} characters, not counting spaces at either end.` };
  if (next !== repeat) return { field: null, text: 'The new password and its repetition differ.' };
  return null;
}

export function sessionsEndedText(count: number): string {
  if (count === 0) return 'Password changed. You had no other sessions.';
  return `Password changed. ${count === 1 ? 'Your other session has' : `Your ${count} other sessions have`} been signed out.`;
}
