import { readFileSync } from 'node:fs';
import type https from 'node:https';
import { AuthenticationHandler, Client, GraphError, ResponseType, TelemetryHandler } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { ClientCertificateCredential, ClientSecretCredential, type ClientSecretCredentialOptions, type TokenCredential } from '@azure/identity';
import { backoffDelayMs, parseRetryAfterMs, sleep as realSleep } from '../backoff.js';
import { DEFAULT_RESOURCE_UNIT_BUDGET, DEFAULT_WRITE_BUDGET, type EntraConnectorConfig } from '../config.js';
import { AdaptivePacer } from '../pacer.js';
import { TokenBucket } from '../rate-limiter.js';
import { sendBatch } from './batch.js';
import { graphError, isTransientStatus, limitPercentage, MAX_THROTTLED_TRIES, type BatchItem, type Failure, type GraphResult } from './graph-results.js';
import { createHttpsAgent, HttpsMessageHandler } from './transport.js';

export { graphError, isTransientStatus, limitPercentage, type BatchItem, type Failure, type GraphErrorBody, type GraphResponse, type GraphResult } from './graph-results.js';

const AUTH_ERROR_NAMES = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError', 'AggregateAuthenticationError']);
const PERMANENT_OAUTH_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_scope', 'invalid_grant', 'unsupported_grant_type']);

export type GraphDeps = {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Replaces the credential built from the config (tests of the transport alone). */
  credential?: TokenCredential;
};

export type GraphStats = { requests: number; throttled: number; retries: number; transportErrors: number };

/** Graph's documented resource-unit cost of a read. */
export function readCost(path: string): number {
  const bare = path.replace(/^https:\/\/[^/]+\/[^/]+/, '').split('?')[0] ?? '';
  if (/\/transitive(Members|MemberOf)\b/.test(bare)) return 5;
  if (/\/(members|owners|memberOf)\b/.test(bare)) return 3;
  if (/^\/users\b/.test(bare)) return 2;
  return 1;
}

function headersOf(response: Response): Record<string, string> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, key) => (out[key.toLowerCase()] = value));
  return out;
}

/** Builds the app's client credential; both kinds honour the authority host and the extra CA. */
function buildCredential(config: EntraConnectorConfig, agent: https.Agent): TokenCredential {
  type Policy = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>[number];
  // The identity pipeline sends every token request through the connector's agent (extra CA, pooling).
  const agentPolicy: Policy = {
    position: 'perCall',
    policy: {
      name: 'connectorHttpsAgent',
      sendRequest: (request, next) => {
        request.agent = agent;
        return next(request);
      },
    },
  };
  const options: ClientSecretCredentialOptions = {
    authorityHost: config.authorityHost,
    disableInstanceDiscovery: config.disableInstanceDiscovery,
    additionalPolicies: [agentPolicy],
    retryOptions: { maxRetries: 2 },
  };
  if (config.clientSecret) return new ClientSecretCredential(config.tenantId, config.clientId, config.clientSecret, options);
  if (!config.certificatePath) throw new Error(`connector ${config.id}: either clientSecret or certificatePath is required`);
  // Read once at start so a missing file fails loudly at configuration, not at 3 a.m.
  const certificate = readFileSync(config.certificatePath, 'utf8');
  return new ClientCertificateCredential(config.tenantId, config.clientId, { certificate }, options);
}

/**
 * Microsoft Graph over the official client, with our own policy for retries (so a failure
 * comes back typed, with the wait the directory asked for) and a write budget.
 */
export class GraphHttp {
  readonly client: Client;
  /** Paces this app registration's writes; throttling slows it down (see AdaptivePacer). */
  readonly writePacer: AdaptivePacer;
  /** Resource units left for reads once the full write budget is set aside. */
  readonly readLimiter: TokenBucket;
  readonly stats: GraphStats = { requests: 0, throttled: 0, retries: 0, transportErrors: 0 };
  private readonly agent: https.Agent;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    readonly config: EntraConnectorConfig,
    deps: GraphDeps = {},
  ) {
    this.sleep = deps.sleep ?? realSleep;
    this.random = deps.random ?? Math.random;
    this.agent = createHttpsAgent({ extraCaPem: config.tlsCaPem, maxSockets: Math.max(8, config.batchConcurrency * 2) });
    const credential = deps.credential ?? buildCredential(config, this.agent);
    const scope = config.scope ?? `${config.graphBaseUrl}/.default`;
    const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] });
    const graphHost = new URL(config.graphBaseUrl).hostname;
    const authHandler = new AuthenticationHandler(authProvider);
    const telemetryHandler = new TelemetryHandler();
    const httpHandler = new HttpsMessageHandler(this.agent, config.requestTimeoutMs);
    this.client = Client.initWithMiddleware({
      baseUrl: config.graphBaseUrl,
      defaultVersion: config.graphVersion,
      // No RetryHandler: retries are ours, so the scheduler learns about persistent throttling.
      middleware: [authHandler, telemetryHandler, httpHandler],
      // The auth handler only attaches tokens for hosts it knows; national clouds and private endpoints are added here.
      customHosts: new Set([graphHost]),
    });
    const budget = config.writeBudget ?? DEFAULT_WRITE_BUDGET;
    const bucketDeps = deps.now ? { now: deps.now, sleep: this.sleep } : { sleep: this.sleep };
    this.writePacer = new AdaptivePacer(budget, { ...bucketDeps, random: this.random });
    const units = config.resourceUnitBudget ?? DEFAULT_RESOURCE_UNIT_BUDGET;
    // Each write costs one unit: reserve what the write budget may spend in the same window.
    const writeUnits = (budget.writes / budget.perSeconds) * units.perSeconds;
    const readUnits = Math.max(units.units * 0.1, units.units - writeUnits);
    this.readLimiter = new TokenBucket({ writes: Math.floor(readUnits), perSeconds: units.perSeconds }, bucketDeps);
  }

  /** `${graphBaseUrl}/${version}/directoryObjects/{id}`: how Graph names an object in a $ref body. */
  directoryObjectUrl(id: string): string {
    return `${this.config.graphBaseUrl}/${this.config.graphVersion}/directoryObjects/${encodeURIComponent(id)}`;
  }

  /** One HTTP exchange; never throws for HTTP statuses. */
  private async sendOnce(method: BatchItem['method'], path: string, body?: unknown, headers?: Record<string, string>): Promise<GraphResult> {
    this.stats.requests++;
    try {
      let request = this.client.api(path).responseType(ResponseType.RAW);
      if (headers) request = request.headers(headers);
      let raw: Response;
      if (method === 'GET') raw = (await request.get()) as Response;
      else if (method === 'POST') raw = (await request.post(body ?? {})) as Response;
      else if (method === 'PATCH') raw = (await request.patch(body ?? {})) as Response;
      else raw = (await request.delete()) as Response;
      const text = await raw.text();
      let parsed: unknown = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      return { ok: true, response: { status: raw.status, headers: headersOf(raw), body: parsed } };
    } catch (error) {
      return { ok: false, failure: this.failureFromThrown(error) };
    }
  }

  private failureFromThrown(error: unknown): Failure {
    const code = error instanceof GraphError ? (error.code ?? 'unknown') : error instanceof Error ? error.name : 'unknown';
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'TransportError') {
      this.stats.transportErrors++;
      return { status: 'failed', retryable: true, code: 'network_error', message };
    }
    if (AUTH_ERROR_NAMES.has(code)) {
      // @azure/identity keeps the OAuth `error` code (RFC 6749 section 5.2) only at the start of its message.
      const oauthError = /^\s*([a-z_]+):/.exec(message)?.[1];
      if (oauthError && PERMANENT_OAUTH_ERRORS.has(oauthError)) {
        // A refused client credential (wrong secret, unknown app, wrong tenant) will not heal by retrying.
        return { status: 'failed', retryable: false, code: 'auth_failed', message: `the identity platform refused the app's credential (${oauthError}): ${message}`.slice(0, 2048) };
      }
      return { status: 'failed', retryable: true, code: 'auth_unavailable', message: message.slice(0, 2048) };
    }
    return { status: 'failed', retryable: true, code: 'client_error', message };
  }

  private delayFor(attempt: number, retryAfterMs: number | undefined): number {
    return retryAfterMs ?? backoffDelayMs(attempt, { random: this.random });
  }

  private throttledFailure(what: string, waitMs: number, last?: Failure): Failure {
    return {
      status: 'failed',
      retryable: true,
      code: last?.code ?? 'throttled',
      message: last?.message ?? `${what}: writes of this app registration are paused for ${Math.ceil(waitMs / 1000)} s by the directory's throttling`,
      retryAfterMs: waitMs,
      throttled: true,
    };
  }

  /**
   * A request with retries on throttling, transient statuses and network failures. For writes,
   * 429 and 503 are pacing: they pause every write of this app registration (see AdaptivePacer)
   * and are not counted as attempts. Returns the final HTTP answer for the caller to interpret,
   * or a typed failure when retries ran out or the wait is longer than we make in-call.
   */
  async request(method: BatchItem['method'], path: string, opts: { body?: unknown; headers?: Record<string, string>; isWrite?: boolean } = {}): Promise<GraphResult> {
    let last: Failure = { status: 'failed', retryable: true, code: 'not_attempted', message: 'no attempt was made' };
    let attempts = 0;
    let throttledTries = 0;
    while (attempts < this.config.maxAttempts && throttledTries < MAX_THROTTLED_TRIES) {
      let grantedAt = 0;
      if (opts.isWrite) {
        const paused = this.writePacer.pauseRemainingMs();
        if (paused > this.config.maxRetryWaitMs) return { ok: false, failure: this.throttledFailure(`${method} ${path}`, paused, last.throttled ? last : undefined) };
        grantedAt = await this.writePacer.take(1);
      } else if (method === 'GET') await this.readLimiter.take(readCost(path));
      const result = await this.sendOnce(method, path, opts.body, opts.headers);
      let retryAfterMs: number | undefined;
      if (result.ok) {
        const { status, headers, body } = result.response;
        if (!isTransientStatus(status)) {
          if (opts.isWrite) this.writePacer.accepted(1, limitPercentage(headers));
          return result;
        }
        if (status === 429) this.stats.throttled++;
        retryAfterMs = parseRetryAfterMs(headers['retry-after']);
        const error = graphError(body);
        const throttled = status === 429 || status === 503;
        last = {
          status: 'failed',
          retryable: true,
          code: error?.code ?? `http_${status}`,
          message: `${method} ${path} answered ${status}${error?.message ? `: ${error.message}` : ''}`,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          ...(throttled ? { throttled: true } : {}),
        };
        if (throttled && opts.isWrite) {
          // Pacing, not failure: the pacer holds every write of this app until the wait is over.
          if (status === 429) this.writePacer.throttled(grantedAt, retryAfterMs);
          else this.writePacer.unavailable(retryAfterMs);
          throttledTries++;
          this.stats.retries++;
          continue;
        }
      } else {
        last = result.failure;
        if (!last.retryable) return result;
      }
      attempts++;
      if (attempts >= this.config.maxAttempts) break;
      const delay = this.delayFor(attempts - 1, retryAfterMs);
      if (delay > this.config.maxRetryWaitMs) return { ok: false, failure: { ...last, retryAfterMs: delay } };
      this.stats.retries++;
      await this.sleep(delay);
    }
    if (last.throttled) return { ok: false, failure: { ...last, retryAfterMs: Math.max(last.retryAfterMs ?? 0, this.writePacer.pauseRemainingMs()) } };
    return { ok: false, failure: last };
  }

  /**
   * GET every page, following the opaque absolute @odata.nextLink as-is, each item once (by `id`).
   * A correct Graph never sends an id twice in one walk; when it does, the repeated page may have
   * stood in for one never delivered, so the walk is run again and the runs united (a repeat only
   * repeats real items): done as soon as one run had no id twice, or when two runs in a row added
   * nothing; at most five. Pages in another order change nothing. The union only adds, so a group
   * still held is not reported gone because one walk lost its page (verification reads err towards
   * "still there").
   */
  async getAll(path: string, headers?: Record<string, string>): Promise<{ ok: true; items: unknown[]; pages: number; runs: number } | { ok: false; failure: Failure }> {
    const seen = new Map<string, unknown>();
    const withoutId: unknown[] = [];
    let pages = 0;
    let unchanged = 0;
    for (let runs = 1; runs <= 5; runs++) {
      const before = seen.size;
      const thisRun = new Set<string>();
      let repeated = false;
      const walked = await this.walk(path, headers, (item) => {
        const id = (item as { id?: unknown } | null)?.id;
        if (typeof id !== 'string') {
          if (runs === 1) withoutId.push(item);
          return;
        }
        if (thisRun.has(id)) repeated = true;
        thisRun.add(id);
        if (!seen.has(id)) seen.set(id, item);
      });
      if (!walked.ok) return walked;
      pages += walked.pages;
      if (!repeated) return { ok: true, items: [...seen.values(), ...withoutId], pages, runs };
      unchanged = runs > 1 && seen.size === before ? unchanged + 1 : 0;
      if (unchanged >= 2) return { ok: true, items: [...seen.values(), ...withoutId], pages, runs };
    }
    return { ok: false, failure: { status: 'failed', retryable: true, code: 'paging_inconsistent', message: `GET ${path}: the pages kept repeating items and new ones kept appearing over five walks; the list may be incomplete` } };
  }

  /** One walk over every page, each item handed to `take` as it comes. */
  private async walk(path: string, headers: Record<string, string> | undefined, take: (item: unknown) => void): Promise<{ ok: true; pages: number } | { ok: false; failure: Failure }> {
    let next: string | undefined = path;
    let pages = 0;
    while (next) {
      const result = await this.request('GET', next, headers ? { headers } : {});
      if (!result.ok) return result;
      const { status, body } = result.response;
      if (status !== 200) {
        const error = graphError(body);
        return { ok: false, failure: { status: 'failed', retryable: false, code: error?.code ?? `http_${status}`, message: `GET ${path} answered ${status}${error ? `: ${error.message}` : ''}` } };
      }
      pages++;
      const page = body as { value?: unknown; '@odata.nextLink'?: unknown };
      if (Array.isArray(page.value)) for (const item of page.value) take(item);
      next = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : undefined;
      if (pages > 10_000) return { ok: false, failure: { status: 'failed', retryable: false, code: 'paging_runaway', message: `GET ${path} returned more than 10,000 pages` } };
    }
    return { ok: true, pages };
  }

  /** Up to 20 requests per `$batch`, retried and paced as `request` is (see batch.ts). */
  async batch(items: BatchItem[]): Promise<Map<string, GraphResult>> {
    return sendBatch(
      {
        config: this.config,
        writePacer: this.writePacer,
        stats: this.stats,
        random: this.random,
        sleep: this.sleep,
        send: (payload) => this.sendOnce('POST', '/$batch', payload),
        throttledFailure: (what, waitMs, last) => this.throttledFailure(what, waitMs, last),
      },
      items,
    );
  }

  close(): void {
    this.agent.destroy();
  }
}
