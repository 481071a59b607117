import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { TokenIssuer, verifyClientAssertion, type AppRegistration } from './auth.js';
import {
  ReplicatedDirectory,
  type DirectoryOp,
  type GroupAccessId,
  type GroupInstanceRecord,
  type GroupRecord,
  type GroupRequestRecord,
  type ReplicationLag,
  type RoleDefinitionRecord,
  type RoleInstanceRecord,
  type RoleRequestRecord,
  type ServicePrincipalRecord,
  type UserRecord,
  type Directory,
} from './directory.js';
import { FaultPlan, type FaultInjection, type FaultKind, type FaultMatch } from './faults.js';
import { ALL_PERMISSIONS, matchRoute, type GraphApiContext, type GraphCall, type GraphResult } from './graph-api.js';
import { CursorSealer, GraphError } from './odata.js';
import { SeededRandom } from './rng.js';
import { SIGN_IN_PERMISSION, signedInAt, type SignInActivity } from './sign-in.js';
import { createStandinCertificates } from './tls.js';
import { seedDemo } from './demo.js';
import { DEFAULT_BUDGETS, Throttler, type ThrottleBudgets } from './throttle.js';

export type { FaultKind, FaultMatch, FaultInjection, ThrottleBudgets, ReplicationLag };
export type { UserRecord, GroupRecord, RoleDefinitionRecord, RoleRequestRecord, RoleInstanceRecord, GroupRequestRecord, GroupInstanceRecord, GroupAccessId };
export { ALL_PERMISSIONS, DEFAULT_BUDGETS };

export const DEFAULT_TENANT_ID = '11111111-2222-4333-8444-555555555555';
export const DEFAULT_CLIENT_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
export const DEFAULT_CLIENT_SECRET = 'standin-secret~not-a-real-credential';
const DEFAULT_DOMAIN = 'contoso.test';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_BATCH = 20;
const SUPPORTED_QUERY_OPTIONS = ['$select', '$top', '$filter', '$count', '$skiptoken', '$deltatoken'];

export type GraphStandinOptions = {
  host?: string;
  port?: number;
  seed?: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Application permissions of the default app; all supported ones when absent. */
  permissions?: readonly string[];
  /** Also accept certificate credentials for the default app: the PEM certificate of its key. */
  clientCertificatePem?: string;
  /** Where to write the CA certificate (PEM), for NODE_EXTRA_CA_CERTS in child processes. */
  caPath?: string;
  tokenLifetimeSeconds?: number;
  defaultPageSize?: number;
  maxPageSize?: number;
  throttling?: boolean | Partial<ThrottleBudgets>;
  retryAfterMissingProbability?: number;
  replicationLag?: ReplicationLag;
  replicas?: number;
  /** How long a `timeout` fault holds the socket before destroying it. */
  timeoutHoldMs?: number;
  now?: () => number;
  /** Seed the demo directory (see demo.ts). */
  demo?: boolean;
};

export type WriteLogEntry = {
  at: string;
  method: string;
  path: string;
  status: number;
  clientId: string;
  batchId?: string;
  requestId: string;
  /** Set when an injected fault shaped the answer; status 0 means no answer (timeout, reset). */
  fault?: FaultKind;
};

export type Counters = {
  requests: number;
  reads: number;
  writes: number;
  tokens: number;
  throttled: number;
  faults: number;
  batches: number;
  byStatus: Record<number, number>;
};

export type NewUser = { id?: string; displayName: string; userPrincipalName?: string; mail?: string | null; accountEnabled?: boolean; givenName?: string; surname?: string; jobTitle?: string; department?: string; employeeType?: string; managerId?: string };
/** Fields of a user a test may change (each change shows in the next delta round). */
export type UserPatch = Partial<Pick<UserRecord, 'displayName' | 'userPrincipalName' | 'mail' | 'accountEnabled' | 'givenName' | 'surname' | 'jobTitle' | 'department' | 'employeeType'>>;
export type NewGroup = { id?: string; displayName: string; description?: string; mailNickname?: string; securityEnabled?: boolean; mailEnabled?: boolean; groupTypes?: string[]; isAssignableToRole?: boolean };
export type NewRoleDefinition = { id?: string; displayName: string; description?: string; templateId?: string; isBuiltIn?: boolean };
export type NewApp = { clientId: string; clientSecret?: string; certificatePem?: string; displayName?: string; permissions: readonly string[] };
export type SeedRoleAssignment = { principalId: string; roleDefinitionId: string; directoryScopeId?: string; startDateTime?: string; endDateTime?: string | null };
export type SeedGroupAssignment = { principalId: string; groupId: string; accessId: GroupAccessId; startDateTime?: string; endDateTime?: string | null };

export type StateReaders = {
  users(): UserRecord[];
  groups(): GroupRecord[];
  members(groupId: string): string[];
  transitiveMembers(groupId: string): string[];
  owners(groupId: string): string[];
  memberOf(objectId: string): string[];
  transitiveMemberOf(objectId: string): string[];
  isMember(groupId: string, memberId: string): boolean;
  roleDefinitions(): RoleDefinitionRecord[];
  roleRequests(): RoleRequestRecord[];
  /** Active role assignment schedule instances. */
  roleInstances(): RoleInstanceRecord[];
  groupRequests(): GroupRequestRecord[];
  /** Active PIM-for-groups assignment schedule instances. */
  groupInstances(): GroupInstanceRecord[];
  /** Replicated writes not yet visible on some replica. */
  pendingReplication(): number;
  /** What replica `index` shows now (caught up to the current time). */
  replicaState(index: number): Omit<StateReaders, 'replicaState' | 'pendingReplication'>;
};

export type GraphStandin = {
  origin: string;
  baseUrl: string;
  authorityHost: string;
  tokenUrl: string;
  port: number;
  tenantId: string;
  credentials: { tenantId: string; clientId: string; clientSecret: string };
  caPem: string;
  caPath: string | undefined;
  issueToken(clientId?: string): string;
  addApp(app: NewApp): void;
  setAppPermissions(clientId: string, permissions: readonly string[]): void;
  addUser(input: NewUser): UserRecord;
  addGroup(input: NewGroup): GroupRecord;
  addMember(groupId: string, memberId: string): void;
  removeMember(groupId: string, memberId: string): void;
  updateUser(id: string, patch: UserPatch): UserRecord;
  /** Soft delete by default (delta says reason "changed"); `permanent` as a hard delete ("deleted"). */
  deleteUser(id: string, opts?: { permanent?: boolean }): void;
  setManager(userId: string, managerId: string | null): void;
  addOwner(groupId: string, ownerId: string): void;
  /** A service principal of this tenant's own application (or a managed identity); owners are added with addServicePrincipalOwner. */
  addServicePrincipal(input: { id?: string; appId?: string; displayName: string; accountEnabled?: boolean; servicePrincipalType?: ServicePrincipalRecord['servicePrincipalType'] }): ServicePrincipalRecord;
  addServicePrincipalOwner(servicePrincipalId: string, ownerId: string): void;
  deleteServicePrincipal(id: string): void;
  /** The user's last interactive sign-in as Entra records it (null: never signed in); read back through `$select=signInActivity`. */
  setSignIn(userId: string, at: string | null): void;
  addRoleDefinition(input: NewRoleDefinition): RoleDefinitionRecord;
  addRoleAssignment(input: SeedRoleAssignment): RoleInstanceRecord;
  addGroupAssignment(input: SeedGroupAssignment): GroupInstanceRecord;
  readonly state: StateReaders;
  readonly writeLog: readonly WriteLogEntry[];
  readonly counters: Readonly<Counters>;
  setBudgets(budgets: Partial<ThrottleBudgets>): void;
  getBudgets(): ThrottleBudgets;
  setThrottling(enabled: boolean): void;
  setRetryAfterMissingProbability(probability: number): void;
  /** On: PIM instance lists (roles and groups) ignore `$filter` and list every active instance, as a Graph that does not apply it would. */
  setIgnoreInstanceFilter(on: boolean): void;
  setReplicationLag(lag: ReplicationLag): void;
  settle(): void;
  injectFaults(spec: FaultInjection): void;
  clearFaults(): void;
  failNext(count: number, kind: FaultKind, match?: FaultMatch): void;
  setTimeoutHoldMs(ms: number): void;
  reset(): void;
  close(): Promise<void>;
};

type HttpAnswer = { status: number; headers: Record<string, string>; body?: unknown; raw?: string };

const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.+|\.+$/g, '') || 'object';
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${field} must be a non-empty string`);
  return value;
}

function checkProbability(p: number, field: string): number {
  if (!Number.isFinite(p) || p < 0 || p > 1) throw new Error(`${field} must be within 0..1, got ${String(p)}`);
  return p;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new GraphError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startGraphStandin(options: GraphStandinOptions = {}): Promise<GraphStandin> {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const host = options.host ?? '127.0.0.1';
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  const defaultPageSize = options.defaultPageSize ?? 100;
  const maxPageSize = options.maxPageSize ?? 999;
  if (!Number.isInteger(defaultPageSize) || defaultPageSize < 1) throw new Error(`defaultPageSize must be a positive integer, got ${String(defaultPageSize)}`);
  if (!Number.isInteger(maxPageSize) || maxPageSize < defaultPageSize) throw new Error(`maxPageSize must be an integer >= defaultPageSize, got ${String(maxPageSize)}`);
  if (!Number.isInteger(tokenLifetimeSeconds) || tokenLifetimeSeconds < 1) throw new Error(`tokenLifetimeSeconds must be a positive integer, got ${String(tokenLifetimeSeconds)}`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`host must be a loopback address, got ${host}`);

  const certificates = await createStandinCertificates();
  if (options.caPath) {
    mkdirSync(dirname(options.caPath), { recursive: true });
    writeFileSync(options.caPath, certificates.caPem);
  }

  // Separate streams so, for example, turning on lag does not change the ids handed out.
  let idRandom = new SeededRandom(seed);
  let lagRandom = new SeededRandom(seed + 1);
  let coinRandom = new SeededRandom(seed + 2);
  let orderRandom = new SeededRandom(seed + 3);
  let requestIdRandom = new SeededRandom(seed + 5);
  const directory = new ReplicatedDirectory(options.replicas ?? 2, { next: () => lagRandom.next(), int: (min: number, max: number) => lagRandom.int(min, max) }, now);
  const initialLag = options.replicationLag ?? { minMs: 0, maxMs: 0 };
  directory.setLag(initialLag);
  const throttler = new Throttler(now);
  const applyThrottleOption = (): void => {
    throttler.reset();
    if (options.throttling === false) throttler.enabled = false;
    else if (typeof options.throttling === 'object') throttler.setBudgets(options.throttling);
  };
  applyThrottleOption();
  let ignoreInstanceFilter = false;
  let retryAfterMissingProbability = checkProbability(options.retryAfterMissingProbability ?? 0, 'retryAfterMissingProbability');
  let timeoutHoldMs = options.timeoutHoldMs ?? 30_000;
  const faults = new FaultPlan();
  const cursors = new CursorSealer();
  const tokens = new TokenIssuer(tenantId);
  const apps = new Map<string, AppRegistration>();
  const writeLog: WriteLogEntry[] = [];
  const emptyCounters = (): Counters => ({ requests: 0, reads: 0, writes: 0, tokens: 0, throttled: 0, faults: 0, batches: 0, byStatus: {} });
  let counters = emptyCounters();

  const registerApp = (app: NewApp): void => {
    requireText(app.clientId, 'clientId');
    if (app.clientSecret === undefined && app.certificatePem === undefined) throw new Error('an app needs a clientSecret or a certificatePem');
    for (const p of app.permissions) if (!ALL_PERMISSIONS.includes(p)) throw new Error(`unknown permission '${p}'; known: ${ALL_PERMISSIONS.join(', ')}`);
    apps.set(app.clientId, {
      clientId: app.clientId,
      ...(app.clientSecret !== undefined ? { clientSecret: app.clientSecret } : {}),
      ...(app.certificatePem !== undefined ? { certificatePem: app.certificatePem } : {}),
      displayName: app.displayName ?? `app ${app.clientId.slice(0, 8)}`,
      permissions: new Set(app.permissions),
    });
  };
  const registerDefaultApp = (): void => registerApp({
    clientId,
    clientSecret,
    ...(options.clientCertificatePem ? { certificatePem: options.clientCertificatePem } : {}),
    displayName: 'JIT access console (stand-in)',
    permissions: options.permissions ?? ALL_PERMISSIONS,
  });
  registerDefaultApp();

  const server: Server = createServer({ cert: certificates.serverCertPem, key: certificates.serverKeyPem });
  const sockets = new Set<Socket>();
  const heldTimers = new Set<NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the stand-in did not get a TCP port');
  const port = address.port;
  const urlHost = host === '::1' ? '[::1]' : host;
  const origin = `https://${urlHost}:${port}`;
  const tokenUrl = `${origin}/${tenantId}/oauth2/v2.0/token`;

  const signIns = new Map<string, SignInActivity>();
  const apiContext: GraphApiContext = {
    directory,
    random: idRandom,
    now,
    origin,
    defaultPageSize,
    maxPageSize,
    cursors,
    appDisplayName: (id) => apps.get(id)?.displayName ?? null,
    signIns: { activity: signIns, permitted: (id) => apps.get(id)?.permissions.has(SIGN_IN_PERMISSION) ?? false },
  };

  const countStatus = (status: number): void => {
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
  };

  const graphError = (status: number, code: string, message: string, requestId: string, clientRequestId: string, headers: Record<string, string> = {}): GraphResult => ({
    status,
    headers,
    body: { error: { code, message, innerError: { date: new Date(now()).toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': requestId, 'client-request-id': clientRequestId } } },
  });

  const retryAfterHeader = (seconds: number): Record<string, string> =>
    coinRandom.chance(retryAfterMissingProbability) ? {} : { 'Retry-After': String(seconds) };

  const faultResult = (kind: FaultKind, requestId: string, clientRequestId: string): GraphResult => {
    switch (kind) {
      case '429':
        return graphError(429, 'TooManyRequests', 'Too many requests.', requestId, clientRequestId, retryAfterHeader(1));
      case '500':
        return graphError(500, 'InternalServerError', 'An internal server error occurred.', requestId, clientRequestId);
      case '503':
        return graphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable.', requestId, clientRequestId, retryAfterHeader(1));
      default:
        return graphError(504, 'GatewayTimeout', 'The gateway did not receive a response in time.', requestId, clientRequestId);
    }
  };

  /** One Graph request, alone or inside a batch: route, fault, permission, throttle, handler, log. */
  const executeGraph = (callIn: GraphCall, fault: FaultKind | undefined, requestId: string, batchId?: string): GraphResult => {
    let call = callIn;
    const clientRequestId = call.headers['client-request-id'] ?? requestId;
    const match = matchRoute(call.method, call.path);
    const isWrite = call.method !== 'GET';
    let result: GraphResult;
    if (!match.route) {
      const segment = call.path.split('/').filter(Boolean).pop() ?? '';
      result = match.methodAllowed
        ? graphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`, requestId, clientRequestId)
        : graphError(405, 'Request_BadRequest', `The HTTP method '${call.method}' is not allowed for this resource.`, requestId, clientRequestId);
    } else if (fault && fault !== 'applied-then-504') {
      counters.faults += 1;
      result = faultResult(fault === 'timeout' || fault === 'reset' ? '504' : fault, requestId, clientRequestId);
    } else {
      const route = match.route;
      const app = apps.get(call.clientId);
      const allowed = app !== undefined && route.permissions.some((p) => app.permissions.has(p));
      if (!allowed) {
        result = graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', requestId, clientRequestId);
      } else {
        const decision = throttler.consume(call.clientId, route.cost, route.write);
        if (!decision.allowed) {
          counters.throttled += 1;
          result = graphError(429, 'TooManyRequests', 'Too many requests. Please retry again later.', requestId, clientRequestId, retryAfterHeader(decision.retryAfterSeconds));
        } else {
          try {
            if (ignoreInstanceFilter && /\/(roleAssignmentScheduleInstances|assignmentScheduleInstances)$/.test(call.path)) {
              // A Graph that does not apply $filter here (the client must match every field itself).
              call = { ...call, query: new URLSearchParams([...call.query].filter(([key]) => key.toLowerCase() !== '$filter')) };
              if (/\/assignmentScheduleInstances$/.test(call.path) && !call.path.includes('roleManagement')) call.query.set('$filter', `groupId ne ''`);
            }
            const unsupported = [...call.query.keys()].find((key) => key.startsWith('$') && !SUPPORTED_QUERY_OPTIONS.includes(key.toLowerCase()));
            // Deny rather than silently ignore an option the stand-in does not implement.
            if (unsupported) throw new GraphError(400, 'BadRequest', `The query option '${unsupported}' is not supported by the Graph stand-in.`);
            result = route.handle(apiContext, call, match.params);
            if (decision.limitPercentage !== undefined && result.status < 400) result = { ...result, headers: { ...result.headers, 'x-ms-throttle-limit-percentage': String(decision.limitPercentage) } };
          } catch (error) {
            if (error instanceof GraphError) result = graphError(error.status, error.code, error.message, requestId, clientRequestId, error.headers);
            else {
              process.stderr.write(`graph stand-in: ${call.method} ${call.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
              result = graphError(500, 'InternalServerError', 'The stand-in failed to handle this request.', requestId, clientRequestId);
            }
          }
          if (fault === 'applied-then-504') {
            counters.faults += 1;
            result = faultResult('504', requestId, clientRequestId);
          }
        }
      }
    }
    if (isWrite) counters.writes += 1;
    else counters.reads += 1;
    countStatus(result.status);
    if (isWrite) {
      writeLog.push({
        at: new Date(now()).toISOString(),
        method: call.method,
        path: `/v1.0${call.path}`,
        status: result.status,
        clientId: call.clientId,
        requestId,
        ...(batchId ? { batchId } : {}),
        ...(fault ? { fault } : {}),
      });
    }
    return result;
  };

  const parseInnerUrl = (url: string): { path: string; query: URLSearchParams } => {
    const relative = url.startsWith('/') ? url : `/${url}`;
    const parsed = new URL(`https://batch.invalid/v1.0${relative}`);
    return { path: parsed.pathname.slice('/v1.0'.length) || '/', query: parsed.searchParams };
  };

  const executeBatch = (body: unknown, clientIdOfCaller: string, requestId: string, clientRequestId: string): GraphResult => {
    counters.batches += 1;
    const bad = (message: string): GraphResult => graphError(400, 'BadRequest', message, requestId, clientRequestId);
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { requests?: unknown }).requests)) return bad('Invalid batch payload format.');
    const requests = (body as { requests: unknown[] }).requests;
    if (requests.length === 0) return bad('Invalid batch payload format: the requests array is empty.');
    if (requests.length > MAX_BATCH) return bad(`Number of requests in the batch exceeds the limit of ${MAX_BATCH}.`);
    type Inner = { id: string; method: string; url: string; headers: Record<string, string>; body: unknown; dependsOn: string[] };
    const inner: Inner[] = [];
    const ids = new Set<string>();
    for (const [index, raw] of requests.entries()) {
      if (typeof raw !== 'object' || raw === null) return bad(`Request ${index} in the batch is not an object.`);
      const r = raw as Record<string, unknown>;
      const id = typeof r.id === 'number' ? String(r.id) : r.id;
      if (typeof id !== 'string' || id === '') return bad(`Request ${index} in the batch has no id.`);
      // Batch ids are case-insensitive in Graph.
      if (ids.has(id.toLowerCase())) return bad(`Batch request contains duplicate id '${id}'.`);
      ids.add(id.toLowerCase());
      if (typeof r.method !== 'string' || !['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(r.method.toUpperCase())) return bad(`Request '${id}' in the batch has an invalid method.`);
      if (typeof r.url !== 'string' || r.url === '' || /^https?:/i.test(r.url)) return bad(`Request '${id}' in the batch needs a relative url.`);
      const headers: Record<string, string> = {};
      if (typeof r.headers === 'object' && r.headers !== null) for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
      if (r.body !== undefined && r.method.toUpperCase() !== 'GET' && !headers['content-type']) return bad(`Request '${id}' in the batch has a body but no Content-Type header.`);
      const dependsOn = r.dependsOn === undefined ? [] : r.dependsOn;
      if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) return bad(`Request '${id}' in the batch has an invalid dependsOn.`);
      inner.push({ id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body, dependsOn: (dependsOn as string[]).map((d) => d.toLowerCase()) });
    }
    for (const r of inner) for (const d of r.dependsOn) if (!ids.has(d) || d === r.id.toLowerCase()) return bad(`Request '${r.id}' depends on unknown request '${d}'.`);
    const statusById = new Map<string, number>();
    const responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> = [];
    const remaining = [...inner];
    while (remaining.length > 0) {
      const readyIndex = remaining.findIndex((r) => r.dependsOn.every((d) => statusById.has(d)));
      if (readyIndex < 0) return bad('The dependsOn references in the batch form a cycle.');
      const r = remaining.splice(readyIndex, 1)[0] as Inner;
      const innerRequestId = requestIdRandom.uuid();
      let result: GraphResult;
      const failedDependency = r.dependsOn.some((d) => (statusById.get(d) ?? 0) >= 400);
      if (failedDependency) {
        result = graphError(424, 'FailedDependency', 'A request this request depends on failed.', innerRequestId, r.headers['client-request-id'] ?? innerRequestId);
        countStatus(424);
      } else {
        const { path, query } = parseInnerUrl(r.url);
        const fault = faults.pick(r.method, `/v1.0${path}`, true);
        result = executeGraph({ method: r.method, path, query, headers: r.headers, body: r.body, clientId: clientIdOfCaller }, fault, innerRequestId, requestId);
      }
      statusById.set(r.id.toLowerCase(), result.status);
      const headers: Record<string, string> = { ...(result.headers ?? {}) };
      if (result.body !== undefined) headers['Content-Type'] = JSON_CONTENT_TYPE;
      responses.push({ id: r.id, status: result.status, headers, ...(result.body !== undefined ? { body: result.body } : {}) });
    }
    return { status: 200, body: { responses: orderRandom.shuffle(responses) } };
  };

  const tokenError = (status: number, error: string, aadsts: number, description: string, requestId: string): HttpAnswer => {
    const timestamp = new Date(now()).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
    return {
      status,
      headers: {},
      body: {
        error,
        error_description: `AADSTS${aadsts}: ${description} Trace ID: ${requestId} Correlation ID: ${requestId} Timestamp: ${timestamp}`,
        error_codes: [aadsts],
        timestamp,
        trace_id: requestId,
        correlation_id: requestId,
        error_uri: `${origin}/error?code=${aadsts}`,
      },
    };
  };

  const handleToken = (tenantSegment: string, rawBody: Buffer, contentType: string, requestId: string): HttpAnswer => {
    if (tenantSegment.toLowerCase() !== tenantId.toLowerCase()) {
      return tokenError(400, 'invalid_request', 90002, `Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`, requestId);
    }
    if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return tokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.", requestId);
    }
    const form = new URLSearchParams(rawBody.toString('utf8'));
    const grantType = form.get('grant_type');
    if (grantType === null) return tokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.", requestId);
    if (grantType !== 'client_credentials') return tokenError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`, requestId);
    const requestedClientId = form.get('client_id');
    if (!requestedClientId) return tokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.", requestId);
    const scope = form.get('scope');
    if (!scope) return tokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.", requestId);
    if (!scope.split(' ').every((s) => s.endsWith('/.default'))) {
      return tokenError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`, requestId);
    }
    const app = apps.get(requestedClientId);
    if (!app) {
      return tokenError(400, 'unauthorized_client', 700016, `Application with identifier '${requestedClientId}' was not found in the directory '${tenantId}'.`, requestId);
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (app.clientSecret === undefined || secret !== app.clientSecret) {
        return tokenError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`, requestId);
      }
    } else if (assertion !== null) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return tokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_assertion_type'.", requestId);
      }
      const problem = verifyClientAssertion(assertion, app, tokenUrl, now());
      if (problem) return tokenError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${problem}`, requestId);
    } else {
      return tokenError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", requestId);
    }
    counters.tokens += 1;
    return {
      status: 200,
      headers: {},
      body: { token_type: 'Bearer', expires_in: tokenLifetimeSeconds, ext_expires_in: tokenLifetimeSeconds, access_token: tokens.issue(app.clientId, now(), tokenLifetimeSeconds) },
    };
  };

  const openIdConfiguration = (tenant: string): Record<string, unknown> => ({
    token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${origin}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: new URL(origin).host,
  });

  const send = (res: ServerResponse, requestId: string, clientRequestId: string | undefined, answer: HttpAnswer): void => {
    const headers: Record<string, string> = { 'request-id': requestId, ...answer.headers };
    if (clientRequestId) headers['client-request-id'] = clientRequestId;
    if (answer.body !== undefined) {
      const text = JSON.stringify(answer.body);
      headers['Content-Type'] = headers['Content-Type'] ?? JSON_CONTENT_TYPE;
      headers['Content-Length'] = String(Buffer.byteLength(text));
      res.writeHead(answer.status, headers);
      res.end(text);
    } else {
      res.writeHead(answer.status, headers);
      res.end();
    }
  };

  const holdThenDestroy = (req: IncomingMessage): void => {
    const timer = setTimeout(() => {
      heldTimers.delete(timer);
      req.socket.destroy();
    }, timeoutHoldMs);
    heldTimers.add(timer);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = requestIdRandom.uuid();
    const headerValue = (name: string): string | undefined => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const clientRequestId = headerValue('client-request-id');
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    counters.requests += 1;
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req);
    } catch {
      return;
    }
    const isGraph = path === '/v1.0' || path.startsWith('/v1.0/');
    const fault = faults.pick(method, path, isGraph);
    if (fault === 'reset') {
      counters.faults += 1;
      if (isGraph && method !== 'GET') writeLog.push({ at: new Date(now()).toISOString(), method, path, status: 0, clientId: '', requestId, fault });
      req.socket.destroy();
      return;
    }
    if (fault === 'timeout') {
      counters.faults += 1;
      if (isGraph && method !== 'GET') writeLog.push({ at: new Date(now()).toISOString(), method, path, status: 0, clientId: '', requestId, fault });
      holdThenDestroy(req);
      return;
    }

    if (!isGraph) {
      const openId = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
      let answer: HttpAnswer;
      if (fault) {
        counters.faults += 1;
        const r = faultResult(fault === 'applied-then-504' ? '504' : fault, requestId, clientRequestId ?? requestId);
        answer = { status: r.status, headers: r.headers ?? {}, body: r.body };
      } else if (openId && method === 'GET') {
        const tenant = decodeURIComponent(openId[1] as string);
        answer =
          tenant.toLowerCase() === tenantId.toLowerCase()
            ? { status: 200, headers: {}, body: openIdConfiguration(tenant) }
            : tokenError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`, requestId);
      } else if (token && method === 'POST') {
        answer = handleToken(decodeURIComponent(token[1] as string), rawBody, headerValue('content-type') ?? '', requestId);
      } else {
        answer = { status: 404, headers: {}, body: { error: 'not_found', error_description: `No endpoint at ${method} ${path}.` } };
      }
      countStatus(answer.status);
      send(res, requestId, clientRequestId, answer);
      return;
    }

    const graphPath = path.slice('/v1.0'.length) || '/';
    const effectiveClientRequestId = clientRequestId ?? requestId;
    const authorization = headerValue('authorization') ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
    let result: GraphResult;
    if (!bearer) {
      result = graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.', requestId, effectiveClientRequestId);
      countStatus(401);
    } else {
      const checked = tokens.check((bearer[1] as string).trim(), now());
      if (!checked.ok) {
        result = graphError(401, 'InvalidAuthenticationToken', checked.message, requestId, effectiveClientRequestId);
        countStatus(401);
      } else {
        let body: unknown = undefined;
        const text = rawBody.toString('utf8');
        let badJson = false;
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            badJson = true;
          }
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
        if (badJson) {
          result = graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', requestId, effectiveClientRequestId);
          countStatus(400);
        } else if (graphPath === '/$batch' && method === 'POST') {
          result = executeBatch(body, checked.claims.appid, requestId, effectiveClientRequestId);
          countStatus(result.status);
        } else {
          result = executeGraph({ method, path: graphPath, query: url.searchParams, headers, body, clientId: checked.claims.appid }, fault, requestId);
        }
      }
    }
    const extraHeaders: Record<string, string> = { ...(result.headers ?? {}) };
    if (result.status === 401) extraHeaders['WWW-Authenticate'] = `Bearer realm="", authorization_uri="${origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
    send(res, requestId, effectiveClientRequestId, { status: result.status, headers: extraHeaders, ...(result.body !== undefined ? { body: result.body } : {}) });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`graph stand-in: unhandled ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      }
    });
  });

  // ---- seeding ----------------------------------------------------------------------------

  const seedOp = (op: DirectoryOp): void => directory.seed(op);
  const requireExisting = (id: string, field: string): void => {
    if (!directory.primary.object(id)) throw new Error(`${field} '${id}' is neither a user nor a group in the stand-in`);
  };
  const newId = (given: string | undefined, field: string): string => {
    const id = given ?? idRandom.uuid();
    requireText(id, field);
    if (directory.primary.object(id) || directory.primary.roleDefinitions.has(id)) throw new Error(`${field} '${id}' already exists`);
    return id;
  };

  const readers = (view: () => Directory): Omit<StateReaders, 'replicaState' | 'pendingReplication'> => ({
    users: () => [...view().users.values()],
    groups: () => [...view().groups.values()],
    members: (groupId) => view().members(groupId, now()),
    transitiveMembers: (groupId) => view().transitiveMembers(groupId, now()),
    owners: (groupId) => view().owners(groupId, now()),
    memberOf: (objectId) => view().memberOf(objectId, now()),
    transitiveMemberOf: (objectId) => view().transitiveMemberOf(objectId, now()),
    isMember: (groupId, memberId) => view().isMember(groupId, memberId, now()),
    roleDefinitions: () => [...view().roleDefinitions.values()],
    roleRequests: () => [...view().roleRequests.values()],
    roleInstances: () => view().activeRoleInstances(now()),
    groupRequests: () => [...view().groupRequests.values()],
    groupInstances: () => view().activeGroupInstances(now()),
  });

  const state: StateReaders = {
    ...readers(() => directory.primary),
    pendingReplication: () => directory.pendingCount(),
    replicaState: (index) => {
      directory.replicaView(index);
      return readers(() => directory.replicaView(index));
    },
  };

  const handleApi: GraphStandin = {
    origin,
    baseUrl: `${origin}/v1.0`,
    authorityHost: origin,
    tokenUrl,
    port,
    tenantId,
    credentials: { tenantId, clientId, clientSecret },
    caPem: certificates.caPem,
    caPath: options.caPath,
    issueToken: (forClientId = clientId) => {
      if (!apps.has(forClientId)) throw new Error(`unknown clientId '${forClientId}'`);
      return tokens.issue(forClientId, now(), tokenLifetimeSeconds);
    },
    addApp: registerApp,
    setAppPermissions: (forClientId, permissions) => {
      const app = apps.get(forClientId);
      if (!app) throw new Error(`unknown clientId '${forClientId}'`);
      for (const p of permissions) if (!ALL_PERMISSIONS.includes(p)) throw new Error(`unknown permission '${p}'`);
      app.permissions = new Set(permissions);
    },
    addUser: (input) => {
      const displayName = requireText(input.displayName, 'displayName');
      const id = newId(input.id, 'user id');
      const upn = input.userPrincipalName ?? `${slug(displayName)}@${DEFAULT_DOMAIN}`;
      const user: UserRecord = {
        id,
        displayName,
        userPrincipalName: requireText(upn, 'userPrincipalName'),
        mail: input.mail === undefined ? upn : input.mail,
        accountEnabled: input.accountEnabled ?? true,
        givenName: input.givenName ?? null,
        surname: input.surname ?? null,
        jobTitle: input.jobTitle ?? null,
        department: input.department ?? null,
        employeeType: input.employeeType ?? null,
      };
      seedOp({ kind: 'putUser', user });
      if (input.managerId !== undefined) handleApi.setManager(id, input.managerId);
      return user;
    },
    addGroup: (input) => {
      const displayName = requireText(input.displayName, 'displayName');
      const id = newId(input.id, 'group id');
      const group: GroupRecord = {
        id,
        displayName,
        description: input.description ?? null,
        mailNickname: input.mailNickname ?? slug(displayName),
        mailEnabled: input.mailEnabled ?? false,
        securityEnabled: input.securityEnabled ?? true,
        groupTypes: input.groupTypes ?? [],
        isAssignableToRole: input.isAssignableToRole ?? false,
      };
      seedOp({ kind: 'putGroup', group });
      return group;
    },
    addMember: (groupId, memberId) => {
      if (!directory.primary.groups.has(groupId)) throw new Error(`groupId '${groupId}' is not a group in the stand-in`);
      requireExisting(memberId, 'memberId');
      if (groupId === memberId) throw new Error('a group cannot be a member of itself');
      seedOp({ kind: 'addMember', groupId, memberId });
    },
    setSignIn: (userId, at) => {
      if (!directory.primary.users.has(userId)) throw new Error(`user '${userId}' is not in the stand-in`);
      if (at === null) signIns.delete(userId);
      else signIns.set(userId, signedInAt(at, requestIdRandom.uuid()));
    },
    removeMember: (groupId, memberId) => {
      if (!directory.primary.isDirectMember(groupId, memberId)) throw new Error(`'${memberId}' is not a direct member of '${groupId}'`);
      seedOp({ kind: 'removeMember', groupId, memberId });
    },
    updateUser: (id, patch) => {
      const current = directory.primary.users.get(id);
      if (!current) throw new Error(`user '${id}' is not in the stand-in`);
      const user: UserRecord = { ...current, ...patch };
      seedOp({ kind: 'putUser', user });
      return user;
    },
    deleteUser: (id, opts = {}) => {
      if (!directory.primary.users.has(id)) throw new Error(`user '${id}' is not in the stand-in`);
      seedOp({ kind: 'deleteUser', id, permanent: opts.permanent ?? false });
    },
    setManager: (userId, managerId) => {
      if (!directory.primary.users.has(userId)) throw new Error(`user '${userId}' is not in the stand-in`);
      if (managerId !== null && !directory.primary.users.has(managerId)) throw new Error(`manager '${managerId}' is not a user in the stand-in`);
      seedOp({ kind: 'setManager', userId, managerId });
    },
    addOwner: (groupId, ownerId) => {
      if (!directory.primary.groups.has(groupId)) throw new Error(`groupId '${groupId}' is not a group in the stand-in`);
      requireExisting(ownerId, 'ownerId');
      seedOp({ kind: 'addOwner', groupId, ownerId });
    },
    addServicePrincipal: (input) => {
      const servicePrincipal: ServicePrincipalRecord = {
        id: newId(input.id, 'service principal id'),
        appId: input.appId ?? idRandom.uuid(),
        displayName: requireText(input.displayName, 'displayName'),
        accountEnabled: input.accountEnabled ?? true,
        servicePrincipalType: input.servicePrincipalType ?? 'Application',
        appOwnerOrganizationId: tenantId,
      };
      seedOp({ kind: 'putServicePrincipal', servicePrincipal });
      return servicePrincipal;
    },
    deleteServicePrincipal: (id) => {
      if (!directory.primary.servicePrincipals.has(id)) throw new Error(`'${id}' is not a service principal in the stand-in`);
      seedOp({ kind: 'deleteServicePrincipal', id });
    },
    addServicePrincipalOwner: (servicePrincipalId, ownerId) => {
      if (!directory.primary.servicePrincipals.has(servicePrincipalId)) throw new Error(`'${servicePrincipalId}' is not a service principal in the stand-in`);
      requireExisting(ownerId, 'ownerId');
      seedOp({ kind: 'addServicePrincipalOwner', servicePrincipalId, ownerId });
    },
    addRoleDefinition: (input) => {
      const displayName = requireText(input.displayName, 'displayName');
      const id = newId(input.id ?? input.templateId, 'role definition id');
      const roleDefinition: RoleDefinitionRecord = {
        id,
        displayName,
        description: input.description ?? '',
        templateId: input.templateId ?? id,
        isBuiltIn: input.isBuiltIn ?? true,
        isEnabled: true,
      };
      seedOp({ kind: 'putRoleDefinition', roleDefinition });
      return roleDefinition;
    },
    addRoleAssignment: (input) => {
      requireExisting(input.principalId, 'principalId');
      if (!directory.primary.roleDefinitions.has(input.roleDefinitionId)) throw new Error(`roleDefinitionId '${input.roleDefinitionId}' is not a role definition in the stand-in`);
      const instance: RoleInstanceRecord = {
        id: idRandom.uuid(),
        principalId: input.principalId,
        roleDefinitionId: input.roleDefinitionId,
        directoryScopeId: input.directoryScopeId ?? '/',
        appScopeId: null,
        startDateTime: input.startDateTime ?? new Date(now()).toISOString(),
        endDateTime: input.endDateTime ?? null,
        assignmentType: 'Assigned',
        memberType: 'Direct',
        roleAssignmentOriginId: idRandom.uuid(),
        roleAssignmentScheduleId: idRandom.uuid(),
      };
      seedOp({ kind: 'putRoleInstance', instance });
      return instance;
    },
    addGroupAssignment: (input) => {
      requireExisting(input.principalId, 'principalId');
      if (!directory.primary.groups.has(input.groupId)) throw new Error(`groupId '${input.groupId}' is not a group in the stand-in`);
      if (input.accessId !== 'member' && input.accessId !== 'owner') throw new Error(`accessId must be member or owner, got ${String(input.accessId)}`);
      const instance: GroupInstanceRecord = {
        id: idRandom.uuid(),
        principalId: input.principalId,
        groupId: input.groupId,
        accessId: input.accessId,
        startDateTime: input.startDateTime ?? new Date(now()).toISOString(),
        endDateTime: input.endDateTime ?? null,
        assignmentType: 'assigned',
        memberType: 'direct',
        assignmentScheduleId: idRandom.uuid(),
      };
      seedOp({ kind: 'putGroupInstance', instance });
      return instance;
    },
    state,
    get writeLog() {
      return writeLog;
    },
    get counters() {
      return counters;
    },
    setBudgets: (budgets) => throttler.setBudgets(budgets),
    getBudgets: () => throttler.getBudgets(),
    setThrottling: (enabled) => {
      throttler.enabled = enabled;
    },
    setIgnoreInstanceFilter: (on) => {
      ignoreInstanceFilter = on;
    },
    setRetryAfterMissingProbability: (p) => {
      retryAfterMissingProbability = checkProbability(p, 'retryAfterMissingProbability');
    },
    setReplicationLag: (lag) => directory.setLag(lag),
    settle: () => directory.settle(),
    injectFaults: (spec) => faults.inject(spec, seed + 4),
    clearFaults: () => faults.clear(),
    failNext: (count, kind, match) => faults.failNext(count, kind, match),
    setTimeoutHoldMs: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`timeout hold must be >= 0 ms, got ${String(ms)}`);
      timeoutHoldMs = ms;
    },
    reset: () => {
      idRandom = new SeededRandom(seed);
      lagRandom = new SeededRandom(seed + 1);
      coinRandom = new SeededRandom(seed + 2);
      orderRandom = new SeededRandom(seed + 3);
      requestIdRandom = new SeededRandom(seed + 5);
      apiContext.random = idRandom;
      directory.clear();
      signIns.clear();
      directory.setLag(initialLag);
      applyThrottleOption();
      retryAfterMissingProbability = options.retryAfterMissingProbability ?? 0;
      ignoreInstanceFilter = false;
      timeoutHoldMs = options.timeoutHoldMs ?? 30_000;
      faults.clear();
      apps.clear();
      registerDefaultApp();
      writeLog.length = 0;
      counters = emptyCounters();
      if (options.demo) seedDemo(handleApi);
    },
    close: async () => {
      for (const timer of heldTimers) clearTimeout(timer);
      heldTimers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  if (options.demo) seedDemo(handleApi);
  return handleApi;
}
