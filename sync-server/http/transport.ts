/**
 * How the sync server meets the network: TLS, timeouts and connection limits on the raw server,
 * and the security headers of every response (Content-Security-Policy for the web console,
 * HSTS over HTTPS, `Cache-Control: no-store` on API answers).
 *
 * Timeouts exist for the unauthenticated paths (a sign-in whose body trickles in forever must not
 * hold a socket); the live streams (`/sync/v1/stream`) are long-lived by design and are exempted
 * from the idle timeout once authenticated. Node's request and header timeouts only cover receiving
 * the request, so they never end a stream that is already answering.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';

/** PEM files of the server certificate (with its chain) and its private key. */
export type TlsFiles = { certFile: string; keyFile: string };

export type TransportLimits = {
  /** Time to receive a whole request, headers and body (Node `requestTimeout`). */
  requestTimeoutMs: number;
  /** Time to receive the request headers (Node `headersTimeout`); also the TLS handshake's limit. */
  headersTimeoutMs: number;
  /** Socket inactivity allowed while a request is in flight (fastify `connectionTimeout`). */
  connectionTimeoutMs: number;
  /** How long an idle keep-alive connection waits for its next request. */
  keepAliveTimeoutMs: number;
  /** Requests one keep-alive connection may carry before it is closed. */
  maxRequestsPerSocket: number;
  /** Open connections at once; further ones are closed as soon as they are accepted. */
  maxConnections: number;
};

export const DEFAULT_TRANSPORT_LIMITS: Readonly<TransportLimits> = {
  // A 1 MiB body (the body limit) needs only ~35 KB/s to arrive in 30 s.
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 15_000,
  connectionTimeoutMs: 60_000,
  // Longer than the 60 s idle timeout of common load balancers, so they close first (no reset races).
  keepAliveTimeoutMs: 72_000,
  maxRequestsPerSocket: 1_000,
  // Each console holds one live stream plus a few request connections.
  maxConnections: 1_000,
};

/** The environment variable behind each limit, for cli.ts and for error messages. */
export const TRANSPORT_ENV: Readonly<Record<keyof TransportLimits, string>> = {
  requestTimeoutMs: 'JIT_REQUEST_TIMEOUT_MS',
  headersTimeoutMs: 'JIT_HEADERS_TIMEOUT_MS',
  connectionTimeoutMs: 'JIT_CONNECTION_TIMEOUT_MS',
  keepAliveTimeoutMs: 'JIT_KEEP_ALIVE_TIMEOUT_MS',
  maxRequestsPerSocket: 'JIT_MAX_REQUESTS_PER_SOCKET',
  maxConnections: 'JIT_MAX_CONNECTIONS',
};
export const TLS_CERT_ENV = 'JIT_TLS_CERT_FILE';
export const TLS_KEY_ENV = 'JIT_TLS_KEY_FILE';

/** Older protocols have known weaknesses; explicit, so a `--tls-min-v1.0` flag cannot lower it. */
export const TLS_MIN_VERSION = 'TLSv1.2';
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

const fieldName = (key: keyof TransportLimits) => `transport.${key} (${TRANSPORT_ENV[key]})`;

/** The limits to run with: defaults for what is not given; each one a positive whole number. */
export function resolveTransportLimits(given: Partial<TransportLimits> = {}): TransportLimits {
  for (const key of Object.keys(given) as (keyof TransportLimits)[]) {
    if (!(key in DEFAULT_TRANSPORT_LIMITS)) throw new Error(`transport.${String(key)} is not a known transport setting; known: ${Object.keys(DEFAULT_TRANSPORT_LIMITS).join(', ')}`);
    const value = given[key];
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error(`${fieldName(key)} must be a whole number of at least 1, got ${String(value)}`);
  }
  const requestTimeoutMs = given.requestTimeoutMs ?? DEFAULT_TRANSPORT_LIMITS.requestTimeoutMs;
  // Node refuses a header limit longer than the whole-request one: a default follows a shorter request limit.
  const headersTimeoutMs = given.headersTimeoutMs ?? Math.min(DEFAULT_TRANSPORT_LIMITS.headersTimeoutMs, requestTimeoutMs);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new Error(`${fieldName('headersTimeoutMs')} must not exceed ${fieldName('requestTimeoutMs')}: ${headersTimeoutMs} > ${requestTimeoutMs}`);
  }
  return { ...DEFAULT_TRANSPORT_LIMITS, ...given, requestTimeoutMs, headersTimeoutMs };
}

/** The transport settings of the environment (cli.ts); absent variables are left to the defaults. */
export function transportFromEnv(env: NodeJS.ProcessEnv): { tls?: TlsFiles; transport: Partial<TransportLimits> } {
  const transport: Partial<TransportLimits> = {};
  for (const [key, name] of Object.entries(TRANSPORT_ENV) as [keyof TransportLimits, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number of at least 1, got "${raw}"`);
    transport[key] = value;
  }
  const certFile = env[TLS_CERT_ENV]?.trim();
  const keyFile = env[TLS_KEY_ENV]?.trim();
  if (!certFile && !keyFile) return { transport };
  if (!certFile || !keyFile) throw new Error(`${TLS_CERT_ENV} and ${TLS_KEY_ENV} go together: ${certFile ? TLS_KEY_ENV : TLS_CERT_ENV} is missing`);
  return { tls: { certFile, keyFile }, transport };
}

export type TlsMaterial = { cert: Buffer; key: Buffer };

/** Reads and checks the certificate and key, so a wrong file fails at start with the field named. */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (path: string, field: string): Buffer => {
    if (typeof path !== 'string' || path === '') throw new Error(`${field} must name a PEM file`);
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`${field}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
  const cert = read(files.certFile, `tls.certFile (${TLS_CERT_ENV})`);
  const key = read(files.keyFile, `tls.keyFile (${TLS_KEY_ENV})`);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(`tls.certFile and tls.keyFile (${TLS_CERT_ENV}, ${TLS_KEY_ENV}) must be a PEM certificate and its own private key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { cert, key };
}

/**
 * The HTTP or HTTPS server fastify runs on, with every limit applied. Typed as http.Server:
 * https.Server shares its request handling, timeouts and connection methods.
 */
export function transportServerFactory(limits: TransportLimits, tls: TlsMaterial | null): FastifyServerFactory {
  return (handler) => {
    const options: http.ServerOptions = {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      // Node looks for expired requests this often (default 30 s, far too coarse for these limits).
      connectionsCheckingInterval: Math.min(5_000, Math.max(50, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
    };
    const server = tls
      ? (https.createServer({ ...options, cert: tls.cert, key: tls.key, minVersion: TLS_MIN_VERSION, handshakeTimeout: limits.headersTimeoutMs }, handler) as unknown as http.Server)
      : http.createServer(options, handler);
    server.setTimeout(limits.connectionTimeoutMs);
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
    server.maxConnections = limits.maxConnections;
    return server;
  };
}

/** Warns (at most every 10 s, with a count) when connections are refused at the limit. */
export function reportDroppedConnections(app: FastifyInstance, maxConnections: number): void {
  let dropped = 0;
  let quietUntil = 0;
  app.server.on('drop', () => {
    dropped += 1;
    const now = Date.now();
    if (now < quietUntil) return;
    quietUntil = now + 10_000;
    app.log.warn({ dropped, maxConnections }, `refused ${dropped} connection(s): ${maxConnections} are open (${TRANSPORT_ENV.maxConnections})`);
    dropped = 0;
  });
}

/**
 * Live streams stay open for hours: once the stream route has authenticated the caller, its
 * socket no longer has an inactivity limit (the stream's own heartbeat and session checks apply).
 */
export function exemptLiveStreams(app: FastifyInstance, isStreamRoute: (routeUrl: string) => boolean): void {
  app.addHook('preHandler', async (request) => {
    const route = request.routeOptions.url;
    if (route !== undefined && isStreamRoute(route)) request.raw.socket.setTimeout(0);
  });
}

/**
 * The web console's policy. The built console loads one script and one stylesheet from its own
 * origin and has no inline script or style (React's style props go through the CSSOM, which CSP
 * does not govern); it talks only to the server that served it, and registers one service worker
 * from it.
 */
export const WEB_CONSOLE_CSP_DIRECTIVES: Readonly<Record<string, string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  // The console's service worker (sw.js), which keeps the app shell for offline starts.
  'worker-src': ["'self'"],
  // These do not fall back to default-src.
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  'object-src': ["'none'"],
};

/**
 * Security headers on every response (helmet), HSTS only when this server speaks HTTPS itself,
 * and `Cache-Control: no-store` on every answer that did not choose its own caching: API and sync
 * JSON carry tokens and personal data. The console's static files set their own.
 */
export async function installSecurityHeaders(app: FastifyInstance, options: { https: boolean }): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { ...WEB_CONSOLE_CSP_DIRECTIVES } },
    // A site that says HSTS over plain HTTP is ignored by browsers, and a proxy that terminates TLS sends its own.
    strictTransportSecurity: options.https ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** Whether a listen address is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare) || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/** The start-up warning for plain HTTP on an address other machines can reach; null when there is none. */
export function plainHttpWarning(host: string, https: boolean): string | null {
  if (https || isLoopbackHost(host)) return null;
  return (
    `serving plain HTTP on ${host}, which other machines can reach: passwords and session tokens cross the network unencrypted. ` +
    `Set ${TLS_CERT_ENV} and ${TLS_KEY_ENV}, or listen on 127.0.0.1 behind a proxy that terminates TLS.`
  );
}
