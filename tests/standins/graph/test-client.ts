/**
 * Helpers for tests and benchmarks that talk to the stand-in from the same process, where
 * NODE_EXTRA_CA_CERTS cannot be set any more: every client gets the stand-in's CA explicitly.
 * This is the wiring the Entra connector uses too (one https.Agent with the extra CA).
 */
import https from 'node:https';
import tls from 'node:tls';
import { ClientSecretCredential, type ClientSecretCredentialOptions, type TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { GraphStandin } from './index.js';

/** Trusts the system roots plus the stand-in's CA (a bare `ca` would replace the system roots). */
export function standinAgent(standin: Pick<GraphStandin, 'caPem'>): https.Agent {
  return new https.Agent({ ca: [...tls.rootCertificates, standin.caPem], keepAlive: true });
}

type AdditionalPolicy = NonNullable<ClientSecretCredentialOptions['additionalPolicies']>[number];

/** A per-call pipeline policy that sends `@azure/identity`'s token requests through the agent. */
export function agentPolicy(agent: https.Agent): AdditionalPolicy {
  return {
    position: 'perCall',
    policy: {
      name: 'standin-ca-agent',
      sendRequest: (request, next) => {
        request.agent = agent;
        return next(request);
      },
    },
  };
}

/** `@azure/identity` pointed at the stand-in, its token requests trusting the stand-in's CA. */
export function standinCredential(standin: GraphStandin, agent: https.Agent, secret = standin.credentials.clientSecret): ClientSecretCredential {
  return new ClientSecretCredential(standin.tenantId, standin.credentials.clientId, secret, {
    authorityHost: standin.authorityHost,
    disableInstanceDiscovery: true,
    additionalPolicies: [agentPolicy(agent)],
  });
}

export type RawResponse = { status: number; headers: Record<string, string>; body: unknown; text: string };

/** One HTTPS request with the stand-in's CA. `target` is a path below the origin or an absolute URL. */
export function rawRequest(
  standin: Pick<GraphStandin, 'origin' | 'caPem'>,
  method: string,
  target: string,
  opts: { token?: string; body?: unknown; form?: Record<string, string>; headers?: Record<string, string>; agent?: https.Agent } = {},
): Promise<RawResponse> {
  const url = new URL(target, standin.origin);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let payload: string | undefined;
  if (opts.form) {
    payload = new URLSearchParams(opts.form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ...(opts.agent ? { agent: opts.agent } : { ca: standin.caPem }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = undefined;
        if (text !== '') {
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
        }
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ status: res.statusCode ?? 0, headers: flat, body, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The last link of the Graph client's middleware chain, sending over node:https with our agent. */
export class AgentHttpHandler implements Middleware {
  constructor(private readonly agent: https.Agent) {}

  async execute(context: Context): Promise<void> {
    const request = context.request;
    const url = typeof request === 'string' ? request : request.url;
    const options = context.options ?? {};
    const headers: Record<string, string> = {};
    new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, key) => {
      headers[key] = value;
    });
    const body = typeof options.body === 'string' ? options.body : options.body === undefined || options.body === null ? undefined : String(options.body);
    const result = await new Promise<{ status: number; headers: Headers; buffer: Buffer }>((resolve, reject) => {
      const req = https.request(url, { method: options.method ?? 'GET', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
          resolve({ status: res.statusCode ?? 0, headers: out, buffer: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
    const noBody = result.status === 204 || result.status === 304 || result.buffer.length === 0;
    context.response = new Response(noBody ? null : result.buffer, { status: result.status, headers: result.headers });
  }
}

/** A Graph client wired like production (auth, retry, telemetry) whose transport trusts the stand-in's CA. */
export function standinGraphClient(standin: GraphStandin, agent: https.Agent, credential: TokenCredential = standinCredential(standin, agent), retry?: { maxRetries: number; delaySeconds: number }): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] });
  return Client.initWithMiddleware({
    baseUrl: standin.origin,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(standin.origin).hostname]),
    middleware: [
      new AuthenticationHandler(authProvider),
      new RetryHandler(new RetryHandlerOptions(retry?.delaySeconds ?? 3, retry?.maxRetries ?? 3)),
      new TelemetryHandler(),
      new AgentHttpHandler(agent),
    ],
  });
}
