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

async function call<T>(serverUrl: string, path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.body) headers['Content-Type'] = 'application/json';
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  let response: Response;
  try {
    response = await fetch(`${serverUrl}${path}`, { ...init, headers });
  } catch {
    throw new ApiError(0, 'network', `Could not reach ${serverUrl}. Check the address and your connection.`);
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
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? `The server answered ${response.status} ${response.statusText}`);
  }
  return body as T;
}

export const api = {
  login: (serverUrl: string, username: string, password: string) =>
    call<LoginAnswer>(serverUrl, '/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) }),
  logout: (serverUrl: string, token: string) => call<unknown>(serverUrl, '/api/v1/auth/logout', { method: 'POST', token, body: '{}' }),
  me: (serverUrl: string, token: string) => call<SessionUser & Record<string, unknown>>(serverUrl, '/api/v1/me', { token }),
  verifyAudit: (serverUrl: string, token: string) => call<AuditVerifyAnswer>(serverUrl, '/api/v1/audit/verify', { token }),
};
