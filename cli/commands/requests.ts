/** `jit catalog`, `jit request` and `jit status`: what may be asked for, asking, and following it. */
import type { AccessRequest } from '../../core/index.js';
import type { ApiClient } from '../client.js';
import { formatMinutes } from '../duration.js';
import { CliError, EXIT } from '../errors.js';
import { minutesOf, msOf, output, print, printJson, progress, usage } from '../output.js';
import { signedIn } from '../session.js';
import { bounds, catalogOf, ENDED_REQUEST_STATES, namesOf, whereIs } from '../words.js';

export type WaitOptions = { wait?: boolean; timeout: string; every: string };
export type RequestOptions = WaitOptions & { for?: string; why?: string; ticket?: string; start?: string; onBehalfOf?: string };

export async function catalog(): Promise<void> {
  const { client } = signedIn();
  const resources = await catalogOf(client);
  if (output.json) return printJson({ resources });
  if (resources.length === 0) return print('You are not eligible for any resource.');
  for (const r of resources) {
    print(`${r.name}  (${r.id})  ${r.kind.replace('_', ' ')}, ${r.sensitivity} sensitivity`);
    if (r.description) print(`  ${r.description}`);
    print(`  ${bounds(r)}`);
  }
}

const formatWait = (ms: number) => (ms < 60_000 ? `${Math.round(ms / 100) / 10}s` : formatMinutes(Math.round(ms / 60_000)));

/** The exit code for a decided request: approved 0, anything else that ended 6. */
const exitForOutcome = (request: AccessRequest) => (request.status === 'approved' ? EXIT.ok : EXIT.notGranted);

/** Polls the request until it is decided or the time is up, printing each change of where it is. */
async function waitForDecision(client: ApiClient, first: AccessRequest, options: { timeoutMs: number; everyMs: number }): Promise<AccessRequest> {
  const deadline = Date.now() + options.timeoutMs;
  let request = first;
  let shown = '';
  for (;;) {
    const where = whereIs(request);
    if (where !== shown) {
      progress(`${request.id}: ${where}`);
      shown = where;
    }
    if (ENDED_REQUEST_STATES.has(request.status)) return request;
    if (Date.now() >= deadline) {
      throw new CliError(EXIT.timeout, `no decision on ${request.id} within ${formatWait(options.timeoutMs)}; it is still ${where} (jit status ${request.id})`, 'timeout');
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.everyMs, Math.max(0, deadline - Date.now()))));
    request = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(request.id)}`);
  }
}

export async function finishWaiting(client: ApiClient, first: AccessRequest, options: { timeoutMs: number; everyMs: number }): Promise<void> {
  let decided: AccessRequest;
  try {
    decided = await waitForDecision(client, first, options);
  } catch (error) {
    if (error instanceof CliError && error.exitCode === EXIT.timeout && output.json) {
      const latest = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(first.id)}`);
      printJson({ request: latest, outcome: 'timeout', error: { code: error.code, message: error.message }, exitCode: error.exitCode });
      process.exitCode = error.exitCode;
      return;
    }
    throw error;
  }
  process.exitCode = exitForOutcome(decided);
  if (output.json) printJson({ request: decided, outcome: decided.status });
}

export async function request(resourceArg: string, options: RequestOptions): Promise<void> {
  const timeoutMs = msOf('--timeout', options.timeout);
  const everyMs = msOf('--every', options.every);
  const { client } = signedIn();
  const resources = await catalogOf(client);
  const entry = resources.find((r) => r.id === resourceArg) ?? resources.find((r) => r.name.toLowerCase() === resourceArg.toLowerCase());
  // Without --for the server gives the resource's recommended duration (the maximum is still the cap).
  const minutes = options.for !== undefined ? minutesOf('--for', options.for) : undefined;
  // Loaded only for --start: the server's start rule (core) brings the policy schemas (zod) along, a
  // noticeable part of a `jit` start that no other command needs.
  const start = options.start !== undefined ? (await import('../start.js')).parseStart(options.start, new Date()) : undefined;
  if (start && !start.ok) throw usage('--start', start.message);
  const flags = { resourceId: '<resource>', durationMinutes: '--for', justification: '--why', ticket: '--ticket', startsAt: '--start', requestId: '<resource>', onBehalfOf: '--on-behalf-of' };
  const created = await client.call<AccessRequest>('POST', '/api/v1/requests', {
    body: { resourceId: entry?.id ?? resourceArg, ...(minutes !== undefined ? { durationMinutes: minutes } : {}), justification: options.why ?? '', ticket: options.ticket ?? '', ...(start?.ok ? { startsAt: start.iso } : {}), ...(options.onBehalfOf ? { onBehalfOf: options.onBehalfOf } : {}) },
    flags,
  });
  const name = entry?.name ?? created.resourceId;
  if (!options.wait) {
    if (output.json) return printJson({ request: created });
    print(`Requested ${name} for ${formatMinutes(created.durationMinutes)}${created.startsAt ? ` from ${created.startsAt}` : ''}${created.onBehalfOf ? ` on behalf of ${created.onBehalfOf}` : ''}: ${created.id}`);
    print(`${created.id}: ${whereIs(created)}`);
    if (!ENDED_REQUEST_STATES.has(created.status)) print(`Follow it with: jit status ${created.id}`);
    return;
  }
  if (!output.json) print(`Requested ${name} for ${formatMinutes(created.durationMinutes)}: ${created.id}`);
  await finishWaiting(client, created, { timeoutMs, everyMs });
}

export async function status(requestId: string | undefined, options: { limit: string }): Promise<void> {
  const { client } = signedIn();
  const nameOf = await namesOf(client);
  if (requestId) {
    const found = await client.call<AccessRequest>('GET', `/api/v1/requests/${encodeURIComponent(requestId)}`, { flags: { id: '<request-id>' } });
    if (output.json) return printJson({ request: found });
    print(`${found.id}  ${nameOf(found.resourceId)} for ${formatMinutes(found.durationMinutes)}${found.extendsGrantId ? ` more on grant ${found.extendsGrantId}` : ''}`);
    print(`  ${whereIs(found)}`);
    if (found.ticket) print(`  ticket ${found.ticket}`);
    if (found.justification) print(`  why: ${found.justification}`);
    for (const d of found.decisions) print(`  step ${d.stepIndex + 1}: ${d.decision === 'approve' ? 'approved' : 'denied'} by ${d.approverId} at ${d.decidedAt}${d.reason ? `: ${d.reason}` : ''}`);
    print(`  asked ${found.createdAt}${found.decidedAt ? `, decided ${found.decidedAt}` : ''}`);
    return;
  }
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usage('--limit', `"${options.limit}" is not a whole number from 1 to 1000`);
  const { requests } = await client.call<{ requests: AccessRequest[] }>('GET', `/api/v1/requests?mine=1&limit=${limit}`);
  if (output.json) return printJson({ requests });
  if (requests.length === 0) return print('You have no requests.');
  for (const r of requests) print(`${r.id}  ${nameOf(r.resourceId)}  ${formatMinutes(r.durationMinutes)}${r.extendsGrantId ? ' more' : ''}  ${whereIs(r)}`);
}
