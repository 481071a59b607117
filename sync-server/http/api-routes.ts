import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AccessRequest,
  AccountRole,
  checkEligibility,
  CommandPayloads,
  CommandResult,
  CommandType,
  DurationMinutes,
  Id,
  mayUseConsole,
  PROTOCOL_VERSION,
  RequestStatus,
  verifyChain,
  type Command,
} from '../../core/index.js';
import { decoyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from '../auth/passwords.js';
import type { LoginThrottle } from '../auth/throttle.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { InvalidCommandError, type CommandProcessor } from '../commands/processor.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Scheduler } from '../scheduler/index.js';
import type { Store } from '../store/types.js';
import { SERVER_VERSION } from '../version.js';
import { principalOf, requireRole } from './auth.js';
import { ApiError, commandErrorBody, forbidden, notFound, statusForCode } from './errors.js';
import type { Metrics } from './metrics.js';

export type ApiDeps = {
  store: Store;
  processor: CommandProcessor;
  now: () => Date;
  metrics: Metrics;
  tokenTtlMinutes: number;
  /** Configured connectors, for GET /api/v1/connectors (none configured when absent). */
  registry?: ConnectorRegistry;
  /** The in-process scheduler, when this server runs it. */
  scheduler?: Scheduler;
  /** Failed sign-ins per username and client address; none are throttled when absent. */
  loginThrottle?: LoginThrottle;
  /** Called after a sign-out, so live streams opened with that token end at once. */
  onSignOut?: () => void;
};

/** Ids the audit log uses for the server itself ("system"), failed sign-ins ("anonymous", "unknown"). */
const RESERVED_USER_IDS: ReadonlySet<string> = new Set(['system', 'anonymous', 'unknown']);

/** How long GET /api/v1/connectors waits for one connector's health check. */
const HEALTH_TIMEOUT_MS = 5_000;

const ConnectorView = z.object({
  id: z.string(),
  kind: z.string(),
  displayName: z.string(),
  /** The connector's configuration with every secret replaced by "[redacted]" or left out. */
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  ok: z.boolean(),
  detail: z.string(),
});
const ConnectorsResponse = z.object({
  connectors: z.array(ConnectorView),
  scheduler: z.object({
    /** Whether this server process runs the scheduler (it may run in scheduler/worker-cli.ts instead). */
    running: z.boolean(),
    jobs: z.array(z.object({ kind: z.string(), state: z.string(), n: z.number().int() })),
  }),
});

const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
  result: CommandResult.optional(),
});

/** Every status a rejected command can answer with. */
const commandErrors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema, 426: ErrorBodySchema };

const PublicUser = z.object({ id: Id, displayName: z.string(), roles: z.array(AccountRole) });
// Bodies refuse unknown fields: a field the server would ignore (an actorId, a requesterId) is refused by name.
const LoginBody = z.strictObject({
  username: z.string().min(1, 'is required').max(256),
  password: z.string().min(1, 'is required').max(1024),
});
const CommandBody = z.strictObject({
  /** Client-chosen id for idempotency: sending the same id again returns the first result. */
  id: Id.optional(),
  type: CommandType,
  payload: z.record(z.string(), z.unknown()),
  baseRevision: z.number().int().min(0).nullable().optional(),
});
const RequestBody = z.strictObject({
  requestId: CommandPayloads['request.create'].shape.requestId,
  resourceId: Id,
  durationMinutes: DurationMinutes,
  justification: z.string().max(4096).default(''),
  ticket: z.string().max(256).default(''),
});
const AccountBody = z.strictObject({
  id: Id.optional(),
  username: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -'),
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024),
  displayName: z.string().trim().min(1).max(256),
  roles: z.array(AccountRole).min(1, 'needs at least one role').max(6),
  department: z.string().max(128).default(''),
  email: z.string().max(320).default(''),
  managerId: Id.nullable().default(null),
});

const secured = [{ bearerAuth: [] as string[] }];

export function registerApiRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, processor, now } = deps;

  /** Runs a command for the signed-in user; rejections become the mapped HTTP error with the result. */
  function runCommand(actorId: string, body: { id?: string; type: Command['type']; payload: Record<string, unknown>; baseRevision?: number | null }) {
    const id = body.id ?? `cmd-${randomUUID()}`;
    try {
      const known = store.get('commands', id);
      if (known && known.actorId !== actorId) throw new InvalidCommandError('id', `command id ${id} is already used by another command`, 'conflict');
      return processor.apply(
        { id, type: body.type, actorId, payload: body.payload, createdAt: now().toISOString(), baseRevision: body.baseRevision ?? null },
        { authenticatedActorId: actorId },
      );
    } catch (error) {
      // No result can be recorded under an id that is not the sender's, but the refusal is still a decision: audit it.
      if (error instanceof InvalidCommandError) {
        store.appendAudit({
          type: 'command.rejected',
          actorId,
          subjectType: 'command',
          subjectId: id,
          data: { type: body.type, code: error.code, field: error.field, message: error.message.slice(0, 512), recorded: false },
          at: now().toISOString(),
        });
      }
      throw error;
    }
  }

  app.get('/healthz', {
    config: { public: true },
    schema: {
      tags: ['health'],
      summary: 'Liveness, server version and replication protocol version',
      response: { 200: z.object({ status: z.literal('ok'), version: z.string(), protocolVersion: z.number() }) },
    },
    handler: async () => ({ status: 'ok' as const, version: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION }),
  });

  app.post('/api/v1/auth/login', {
    config: { public: true },
    schema: {
      tags: ['auth'],
      summary: 'Exchange a username and password for a bearer token',
      body: LoginBody,
      response: { 200: z.object({ token: z.string(), expiresAt: z.string(), user: PublicUser }), 401: ErrorBodySchema, 403: ErrorBodySchema, 429: ErrorBodySchema },
    },
    handler: async (request, reply) => {
      const { username, password } = request.body;
      // Checked before the password, whether or not the user exists: a refused guess costs the guesser a wait, and the server no hashing.
      const verdict = deps.loginThrottle?.check(username, request.ip, now().getTime()) ?? { allowed: true };
      if (!verdict.allowed) {
        const retryAfterSeconds = Math.ceil(verdict.retryAfterMs / 1000);
        if (verdict.announce) {
          // One event per lockout, not per refused attempt: a flood of guesses must not flood the chain.
          const account = store.getAccountByUsername(username);
          store.appendAudit({
            type: 'auth.login_failed',
            actorId: account?.id ?? 'anonymous',
            subjectType: 'account',
            subjectId: account?.id ?? 'unknown',
            data: { reason: 'throttled', key: verdict.key, failures: verdict.failures, retryAfterSeconds, username: username.slice(0, 64), ip: request.ip },
            at: now().toISOString(),
          });
        }
        reply.header('retry-after', String(retryAfterSeconds));
        throw new ApiError(429, 'throttled', `too many failed sign-ins; try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s)`);
      }
      const account = store.getAccountByUsername(username);
      // Same work and same answer whether or not the user exists.
      const valid = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
      const at = now().toISOString();
      if (!account || !valid) {
        deps.loginThrottle?.failed(username, request.ip, now().getTime());
        store.appendAudit({
          type: 'auth.login_failed',
          actorId: account?.id ?? 'anonymous',
          subjectType: 'account',
          subjectId: account?.id ?? 'unknown',
          data: { username: username.slice(0, 64), ip: request.ip },
          at,
        });
        throw new ApiError(401, 'unauthenticated', 'the username or password is not correct');
      }
      const user = store.get('users', account.id);
      if (account.disabledAt || !user || user.disabled) {
        store.appendAudit({ type: 'auth.login_failed', actorId: account.id, subjectType: 'account', subjectId: account.id, data: { reason: 'disabled', ip: request.ip }, at });
        throw forbidden('the account is disabled');
      }
      deps.loginThrottle?.succeeded(username);
      const token = newToken();
      const expiresAt = new Date(now().getTime() + deps.tokenTtlMinutes * 60_000).toISOString();
      store.tx(() => {
        store.deleteExpiredSessions(at);
        store.createSession({ tokenHash: hashToken(token), accountId: account.id, createdAt: at, expiresAt });
        store.appendAudit({ type: 'auth.login_succeeded', actorId: account.id, subjectType: 'account', subjectId: account.id, data: { ip: request.ip }, at });
      });
      return reply.send({ token, expiresAt, user: { id: account.id, displayName: user.displayName, roles: account.roles } });
    },
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'End this token', security: secured, response: { 204: z.undefined() } },
    handler: async (request, reply) => {
      store.deleteSession(principalOf(request).session.tokenHash);
      deps.onSignOut?.();
      return reply.code(204).send();
    },
  });

  app.get('/api/v1/me', {
    schema: {
      tags: ['auth'],
      summary: 'The signed-in user',
      security: secured,
      response: {
        200: z.object({
          user: PublicUser.extend({ username: z.string(), department: z.string(), email: z.string(), console: z.boolean() }),
          expiresAt: z.string(),
        }),
      },
    },
    handler: async (request) => {
      const { account, user, session } = principalOf(request);
      return {
        user: {
          id: account.id,
          username: account.username,
          displayName: user.displayName,
          roles: account.roles,
          department: user.department,
          email: user.email,
          console: mayUseConsole(account.roles),
        },
        expiresAt: session.expiresAt,
      };
    },
  });

  app.post('/api/v1/commands', {
    schema: {
      tags: ['commands'],
      summary: 'Send a command as the signed-in user; answers its result',
      description:
        'Applied: 200 with the CommandResult. Rejected: invalid_input 400, forbidden/self_approval_forbidden 403, not_found 404, already_decided/stale/conflict 409, other rule failures 422; the body is {error, result}.',
      security: secured,
      body: CommandBody,
      response: { 200: CommandResult, ...commandErrors },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const result = runCommand(principal.account.id, request.body);
      if (result.status === 'applied') return reply.send(result);
      return reply.code(statusForCode(result.code)).send(commandErrorBody(result));
    },
  });

  app.post('/api/v1/requests', {
    schema: {
      tags: ['requests'],
      summary: 'Request access to a resource (runs request.create)',
      security: secured,
      body: RequestBody,
      response: { 201: AccessRequest, ...commandErrors },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const { requestId, ...rest } = request.body;
      const result = runCommand(principal.account.id, { type: 'request.create', payload: { ...rest, ...(requestId ? { requestId } : {}) } });
      if (result.status !== 'applied') return reply.code(statusForCode(result.code)).send(commandErrorBody(result));
      const created = store.get('requests', result.subjectIds[0] ?? '');
      if (!created) throw new Error(`request.create applied but request ${result.subjectIds[0]} is missing`);
      return reply.code(201).send(created);
    },
  });

  app.get('/api/v1/requests/:id', {
    schema: { tags: ['requests'], summary: 'One access request (requesters see only their own)', security: secured, params: z.object({ id: Id }) },
    handler: async (request) => {
      const { account } = principalOf(request);
      const found = store.get('requests', request.params.id);
      // Someone else's request answers exactly like a missing one.
      if (!found || (!mayUseConsole(account.roles) && found.requesterId !== account.id)) throw notFound(`request ${request.params.id} does not exist`);
      return found;
    },
  });

  app.get('/api/v1/requests', {
    schema: {
      tags: ['requests'],
      summary: 'Access requests, newest first: your own with mine=1 (always, for requesters), all for console roles',
      security: secured,
      querystring: z.object({
        mine: z.enum(['0', '1', 'true', 'false']).optional(),
        status: RequestStatus.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    handler: async (request) => {
      const { account } = principalOf(request);
      const mine = request.query.mine === '1' || request.query.mine === 'true' || !mayUseConsole(account.roles);
      const requests: AccessRequest[] = store.list('requests', {
        ...(mine ? { where: { requesterId: account.id } } : {}),
        ...(request.query.status ? { status: request.query.status } : {}),
        order: 'desc',
        limit: request.query.limit,
      });
      return { requests };
    },
  });

  app.get('/api/v1/catalog', {
    schema: { tags: ['requests'], summary: 'Resources the signed-in user is eligible to request, with their policy bounds', security: secured },
    handler: async (request) => {
      const { user } = principalOf(request);
      const profiles = store.list('profiles');
      const policies = store.list('policies');
      const resources = store
        .list('resources')
        .map((resource) => ({ resource, eligibility: checkEligibility(user, resource, profiles) }))
        .filter((r) => r.eligibility.ok)
        .map(({ resource }) => {
          const bound = resource.policyIds.map((id) => policies.find((p) => p.id === id)).filter((p) => p !== undefined);
          return {
            id: resource.id,
            name: resource.name,
            description: resource.description,
            kind: resource.kind,
            sensitivity: resource.sensitivity,
            maxDurationMinutes: Math.min(...bound.map((p) => p.maxDurationMinutes)),
            defaultDurationMinutes: Math.min(...bound.map((p) => p.defaultDurationMinutes)),
            requireJustification: bound.some((p) => p.requireJustification),
            requireTicket: bound.some((p) => p.requireTicket),
          };
        });
      return { resources };
    },
  });

  app.get('/api/v1/audit/verify', {
    schema: {
      tags: ['audit'],
      summary: 'Verify the audit hash chain (auditor, admin)',
      security: secured,
      response: {
        200: z.object({
          ok: z.boolean(),
          events: z.number(),
          headHash: z.string(),
          firstProblem: z.object({ seq: z.number(), eventId: z.string(), problem: z.string() }).optional(),
          message: z.string().optional(),
        }),
      },
    },
    handler: async (request) => {
      requireRole(request, ['auditor', 'admin'], 'verifying the audit log');
      return verifyChain(store.auditEvents());
    },
  });

  app.get('/api/v1/accounts', {
    schema: { tags: ['accounts'], summary: 'Console accounts (admin)', security: secured },
    handler: async (request) => {
      requireRole(request, ['admin'], 'listing accounts');
      return {
        accounts: store.listAccounts().map((a) => ({ id: a.id, username: a.username, roles: a.roles, createdAt: a.createdAt, disabledAt: a.disabledAt })),
      };
    },
  });

  app.post('/api/v1/accounts', {
    schema: {
      tags: ['accounts'],
      summary: 'Create an account and its directory user (admin)',
      security: secured,
      body: AccountBody,
      response: { 201: z.object({ user: PublicUser.extend({ username: z.string() }) }), 400: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema },
    },
    handler: async (request, reply) => {
      const admin = requireRole(request, ['admin'], 'creating accounts');
      const body = request.body;
      const id = body.id ?? `u-${body.username.toLowerCase().replace(/[^a-z0-9._-]/g, '-')}`;
      if (RESERVED_USER_IDS.has(id)) throw new ApiError(400, 'invalid_input', `id: ${id} is reserved for the server's own audit entries`, 'id');
      const refuseTaken = () => {
        if (store.getAccountByUsername(body.username)) throw new ApiError(409, 'conflict', `username ${body.username} is taken`, 'username');
        if (store.getAccount(id) || store.get('users', id)) throw new ApiError(409, 'conflict', `user id ${id} is taken`, 'id');
      };
      refuseTaken();
      if (body.managerId && !store.get('users', body.managerId)) throw new ApiError(404, 'not_found', `managerId: user ${body.managerId} does not exist`, 'managerId');
      const passwordHash = await hashPassword(body.password);
      const at = now().toISOString();
      store.tx(() => {
        // Again under the write lock: another request may have taken the name while the password was hashed.
        refuseTaken();
        store.createAccount({ id, username: body.username, passwordHash, roles: body.roles, createdAt: at });
        store.put('users', {
          id,
          username: body.username,
          displayName: body.displayName,
          email: body.email,
          department: body.department,
          managerId: body.managerId,
          roles: body.roles,
          updatedAt: at,
        });
        store.appendAudit({ type: 'account.created', actorId: admin.account.id, subjectType: 'account', subjectId: id, data: { username: body.username, roles: body.roles }, at });
      });
      return reply.code(201).send({ user: { id, username: body.username, displayName: body.displayName, roles: body.roles } });
    },
  });

  app.get('/api/v1/connectors', {
    schema: {
      tags: ['connectors'],
      summary: 'Connector configuration (secrets redacted) and health, and scheduler job counts (admin, auditor, policy_admin)',
      description: `Each connector is asked for its health; one that does not answer within ${HEALTH_TIMEOUT_MS / 1000} s is reported not ok.`,
      security: secured,
      response: { 200: ConnectorsResponse, 401: ErrorBodySchema, 403: ErrorBodySchema },
    },
    handler: async (request) => {
      requireRole(request, ['admin', 'auditor', 'policy_admin'], 'viewing connectors');
      const registry = deps.registry;
      const connectors = registry
        ? await Promise.all(
            registry.describe().map(async (description) => {
              const connector = registry.get(description.id);
              const health = connector ? await healthWithin(() => connector.health(), HEALTH_TIMEOUT_MS) : { ok: false, detail: 'not registered' };
              return { ...description, ...health };
            }),
          )
        : [];
      return { connectors, scheduler: { running: deps.scheduler !== undefined, jobs: deps.scheduler?.jobCounts() ?? [] } };
    },
  });

  app.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics (admin, auditor)', security: secured },
    handler: async (request, reply) => {
      requireRole(request, ['admin', 'auditor'], 'reading metrics');
      const text = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(text);
    },
  });
}

/** A connector's health, or not ok when it throws or does not answer in time. */
async function healthWithin(check: () => Promise<{ ok: boolean; detail: string }>, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: boolean; detail: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
  });
  try {
    return await Promise.race([
      check().then(
        (h) => ({ ok: h.ok, detail: h.detail }),
        (error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
