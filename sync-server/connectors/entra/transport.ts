import https from 'node:https';
import tls from 'node:tls';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

/** A network failure below HTTP (reset, timeout, TLS): always worth a retry. */
export class TransportError extends Error {
  constructor(
    readonly code: 'timeout' | 'connection_failed',
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * One keep-alive HTTPS agent per connector. `extraCaPem` adds trusted roots on top of the
 * system ones (Node replaces the defaults when `ca` is given, so they are appended here).
 */
export function createHttpsAgent(opts: { extraCaPem?: string | undefined; maxSockets?: number }): https.Agent {
  return new https.Agent({
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 16,
    // One secure context built once: passing `ca` itself would rebuild it per connection and
    // put every root certificate into the agent's per-request pool key.
    ...(opts.extraCaPem ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, opts.extraCaPem] }) } : {}),
  });
}

type HeaderSource = Headers | Record<string, string> | string[][] | undefined;

function headersToObject(source: HeaderSource): Record<string, string> {
  const out: Record<string, string> = {};
  if (!source) return out;
  if (source instanceof Headers) {
    source.forEach((value, key) => (out[key] = value));
  } else if (Array.isArray(source)) {
    for (const [key, value] of source) if (key !== undefined && value !== undefined) out[key] = value;
  } else {
    Object.assign(out, source);
  }
  return out;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A minimal fetch over node:https so one agent (pooling, extra CA) serves every Graph call. */
export async function httpsFetch(
  url: string,
  init: { method?: string; headers?: HeaderSource; body?: unknown },
  agent: https.Agent,
  timeoutMs: number,
): Promise<Response> {
  const target = new URL(url);
  if (target.protocol !== 'https:') throw new TransportError('connection_failed', `refusing a non-https request to ${target.origin}`);
  let body: Buffer | undefined;
  if (typeof init.body === 'string') body = Buffer.from(init.body);
  else if (init.body instanceof Uint8Array) body = Buffer.from(init.body);
  else if (init.body !== undefined && init.body !== null) body = Buffer.from(JSON.stringify(init.body));
  const headers = headersToObject(init.headers as HeaderSource);
  if (body) headers['content-length'] = String(body.length);

  return await new Promise<Response>((resolve, reject) => {
    const req = https.request(target, { method: init.method ?? 'GET', headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (e) => reject(new TransportError('connection_failed', `response from ${target.host} broke off: ${e.message}`)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
        }
        const payload = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks);
        resolve(new Response(payload, { status, headers: responseHeaders }));
      });
    });
    req.on('timeout', () => req.destroy(new TransportError('timeout', `no answer from ${target.host} within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(e instanceof TransportError ? e : new TransportError('connection_failed', `request to ${target.host} failed: ${e.message}`)));
    if (body) req.write(body);
    req.end();
  });
}

/** The last link of the Graph client's middleware chain: sends the request with our agent. */
export class HttpsMessageHandler implements Middleware {
  constructor(
    private readonly agent: https.Agent,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    context.response = await httpsFetch(url, { method: options.method, headers: options.headers as HeaderSource, body: options.body }, this.agent, this.timeoutMs);
  }
}
