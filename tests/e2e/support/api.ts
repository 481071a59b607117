import type { AccessPolicy, CollectionName, CommandResult } from '../../../core/index.js';
import { syncPath } from '../../../core/index.js';
import { DEMO_PASSWORD } from './accounts.js';

/** The requester side, through the REST API, as a self-service portal would call it. */
export function serverUrl(): string {
  const url = process.env.JIT_E2E_URL;
  if (!url) throw new Error('JIT_E2E_URL is not set: run through playwright.config.ts (its global setup starts the server)');
  return url;
}

async function json<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const response = await fetch(serverUrl() + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function login(username: string, password = DEMO_PASSWORD): Promise<string> {
  return (await json<{ token: string }>('POST', '/api/v1/auth/login', null, { username, password })).token;
}

export type CreatedRequest = { id: string; status: string; revision: number };

let counter = 0;

/** Submits a request and returns it; the justification is unique so the queue row is easy to find. */
export async function submitRequest(username: string, resourceId: string, opts: { minutes?: number; justification?: string; ticket?: string } = {}): Promise<CreatedRequest & { justification: string }> {
  const token = await login(username);
  counter += 1;
  const justification = opts.justification ?? `e2e ${username} ${Date.now().toString(36)}-${counter}`;
  const created = await json<CreatedRequest>('POST', '/api/v1/requests', token, {
    resourceId,
    durationMinutes: opts.minutes ?? 60,
    justification,
    ticket: opts.ticket ?? `CHG-${1000 + counter}`,
  });
  return { ...created, justification };
}

export async function getRequest(id: string, username = 'alice'): Promise<{ id: string; status: string; grantId: string | null }> {
  return json('GET', `/api/v1/requests/${encodeURIComponent(id)}`, await login(username));
}

/** Sends a command as the signed-in user (POST /api/v1/commands) and returns its result, applied or rejected. */
export async function sendCommand(token: string, type: string, payload: Record<string, unknown>): Promise<CommandResult> {
  const response = await fetch(`${serverUrl()}/api/v1/commands`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type, payload }),
  });
  const body = (await response.json()) as CommandResult | { result?: CommandResult; error?: unknown };
  if (response.ok) return body as CommandResult;
  if ('result' in body && body.result) return body.result;
  throw new Error(`POST /api/v1/commands ${type} answered ${response.status}: ${JSON.stringify(body)}`);
}

/** The server's copy of a policy, read the way a console replica pulls it. */
export async function getPolicy(token: string, policyId: string): Promise<AccessPolicy> {
  let checkpoint = { seq: 0, id: '' };
  for (;;) {
    const page = await json<{ documents: Array<AccessPolicy & { _deleted?: boolean }>; checkpoint: { seq: number; id: string } }>(
      'GET',
      `${syncPath('policies', 'pull')}?seq=${checkpoint.seq}&id=${encodeURIComponent(checkpoint.id)}&batchSize=100`,
      token,
    );
    const found = page.documents.find((d) => d.id === policyId);
    if (found) {
      const { _deleted: _gone, ...policy } = found;
      return policy;
    }
    if (page.documents.length === 0) throw new Error(`policy ${policyId} is not on the server`);
    checkpoint = page.checkpoint;
  }
}

/** The server's copy of any replicated document (a resource, a profile...), read the way a console replica pulls it. */
export async function getReplicated<T extends { id: string }>(token: string, collection: CollectionName, id: string): Promise<T> {
  let checkpoint = { seq: 0, id: '' };
  for (;;) {
    const page = await json<{ documents: Array<T & { _deleted?: boolean }>; checkpoint: { seq: number; id: string } }>(
      'GET',
      `${syncPath(collection, 'pull')}?seq=${checkpoint.seq}&id=${encodeURIComponent(checkpoint.id)}&batchSize=100`,
      token,
    );
    const found = page.documents.find((d) => d.id === id);
    if (found) {
      const { _deleted: _gone, ...doc } = found;
      return doc as unknown as T;
    }
    if (page.documents.length === 0) throw new Error(`${collection} ${id} is not on the server`);
    checkpoint = page.checkpoint;
  }
}

/** A request approved through the API, so its grant exists: the requester's first step is by an approver. */
export async function approveRequest(approver: string, requestId: string): Promise<CommandResult> {
  return sendCommand(await login(approver), 'request.approve', { requestId });
}

/** The person's own grants, newest first, as the REST API gives them. */
export async function myGrants(username: string): Promise<Array<{ id: string; requestId: string; status: string; verification: string }>> {
  return (await json<{ grants: Array<{ id: string; requestId: string; status: string; verification: string }> }>('GET', '/api/v1/grants?mine=1', await login(username))).grants;
}
