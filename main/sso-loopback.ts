/**
 * Single sign-on from the desktop app, as RFC 8252 asks of native apps: the person signs in in the
 * system browser (never a web view inside the app, whose password field the app could read), and the
 * provider sends the browser back to a listener on a loopback address, http://127.0.0.1:<random
 * port>/callback, open only for this one sign-in.
 *
 * The server is the OpenID Connect client (sync-server/http/oidc-routes.ts): it holds the PKCE
 * verifier and the nonce, exchanges the code and validates the ID token. This module starts the flow,
 * keeps the flow secret the server gives it (never in a URL), opens the browser, takes the first
 * callback carrying the flow's state, and hands the answer to the server with that secret; a code
 * another program catches on the loopback port is useless without it. Plain Node, no Electron: main
 * passes `shell.openExternal` as `openBrowser`, and tests pass a scripted browser.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SsoAnswer = { token: string; expiresAt: string; user: { id: string; displayName: string; roles: string[] }; secondFactorAt: string | null };

export type LoopbackSignInOptions = {
  serverUrl: string;
  /** Opens a URL in the system browser (Electron: shell.openExternal). */
  openBrowser: (url: string) => Promise<void>;
  /** How long the person has to sign in at the provider; default 5 minutes. */
  timeoutMs?: number;
  fetch?: typeof fetch;
};

export class SsoSignInError extends Error {
  constructor(
    readonly code: 'cancelled' | 'timed_out' | 'refused' | 'unreachable' | 'bad_provider_url',
    message: string,
  ) {
    super(message);
    this.name = 'SsoSignInError';
  }
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'", 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`);
}

/** Only a web address goes to the system browser: shell.openExternal would also run other schemes. */
function checkProviderUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SsoSignInError('bad_provider_url', 'the server sent a sign-in address that is not a URL');
  }
  const loopback = url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]');
  if (url.protocol !== 'https:' && !loopback) throw new SsoSignInError('bad_provider_url', `the server sent a sign-in address that is not https: ${url.protocol}`);
  return url;
}

async function postJson<T>(fetchImpl: typeof fetch, url: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new SsoSignInError('unreachable', `could not reach ${new URL(url).origin}`);
  }
  const parsed = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!res.ok) throw new SsoSignInError('refused', parsed?.error?.message ?? `the server answered ${res.status}`);
  return parsed as T;
}

/** Signs in through the system browser and answers the console session, as a password sign-in does. */
export async function signInThroughSystemBrowser(options: LoopbackSignInOptions): Promise<SsoAnswer> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Port 0: the system picks a free port; 127.0.0.1 rather than localhost, which may resolve elsewhere.
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = await postJson<{ authorizationUrl: string; flow: string }>(fetchImpl, `${options.serverUrl}/api/v1/auth/oidc/start`, { redirectUri });
    const authorizationUrl = checkProviderUrl(started.authorizationUrl);
    const state = authorizationUrl.searchParams.get('state');
    if (!state) throw new SsoSignInError('bad_provider_url', 'the server sent a sign-in address without a state');

    const callback = new Promise<URLSearchParams>((resolve, reject) => {
      timer = setTimeout(() => reject(new SsoSignInError('timed_out', `the sign-in was not finished in the browser within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 60_000) || 1} minute(s)`)), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      server.on('request', (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? '/', redirectUri);
        // Anything but this flow's callback (a favicon, another program's guess) is turned away and the wait goes on.
        if (req.method !== 'GET' || url.pathname !== '/callback' || url.searchParams.get('state') !== state) {
          page(res, 404, 'Not found', 'This address only receives the sign-in the JIT console started.');
          return;
        }
        const error = url.searchParams.get('error');
        if (error) {
          page(res, 200, 'Sign-in cancelled', `The identity provider said: ${url.searchParams.get('error_description') ?? error}. You can close this tab.`);
          reject(new SsoSignInError('cancelled', `the identity provider did not sign you in: ${url.searchParams.get('error_description') ?? error}`));
          return;
        }
        page(res, 200, 'Signed in', 'You can close this tab and return to the JIT console.');
        resolve(url.searchParams);
      });
    });
    // It may settle while the browser is being opened; it is awaited just below.
    callback.catch(() => undefined);
    await options.openBrowser(authorizationUrl.href);
    const params = await callback;
    return await postJson<SsoAnswer>(fetchImpl, `${options.serverUrl}/api/v1/auth/oidc/complete`, { flow: started.flow, callback: `?${params.toString()}` });
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
