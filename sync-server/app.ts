import { existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { passwordDigest, PROTOCOL_VERSION, type Connector, type SeparationSettings } from '../core/index.js';
import { openAuditTrail, type AuditSettings, type AuditTrail } from './audit/index.js';
import { registerAuditGauges } from './audit/metrics.js';
import { registerAuditRoutes } from './audit/routes.js';
import { registerOlderBlocksRoute } from './audit/older-blocks-route.js';
import { startSiemForwarder, type SiemForwarder } from './audit/siem/forwarder.js';
import { registerSiemRoutes } from './audit/siem/routes.js';
import type { SiemSettings } from './audit/siem/settings.js';
import { checkPasswordPolicy } from './auth/password-policy.js';
import { decoyHash, generatePassword, hashPassword } from './auth/passwords.js';
import { createLoginThrottle, type LoginThrottleSettings } from './auth/throttle.js';
import { tokenTtlFromEnv } from './auth/tokens.js';
import { createCommandProcessor, type CommandProcessor } from './commands/processor.js';
import type { ConnectorDescription } from './connectors/config.js';
import { createConnectorRegistry, type ConnectorRegistry } from './connectors/registry.js';
import { seedDemoOrganisation } from './demo/seed.js';
import { registerApiRoutes } from './http/api-routes.js';
import { guardStreams, installAuth } from './http/auth.js';
import { installBodyDepthLimit } from './http/body-depth.js';
import { createFloodGuard, type FloodGuardSettings } from './http/flood-guard.js';
import { frameworkErrorHandler, installErrorHandler, notFound, sendError } from './http/errors.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { registerOidcRoutes } from './http/oidc-routes.js';
import { registerSyncRoutes } from './http/sync-routes.js';
import { registerDirectorySyncRoutes } from './http/directory-sync-routes.js';
import { directoryKindOf } from './accounts/links.js';
import { createDirectorySync, type DirectorySync, type DirectorySyncConfigInput } from './directory-sync/index.js';
import { MFA_MIGRATIONS } from './mfa/migrations.js';
import { registerOffboardingRoutes, type OffboardingSettings } from './offboarding/index.js';
import { checkTrustProxy, type TrustProxySetting } from './http/trust-proxy.js';
import {
  exemptLiveStreams,
  installSecurityHeaders,
  plainHttpWarning,
  readTlsFiles,
  reportDroppedConnections,
  resolveTransportLimits,
  transportServerFactory,
  type TlsFiles,
  type TransportLimits,
} from './http/transport.js';
import { SCHEDULER_MIGRATIONS, startScheduler, type Scheduler, type SchedulerOptions } from './scheduler/index.js';
import { registerStoredConnectors, type SecretKey } from './secrets/index.js';
import type { SsoSettings } from './sso/settings.js';
import { openStore } from './store/sqlite-store.js';
import type { MigrationSet, Store } from './store/types.js';
import { SERVER_VERSION } from './version.js';
import { createTicketChecker } from './ticket-check/index.js';

export type CreateServerOptions = {
  /** Directory holding jit.sqlite (created if missing). */
  dataDir: string;
  /** Password for the `admin` account created on first start; generated and printed once if absent. */
  adminPassword?: string;
  /** Seed the demo organisation into an empty store. */
  seedDemo?: boolean;
  /** The clock for commands, sessions and audit events (tests inject one). */
  now?: () => Date;
  /** Built web console to serve at `/`; default `<repo>/out/renderer`, served only if it exists. */
  webRoot?: string;
  /** Fastify (pino) log level; default 'info'. Use 'silent' in tests. */
  logLevel?: string;
  /** Where log lines (JSON, one per line) go; default stdout. */
  logStream?: { write(line: string): void };
  /** Serve HTTPS (TLS 1.2 or later) with these PEM files, and send HSTS; default plain HTTP. */
  tls?: TlsFiles;
  /** Timeouts and connection limits (see http/transport.ts); defaults in DEFAULT_TRANSPORT_LIMITS. */
  transport?: Partial<TransportLimits>;
  /** Origins allowed by CORS (exact match, e.g. http://localhost:5173). Default: none (same-origin only). */
  allowedOrigins?: string[];
  /** Allow the `null` origin of file:// pages (the packaged Electron app). Default false. */
  allowFileOrigin?: boolean;
  /** Session lifetime; default JIT_TOKEN_TTL_MINUTES or 12 hours. */
  tokenTtlMinutes?: number;
  /** Extra migration sets for server-only tables (e.g. the scheduler's). */
  migrations?: readonly MigrationSet[];
  /** SSE heartbeat interval; default 15 s. */
  heartbeatMs?: number;
  /** How often open live streams are checked against their session (sign-out ends them at once); default 15 s. */
  sessionCheckMs?: number;
  /**
   * Sign-in throttling (auth/throttle.ts): progressive waits per (username, client address) and a
   * limit per address; kept in the store. Default DEFAULT_LOGIN_THROTTLE.
   */
  loginThrottle?: Partial<LoginThrottleSettings>;
  /**
   * Reverse proxies whose X-Forwarded-For names the client (JIT_TRUST_PROXY): false (default: the
   * header is ignored), a hop count, or proxy addresses / CIDR ranges. See http/trust-proxy.ts.
   */
  trustProxy?: TrustProxySetting;
  /**
   * Floods of commands (http/flood-guard.ts): requests per minute per account on the command routes,
   * and rejected commands recorded per account per window (beyond: 429, nothing recorded).
   */
  floodGuard?: Partial<FloodGuardSettings>;
  /**
   * Connector configs (see sync-server/connectors/config.ts), validated at start: a bad one fails
   * createServer with an error naming the field. Resources name them by `connectorId`.
   */
  connectors?: unknown[];
  /** Connectors built by the caller, registered as they are (the demo's AD connector while its DC starts). */
  connectorInstances?: { connector: Connector & { close?(): void }; description: ConnectorDescription }[];
  /**
   * The key of the connector secrets kept encrypted in the store (sync-server/secrets): every stored
   * connector config is decrypted with it, in memory only, and registered next to `connectors`. A
   * stored secret and no key, or another key, fails createServer with a message saying which.
   */
  secretKey?: SecretKey;
  /**
   * The revocation scheduler (provision, revoke at expiry, verify, drift checks). `false`: not in
   * this process (e.g. scheduler/worker-cli.ts runs it). Options: started with them. Absent: started
   * when `connectors` is given, so a server without connectors (most tests) runs no background work.
   * cli.ts always starts it. `intervalMs: 0` starts no loop: call `scheduler.runOnce()` (tests).
   */
  scheduler?: false | SchedulerSettings;
  /**
   * People and groups imported from directory connectors (directory-sync/config.ts; JIT_DIRECTORY_SYNC_FILE):
   * each source on its interval beside the scheduler, and on demand. Absent: no sync.
   */
  directorySync?: DirectorySyncConfigInput;
  /** Separation of duties: days after changing configuration during which one may not approve under it (default 30). */
  separation?: SeparationSettings;
  /** A CA (PEM) trusted beside the system's roots for ticket-check hook calls (JIT_TICKET_HOOK_CA_FILE). */
  ticketHookCaPem?: string;
  /**
   * Single sign-on through one OpenID Connect provider (sso/settings.ts, JIT_OIDC_*): the console's
   * "Sign in with <name>", and password sign-in only for the break-glass admins. Absent: passwords only.
   */
  sso?: SsoSettings;
  /** Offboarding's fallback person and what a person the directory disables raises (offboarding/; JIT_OFFBOARD_*). Default: no fallback, an alert. */
  offboarding?: OffboardingSettings;
  /** Signed checkpoints and the start-up integrity check (audit/index.ts; JIT_AUDIT_KEY_FILE, JIT_AUDIT_STRICT). */
  audit?: AuditSettings;
  /** Forwarding every audit event to a SIEM (audit/siem/settings.ts; JIT_SIEM_*). Absent: none. */
  siem?: SiemSettings;
};

/** Scheduler options a server caller may set; the store, registry and clock are the server's. */
export type SchedulerSettings = Omit<SchedulerOptions, 'store' | 'registry' | 'now'>;

export type JitServer = {
  app: FastifyInstance;
  store: Store;
  processor: CommandProcessor;
  metrics: Metrics;
  /** The configured connectors (empty when none were given). */
  registry: ConnectorRegistry;
  /** The in-process scheduler, when it runs here. */
  scheduler?: Scheduler;
  /** The signing key, the start check's alerts and the checkpointer. */
  audit: AuditTrail;
  /** The directory sync, when configured. */
  directorySync?: DirectorySync;
  /** Forwarding to a SIEM, when configured. */
  siem?: SiemForwarder;
  /** Set once listening. */
  url?: string;
  /** The admin password, when this start created the admin account with a generated one. */
  generatedAdminPassword?: string;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
};

export const ADMIN_USER_ID = 'u-admin';
export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../out/renderer', import.meta.url));
/** The web console's service worker (built beside index.html: electron.vite.config.ts), served with `Cache-Control: no-cache`. */
const WEB_SERVICE_WORKER = 'sw.js';
/** How long close() lets in-flight requests finish before cutting their connections. */
const CLOSE_GRACE_MS = 5_000;
const DEFAULT_SESSION_CHECK_MS = 15_000;
const SERVER_PREFIXES = ['/api/', '/sync/', '/metrics', '/healthz'];

/** First start: an `admin` account holding every console role. */
async function ensureAdmin(store: Store, now: () => Date, password: string | undefined): Promise<string | undefined> {
  if (store.listAccounts().length > 0) return undefined;
  const policy = password ? checkPasswordPolicy(password, { username: 'admin' }) : { ok: true as const };
  // The first admin holds every role: its password may not be weaker than anyone else's.
  if (!policy.ok) throw new Error(`adminPassword (JIT_ADMIN_PASSWORD) ${policy.message}`);
  const generated = password ? undefined : generatePassword('admin');
  const passwordHash = await hashPassword(password ?? (generated as string));
  const at = now().toISOString();
  const roles = ['admin', 'approver', 'auditor', 'policy_admin'] as const;
  store.tx(() => {
    if (store.listAccounts().length > 0) return;
    store.createAccount({ id: ADMIN_USER_ID, username: 'admin', passwordHash, roles: [...roles], createdAt: at });
    store.put('users', { id: ADMIN_USER_ID, username: 'admin', displayName: 'Administrator', roles: [...roles], updatedAt: at });
    store.appendAudit({ type: 'account.created', actorId: 'system', subjectType: 'account', subjectId: ADMIN_USER_ID, data: { username: 'admin', roles: [...roles], passwordDigest: passwordDigest(passwordHash) }, at });
  });
  return generated;
}

export async function createServer(opts: CreateServerOptions): Promise<JitServer> {
  const now = opts.now ?? (() => new Date());
  // Transport settings and TLS files are checked first too: nothing is open yet to clean up.
  const transportLimits = resolveTransportLimits(opts.transport);
  const tlsMaterial = opts.tls ? readTlsFiles(opts.tls) : null;
  // Connector configs are checked before anything is opened: a typo fails fast and names the field.
  const registry = createConnectorRegistry(opts.connectors ?? []);
  for (const { connector, description } of opts.connectorInstances ?? []) registry.register(connector, description);
  const runScheduler = opts.scheduler === undefined ? opts.connectors !== undefined : opts.scheduler !== false;
  let store: Store;
  try {
    // MFA's tables add the step-up mark to sessions, which every command route reads.
    store = openStore({ dataDir: opts.dataDir, migrations: [MFA_MIGRATIONS, ...(runScheduler ? [SCHEDULER_MIGRATIONS] : []), ...(opts.migrations ?? [])] });
  } catch (error) {
    registry.close();
    throw error;
  }
  // Before anything appends: the chain, its signatures, its guards and the stored state are checked first.
  let reportAuditError = (error: unknown): void => void process.stderr.write(`audit checkpoint failed: ${String(error)}\n`);
  let audit: AuditTrail;
  try {
    audit = await openAuditTrail({ store, now, dataDir: opts.dataDir, ...(opts.audit ? { settings: opts.audit } : {}), onError: (error) => reportAuditError(error) });
  } catch (error) {
    registry.close();
    store.close();
    throw error;
  }
  const floodGuard = createFloodGuard({ store, now, ...(opts.floodGuard ? { settings: opts.floodGuard } : {}) });
  const processor = createCommandProcessor({ store, now, beforeReject: floodGuard.beforeReject, ...(opts.separation ? { separation: opts.separation } : {}) });
  // The hash an unknown username is checked against, made now so the first such sign-in costs no more than any other.
  void decoyHash();
  const metrics = createMetrics();
  // Ticket-check hooks are asked by the command routes before a command is applied (docs/decisions/ticket-check-hook.md).
  const ticketChecker = createTicketChecker({ store, now, secretKey: opts.secretKey, extraCaPem: opts.ticketHookCaPem });
  const streams = new Set<ServerResponse>();

  let generatedAdminPassword: string | undefined;
  let scheduler: Scheduler | undefined;
  let directorySync: DirectorySync | undefined;
  try {
    registerStoredConnectors(store, registry, opts.secretKey);
    if (opts.directorySync) directorySync = createDirectorySync({ store, registry, now, config: opts.directorySync });
    generatedAdminPassword = await ensureAdmin(store, now, opts.adminPassword);
    if (generatedAdminPassword) process.stdout.write(`Admin password: ${generatedAdminPassword}\n`);
    if (opts.seedDemo) await seedDemoOrganisation(store, processor, now());
    // Started after seeding, so seeded approvals are provisioned by the first pass.
    if (runScheduler) scheduler = startScheduler({ ...(opts.scheduler || {}), store, registry, now, ...(opts.separation ? { separation: opts.separation } : {}) });
  } catch (error) {
    registry.close();
    store.close();
    throw error;
  }
  if (scheduler) registerSchedulerGauge(metrics, scheduler);
  // After the start check, so the alerts it raised are forwarded too.
  const siem = opts.siem ? startSiemForwarder({ store, settings: opts.siem, now, onError: (sink, error) => reportAuditError(new Error(`forwarding audit events to ${sink}: ${error instanceof Error ? error.message : String(error)}`)) }) : undefined;
  registerAuditGauges(metrics, audit, () => store.auditHead().seq);

  processor.onResult((result, { replay }) => metrics.commands.inc({ type: result.type, status: replay ? 'replayed' : result.status }));

  const app = Fastify({
    logger: { level: opts.logLevel ?? 'info', ...(opts.logStream ? { stream: opts.logStream } : {}) },
    serverFactory: transportServerFactory(transportLimits, tlsMaterial),
    bodyLimit: 1024 * 1024,
    // A URL the router cannot decode is answered in the one error shape too.
    frameworkErrors: frameworkErrorHandler,
    // request.ip is the real client only behind a trusted proxy; otherwise X-Forwarded-For is ignored.
    trustProxy: checkTrustProxy(opts.trustProxy),
    // Open SSE streams are ended in preClose; idle keep-alive sockets must not hold close() up.
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installBodyDepthLimit(app);
  reportAuditError = (error) => app.log.error({ err: error }, 'signing an audit checkpoint failed');
  for (const alert of audit.alerts) app.log.error({ auditAlert: alert }, `audit integrity alert: ${alert.message}`);

  const allowed = new Set(opts.allowedOrigins ?? []);
  await app.register(fastifyCors, {
    origin: (origin, callback) => {
      if (origin === undefined) return callback(null, false);
      if (origin === 'null') return callback(null, opts.allowFileOrigin === true);
      callback(null, allowed.has(origin));
    },
    methods: ['GET', 'POST', 'PATCH'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    maxAge: 600,
  });
  // Before installAuth: a refused request carries the headers too.
  await installSecurityHeaders(app, { https: tlsMaterial !== null });
  exemptLiveStreams(app, (route) => route.startsWith('/sync/') && route.endsWith('/stream'));
  reportDroppedConnections(app, transportLimits.maxConnections);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'JIT access console sync server',
        version: SERVER_VERSION,
        description: `Requester, admin and replication API (sync protocol v${PROTOCOL_VERSION}). Errors: {error:{code,message,field?}}.`,
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });

  installAuth(app, { store, now });
  await floodGuard.install(app);
  const streamGuard = guardStreams(app, { store, now, streams, checkMs: opts.sessionCheckMs ?? DEFAULT_SESSION_CHECK_MS, onError: (error) => app.log.error({ err: error }, 'checking live streams failed') });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', method: request.method, status: String(reply.statusCode) });
  });
  app.addHook('preClose', async () => {
    streamGuard.stop();
    for (const stream of streams) stream.end();
    streams.clear();
  });

  const tokenTtlMinutes = opts.tokenTtlMinutes ?? tokenTtlFromEnv();
  registerApiRoutes(app, {
    store,
    processor,
    now,
    metrics,
    tokenTtlMinutes,
    registry,
    loginThrottle: createLoginThrottle({ store, ...(opts.loginThrottle ? { settings: opts.loginThrottle } : {}) }),
    onSignOut: () => streamGuard.sweep(),
    rejections: floodGuard.rejections,
    ticketChecker,
    ...(scheduler ? { scheduler } : {}),
    ...(opts.secretKey ? { secretKey: opts.secretKey } : {}),
  });
  registerAuditRoutes(app, { audit });
  registerSiemRoutes(app, { store, ...(siem ? { forwarder: siem } : {}) });
  registerOidcRoutes(app, { store, now, tokenTtlMinutes, entraConnectorIds: () => registry.ids().filter((id) => registry.get(id)?.kind === 'entra'), ...(opts.sso ? { sso: opts.sso } : {}) });
  registerOffboardingRoutes(app, { store, now, secretKey: opts.secretKey, settings: opts.offboarding });
  registerDirectorySyncRoutes(app, { store, now, directoryOf: directoryKindOf(registry, store), ...(directorySync ? { directorySync } : {}) });
  registerSyncRoutes(app, { store, processor, metrics, rejections: floodGuard.rejections, ticketChecker, ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}) }, streams);
  registerOlderBlocksRoute(app, { store });
  app.get('/api/v1/openapi.json', {
    schema: { hide: true },
    handler: async () => app.swagger(),
  });

  const webRoot = opts.webRoot ?? DEFAULT_WEB_ROOT;
  const serveWeb = existsSync(webRoot) && statSync(webRoot).isDirectory() && existsSync(`${webRoot}/index.html`);
  if (serveWeb) {
    await app.register(async (web) => {
      // The web console's files are public: it signs in itself.
      web.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), public: true };
      });
      await web.register(fastifyStatic, {
        root: webRoot,
        prefix: '/',
        wildcard: true,
        index: ['index.html'],
        // The console's service worker: browsers must ask for it again each time they check for a new version.
        setHeaders: (reply, file) => {
          if (basename(file) === WEB_SERVICE_WORKER) reply.header('cache-control', 'no-cache');
        },
      });
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isServerPath = SERVER_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p));
    if (serveWeb && request.method === 'GET' && !isServerPath) {
      // Client-side routes of the single-page console.
      return reply.type('text/html').sendFile('index.html', webRoot);
    }
    return sendError(reply, notFound(`no route ${request.method} ${path}`));
  });

  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  // Its loop runs beside the scheduler's, when the scheduler runs here with its loops on.
  if (directorySync && scheduler && (opts.scheduler ? (opts.scheduler.intervalMs ?? 1000) > 0 : true)) directorySync.start((error) => app.log.error({ err: error }, 'directory sync failed'));

  const server: JitServer = {
    app,
    store,
    processor,
    metrics,
    registry,
    audit,
    ...(scheduler ? { scheduler } : {}),
    ...(directorySync ? { directorySync } : {}),
    ...(siem ? { siem } : {}),
    ...(generatedAdminPassword ? { generatedAdminPassword } : {}),
    async listen(port = DEFAULT_PORT, host = DEFAULT_HOST) {
      await app.listen({ port, host });
      const warning = plainHttpWarning(host, tlsMaterial !== null);
      if (warning) app.log.warn(warning);
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      server.url = `${tlsMaterial ? 'https' : 'http'}://${shownHost}:${actualPort}`;
      return server.url;
    },
    async close() {
      // server.close() waits for every connection. Two kinds would hold it for a minute or more:
      // a keep-alive connection whose request finished after close began, and a connection a
      // client opened but never used (Node counts neither as idle at that moment). Sweep both while
      // draining, and cut whatever is left after a grace period.
      const sweep = setInterval(() => {
        app.server.closeIdleConnections();
        for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
      }, 50);
      const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        // HTTP and the scheduler wind down together; in-flight scheduler passes finish and commit.
        const results = await Promise.allSettled([app.close(), scheduler?.stop(), directorySync?.stop(), siem?.close()]);
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
        registry.close();
        ticketChecker.close();
        audit.close();
        store.close();
      }
    },
  };
  await app.ready();
  return server;
}

/** `jit_scheduler_jobs{kind,state}`: read from the jobs table at each scrape. */
function registerSchedulerGauge(metrics: Metrics, scheduler: Scheduler): void {
  new Gauge({
    name: 'jit_scheduler_jobs',
    help: 'Scheduler jobs by kind (provision, revoke, verify_provision, verify_revocation, drift_check) and state',
    labelNames: ['kind', 'state'] as const,
    registers: [metrics.registry],
    collect() {
      // Kinds and states that emptied since the last scrape must not keep their old value.
      this.reset();
      for (const { kind, state, n } of scheduler.jobCounts()) this.set({ kind, state }, n);
    },
  });
}
