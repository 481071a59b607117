/**
 * The accounts screen's data and actions: GET /api/v1/accounts and the account endpoints (admin),
 * through the session's JSON request helper. Every action answers the server's own sentence on refusal.
 */
import { requestJson } from '../../session/api-client.js';

export const ROLES = ['requester', 'approver', 'policy_admin', 'reviewer', 'auditor', 'admin'] as const;
/** Roles whose addition waits for a second admin (sync-server/accounts/manage.ts). */
export const FOUR_EYES_ROLES: readonly string[] = ['admin', 'policy_admin'];

export type AccountRow = {
  id: string;
  username: string;
  displayName: string;
  department: string;
  email: string;
  roles: string[];
  createdAt: string;
  disabledAt: string | null;
  disabled: boolean;
  /** Two-step verification: an authenticator set up (or half set up), or none. */
  mfa?: 'none' | 'pending' | 'active';
};
export type RoleChange = { id: string; accountId: string; kind: 'create' | 'change'; rolesBefore: string[]; rolesAfter: string[]; reason: string; status: string; proposedBy: string; proposedAt: string };
export type AccountsAnswer = { accounts: AccountRow[]; pendingRoleChanges: RoleChange[] };

export function mayManageAccounts(roles: readonly string[]): boolean {
  return roles.includes('admin');
}

export async function fetchAccounts(serverUrl: string, token: string): Promise<AccountsAnswer> {
  const { body } = await requestJson(serverUrl, '/api/v1/accounts', { token, unreachable: `Could not reach ${serverUrl}: accounts are managed on the server.` });
  return body as AccountsAnswer;
}

export type AccountAction =
  | { kind: 'create'; username: string; displayName: string; password: string; roles: string[] }
  | { kind: 'roles'; id: string; roles: string[] }
  | { kind: 'password'; id: string; password: string }
  | { kind: 'disable' | 'enable' | 'sign-out-everywhere'; id: string; reason?: string }
  | { kind: 'mfa-reset'; id: string; reason?: string }
  | { kind: 'confirm' | 'cancel'; changeId: string };

/** Where an action goes and what it sends. */
export function actionRequest(action: AccountAction): { path: string; body?: unknown } {
  switch (action.kind) {
    case 'create':
      return { path: '/api/v1/accounts', body: { username: action.username, displayName: action.displayName, password: action.password, roles: action.roles } };
    case 'roles':
      return { path: `/api/v1/accounts/${encodeURIComponent(action.id)}/roles`, body: { roles: action.roles } };
    case 'password':
      return { path: `/api/v1/accounts/${encodeURIComponent(action.id)}/password`, body: { password: action.password } };
    case 'disable':
    case 'enable':
      return { path: `/api/v1/accounts/${encodeURIComponent(action.id)}/${action.kind}`, body: { reason: action.reason ?? '' } };
    case 'sign-out-everywhere':
      return { path: `/api/v1/accounts/${encodeURIComponent(action.id)}/sign-out-everywhere` };
    case 'mfa-reset':
      return { path: `/api/v1/accounts/${encodeURIComponent(action.id)}/mfa/reset`, body: { reason: action.reason ?? '' } };
    case 'confirm':
    case 'cancel':
      return { path: `/api/v1/accounts/role-changes/${encodeURIComponent(action.changeId)}/${action.kind}` };
  }
}

export async function runAccountAction(serverUrl: string, token: string, action: AccountAction): Promise<{ status: number; body: unknown }> {
  const { path, body } = actionRequest(action);
  return requestJson(serverUrl, path, { method: 'POST', token, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

/** Roles whose holders set their own password: an admin cannot choose it for them. */
const PASSWORD_OWN_ROLES: readonly string[] = ['admin', 'policy_admin', 'approver'];

export type RowAction = 'roles' | 'password' | 'disable' | 'enable' | 'sign-out-everywhere' | 'mfa-reset';

/**
 * What an admin may do to a row, and why not: nobody disables themselves, the last enabled admin is
 * never disabled (manage.ts refuses both), and one's own password, sessions and authenticator are in
 * Settings. Only admins see this screen, so only admins are offered an authenticator reset.
 */
export function rowActions(row: AccountRow, meId: string, accounts: readonly AccountRow[]): Array<{ kind: RowAction; blocked: string | null }> {
  const self = row.id === meId;
  const lastAdmin = isLastEnabledAdmin(row, accounts);
  const disableBlocked = self ? 'You cannot disable your own account; another admin must.' : lastAdmin ? 'The last enabled admin cannot be disabled: make another admin first.' : null;
  const ownSessions = self ? 'Your own password and sessions are in Settings.' : null;
  // The server refuses it too (manage.ts refusePasswordReset): a password an admin chose would let them act in that person's name.
  const privileged = row.roles.filter((r) => PASSWORD_OWN_ROLES.includes(r));
  const passwordBlocked = ownSessions ?? (privileged.length > 0 ? `${row.username} holds ${privileged.join(', ')}: they change their password themselves, or it is reset on the server host (npm run admin:recover).` : null);
  return [
    { kind: 'roles', blocked: null },
    { kind: 'password', blocked: passwordBlocked },
    row.disabled ? { kind: 'enable', blocked: null } : { kind: 'disable', blocked: disableBlocked },
    { kind: 'sign-out-everywhere', blocked: row.disabled ? 'A disabled account has no sessions.' : ownSessions },
    // The server refuses one's own (mfa-admin-routes.ts): that is removed in Settings, with a code or the password.
    { kind: 'mfa-reset', blocked: self ? 'Your own authenticator is in Settings (two-step verification).' : (row.mfa ?? 'none') === 'none' ? `${row.username} has no authenticator set up.` : null },
  ];
}

export function isLastEnabledAdmin(row: AccountRow, accounts: readonly AccountRow[]): boolean {
  if (row.disabled || !row.roles.includes('admin')) return false;
  return !accounts.some((a) => a.id !== row.id && !a.disabled && a.roles.includes('admin'));
}

/** Whether adding these roles will wait: four-eyes roles, or anything for oneself, once another enabled admin exists. */
export function willWait(row: AccountRow | null, added: readonly string[], meId: string, accounts: readonly AccountRow[]): boolean {
  if (added.length === 0) return false;
  if (!added.some((r) => FOUR_EYES_ROLES.includes(r)) && row?.id !== meId) return false;
  return accounts.some((a) => a.id !== meId && !a.disabled && a.roles.includes('admin'));
}

/** The roles one change adds and removes, in the order of ROLES. */
export function roleDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  return { added: ROLES.filter((r) => after.includes(r) && !before.includes(r)), removed: ROLES.filter((r) => before.includes(r) && !after.includes(r)) };
}

/** What the notice says after an action, from the server's answer: roles left waiting, sessions ended. */
export function outcomeText(action: AccountAction, answer: { status: number; body: unknown }): string {
  const body = (answer.body ?? {}) as { pendingRoleChange?: unknown; pending?: unknown; sessionsEnded?: number };
  if (answer.status === 202 || body.pending || body.pendingRoleChange) {
    return action.kind === 'create' ? 'Account created; the admin and policy admin roles wait for another admin to confirm.' : 'Saved; the added roles wait for another admin to confirm.';
  }
  const sessions = typeof body.sessionsEnded === 'number' ? ` ${body.sessionsEnded === 1 ? '1 session' : `${body.sessionsEnded} sessions`} ended.` : '';
  const texts: Record<AccountAction['kind'], string> = {
    create: 'Account created.',
    roles: 'Roles changed.',
    password: `Password reset.${sessions}`,
    disable: 'Account disabled; its sessions ended and its grants are being revoked.',
    enable: 'Account enabled.',
    'sign-out-everywhere': `Signed out everywhere.${sessions}`,
    'mfa-reset': 'Authenticator reset: they set up a new one in Settings (two-step verification) before a policy that asks for a code lets them through.',
    confirm: 'Role change confirmed.',
    cancel: 'Role change cancelled.',
  };
  return texts[action.kind];
}
