/**
 * Account management over the store: roles, passwords, disabling, sessions and role changes that
 * wait for a second admin. Every function here runs inside the caller's `store.tx` and audits with
 * before / after; the HTTP layer (../http/account-admin-routes.ts) maps the errors to statuses.
 *
 * Rules (docs/decisions/account-roles-four-eyes.md):
 * - at least one enabled admin always remains: the last one cannot be disabled or lose `admin`;
 * - adding `admin` or `policy_admin` to anyone, or any role to oneself, waits for another admin to
 *   confirm, unless no other admin account exists at all (nobody else could ever confirm);
 * - an admin cannot set their own password, nor that of an account that approves or configures;
 * - removing roles applies at once (unless it would leave the account with no role while the rest
 *   waits: then all of it waits).
 */
import { cancelRequest, LIVE_GRANT_STATES, PENDING_REQUEST_STATES, requestRevocation, type AccountRole } from '../../core/index.js';
import type { AccountRecord, MigrationSet, Store } from '../store/types.js';

/** How long a role change may wait for its second admin. */
export const ROLE_CHANGE_TTL_DAYS = 14;

/** Roles that widen who approves configuration: granting them needs a second admin. */
export const FOUR_EYES_ROLES: readonly AccountRole[] = ['admin', 'policy_admin'];

export const ACCOUNT_MIGRATIONS: MigrationSet = {
  name: 'accounts',
  steps: [
    `CREATE TABLE role_changes (
      id TEXT PRIMARY KEY,
      account_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      roles_before TEXT NOT NULL,
      roles_after TEXT NOT NULL,
      reason TEXT NOT NULL,
      status TEXT NOT NULL,
      proposed_by TEXT NOT NULL,
      proposed_at TEXT NOT NULL,
      decided_by TEXT,
      decided_at TEXT
    )`,
    'CREATE INDEX role_changes_pending ON role_changes (status, account_id)',
  ],
};

export type RoleChangeStatus = 'pending' | 'applied' | 'cancelled';

/** A role change waiting for (or decided by) a second admin. */
export type RoleChange = {
  id: string;
  accountId: string;
  /** `create`: the roles asked for when the account was created; `change`: a later role change. */
  kind: 'create' | 'change';
  rolesBefore: AccountRole[];
  rolesAfter: AccountRole[];
  reason: string;
  status: RoleChangeStatus;
  proposedBy: string;
  proposedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
};

/** A refusal that names its rule; `status` is the HTTP status the routes answer with. */
export class AccountRuleError extends Error {
  constructor(
    readonly status: 403 | 404 | 409,
    readonly code: 'forbidden' | 'not_found' | 'conflict' | 'already_decided' | 'self_approval_forbidden',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AccountRuleError';
  }
}

type Row = {
  id: string;
  account_id: string;
  kind: 'create' | 'change';
  roles_before: string;
  roles_after: string;
  reason: string;
  status: RoleChangeStatus;
  proposed_by: string;
  proposed_at: string;
  decided_by: string | null;
  decided_at: string | null;
};

const fromRow = (r: Row): RoleChange => ({
  id: r.id,
  accountId: r.account_id,
  kind: r.kind,
  rolesBefore: JSON.parse(r.roles_before) as AccountRole[],
  rolesAfter: JSON.parse(r.roles_after) as AccountRole[],
  reason: r.reason,
  status: r.status,
  proposedBy: r.proposed_by,
  proposedAt: r.proposed_at,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
});

export function pendingRoleChanges(store: Store, accountId?: string): RoleChange[] {
  const rows = accountId
    ? store.db.prepare("SELECT * FROM role_changes WHERE status = 'pending' AND account_id = ? ORDER BY proposed_at, id").all(accountId)
    : store.db.prepare("SELECT * FROM role_changes WHERE status = 'pending' ORDER BY proposed_at, id").all();
  return (rows as Row[]).map(fromRow);
}

export function getRoleChange(store: Store, id: string): RoleChange | null {
  const row = store.db.prepare('SELECT * FROM role_changes WHERE id = ?').get(id) as Row | undefined;
  return row ? fromRow(row) : null;
}

function decideRoleChange(store: Store, change: RoleChange, status: 'applied' | 'cancelled', by: string, at: string): void {
  store.db.prepare('UPDATE role_changes SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?').run(status, by, at, change.id);
}

/** Sorted in the order of ALL_ROLES-like listing, without duplicates. */
const ORDER: readonly AccountRole[] = ['requester', 'approver', 'policy_admin', 'reviewer', 'auditor', 'admin'];
export const normaliseRoles = (roles: readonly AccountRole[]): AccountRole[] => ORDER.filter((r) => roles.includes(r));

export function isEnabled(store: Store, account: AccountRecord): boolean {
  return account.disabledAt === null && store.get('users', account.id)?.disabled !== true;
}

/** Enabled accounts holding `admin`. */
export function enabledAdmins(store: Store): AccountRecord[] {
  return store.listAccounts().filter((a) => a.roles.includes('admin') && isEnabled(store, a));
}

function refuseLastAdmin(store: Store, account: AccountRecord, what: string): void {
  if (!account.roles.includes('admin') || !isEnabled(store, account)) return;
  if (enabledAdmins(store).some((a) => a.id !== account.id)) return;
  throw new AccountRuleError(409, 'conflict', `${account.username} is the last enabled admin and cannot be ${what}: at least one enabled admin must remain (enable or make another admin first)`);
}

export function loadAccount(store: Store, id: string): AccountRecord {
  const account = store.getAccount(id);
  if (!account) throw new AccountRuleError(404, 'not_found', `account ${id} does not exist`);
  return account;
}

/**
 * Whether adding these roles must wait for a second admin: `admin` or `policy_admin` for anyone, or
 * anything for oneself; never when the actor is the only enabled admin (nobody else could confirm).
 */
export function needsSecondAdmin(store: Store, actorId: string, accountId: string, added: readonly AccountRole[]): boolean {
  if (added.length === 0) return false;
  if (!added.some((r) => FOUR_EYES_ROLES.includes(r)) && actorId !== accountId) return false;
  // Any other admin account counts, enabled or not: disabling the others first must not make an
  // admin "the only one" who may act alone. A change that waits for a disabled admin waits.
  return store.listAccounts().some((a) => a.id !== actorId && a.roles.includes('admin'));
}

/** Accounts whose password an admin may not set through the API: their own, and anyone who approves or configures. */
export function refusePasswordReset(actorId: string, account: AccountRecord): void {
  if (account.id === actorId) {
    throw new AccountRuleError(403, 'forbidden', 'change your own password with your current one (POST /api/v1/auth/password), not by resetting it');
  }
  const privileged = account.roles.filter((r) => [...FOUR_EYES_ROLES, 'approver'].includes(r));
  if (privileged.length > 0) {
    // An admin who chose their password could sign in as them and approve in their name.
    throw new AccountRuleError(
      403,
      'forbidden',
      `${account.username} holds ${privileged.join(', ')}: an admin cannot choose their password; they change it themselves, or it is reset on the server host with npm run admin:recover -- <data dir> --user ${account.username}`,
    );
  }
}

/** Writes the roles to the account and its directory user (kept in step) and audits before / after. */
export function writeRoles(store: Store, account: AccountRecord, roles: AccountRole[], actorId: string, at: string, data: Record<string, unknown> = {}): AccountRecord {
  const updated = store.updateAccount(account.id, { roles });
  const user = store.get('users', account.id);
  if (user) store.put('users', { ...user, roles, updatedAt: at });
  store.appendAudit({ type: 'account.roles_changed', actorId, subjectType: 'account', subjectId: account.id, data: { username: account.username, before: account.roles, after: roles, ...data }, at });
  return updated ?? { ...account, roles };
}

export type RoleChangeOutcome = { account: AccountRecord; pending: RoleChange | null };

let sequence = 0;
const newChangeId = (at: string) => `rc-${Date.parse(at).toString(36)}-${(++sequence).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Sets an account's roles. Removals apply at once (the last admin keeps `admin`); additions that
 * need a second admin are left pending, the rest apply now. A newer change replaces a pending one.
 */
export function changeRoles(store: Store, input: { actorId: string; accountId: string; roles: readonly AccountRole[]; reason: string; at: string; kind?: 'create' | 'change' }): RoleChangeOutcome {
  const account = loadAccount(store, input.accountId);
  const wanted = normaliseRoles(input.roles);
  const removed = account.roles.filter((r) => !wanted.includes(r));
  const added = wanted.filter((r) => !account.roles.includes(r));
  if (removed.includes('admin')) refuseLastAdmin(store, account, 'demoted');
  for (const stale of pendingRoleChanges(store, account.id)) {
    decideRoleChange(store, stale, 'cancelled', input.actorId, input.at);
    store.appendAudit({ type: 'account.role_change_cancelled', actorId: input.actorId, subjectType: 'account', subjectId: account.id, data: { roleChangeId: stale.id, before: stale.rolesBefore, after: stale.rolesAfter, why: 'replaced by a newer change' }, at: input.at });
  }
  const held = needsSecondAdmin(store, input.actorId, account.id, added) ? added.filter((r) => FOUR_EYES_ROLES.includes(r) || input.actorId === account.id) : [];
  // An account always holds a role: when only the held ones would remain, the removals wait with them.
  const applicable = normaliseRoles(wanted.filter((r) => !held.includes(r)));
  const now = applicable.length > 0 ? applicable : account.roles;
  let current = account;
  if (now.join() !== account.roles.join()) current = writeRoles(store, account, now, input.actorId, input.at, input.reason ? { reason: input.reason } : {});
  if (held.length === 0) return { account: current, pending: null };
  const pending: RoleChange = {
    id: newChangeId(input.at),
    accountId: account.id,
    kind: input.kind ?? 'change',
    rolesBefore: current.roles,
    rolesAfter: wanted,
    reason: input.reason,
    status: 'pending',
    proposedBy: input.actorId,
    proposedAt: input.at,
    decidedBy: null,
    decidedAt: null,
  };
  store.db
    .prepare('INSERT INTO role_changes (id, account_id, kind, roles_before, roles_after, reason, status, proposed_by, proposed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(pending.id, pending.accountId, pending.kind, JSON.stringify(pending.rolesBefore), JSON.stringify(pending.rolesAfter), pending.reason, 'pending', pending.proposedBy, pending.proposedAt);
  store.appendAudit({
    type: 'account.role_change_proposed',
    actorId: input.actorId,
    subjectType: 'account',
    subjectId: account.id,
    data: { roleChangeId: pending.id, username: account.username, before: pending.rolesBefore, after: pending.rolesAfter, waitingFor: held, reason: input.reason },
    at: input.at,
  });
  return { account: current, pending };
}

/** Another enabled admin confirms a pending role change; it applies as proposed if the account has not changed meanwhile. */
export function confirmRoleChange(store: Store, input: { actorId: string; roleChangeId: string; at: string }): RoleChangeOutcome {
  const change = getRoleChange(store, input.roleChangeId);
  if (!change) throw new AccountRuleError(404, 'not_found', `role change ${input.roleChangeId} does not exist`);
  if (change.status !== 'pending') throw new AccountRuleError(409, 'already_decided', `role change ${change.id} is already ${change.status}${change.decidedBy ? ` by ${change.decidedBy}` : ''}`);
  if (change.proposedBy === input.actorId) throw new AccountRuleError(403, 'self_approval_forbidden', 'you proposed this role change; another admin must confirm it');
  if (change.accountId === input.actorId) throw new AccountRuleError(403, 'self_approval_forbidden', 'this role change is to your own account; another admin must confirm it');
  // Like a configuration proposal: what was proposed a fortnight ago is not what the confirmer sees today.
  if (Date.parse(input.at) - Date.parse(change.proposedAt) > ROLE_CHANGE_TTL_DAYS * 86_400_000) {
    throw new AccountRuleError(409, 'conflict', `role change ${change.id} was proposed on ${change.proposedAt.slice(0, 10)}, more than ${ROLE_CHANGE_TTL_DAYS} days ago; propose it again`);
  }
  const account = loadAccount(store, change.accountId);
  if (!isEnabled(store, account)) throw new AccountRuleError(409, 'conflict', `${account.username} is disabled; enable the account and propose the change again`);
  const proposer = store.getAccount(change.proposedBy);
  if (!proposer || !proposer.roles.includes('admin') || !isEnabled(store, proposer)) {
    throw new AccountRuleError(409, 'conflict', `the proposer of ${change.id} is no longer an enabled admin; propose the change again`);
  }
  if (account.roles.join() !== change.rolesBefore.join()) {
    throw new AccountRuleError(409, 'conflict', `${account.username}'s roles changed after this was proposed (now ${account.roles.join(', ') || 'none'}); propose the change again`);
  }
  decideRoleChange(store, change, 'applied', input.actorId, input.at);
  const updated = writeRoles(store, account, normaliseRoles(change.rolesAfter), input.actorId, input.at, { roleChangeId: change.id, proposedBy: change.proposedBy, confirmedBy: input.actorId, ...(change.reason ? { reason: change.reason } : {}) });
  return { account: updated, pending: null };
}

/** The proposer withdraws, or another admin turns down, a pending role change. */
export function cancelRoleChange(store: Store, input: { actorId: string; roleChangeId: string; at: string }): RoleChange {
  const change = getRoleChange(store, input.roleChangeId);
  if (!change) throw new AccountRuleError(404, 'not_found', `role change ${input.roleChangeId} does not exist`);
  if (change.status !== 'pending') throw new AccountRuleError(409, 'already_decided', `role change ${change.id} is already ${change.status}`);
  decideRoleChange(store, change, 'cancelled', input.actorId, input.at);
  store.appendAudit({ type: 'account.role_change_cancelled', actorId: input.actorId, subjectType: 'account', subjectId: change.accountId, data: { roleChangeId: change.id, before: change.rolesBefore, after: change.rolesAfter, why: change.proposedBy === input.actorId ? 'withdrawn' : 'turned down' }, at: input.at });
  return { ...change, status: 'cancelled', decidedBy: input.actorId, decidedAt: input.at };
}

/** Ends every session of the account. Returns how many there were. */
export function endSessions(store: Store, accountId: string, exceptTokenHash?: string): number {
  if (exceptTokenHash) return store.db.prepare('DELETE FROM sessions WHERE account_id = ? AND token_hash <> ?').run(accountId, exceptTokenHash).changes;
  return store.db.prepare('DELETE FROM sessions WHERE account_id = ?').run(accountId).changes;
}

export type DisableOutcome = { account: AccountRecord; sessionsEnded: number; grantsRevoked: string[]; requestsCancelled: string[]; roleChangesCancelled: string[] };

/**
 * Disables the account and its directory user, ends its sessions, asks for the revocation of its
 * live grants (reason `disabled`: the scheduler revokes and verifies them like any `grant.revoke`),
 * cancels its pending requests and any role change waiting for it, all in the caller's transaction.
 */
export function disableAccount(store: Store, input: { actorId: string; accountId: string; reason: string; at: string; /** Why its grants end and its requests are cancelled; default `disabled` (offboarding says `offboarding`). */ endedReason?: string }): DisableOutcome {
  const endedReason = input.endedReason ?? 'disabled';
  const account = loadAccount(store, input.accountId);
  if (!isEnabled(store, account)) throw new AccountRuleError(409, 'already_decided', `${account.username} is already disabled`);
  if (input.actorId === account.id) throw new AccountRuleError(403, 'forbidden', 'you cannot disable your own account; another admin must');
  refuseLastAdmin(store, account, 'disabled');
  const now = new Date(input.at);
  const actor = store.getAccount(input.actorId);
  const updated = store.updateAccount(account.id, { disabledAt: input.at }) ?? { ...account, disabledAt: input.at };
  const user = store.get('users', account.id);
  if (user) store.put('users', { ...user, disabled: true, updatedAt: input.at });
  const sessionsEnded = endSessions(store, account.id);
  const grantsRevoked: string[] = [];
  for (const grant of store.list('grants', { status: [...LIVE_GRANT_STATES], where: { userId: account.id } })) {
    if (grant.status === 'revoking' || grant.status === 'revoke_failed') continue;
    const revoking = requestRevocation(grant, input.actorId, endedReason, { now });
    if (!revoking.ok) continue;
    store.put('grants', revoking.value);
    store.appendAudit({ type: 'grant.revoke_requested', actorId: input.actorId, subjectType: 'grant', subjectId: grant.id, data: { category: revoking.value.endedCategory, reason: endedReason, expiresAt: grant.expiresAt, accountDisabled: account.id }, at: input.at });
    grantsRevoked.push(grant.id);
  }
  const requestsCancelled: string[] = [];
  for (const request of store.list('requests', { status: [...PENDING_REQUEST_STATES], where: { requesterId: account.id } })) {
    const cancelled = cancelRequest(request, { id: input.actorId, displayName: input.actorId, roles: actor?.roles ?? ['admin'], disabled: false }, endedReason, { now });
    if (!cancelled.ok) continue;
    store.put('requests', cancelled.value);
    store.appendAudit({ type: 'request.cancelled', actorId: input.actorId, subjectType: 'request', subjectId: request.id, data: { reason: endedReason, accountDisabled: account.id }, at: input.at });
    requestsCancelled.push(request.id);
  }
  const roleChangesCancelled: string[] = [];
  for (const change of pendingRoleChanges(store, account.id)) {
    decideRoleChange(store, change, 'cancelled', input.actorId, input.at);
    store.appendAudit({ type: 'account.role_change_cancelled', actorId: input.actorId, subjectType: 'account', subjectId: account.id, data: { roleChangeId: change.id, before: change.rolesBefore, after: change.rolesAfter, why: 'account disabled' }, at: input.at });
    roleChangesCancelled.push(change.id);
  }
  store.appendAudit({
    type: 'account.disabled',
    actorId: input.actorId,
    subjectType: 'account',
    subjectId: account.id,
    data: { username: account.username, before: { disabled: false }, after: { disabled: true }, reason: input.reason, sessionsEnded, grantsRevoked, requestsCancelled, roleChangesCancelled },
    at: input.at,
  });
  return { account: updated, sessionsEnded, grantsRevoked, requestsCancelled, roleChangesCancelled };
}

export function enableAccount(store: Store, input: { actorId: string; accountId: string; reason: string; at: string }): AccountRecord {
  const account = loadAccount(store, input.accountId);
  if (isEnabled(store, account)) throw new AccountRuleError(409, 'already_decided', `${account.username} is already enabled`);
  const updated = store.updateAccount(account.id, { disabledAt: null }) ?? { ...account, disabledAt: null };
  const user = store.get('users', account.id);
  if (user) store.put('users', { ...user, disabled: false, updatedAt: input.at });
  store.appendAudit({ type: 'account.enabled', actorId: input.actorId, subjectType: 'account', subjectId: account.id, data: { username: account.username, before: { disabled: true }, after: { disabled: false }, reason: input.reason }, at: input.at });
  return updated;
}
