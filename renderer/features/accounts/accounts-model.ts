/**
 * The accounts screen's data and actions: GET /api/v1/accounts and the account endpoints (admin),
 * through the session's JSON request helper. Every action answers the server's own sentence on refusal.
 */
import { requestJson } from '../../session/api-client.js';

export const ROLES = ['requester', 'approver', 'policy_admin', 'reviewer', 'auditor', 'admin'] as const;
/** Roles whose addition waits for a second admin (sync-server/accounts/manage.ts). */
export const FOUR_EYES_ROLES: readonly string[] = ['admin', 'policy_admin'];

export type AccountRow = { id: string; username: string; displayName: string; department: string; email: string; roles: string[]; createdAt: string; disabledAt: string | null; disabled: boolean };
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
    case 'confirm':
    case 'cancel':
      return { path: `/api/v1/accounts/role-changes/${encodeURIComponent(action.changeId)}/${action.kind}` };
  }
}

export async function runAccountAction(serverUrl: string, token: string, action: AccountAction): Promise<{ status: number; body: unknown }> {
  const { path, body } = actionRequest(action);
  return requestJson(serverUrl, path, { method: 'POST', token, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

/** "Waiting for a second admin" when an answer left roles pending. */
export function outcomeText(action: AccountAction, status: number): string {
  if (status === 202 || (action.kind === 'create' && status === 201 && action.roles.some((r) => FOUR_EYES_ROLES.includes(r)))) return 'Saved; admin and policy admin roles wait for another admin to confirm.';
  return { create: 'Account created.', roles: 'Roles changed.', password: 'Password reset; their sessions ended.', disable: 'Account disabled; its grants are being revoked.', enable: 'Account enabled.', 'sign-out-everywhere': 'Every session ended.', confirm: 'Role change confirmed.', cancel: 'Role change cancelled.' }[action.kind];
}
