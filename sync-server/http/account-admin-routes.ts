/**
 * Managing accounts (admin) and one's own password and sessions (anyone signed in):
 *
 *   POST /api/v1/accounts/{id}/roles                    set roles (additions of admin/policy_admin wait for a second admin: 202)
 *   POST /api/v1/accounts/{id}/password                 reset the password; the account's sessions end
 *   POST /api/v1/accounts/{id}/disable                  disable; sessions end, live grants revoked, pending requests cancelled
 *   POST /api/v1/accounts/{id}/enable                   enable again
 *   POST /api/v1/accounts/{id}/sign-out-everywhere      end every session of the account, live streams included
 *   POST /api/v1/accounts/role-changes/{id}/confirm     another admin confirms a pending role change
 *   POST /api/v1/accounts/role-changes/{id}/cancel      withdraw or turn down a pending role change
 *   POST /api/v1/auth/password                          change one's own password with the current one
 *   POST /api/v1/auth/sign-out-everywhere               end every session of one's own account
 *
 * The rules live in ../accounts/manage.ts; every change is audited there with before / after.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountRole, Id, passwordDigest } from '../../core/index.js';
import {
  AccountRuleError,
  cancelRoleChange,
  changeRoles,
  confirmRoleChange,
  disableAccount,
  enableAccount,
  endSessions,
  loadAccount,
  refusePasswordReset,
  type RoleChange,
  type RoleChangeOutcome,
} from '../accounts/manage.js';
import { checkPasswordPolicy, MAX_PASSWORD_LENGTH } from '../auth/password-policy.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { LoginThrottle } from '../auth/throttle.js';
import { GateBusyError, type VerifyGate } from '../auth/verify-gate.js';
import type { AccountRecord, Store } from '../store/types.js';
import { principalOf, requireEndpoint } from './auth.js';
import { ApiError } from './errors.js';

export type AccountAdminDeps = {
  store: Store;
  now: () => Date;
  gate: VerifyGate;
  loginThrottle?: LoginThrottle;
  /** Ends live streams whose session no longer stands (the stream guard's sweep). */
  onSignOut?: () => void;
};

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const secured = [{ bearerAuth: [] as string[] }];
const Reason = z.string().trim().max(1024).default('');

export const AccountView = z.object({ id: Id, username: z.string(), roles: z.array(AccountRole), createdAt: z.string(), disabledAt: z.string().nullable() });
export const RoleChangeView = z.object({
  id: z.string(),
  accountId: Id,
  kind: z.enum(['create', 'change']),
  rolesBefore: z.array(AccountRole),
  rolesAfter: z.array(AccountRole),
  reason: z.string(),
  status: z.enum(['pending', 'applied', 'cancelled']),
  proposedBy: Id,
  proposedAt: z.string(),
  decidedBy: Id.nullable(),
  decidedAt: z.string().nullable(),
});
const RoleOutcome = z.object({ account: AccountView, pending: RoleChangeView.nullable() });
const Sessions = z.object({ id: Id, sessionsEnded: z.number().int() });

export const accountView = (a: AccountRecord) => ({ id: a.id, username: a.username, roles: a.roles, createdAt: a.createdAt, disabledAt: a.disabledAt });
const outcomeView = (o: RoleChangeOutcome) => ({ account: accountView(o.account), pending: o.pending as RoleChange | null });

/** Runs a rule-checked change in one transaction; a broken rule becomes its HTTP error. */
function ruled<T>(store: Store, fn: () => T): T {
  try {
    return store.tx(fn);
  } catch (error) {
    if (error instanceof AccountRuleError) throw new ApiError(error.status, error.code, error.message, error.field);
    throw error;
  }
}

function refusePassword(password: string, username: string, field: string): void {
  const policy = checkPasswordPolicy(password, { username });
  if (!policy.ok) throw new ApiError(400, 'invalid_input', `${field}: ${policy.message}`, field);
}

export function registerAccountAdminRoutes(root: FastifyInstance, deps: AccountAdminDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, now } = deps;
  const iso = () => now().toISOString();
  const swept = <T>(value: T): T => {
    deps.onSignOut?.();
    return value;
  };

  app.post('/api/v1/accounts/:id/roles', {
    schema: {
      tags: ['accounts'],
      summary: "Set an account's roles (admin)",
      description:
        'Removing roles applies at once; the last enabled admin cannot lose admin (409). Adding admin or policy_admin to anyone, or any role to oneself, waits for another enabled admin to confirm (202 with the pending change) unless the caller is the only enabled admin.',
      security: secured,
      params: z.object({ id: Id }),
      body: z.strictObject({ roles: z.array(AccountRole).min(1, 'needs at least one role').max(6), reason: Reason }),
      response: { 200: RoleOutcome, 202: RoleOutcome, ...errors },
    },
    handler: async (request, reply) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/:id/roles', 'changing roles');
      const outcome = ruled(store, () => changeRoles(store, { actorId: admin.account.id, accountId: request.params.id, roles: request.body.roles, reason: request.body.reason, at: iso() }));
      // A role lost may be the console role a live stream was opened with.
      deps.onSignOut?.();
      return reply.code(outcome.pending ? 202 : 200).send(outcomeView(outcome));
    },
  });

  app.post('/api/v1/accounts/role-changes/:id/confirm', {
    schema: {
      tags: ['accounts'],
      summary: 'Confirm a role change another admin proposed (admin; never the proposer nor the account itself)',
      security: secured,
      params: z.object({ id: z.string().min(1).max(128) }),
      response: { 200: RoleOutcome, ...errors },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/role-changes/:id/confirm', 'confirming role changes');
      return outcomeView(ruled(store, () => confirmRoleChange(store, { actorId: admin.account.id, roleChangeId: request.params.id, at: iso() })));
    },
  });

  app.post('/api/v1/accounts/role-changes/:id/cancel', {
    schema: {
      tags: ['accounts'],
      summary: 'Withdraw (the proposer) or turn down (another admin) a pending role change (admin)',
      security: secured,
      params: z.object({ id: z.string().min(1).max(128) }),
      response: { 200: z.object({ roleChange: RoleChangeView }), ...errors },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/role-changes/:id/cancel', 'cancelling role changes');
      return { roleChange: ruled(store, () => cancelRoleChange(store, { actorId: admin.account.id, roleChangeId: request.params.id, at: iso() })) };
    },
  });

  app.post('/api/v1/accounts/:id/password', {
    schema: {
      tags: ['accounts'],
      summary: "Reset an account's password (admin); every session of the account ends",
      description: 'The new password must pass the password policy (400 invalid_input, field "password").',
      security: secured,
      params: z.object({ id: Id }),
      body: z.strictObject({ password: z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH) }),
      response: { 200: Sessions, ...errors },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/:id/password', 'resetting passwords');
      const account = ruled(store, () => loadAccount(store, request.params.id));
      ruled(store, () => refusePasswordReset(admin.account.id, account));
      refusePassword(request.body.password, account.username, 'password');
      const passwordHash = await hashPassword(request.body.password);
      const sessionsEnded = ruled(store, () => {
        loadAccount(store, account.id);
        store.updateAccount(account.id, { passwordHash });
        const ended = endSessions(store, account.id);
        store.appendAudit({ type: 'account.password_reset', actorId: admin.account.id, subjectType: 'account', subjectId: account.id, data: { username: account.username, by: 'admin', sessionsEnded: ended, ip: request.ip, passwordDigest: passwordDigest(passwordHash) }, at: iso() });
        return ended;
      });
      return swept({ id: account.id, sessionsEnded });
    },
  });

  app.post('/api/v1/accounts/:id/disable', {
    schema: {
      tags: ['accounts'],
      summary: 'Disable an account (admin): its sessions end, its live grants are revoked (reason disabled) and its pending requests cancelled',
      description: 'Refused for the last enabled admin (409) and for one\'s own account (403).',
      security: secured,
      params: z.object({ id: Id }),
      body: z.strictObject({ reason: Reason }).nullish(),
      response: {
        200: z.object({ account: AccountView, sessionsEnded: z.number().int(), grantsRevoked: z.array(z.string()), requestsCancelled: z.array(z.string()), roleChangesCancelled: z.array(z.string()) }),
        ...errors,
      },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/:id/disable', 'disabling accounts');
      const outcome = ruled(store, () => disableAccount(store, { actorId: admin.account.id, accountId: request.params.id, reason: request.body?.reason ?? '', at: iso() }));
      return swept({ ...outcome, account: accountView(outcome.account) });
    },
  });

  app.post('/api/v1/accounts/:id/enable', {
    schema: {
      tags: ['accounts'],
      summary: 'Enable a disabled account again (admin); its grants and requests stay ended',
      security: secured,
      params: z.object({ id: Id }),
      body: z.strictObject({ reason: Reason }).nullish(),
      response: { 200: z.object({ account: AccountView }), ...errors },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/:id/enable', 'enabling accounts');
      return { account: accountView(ruled(store, () => enableAccount(store, { actorId: admin.account.id, accountId: request.params.id, reason: request.body?.reason ?? '', at: iso() }))) };
    },
  });

  app.post('/api/v1/accounts/:id/sign-out-everywhere', {
    schema: {
      tags: ['accounts'],
      summary: 'End every session of an account at once, live streams included (admin)',
      security: secured,
      params: z.object({ id: Id }),
      response: { 200: Sessions, ...errors },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/:id/sign-out-everywhere', 'signing accounts out');
      return swept(ruled(store, () => signOutEverywhere(store, admin.account.id, request.params.id, iso(), request.ip)));
    },
  });

  app.post('/api/v1/auth/sign-out-everywhere', {
    schema: { tags: ['auth'], summary: 'End every session of your own account, this one included, live streams too', security: secured, response: { 200: Sessions } },
    handler: async (request) => {
      const me = principalOf(request);
      return swept(ruled(store, () => signOutEverywhere(store, me.account.id, me.account.id, iso(), request.ip)));
    },
  });

  app.post('/api/v1/auth/password', {
    schema: {
      tags: ['auth'],
      summary: 'Change your own password with the current one; your other sessions end',
      description: 'A wrong current password is 400 with field "currentPassword" and counts as a failed sign-in (the same throttle, 429). The new one must pass the password policy (field "newPassword").',
      security: secured,
      body: z.strictObject({ currentPassword: z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH), newPassword: z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH) }),
      response: { 200: Sessions, 400: ErrorBody, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const me = principalOf(request);
      const { currentPassword, newPassword } = request.body;
      refusePassword(newPassword, me.account.username, 'newPassword');
      if (newPassword === currentPassword) throw new ApiError(400, 'invalid_input', 'newPassword: must differ from the current password', 'newPassword');
      await checkCurrentPassword(deps, reply, me.account, currentPassword, request.ip);
      const passwordHash = await hashPassword(newPassword);
      const sessionsEnded = ruled(store, () => {
        store.updateAccount(me.account.id, { passwordHash });
        const ended = endSessions(store, me.account.id, me.session.tokenHash);
        store.appendAudit({ type: 'account.password_changed', actorId: me.account.id, subjectType: 'account', subjectId: me.account.id, data: { username: me.account.username, otherSessionsEnded: ended, ip: request.ip, passwordDigest: passwordDigest(passwordHash) }, at: iso() });
        return ended;
      });
      return swept({ id: me.account.id, sessionsEnded });
    },
  });
}

function signOutEverywhere(store: Store, actorId: string, accountId: string, at: string, ip: string): { id: string; sessionsEnded: number } {
  const account = loadAccount(store, accountId);
  const sessionsEnded = endSessions(store, account.id);
  store.appendAudit({ type: 'account.signed_out_everywhere', actorId, subjectType: 'account', subjectId: account.id, data: { username: account.username, sessionsEnded, ip }, at });
  return { id: account.id, sessionsEnded };
}

/** The current password, checked like a sign-in: throttled and counted, in the verify gate's queue. */
/** The signed-in person's own password, checked under the sign-in throttle; a wrong one is 400 on `field` (also used to remove an authenticator). */
export async function checkCurrentPassword(deps: AccountAdminDeps, reply: FastifyReply, account: AccountRecord, password: string, ip: string, field = 'currentPassword'): Promise<void> {
  const at = deps.now().getTime();
  const attempt = deps.loginThrottle?.attempt(account.username, ip, at);
  if (attempt && !attempt.allowed) {
    const seconds = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000));
    reply.header('retry-after', String(seconds));
    throw new ApiError(429, 'throttled', `too many wrong passwords for this account from this address; try again in ${seconds} second(s)`);
  }
  let valid: boolean;
  try {
    valid = await deps.gate.run('known', async () => verifyPassword(password, account.passwordHash));
  } catch (error) {
    if (attempt?.reservation) deps.loginThrottle?.abandoned(attempt.reservation, deps.now().getTime());
    if (error instanceof GateBusyError) throw new ApiError(429, 'throttled', 'the server is busy checking other passwords; try again in 1 second(s)');
    throw error;
  }
  if (!valid) {
    deps.store.appendAudit({ type: 'auth.login_failed', actorId: account.id, subjectType: 'account', subjectId: account.id, data: { reason: 'wrong_password', during: field === 'currentPassword' ? 'password_change' : 'mfa_removal', username: account.username, ip }, at: deps.now().toISOString() });
    throw new ApiError(400, 'invalid_input', `${field}: is not your current password`, field);
  }
  if (attempt?.reservation) deps.loginThrottle?.succeeded(attempt.reservation, deps.now().getTime());
}
