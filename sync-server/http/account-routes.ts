/**
 * Sign-in and console accounts: POST /api/v1/auth/login, GET and POST /api/v1/accounts,
 * POST /api/v1/accounts/{id}/unlock. Changing accounts afterwards: ./account-admin-routes.ts.
 *
 * Sign-in answers a wrong password, an unknown username and a disabled account alike (401, one
 * message, the password checked every time); the audit event records which it was.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountRole, Id, passwordDigest } from '../../core/index.js';
import { LinkRuleError, setDirectoryLinks, type DirectoryOf } from '../accounts/links.js';
import { ACCOUNT_MIGRATIONS, changeRoles, FOUR_EYES_ROLES, isEnabled, needsSecondAdmin, pendingRoleChanges } from '../accounts/manage.js';
import { checkPasswordPolicy, MAX_PASSWORD_LENGTH } from '../auth/password-policy.js';
import { decoyHash, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { LoginThrottle, Reservation } from '../auth/throttle.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { createVerifyGate, GateBusyError, type VerifyGate } from '../auth/verify-gate.js';
import { createMfaStore } from '../mfa/mfa-store.js';
import type { SecretKey } from '../secrets/crypto.js';
import type { Store } from '../store/types.js';
import { registerAccountAdminRoutes, RoleChangeView } from './account-admin-routes.js';
import { requireEndpoint } from './auth.js';
import { ApiError, notFound } from './errors.js';
import { registerMfaAdminRoutes } from './mfa-admin-routes.js';
import { registerMfaRoutes } from './mfa-routes.js';

export type AccountRouteDeps = {
  store: Store;
  now: () => Date;
  tokenTtlMinutes: number;
  /** Failed sign-ins per (username, address) and per address; none are throttled when absent. */
  loginThrottle?: LoginThrottle;
  /** Where password checks queue; one per server by default. */
  verifyGate?: VerifyGate;
  /** Ends live streams whose session no longer stands (after a sign-out everywhere, a disable, a role change). */
  onSignOut?: () => void;
  /** Seals authenticator secrets (two-step verification); without it nobody can enrol. */
  secretKey?: SecretKey;
  /** The kind of a configured connector (for directory ids given when an account is created). */
  directoryOf?: DirectoryOf;
};

/** Ids the audit log uses for the server itself ("system"), failed sign-ins ("anonymous", "unknown"). */
const RESERVED_USER_IDS: ReadonlySet<string> = new Set(['system', 'anonymous', 'unknown']);
export const BAD_CREDENTIALS = 'the username or password is not correct';

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
const PublicUser = z.object({ id: Id, displayName: z.string(), roles: z.array(AccountRole) });
// Bodies refuse unknown fields: a field the server would ignore is refused by name.
const LoginBody = z.strictObject({
  username: z.string().min(1, 'is required').max(256),
  password: z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH),
});
const AccountBody = z.strictObject({
  id: Id.optional(),
  username: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -'),
  // The rules beyond "is there" are the password policy's, checked in the handler with the username.
  password: z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH),
  displayName: z.string().trim().min(1).max(256),
  roles: z.array(AccountRole).min(1, 'needs at least one role').max(6),
  department: z.string().max(128).default(''),
  email: z.string().max(320).default(''),
  managerId: Id.nullable().default(null),
  /** The person's object in each directory, by connector id (or entra / ad): linked by hand, audited, kept by the directory sync. */
  externalIds: z.record(Id, z.string().min(1).max(1024)).optional(),
});

const secured = [{ bearerAuth: [] as string[] }];

/** A refused directory link becomes its HTTP error (the whole creation rolls back with it). */
function linkOrRefuse(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof LinkRuleError) throw new ApiError(error.status, error.code, error.message, error.field);
    throw error;
  }
}

function waitText(seconds: number): string {
  return seconds < 120 ? `${seconds} second(s)` : `${Math.ceil(seconds / 60)} minute(s)`;
}

function throttled(reply: FastifyReply, retryAfterMs: number, message: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  reply.header('retry-after', String(seconds));
  return new ApiError(429, 'throttled', `${message}; try again in ${waitText(seconds)}`);
}

export function registerAccountRoutes(root: FastifyInstance, deps: AccountRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, now } = deps;
  const gate = deps.verifyGate ?? createVerifyGate();
  // Role changes waiting for a second admin (server-only, never replicated).
  store.applyMigrations(ACCOUNT_MIGRATIONS);
  registerAccountAdminRoutes(root, { store, now, gate, ...(deps.loginThrottle ? { loginThrottle: deps.loginThrottle } : {}), ...(deps.onSignOut ? { onSignOut: deps.onSignOut } : {}) });
  // Two-step verification: enrolment, step-up, removal (./mfa-routes.ts).
  const mfa = createMfaStore(store, deps.secretKey);
  registerMfaRoutes(root, { store, now, mfa, gate, ...(deps.loginThrottle ? { loginThrottle: deps.loginThrottle } : {}) });
  registerMfaAdminRoutes(root, { store, now, mfa });

  app.post('/api/v1/auth/login', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'Exchange a username and password for a bearer token',
      description:
        'A wrong password, an unknown username and a disabled account all answer 401 with one message. Repeated failures for one username from one address wait longer each time (429 with Retry-After), as do many failures from one address.',
      body: LoginBody,
      response: { 200: z.object({ token: z.string(), expiresAt: z.string(), user: PublicUser }), 401: ErrorBody, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const { username, password } = request.body;
      const ip = request.ip;
      // Checked (and counted) before the password, whether or not the user exists: a refused guess costs the guesser a wait, and the server no hashing.
      const attempt = deps.loginThrottle?.attempt(username, ip, now().getTime());
      if (attempt && !attempt.allowed) {
        if (attempt.announce) {
          // One event per wait, not per refused attempt: a flood of guesses must not flood the chain.
          const account = store.getAccountByUsername(username);
          const retryAfterSeconds = Math.ceil(attempt.retryAfterMs / 1000);
          store.appendAudit({
            type: 'auth.login_failed',
            actorId: account?.id ?? 'anonymous',
            subjectType: 'account',
            subjectId: account?.id ?? 'unknown',
            data: { reason: 'throttled', key: attempt.key, failures: attempt.failures, retryAfterSeconds, username: username.slice(0, 64), ip },
            at: now().toISOString(),
          });
        }
        throw throttled(reply, attempt.retryAfterMs, attempt.key === 'pair' ? 'too many failed sign-ins for this username from this address' : 'too many failed sign-ins from this address');
      }
      const reservation: Reservation | undefined = attempt?.reservation;
      const account = store.getAccountByUsername(username);
      let valid: boolean;
      try {
        // Same work whether or not the user exists, and whether or not the account is disabled.
        valid = await gate.run(attempt?.known ? 'known' : 'other', async () => verifyPassword(password, account?.passwordHash ?? (await decoyHash())));
      } catch (error) {
        if (reservation) deps.loginThrottle?.abandoned(reservation, now().getTime());
        if (error instanceof GateBusyError) throw throttled(reply, 1000, 'the server is busy checking other sign-ins');
        throw error;
      }
      const at = now().toISOString();
      const user = account ? store.get('users', account.id) : null;
      const disabled = account !== null && (account.disabledAt !== null || !user || user.disabled === true);
      if (!account || !user || !valid || disabled) {
        // The attempt stays counted as a failure: a disabled account is throttled like any other.
        const reason = !account ? 'unknown_user' : !valid ? 'wrong_password' : 'disabled';
        store.appendAudit({
          type: 'auth.login_failed',
          actorId: account?.id ?? 'anonymous',
          subjectType: 'account',
          subjectId: account?.id ?? 'unknown',
          data: { reason, ...(disabled && !valid ? { disabled: true } : {}), username: username.slice(0, 64), ip },
          at,
        });
        throw new ApiError(401, 'unauthenticated', BAD_CREDENTIALS);
      }
      if (reservation) deps.loginThrottle?.succeeded(reservation, now().getTime());
      const token = newToken();
      const expiresAt = new Date(now().getTime() + deps.tokenTtlMinutes * 60_000).toISOString();
      store.tx(() => {
        store.deleteExpiredSessions(at);
        store.createSession({ tokenHash: hashToken(token), accountId: account.id, createdAt: at, expiresAt });
        store.appendAudit({ type: 'auth.login_succeeded', actorId: account.id, subjectType: 'account', subjectId: account.id, data: { ip }, at });
      });
      return reply.send({ token, expiresAt, user: { id: account.id, displayName: user.displayName, roles: account.roles } });
    },
  });

  app.get('/api/v1/accounts', {
    schema: { tags: ['accounts'], summary: 'Console accounts and the role changes waiting for a second admin (admin)', security: secured },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/accounts', 'listing accounts');
      return {
        accounts: store.listAccounts().map((a) => {
          const user = store.get('users', a.id);
          return { id: a.id, username: a.username, displayName: user?.displayName ?? a.username, department: user?.department ?? '', email: user?.email ?? '', roles: a.roles, createdAt: a.createdAt, disabledAt: a.disabledAt, disabled: !isEnabled(store, a), mfa: mfa.get(a.id)?.status ?? 'none', externalIds: user?.externalIds ?? {}, manualLinks: user?.manualLinks ?? [] };
        }),
        pendingRoleChanges: pendingRoleChanges(store),
      };
    },
  });

  app.post('/api/v1/accounts', {
    schema: {
      tags: ['accounts'],
      summary: 'Create an account and its directory user (admin)',
      description:
        'The password must be at least 12 characters after trimming, not only whitespace, not be or contain the username, and not be one of the 100,000 most common passwords; a refusal is 400 invalid_input with field "password" and the rule. The roles admin and policy_admin wait for another enabled admin to confirm (pendingRoleChange) unless the caller is the only enabled admin; the account starts with the other roles.',
      security: secured,
      body: AccountBody,
      response: { 201: z.object({ user: PublicUser.extend({ username: z.string() }), pendingRoleChange: RoleChangeView.nullable() }), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
    handler: async (request, reply) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts', 'creating accounts');
      const body = request.body;
      const id = body.id ?? `u-${body.username.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;
      if (RESERVED_USER_IDS.has(id)) throw new ApiError(400, 'invalid_input', `id: ${id} is reserved for the server's own audit entries`, 'id');
      const policy = checkPasswordPolicy(body.password, { username: body.username });
      if (!policy.ok) throw new ApiError(400, 'invalid_input', `password: ${policy.message}`, 'password');
      const refuseTaken = () => {
        if (store.getAccountByUsername(body.username)) throw new ApiError(409, 'conflict', `username ${body.username} is taken`, 'username');
        if (store.getAccount(id) || store.get('users', id)) throw new ApiError(409, 'conflict', `user id ${id} is taken`, 'id');
      };
      refuseTaken();
      if (body.managerId && !store.get('users', body.managerId)) throw new ApiError(404, 'not_found', `managerId: user ${body.managerId} does not exist`, 'managerId');
      const passwordHash = await hashPassword(body.password);
      const at = now().toISOString();
      const roles = body.roles;
      const pendingRoleChange = store.tx(() => {
        // Again under the write lock: another request may have taken the name while the password was hashed.
        refuseTaken();
        // admin and policy_admin widen who approves configuration: they wait for a second admin.
        const fourEyes = roles.filter((r) => FOUR_EYES_ROLES.includes(r));
        const held = needsSecondAdmin(store, admin.account.id, id, fourEyes) ? fourEyes : [];
        // Every account holds a role: one asked to be only an admin starts as a requester until confirmed.
        const rest = roles.filter((r) => !held.includes(r));
        const initial = rest.length > 0 ? rest : (['requester'] as typeof roles);
        store.createAccount({ id, username: body.username, passwordHash, roles: initial, createdAt: at });
        store.put('users', {
          id,
          username: body.username,
          displayName: body.displayName,
          email: body.email,
          department: body.department,
          managerId: body.managerId,
          roles: initial,
          updatedAt: at,
        });
        store.appendAudit({ type: 'account.created', actorId: admin.account.id, subjectType: 'account', subjectId: id, data: { username: body.username, roles: initial, passwordDigest: passwordDigest(passwordHash), ...(held.length ? { requested: roles } : {}) }, at });
        if (body.externalIds && Object.keys(body.externalIds).length > 0) {
          const reason = 'given when the account was created';
          linkOrRefuse(() => setDirectoryLinks(store, { actorId: admin.account.id, personId: id, links: body.externalIds ?? {}, reason, at }, deps.directoryOf ?? (() => undefined)));
        }
        return held.length ? changeRoles(store, { actorId: admin.account.id, accountId: id, roles, reason: 'requested when the account was created', at, kind: 'create' }).pending : null;
      });
      const created = store.getAccount(id);
      return reply.code(201).send({ user: { id, username: body.username, displayName: body.displayName, roles: created?.roles ?? [] }, pendingRoleChange });
    },
  });

  app.post('/api/v1/accounts/:id/unlock', {
    schema: {
      tags: ['accounts'],
      summary: "Clear an account's sign-in throttle (every address's failures and waits for its username), its wrong-code lock-out and its wait to set up a new authenticator (admin)",
      security: secured,
      params: z.object({ id: Id }),
      response: { 200: z.object({ id: Id, username: z.string(), cleared: z.number().int() }), 403: ErrorBody, 404: ErrorBody },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/:id/unlock', 'unlocking accounts');
      const account = store.getAccount(request.params.id);
      if (!account) throw notFound(`account ${request.params.id} does not exist`);
      const at = now();
      const cleared = store.tx(() => {
        const n = (deps.loginThrottle?.clear(account.username, at.getTime()) ?? 0) + (mfa.clearFailures(account.id) ? 1 : 0) + (mfa.releaseEnrolment(account.id, at.getTime()) ? 1 : 0);
        store.appendAudit({ type: 'account.unlocked', actorId: admin.account.id, subjectType: 'account', subjectId: account.id, data: { username: account.username, cleared: n, ip: request.ip }, at: at.toISOString() });
        return n;
      });
      return { id: account.id, username: account.username, cleared };
    },
  });
}
