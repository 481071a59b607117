import type { AccountRole } from '../../core/index.js';

/** Calls to the server that are not replicated data: sign-in, who am I, audit verification. */

export type SessionUser = { id: string; displayName: string; roles: AccountRole[] | string[] };
export type LoginAnswer = { token: string; expiresAt: string; user: SessionUser };
export type AuditVerifyAnswer = {
  ok: boolean;
  events: number;
  headHash: string;
  firstProblem?: { seq: number; eventId: string; problem: string };
  message?: string;
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Normalises what the user typed into the server field: scheme added, trailing slash removed. */
export function normaliseServerUrl(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '') throw new ApiError(0, 'invalid_input', 'Server URL: enter the address of your JIT server, e.g. https://jit.example.com');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ApiError(0, 'invalid_input', `Server URL: "${trimmed}" is not a valid address`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ApiError(0, 'invalid_input', 'Server URL: must start with https:// or http://');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * One JSON exchange with the server: the status and parsed body of a 2xx answer, or an ApiError
 * with the server's `{error: {code, message}}` (or the status, when the body says nothing).
 * `unreachable` is the sentence shown when the server cannot be reached at all.
 */
export async function requestJson(
  serverUrl: string,
  path: string,
  init: Pick<RequestInit, 'method' | 'body'> & { token?: string; unreachable?: string; fetch?: typeof fetch } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.body) headers['Content-Type'] = 'application/json';
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  const fetchImpl = init.fetch ?? ((input, requestInit) => globalThis.fetch(input, requestInit));
  let response: Response;
  try {
    response = await fetchImpl(`${serverUrl}${path}`, { method: init.method, body: init.body, headers });
  } catch {
    throw new ApiError(0, 'network', init.unreachable ?? `Could not reach ${serverUrl}. Check the address and your connection.`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? `The server answered ${response.status} ${response.statusText}`.trimEnd());
  }
  return { status: response.status, body };
}

async function call<T>(serverUrl: string, path: string, init: Pick<RequestInit, 'method' | 'body'> & { token?: string } = {}): Promise<T> {
  return (await requestJson(serverUrl, path, init)).body as T;
}

export const api = {
  login: (serverUrl: string, username: string, password: string) =>
    call<LoginAnswer>(serverUrl, '/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) }),
  logout: (serverUrl: string, token: string) => call<unknown>(serverUrl, '/api/v1/auth/logout', { method: 'POST', token, body: '{}' }),
  /** GET /api/v1/me answers `{ user, expiresAt }`: the signed-in person as the server knows them now, and when the session ends. */
  me: (serverUrl: string, token: string) => call<{ user: SessionUser & Record<string, unknown>; expiresAt: string }>(serverUrl, '/api/v1/me', { token }),
  verifyAudit: (serverUrl: string, token: string) => call<AuditVerifyAnswer>(serverUrl, '/api/v1/audit/verify', { token }),
};
