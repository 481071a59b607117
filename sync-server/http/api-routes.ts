import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AccessRequest,
  AccountRole,
  CommandPayloads,
  CommandResult,
  CommandType,
  DurationMinutes,
  Id,
  ENDPOINT_ACCESS,
  GrantStatus,
  mayUseConsole,
  PROTOCOL_VERSION,
  RequestStatus,
  type Command,
  type ConnectorHealth,
  type Grant,
} from '../../core/index.js';
import type { LoginThrottle } from '../auth/throttle.js';
import { InvalidCommandError, type CommandProcessor } from '../commands/processor.js';
import type { RejectionBudget } from '../commands/rejection-budget.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { sessionSecondFactorAt } from '../mfa/mfa-store.js';
import type { Scheduler } from '../scheduler/index.js';
import type { SecretKey } from '../secrets/crypto.js';
import { groupIdsOf } from '../store/memberships.js';
import type { Store } from '../store/types.js';
import type { TicketChecker } from '../ticket-check/index.js';
import { SERVER_VERSION } from '../version.js';
import { directoryKindOf } from '../accounts/links.js';
import { registerAccountRoutes } from './account-routes.js';
import { registerCatalogRoutes } from './catalog-routes.js';
import { registerConnectorRoutes } from './connector-routes.js';
import { registerConfigRoutes } from './config-routes.js';
import { registerStandingAccessRoutes } from './standing-access-routes.js';
import { principalOf, requireEndpoint, type Principal } from './auth.js';
import { identitiesOwnedBy } from './sync-view.js';
import { commandErrorBody, notFound, statusForCode } from './errors.js';
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
  /** Failed sign-ins per (username, client address) and per address; none are throttled when absent. */
  loginThrottle?: LoginThrottle;
  /** Called after a sign-out, so live streams opened with that token end at once. */
  onSignOut?: () => void;
  /** Refusals a sender may have audited per window (http/flood-guard.ts); unlimited when absent. */
  rejections?: Pick<RejectionBudget, 'charge'>;
  /** Seals authenticator secrets (two-step verification); without it nobody can enrol. */
  secretKey?: SecretKey;
  /** Asks ticket-check hooks before a command that creates a request (sync-server/ticket-check/); none are asked when absent. */
  ticketChecker?: TicketChecker;
};

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
  /** Still coming up (the demo's DC starting): not serving yet, not a fault. */
  starting: z.boolean().optional(),
  /** What the connector found out when it connected, each shown as its own field (AD: time-limited membership). */
  facts: z.array(z.object({ key: z.string(), label: z.string(), value: z.string() })).optional(),
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
const commandErrors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 422: ErrorBodySchema, 426: ErrorBodySchema, 429: ErrorBodySchema };

const PublicUser = z.object({ id: Id, displayName: z.string(), roles: z.array(AccountRole) });
// Bodies refuse unknown fields: a field the server would ignore (an actorId, a requesterId) is refused by name.
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
  /** Absent: the resource's recommended duration. */
  durationMinutes: DurationMinutes.optional(),
  justification: z.string().max(4096).default(''),
  ticket: z.string().max(256).default(''),
  /** A later start, ISO-8601 UTC, at most 30 days ahead: approved as usual, provisioned at the start; the grant ends at startsAt + durationMinutes. Absent: at approval. */
  startsAt: CommandPayloads['request.create'].shape.startsAt,
  /** A service identity (service principal, service account) the sender owns: the access is granted to it. Refused 403 for anyone but its owners. */
  onBehalfOf: CommandPayloads['request.create'].shape.onBehalfOf,
});
const secured = [{ bearerAuth: [] as string[] }];

/** Whether these roles see other people's subjects on this endpoint (the matrix's `others` cell). */
function seesOthers(endpoint: 'GET /api/v1/requests/:id' | 'GET /api/v1/requests' | 'GET /api/v1/grants', roles: readonly AccountRole[]): boolean {
  return ENDPOINT_ACCESS[endpoint].others.some((r) => roles.includes(r));
}

export function registerApiRoutes(root: FastifyInstance, deps: ApiDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, processor, now } = deps;

  /**
   * Runs a command for the signed-in user; rejections become the mapped HTTP error with the result.
   * The session's last second factor goes with it, read here on the server (a client cannot claim one).
   */
  async function runCommand(principal: Principal, body: { id?: string; type: Command['type']; payload: Record<string, unknown>; baseRevision?: number | null }) {
    const actorId = principal.account.id;
    const id = body.id ?? `cmd-${randomUUID()}`;
    // A ticket-check hook is asked first, outside the command's transaction; the use case decides with its answer.
    const ticketChecks = await deps.ticketChecker?.answersFor({ id, type: body.type, payload: body.payload }, actorId);
    try {
      const known = store.get('commands', id);
      if (known && known.actorId !== actorId) throw new InvalidCommandError('id', `command id ${id} is already used by another command`, 'conflict');
      return processor.apply(
        { id, type: body.type, actorId, payload: body.payload, createdAt: now().toISOString(), baseRevision: body.baseRevision ?? null },
        { authenticatedActorId: actorId, secondFactorAt: sessionSecondFactorAt(store, principal.session.tokenHash), ticketChecks },
      );
    } catch (error) {
      // No result can be recorded under an id that is not the sender's, but the refusal is still a decision: audit it.
      if (error instanceof InvalidCommandError) {
        deps.rejections?.charge(actorId);
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

  // Sign-in and accounts (login, list, create, unlock).
  registerAccountRoutes(root, {
    store,
    now,
    tokenTtlMinutes: deps.tokenTtlMinutes,
    ...(deps.loginThrottle ? { loginThrottle: deps.loginThrottle } : {}),
    ...(deps.onSignOut ? { onSignOut: deps.onSignOut } : {}),
    ...(deps.secretKey ? { secretKey: deps.secretKey } : {}),
    directoryOf: directoryKindOf(deps.registry, store),
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'End this token', security: secured, response: { 204: z.undefined() } },
    handler: async (request, reply) => {
      const { account, session } = principalOf(request);
      // The session's end is in the log in the same transaction as its removal, as a sign-in is.
      store.tx(() => {
        store.deleteSession(session.tokenHash);
        store.appendAudit({ type: 'auth.signed_out', actorId: account.id, subjectType: 'account', subjectId: account.id, data: { username: account.username, ip: request.ip }, at: now().toISOString() });
      });
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
          user: PublicUser.extend({
            username: z.string(),
            department: z.string(),
            email: z.string(),
            console: z.boolean(),
            /** The directory groups the user is in: a step naming one lets its members decide (the queue's "mine"). */
            groupIds: z.array(z.string()),
          }),
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
          groupIds: groupIdsOf(store.db, account.id),
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
        'Applied: 200 with the CommandResult. Rejected: invalid_input 400, forbidden/self_approval_forbidden/mfa_required 403 (mfa_required: prove a second factor with POST /api/v1/auth/step-up and send it again), not_found 404, already_decided/stale/conflict 409, other rule failures 422; the body is {error, result}.',
      security: secured,
      body: CommandBody,
      response: { 200: CommandResult, ...commandErrors },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      const result = await runCommand(principal, request.body);
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
      const principal = requireEndpoint(request, 'POST /api/v1/requests', 'requesting access');
      const { requestId, ...rest } = request.body;
      const result = await runCommand(principal, { type: 'request.create', payload: { ...rest, ...(requestId ? { requestId } : {}) } });
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
      if (!found || (!seesOthers('GET /api/v1/requests/:id', account.roles) && found.requesterId !== account.id)) throw notFound(`request ${request.params.id} does not exist`);
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
      const mine = request.query.mine === '1' || request.query.mine === 'true' || !seesOthers('GET /api/v1/requests', account.roles);
      const requests: AccessRequest[] = store.list('requests', {
        ...(mine ? { where: { requesterId: account.id } } : {}),
        ...(request.query.status ? { status: request.query.status } : {}),
        order: 'desc',
        limit: request.query.limit,
      });
      return { requests };
    },
  });

  app.get('/api/v1/grants', {
    schema: {
      tags: ['grants'],
      summary: "Grants, newest first: your own with mine=1 (always, for requesters), and those of the service identities you own; everyone's for console roles",
      security: secured,
      querystring: z.object({
        mine: z.enum(['0', '1', 'true', 'false']).optional(),
        status: GrantStatus.optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
    },
    handler: async (request) => {
      const { account } = principalOf(request);
      const mine = request.query.mine === '1' || request.query.mine === 'true' || !seesOthers('GET /api/v1/grants', account.roles);
      const listed = (where?: { userId: string }): Grant[] =>
        store.list('grants', { ...(where ? { where } : {}), ...(request.query.status ? { status: request.query.status } : {}), order: 'desc', limit: request.query.limit });
      // Yours include those a service identity you own holds: you give them back and ask for more time on them.
      const owned = mine ? identitiesOwnedBy(store, account.id) : [];
      if (owned.length === 0) return { grants: listed(mine ? { userId: account.id } : undefined) };
      const grants = [account.id, ...owned].flatMap((userId) => listed({ userId }));
      return { grants: grants.sort((a, b) => b.approvedAt.localeCompare(a.approvedAt)).slice(0, request.query.limit) };
    },
  });

  registerCatalogRoutes(root, { store, now });
  registerConnectorRoutes(root, { store, ...(deps.registry ? { registry: deps.registry } : {}) });
  registerConfigRoutes(root, { store, processor, now });
  registerStandingAccessRoutes(root, { store, now, ...(deps.scheduler ? { scheduler: deps.scheduler } : {}) });

  app.get('/api/v1/connectors', {
    schema: {
      tags: ['connectors'],
      summary: 'Connector configuration (secrets redacted) and health, and scheduler job counts (admin, auditor, policy_admin)',
      description: `Each connector is asked for its health; one that does not answer within ${HEALTH_TIMEOUT_MS / 1000} s is reported not ok.`,
      security: secured,
      response: { 200: ConnectorsResponse, 401: ErrorBodySchema, 403: ErrorBodySchema },
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/connectors', 'viewing connectors');
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
      requireEndpoint(request, 'GET /metrics', 'reading metrics');
      const text = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(text);
    },
  });
}

/** A connector's health, or not ok when it throws or does not answer in time. */
async function healthWithin(check: () => Promise<ConnectorHealth>, timeoutMs: number): Promise<ConnectorHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ConnectorHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
  });
  try {
    return await Promise.race([
      check().then(
        (h) => ({ ok: h.ok, detail: h.detail, ...(h.starting ? { starting: true } : {}), ...(h.facts?.length ? { facts: h.facts } : {}) }),
        (error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
