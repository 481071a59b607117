/**
 * Runs the hostile-input fuzz (fuzz-cases.ts) against a real server on 127.0.0.1 and checks, for
 * every answer: never a 5xx (nor a 1xx/3xx); a 4xx carries `{error:{code,message,field?}}` with a
 * known code and a plain message; a 2xx only where the OpenAPI document lists it and the case may
 * succeed (reads, replays, pushes); a push never answers with another actor's command; a command
 * id's recorded result never changes; a role that may never send a command does not get its
 * payload stored. Around the run: nothing stored changes but recorded rejections (documents of
 * every authoritative collection, accounts, sessions), the audit chain verifies, /healthz answers.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { CommandResult, ErrorCode, type Command } from '../../../core/index.js';
import type { Store } from '../../../sync-server/store/types.js';
import { endpointsFrom, fuzzCase, type Endpoint, type FuzzCase, type FuzzContext, type RawRequest, type Step, type Who } from './fuzz-cases.js';

export type Answer = { status: number; headers: IncomingHttpHeaders; text: string };
export type FuzzStats = { cases: number; requests: number; skipped: number; statuses: Record<string, number>; kinds: Record<string, number>; seconds: number; msByEndpoint: Record<string, number> };
export type FuzzOptions = { url: string; store: Store; adminToken: string; numRuns: number; seed?: number; password: string; usernames?: string[]; log?: (line: string) => void };

const AGENT = new Agent({ keepAlive: true, maxSockets: 8 });
const ERROR_CODES = new Set<string>([...ErrorCode.options, 'internal_error', 'throttled']);
/** What a plain answer never says: stack traces, internal errors, placeholders. */
const UNCLEAR = /\[object |TypeError|ReferenceError|RangeError|Cannot read propert|SQLITE|\bat \S+\.(ts|js):\d+|\bundefined\b(?<!received undefined)|received NaN/;
/** Controls, zero-width and bidi characters, lone surrogates: a message a person reads must show what it says. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Audit event types a refused request may write. */
const REFUSAL_EVENTS = new Set(['command.rejected', 'auth.login_failed']);
const NOT_AUTHORITATIVE = new Set(['commands', 'commandResults']);

export class FuzzFailure extends Error {}

/** One request on a raw socket pool: any bytes, any headers; event streams are read up to their headers. */
export function send(base: string, req: RawRequest): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    const body = req.oversizeBytes ? null : req.body;
    if (req.oversizeBytes && !req.chunked) headers['content-length'] = req.oversizeBytes;
    else if (body !== undefined && body !== null) headers['content-length'] = Buffer.byteLength(body);
    let answered = false;
    const r = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent: AGENT, timeout: 15_000 }, (res) => {
      answered = true;
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(new Error(`no answer within 15 s to ${req.method} ${req.path.slice(0, 200)}`)));
    // A server that answers an oversized body early may close before the rest is written: the answer counts.
    r.on('error', (error) => (answered ? undefined : reject(error)));
    if (req.oversizeBytes) {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let left = req.oversizeBytes;
      const pump = () => {
        while (left > 0 && !r.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!r.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void r.once('drain', pump);
        }
        r.end();
      };
      pump();
    } else r.end(body ?? undefined);
  });
}

function fail(c: FuzzCase, step: Step, answer: Answer | null, why: string): never {
  const req = { ...step.req, body: typeof step.req.body === 'string' ? step.req.body.slice(0, 600) : step.req.body ? `<${step.req.body.length} bytes>` : undefined };
  throw new FuzzFailure(`${why}\n  case: ${c.kind} (${c.endpoint})\n  request: ${JSON.stringify(req)}\n  answer: ${answer ? `${answer.status} ${answer.text.slice(0, 600)}` : '-'}`);
}

/** Each template's pattern, built once: a run looks one up for each of its ten thousand or so requests. */
const PATTERNS = new Map<string, RegExp>();
const patternOf = (template: string): RegExp => {
  let pattern = PATTERNS.get(template);
  if (!pattern) PATTERNS.set(template, (pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`)));
  return pattern;
};

function endpointOf(endpoints: Endpoint[], path: string, method: string): Endpoint | undefined {
  const bare = path.split('?')[0] as string;
  const matches = endpoints.filter((e) => e.method === method && patternOf(e.path).test(bare));
  return matches.find((e) => !e.path.includes('{version}')) ?? matches[0];
}

/** Checks the shape and wording of an error answer; returns the parsed body. */
function checkError(c: FuzzCase, step: Step, answer: Answer): void {
  if (!String(answer.headers['content-type'] ?? '').startsWith('application/json')) fail(c, step, answer, `a ${answer.status} must be JSON, not ${answer.headers['content-type']}`);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    fail(c, step, answer, 'the error body is not JSON');
  }
  const { error, ...rest } = (body ?? {}) as { error?: Record<string, unknown> };
  if (!error || typeof error !== 'object') fail(c, step, answer, 'no {error} object');
  const extraTop = Object.keys(rest).filter((k) => k !== 'result');
  if (extraTop.length) fail(c, step, answer, `unexpected top-level keys ${extraTop.join(', ')}`);
  if ('result' in rest && !CommandResult.safeParse((rest as { result: unknown }).result).success) fail(c, step, answer, 'result is not a CommandResult');
  const { code, message, field, ...more } = error;
  const allowed = answer.status === 426 ? ['reason', 'serverVersion'] : [];
  if (Object.keys(more).some((k) => !allowed.includes(k))) fail(c, step, answer, `unexpected error keys ${Object.keys(more).join(', ')}`);
  if (typeof code !== 'string' || !ERROR_CODES.has(code)) fail(c, step, answer, `unknown error code ${String(code)}`);
  if (typeof message !== 'string' || message.trim().length < 3 || message.length > 4096) fail(c, step, answer, 'the message is missing, empty or too long');
  if (UNCLEAR.test(message)) fail(c, step, answer, 'the message is not a plain sentence');
  if (INVISIBLE.test(message) || (typeof field === 'string' && INVISIBLE.test(field))) fail(c, step, answer, 'the message or field carries invisible or reordering characters');
  if (field !== undefined && (typeof field !== 'string' || field.length === 0 || field.length > 256)) fail(c, step, answer, 'field is not a short string');
  if (answer.status === 429 && !/^\d+$/.test(String(answer.headers['retry-after'] ?? ''))) fail(c, step, answer, 'a 429 without Retry-After seconds');
}

type Snapshot = { documents: unknown[]; accounts: unknown[]; sessions: unknown[]; resultSeq: number; auditSeq: number };

export function snapshot(store: Store): Snapshot {
  const documents = (store.db.prepare('SELECT collection, id, seq, deleted, doc FROM documents ORDER BY collection, id').all() as { collection: string }[]).filter((d) => !NOT_AUTHORITATIVE.has(d.collection));
  const resultSeq = (store.db.prepare("SELECT COALESCE(MAX(seq), 0) AS s FROM documents WHERE collection IN ('commands', 'commandResults')").get() as { s: number }).s;
  return { documents, accounts: store.db.prepare('SELECT * FROM accounts ORDER BY id').all(), sessions: store.db.prepare('SELECT * FROM sessions ORDER BY token_hash').all(), resultSeq, auditSeq: store.auditHead().seq };
}

/** Nothing changed but recorded rejections: same documents, accounts and sessions; only refusals audited. */
export function compareSnapshots(store: Store, before: Snapshot, extraEvents: readonly string[] = []): void {
  const after = snapshot(store);
  const changed = (a: unknown[], b: unknown[]) => JSON.stringify(a) !== JSON.stringify(b);
  if (changed(before.documents, after.documents)) {
    const was = new Map(before.documents.map((d) => [JSON.stringify([(d as { collection: string }).collection, (d as { id: string }).id]), JSON.stringify(d)]));
    const diff = after.documents.filter((d) => was.get(JSON.stringify([(d as { collection: string }).collection, (d as { id: string }).id])) !== JSON.stringify(d)).slice(0, 3);
    throw new FuzzFailure(`authoritative documents changed: ${JSON.stringify(diff).slice(0, 2000)}`);
  }
  if (changed(before.accounts, after.accounts)) throw new FuzzFailure('the accounts table changed');
  if (changed(before.sessions, after.sessions)) throw new FuzzFailure('the sessions table changed');
  const rows = store.db.prepare("SELECT collection, doc FROM documents WHERE collection IN ('commands', 'commandResults') AND seq > ?").all(before.resultSeq) as { collection: string; doc: string }[];
  for (const row of rows) {
    const doc = JSON.parse(row.doc) as { id: string; status?: string; message?: string };
    const result = row.collection === 'commandResults' ? doc : store.get('commandResults', doc.id);
    if (result?.status !== 'rejected') throw new FuzzFailure(`a fuzzed command was not rejected: ${row.doc.slice(0, 1000)}`);
    if (INVISIBLE.test(result.message ?? '')) throw new FuzzFailure(`a stored rejection message carries invisible or reordering characters: ${JSON.stringify(result.message ?? '').slice(0, 600)}`);
  }
  const allowed = new Set([...REFUSAL_EVENTS, ...extraEvents]);
  for (const event of store.auditEvents(before.auditSeq + 1)) {
    // A read that is an export leaves its record: GET /api/v1/config/export, answered to an admin.
    if (event.type === 'export.made' && event.data.kind === 'config_file') continue;
    if (!allowed.has(event.type)) throw new FuzzFailure(`unexpected audit event ${event.type}: ${JSON.stringify(event).slice(0, 600)}`);
  }
}

type Checks = { extraAuditEvents?: readonly string[]; /** Off only to see what else breaks before the rule exists. */ neverAllowedPayload?: boolean };

async function runStep(ctx: FuzzContext & { url: string; store: Store; checks: Checks }, c: FuzzCase, step: Step, stats: FuzzStats): Promise<void> {
  const prior = step.commandId ? ctx.store.get('commandResults', step.commandId) : null;
  if (step.onlyIfRecorded && !prior) {
    stats.skipped++;
    return;
  }
  const answer = await send(ctx.url, step.req);
  stats.requests++;
  stats.statuses[answer.status] = (stats.statuses[answer.status] ?? 0) + 1;
  const endpoint = endpointOf(ctx.endpoints, step.req.path, step.req.method);
  if (answer.status >= 500) fail(c, step, answer, `a ${answer.status}`);
  if (answer.status < 200 || (answer.status >= 300 && answer.status < 400)) fail(c, step, answer, `an unexpected ${answer.status}`);
  if (answer.status >= 400) checkError(c, step, answer);
  else {
    if (!endpoint?.responses.includes(String(answer.status))) fail(c, step, answer, `a ${answer.status} the OpenAPI document does not list for this route`);
    if (step.expect === 'reject') fail(c, step, answer, 'a hostile request succeeded');
  }
  const sender = ctx.who.find((w) => step.req.headers.authorization === `Bearer ${w.token}`);
  if (answer.status === 200 && /\/push$/.test(step.req.path.split('?')[0] ?? '')) {
    const conflicts = JSON.parse(answer.text) as Command[];
    if (!Array.isArray(conflicts)) fail(c, step, answer, 'a push answers an array');
    if (conflicts.some((d) => d.actorId !== sender?.id)) fail(c, step, answer, "a push answered with another actor's command");
  }
  if (step.commandId) {
    const after = ctx.store.get('commandResults', step.commandId);
    if (prior && JSON.stringify(prior) !== JSON.stringify(after)) fail(c, step, answer, `the recorded result of ${step.commandId} changed`);
    if (answer.status === 200 && step.req.path === '/api/v1/commands' && JSON.stringify(JSON.parse(answer.text)) !== JSON.stringify(prior)) fail(c, step, answer, 'a 200 that is not the replay of the recorded result');
    const stored = ctx.store.get('commands', step.commandId);
    if (step.neverAllowed && ctx.checks.neverAllowedPayload !== false && !prior && stored && stored.actorId === sender?.id && JSON.stringify(stored.payload) === JSON.stringify((JSON.parse(String(step.req.body)) as { payload?: unknown }).payload)) {
      fail(c, step, answer, 'the payload of a command its sender may never send was stored');
    }
  }
}

/** Signs in the demo people (one of each role) and the admin; reads the endpoints from the server's OpenAPI document. */
export async function fuzzContext(opts: FuzzOptions): Promise<FuzzContext & { url: string; store: Store }> {
  const usernames = opts.usernames ?? ['alice', 'carol', 'heidi', 'bob', 'mallory'];
  const who: Who[] = [];
  for (const username of usernames) {
    const res = await fetch(`${opts.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: opts.password }) });
    const body = (await res.json()) as { token: string; user: { id: string; roles: string[] } };
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
    who.push({ username, id: body.user.id, roles: body.user.roles, token: body.token });
  }
  const me = (await (await fetch(`${opts.url}/api/v1/me`, { headers: { authorization: `Bearer ${opts.adminToken}` } })).json()) as { user: { id: string; roles: string[] } };
  who.push({ username: 'admin', id: me.user.id, roles: me.user.roles, token: opts.adminToken });
  const doc = (await (await fetch(`${opts.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${opts.adminToken}` } })).json()) as Parameters<typeof endpointsFrom>[0];
  const ids = (collection: 'requests' | 'grants' | 'tasks' | 'resources' | 'policies' | 'users') => opts.store.list(collection).map((d) => d.id);
  const pools = {
    requestId: ids('requests'),
    id: ids('requests'),
    grantId: ids('grants'),
    taskId: ids('tasks'),
    resourceId: ids('resources'),
    policyId: ids('policies'),
    ownerId: ids('users'),
    managerId: ids('users'),
    approverId: ids('users'),
    collection: ['requests', 'grants', 'commands', 'commandResults', 'audit', 'users', 'tasks'],
    collections: ['requests,grants', 'audit', 'commands,commandResults'],
  };
  return { url: opts.url, store: opts.store, endpoints: endpointsFrom(doc), who, pools, stored: opts.store.list('commands') };
}

/** Runs numRuns cases and every check; throws FuzzFailure (with the shrunk case) on the first broken property. */
export async function runFuzz(opts: FuzzOptions, checks: Checks = {}): Promise<FuzzStats> {
  const ctx = { ...(await fuzzContext(opts)), checks };
  const before = snapshot(opts.store);
  const stats: FuzzStats = { cases: 0, requests: 0, skipped: 0, statuses: {}, kinds: {}, seconds: 0, msByEndpoint: {} };
  const started = performance.now();
  const one = async (c: FuzzCase) => {
    stats.cases++;
    stats.kinds[c.kind] = (stats.kinds[c.kind] ?? 0) + 1;
    const t0 = performance.now();
    for (const step of c.steps) await runStep(ctx, c, step, stats);
    const key = `${c.kind} ${c.endpoint}`;
    stats.msByEndpoint[key] = (stats.msByEndpoint[key] ?? 0) + performance.now() - t0;
  };
  let nextHealthCheck = 500;
  await fc.assert(
    fc.asyncProperty(fuzzCase(ctx), async (c) => {
      await one(c);
      if (stats.cases >= nextHealthCheck) {
        nextHealthCheck += 500;
        const health = await send(opts.url, { method: 'GET', path: '/healthz', headers: {} });
        if (health.status !== 200) throw new FuzzFailure(`/healthz answered ${health.status} after ${stats.cases} cases`);
        opts.log?.(`${stats.cases} cases, ${stats.requests} requests, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    }),
    { numRuns: opts.numRuns, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), endOnFailure: true },
  );
  stats.seconds = (performance.now() - started) / 1000;
  const health = await send(opts.url, { method: 'GET', path: '/healthz', headers: {} });
  if (health.status !== 200) throw new FuzzFailure(`/healthz answered ${health.status} after the run`);
  compareSnapshots(opts.store, before, checks.extraAuditEvents);
  const verify = await send(opts.url, { method: 'GET', path: '/api/v1/audit/verify', headers: { authorization: `Bearer ${opts.adminToken}` } });
  const verdict = JSON.parse(verify.text) as { ok: boolean };
  if (verify.status !== 200 || !verdict.ok) throw new FuzzFailure(`the audit chain no longer verifies: ${verify.text.slice(0, 600)}`);
  return stats;
}
