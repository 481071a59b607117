/**
 * Hostile requests for every endpoint of the server's own OpenAPI document (so routes added later
 * are fuzzed too) plus the sync routes it hides: malformed and oversized bodies, wrongly typed,
 * missing and unknown fields, hostile strings and ids, prototype-pollution keys, bad content types
 * and Authorization headers, commands a role may never send, references to nothing, and the same
 * command id sent twice with different bodies or pushed back in old and new states.
 *
 * Every case is built to be refused (or, for reads, answered): nothing it sends may change an
 * authoritative document. See fuzz-run.ts for how the answers and the store are checked.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { COMMAND_ROLES, CommandPayloads, Command as CommandSchema, type Command, type CommandType } from '../../../core/index.js';
import { DANGLING_IDS, HOSTILE_KEYS, HOSTILE_TEXT, invalidValue, validValue, type JsonSchema } from './fuzz-schema.js';

export type Who = { username: string; id: string; roles: string[]; token: string };

export type Endpoint = {
  method: string;
  /** OpenAPI path template, e.g. /sync/v1/{collection}/push. */
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: JsonSchema }[];
  body?: JsonSchema;
  /** Documented statuses. */
  responses: string[];
  secured: boolean;
};

export type RawRequest = { method: string; path: string; headers: Record<string, string>; body?: string | Buffer; oversizeBytes?: number; chunked?: boolean };

export type Step = {
  req: RawRequest;
  /** reject: a 2xx is a failure; any: a documented 2xx is fine (reads, replays, pushes). */
  expect: 'reject' | 'any';
  /** The command id this step sends, when it sends one: its stored result must not change once recorded. */
  commandId?: string;
  /** Sent by someone whose roles may never send this type: its payload must not be stored. */
  neverAllowed?: boolean;
  /** Run only when the step before recorded a result for commandId (else this valid body would apply). */
  onlyIfRecorded?: boolean;
};

export type FuzzCase = { kind: string; endpoint: string; steps: Step[] };

export type FuzzContext = {
  endpoints: Endpoint[];
  who: Who[];
  /** Real ids per field name (requestId, grantId, taskId, resourceId, collection, id ...). */
  pools: Record<string, readonly string[]>;
  /** Commands already stored (the seed's), to replay and push back in old and new states. */
  stored: Command[];
};

const zodJson = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const PAYLOADS = Object.fromEntries(Object.entries(CommandPayloads).map(([type, s]) => [type, zodJson(s as z.ZodType)])) as Record<CommandType, JsonSchema>;
const ENVELOPE = zodJson(CommandSchema);
const TYPES = Object.keys(CommandPayloads) as CommandType[];

/** The server's operations from GET /api/v1/openapi.json, plus the hidden sync catch-all. */
export function endpointsFrom(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = ((op.parameters as { name: string; in: 'path' | 'query'; schema: JsonSchema }[] | undefined) ?? []).map((p) => ({ name: p.name, in: p.in, schema: p.schema }));
      const body = (op.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)?.content?.['application/json']?.schema;
      endpoints.push({ method: method.toUpperCase(), path, params, ...(body ? { body } : {}), responses: Object.keys((op.responses as object) ?? {}), secured: Array.isArray(op.security) });
    }
  }
  // Hidden from the document: other protocol versions, and the document itself.
  for (const method of ['GET', 'POST']) endpoints.push({ method, path: '/sync/{version}/{rest}', params: [{ name: 'version', in: 'path', schema: { type: 'string' } }, { name: 'rest', in: 'path', schema: { type: 'string' } }], responses: [], secured: false });
  endpoints.push({ method: 'GET', path: '/api/v1/openapi.json', params: [], responses: ['200'], secured: true });
  return endpoints;
}

/** Percent-encodes anything, lone surrogates included (as the bytes a careless encoder would send). */
export function encodeAny(s: string): string {
  return [...s].map((ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
}

const RAW_PATH_BITS = ['%00', '%ZZ', '%', '..%2F..%2F', '%2e%2e', '%E2%80%AE', '%F0%9F', '%C0%AE', '..', '.'];

function tokenLike(who: Who[]): fc.Arbitrary<string | undefined> {
  const token = fc.constantFrom(...who.map((w) => w.token));
  return fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46ZGVtby1wYXNzd29yZC0x', 'Token abc', 'Bearer ../../etc', `Bearer ${'a'.repeat(300)}`, `Bearer ${'A'.repeat(43)}`, 'Bearer null', 'Bearer \u00ff\u00fe\u00fd\u00fc\u00fb\u00fa\u00f9\u00f8\u00f7\u00f6\u00f5\u00f4\u00f3\u00f2\u00f1\u00f0'),
    token.map((t) => `Bearer ${t}x`),
    token.map((t) => `Bearer ${t.slice(0, -1)}`),
    token.map((t) => `Bearer ${t} ${t}`),
    token.map((t) => `bearer\t${t.toUpperCase()}`),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c === 0x7f ? 0x20 : c)), maxLength: 80 }),
  );
}

const CONTENT_TYPES = ['application/json; charset=utf-8', 'application/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/json; charset=latin1', 'application/merge-patch+json', '*/*', 'application/json, text/plain', 'text/html; charset=utf-8', 'application/octet-stream'];
const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(undefined) });

const MALFORMED = ['{', '{"a":', '[', '{"type":"request.approve",}', "{'a':1}", 'NaN', '\ufeff{}', '{"a":1}{"b":2}', '{"a":"\\u00"}', '1e99999', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":{"__proto__":{"x":1}}}', 'null', 'true', '""', '[]', '{}', '  ', '\u0000', '{"a":1,"a":2}', '-', '{"id": 1e999}', '[' .repeat(5000)];

/** Nested arrays this deep in an otherwise plausible body. */
function deep(depth: number, kind: 'array' | 'object'): string {
  const [open, close] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
}

function jsonText(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/** A body the endpoint's schema surely refuses, or text that is not JSON at all. */
function hostileBody(schema: JsonSchema, pools: FuzzContext['pools']): fc.Arbitrary<{ body: string | Buffer; oversizeBytes?: number; chunked?: boolean }> {
  const broken = validValue(schema, pools).chain((v) => invalidValue(v, schema)).map((b) => ({ body: jsonText(b.value) }));
  return fc.oneof(
    { weight: 8, arbitrary: broken },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED).map((body) => ({ body })) },
    { weight: 1, arbitrary: validValue(schema, pools).chain((v) => fc.nat({ max: Math.max(0, jsonText(v).length - 1) }).map((n) => ({ body: jsonText(v).slice(0, n) }))) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length > 0).map((v) => ({ body: jsonText(v) })) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({ body: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from(bytes), Buffer.from('"}')]) })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1000, 20_000, 100_000), fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>).map(([d, k]) => ({ body: `{"type":"request.approve","payload":{"x":${deep(d, k)}}}` })) },
    { weight: 1, arbitrary: fc.boolean().map((chunked) => ({ body: '', oversizeBytes: 1024 * 1024 + 1, chunked })) },
  );
}

/** The params of a path template filled with real values, or some with hostile ones. */
function pathAndQuery(endpoint: Endpoint, pools: FuzzContext['pools']): fc.Arbitrary<{ path: string; hostile: boolean }> {
  const value = (name: string, schema: JsonSchema) =>
    fc.oneof(
      { weight: 3, arbitrary: validValue(schema, pools, name).map((v) => ({ text: encodeAny(String(v)), hostile: false })) },
      { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_TEXT, ...DANGLING_IDS, 'x'.repeat(5000), '-1', '1e400', '0x10', ' 1', 'NaN', 'requests,,users', 'audit,__proto__').map((t) => ({ text: encodeAny(t), hostile: true })) },
      { weight: 1, arbitrary: fc.constantFrom(...RAW_PATH_BITS).map((t) => ({ text: t, hostile: true })) },
    );
  const params = endpoint.params.map((p) => value(p.name, p.in === 'path' && p.name === 'version' ? { type: 'string', enum: ['v0', 'v2', 'v1', 'v999999', 'vx', 'V2'] } : p.schema).map((v) => ({ ...v, p })));
  const extra = fc.array(fc.tuple(fc.constantFrom(...HOSTILE_KEYS.filter(Boolean), 'token', 'limit', 'seq', 'collections', 'mine'), fc.constantFrom('1', '', 'x', '%00', '__proto__')), { maxLength: 2 });
  return fc.tuple(fc.tuple(...params), extra).map(([filled, more]) => {
    let path = endpoint.path;
    const query: string[] = [];
    for (const f of filled) {
      if (f.p.in === 'path') path = path.replace(`{${f.p.name}}`, f.text || 'x');
      else if (f.text !== '' || f.hostile) query.push(`${encodeURIComponent(f.p.name)}=${f.text}`);
    }
    for (const [k, v] of more) query.push(`${encodeAny(k)}=${v}`);
    return { path: query.length ? `${path}?${query.join('&')}` : path, hostile: filled.some((f) => f.hostile) || more.length > 0 };
  });
}

function headers(auth: string | undefined, type: string | undefined): Record<string, string> {
  return { ...(auth !== undefined ? { authorization: auth } : {}), ...(type !== undefined ? { 'content-type': type } : {}) };
}

const isCommandBody = (s: JsonSchema | undefined) => Boolean(s?.properties?.type?.enum && s.properties.payload);
const isPush = (e: Endpoint) => e.method === 'POST' && /\/push$/.test(e.path);

/** Required payload ids that must name something that exists (not the id a create chooses). */
function referenceKeys(type: CommandType): string[] {
  const schema = PAYLOADS[type];
  const entity = type.split('.')[0];
  const creates = /\.(create|upsert)$/.test(type);
  return (schema.required ?? []).filter((k) => /Id$/.test(k) && schema.properties?.[k]?.type === 'string' && !(creates && k === `${entity}Id`));
}

type Sent = { type: CommandType; payload: unknown; who: Who; neverAllowed: boolean; how: string };

/** A command that is refused whoever sends it: broken payload, a role that may never send it, or ids that name nothing. */
function refusedCommand(ctx: FuzzContext): fc.Arbitrary<Sent> {
  return fc.tuple(fc.constantFrom(...TYPES), fc.constantFrom(...ctx.who)).chain(([type, who]) => {
    const schema = PAYLOADS[type];
    const payload = validValue(schema, ctx.pools);
    const outsiders = ctx.who.filter((w) => !w.roles.some((r) => (COMMAND_ROLES[type] as readonly string[]).includes(r)));
    const refs = referenceKeys(type);
    const ways: fc.Arbitrary<Sent>[] = [payload.chain((p) => invalidValue(p, schema)).map((b) => ({ type, payload: b.value, who, neverAllowed: false, how: `payload ${b.how}` }))];
    if (outsiders.length) ways.push(fc.tuple(payload, fc.constantFrom(...outsiders)).map(([p, w]) => ({ type, payload: p, who: w, neverAllowed: true, how: `${w.username} may never send ${type}` })));
    if (refs.length) {
      ways.push(
        fc.tuple(payload, fc.constantFrom(...DANGLING_IDS)).map(([p, id]) => {
          const copy = { ...(p as Record<string, unknown>) };
          for (const k of refs) copy[k] = id;
          return { type, payload: copy, who, neverAllowed: false, how: `${refs.join(',')} = ${id}` };
        }),
      );
    }
    return fc.oneof(...ways);
  });
}

const commandId = fc.oneof(fc.uuid().map((u) => `fz-${u}`), fc.string({ unit: fc.constantFrom(...'abcxyz019.-:@_'), minLength: 1, maxLength: 20 }).map((s) => `fz-${s}`));

function commandsRequest(id: string | undefined, sent: { type: string; payload: unknown; baseRevision?: unknown }, auth: string): RawRequest {
  return { method: 'POST', path: '/api/v1/commands', headers: headers(auth, 'application/json'), body: jsonText({ ...(id ? { id } : {}), type: sent.type, payload: sent.payload, ...('baseRevision' in sent ? { baseRevision: sent.baseRevision } : {}) }) };
}

function pushRequest(rows: unknown[], auth: string, collection = 'commands'): RawRequest {
  return { method: 'POST', path: `/sync/v1/${collection}/push`, headers: headers(auth, 'application/json'), body: jsonText(rows) };
}

const envelope = (id: string, sent: Sent, at: string) => ({ id, type: sent.type, actorId: sent.who.id, payload: sent.payload, createdAt: at, baseRevision: null });

/** A push row with its envelope broken anywhere but the id and type (so a result is recorded). */
function brokenRow(ctx: FuzzContext, id: string): fc.Arbitrary<{ row: unknown; who: Who }> {
  return refusedCommand(ctx).chain((sent) => {
    const doc = envelope(id, sent, new Date().toISOString());
    const broken = invalidValue(doc, { ...ENVELOPE, additionalProperties: false }).filter((b) => !/^(id|type)\b/.test(b.how) && !/^body/.test(b.how));
    return fc.oneof(fc.constant({ row: { newDocumentState: doc }, who: sent.who }), broken.map((b) => ({ row: { newDocumentState: b.value, assumedMasterState: null }, who: sent.who })));
  });
}

/** The same command id twice: a refused first body, then another (possibly valid) one: the first result must stand. */
function sameIdTwice(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  return fc.tuple(commandId, refusedCommand(ctx), fc.boolean(), fc.boolean(), fc.constantFrom(...TYPES), fc.constantFrom(...ctx.who)).chain(([id, first, firstByPush, secondByPush, type, secondWho]) =>
    validValue(PAYLOADS[type], ctx.pools).map((payload): FuzzCase => {
      const at = new Date().toISOString();
      const second: Sent = { type, payload, who: secondWho, neverAllowed: false, how: 'second body' };
      const send = (s: Sent, push: boolean) => (push ? pushRequest([{ newDocumentState: envelope(id, s, at) }], `Bearer ${s.who.token}`) : commandsRequest(id, s, `Bearer ${s.who.token}`));
      return {
        kind: 'same-id-twice',
        endpoint: `${firstByPush ? 'push' : 'commands'} then ${secondByPush ? 'push' : 'commands'}`,
        steps: [
          { req: send(first, firstByPush), expect: firstByPush ? 'any' : 'reject', commandId: id, neverAllowed: first.neverAllowed },
          { req: send(second, secondByPush), expect: 'any', commandId: id, onlyIfRecorded: true },
        ],
      };
    }),
  );
}

/** Stored commands sent again: unchanged, changed, deleted, by their actor or by someone else. */
function replays(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  return fc.tuple(fc.constantFrom(...ctx.stored), fc.constantFrom(...ctx.who), fc.constantFrom('same', 'payload', 'type', 'deleted', 'actor', 'older'), fc.boolean()).map(([cmd, who, change, byPush]): FuzzCase => {
    const doc: Record<string, unknown> = { ...cmd };
    if (change === 'payload') doc.payload = { ...cmd.payload, reason: 'changed after the fact' };
    if (change === 'type') doc.type = TYPES.find((t) => t !== cmd.type);
    if (change === 'deleted') doc._deleted = true;
    if (change === 'actor') doc.actorId = who.id;
    if (change === 'older') doc.createdAt = '2001-01-01T00:00:00.000Z';
    const auth = `Bearer ${who.token}`;
    const req = byPush ? pushRequest([{ assumedMasterState: cmd, newDocumentState: doc }], auth) : commandsRequest(cmd.id, { type: String(doc.type), payload: doc.payload }, auth);
    return { kind: 'replay', endpoint: byPush ? 'push' : 'commands', steps: [{ req, expect: 'any', commandId: cmd.id }] };
  });
}

/** One endpoint, fuzzed through its body, its params, its headers and the caller's roles. */
function endpointCase(endpoint: Endpoint, ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const name = `${endpoint.method} ${endpoint.path}`;
  const who = fc.constantFrom(...ctx.who);
  // An action without a body (sign-out) is only ever sent unauthenticated: the fuzz must keep its sessions.
  const action = endpoint.method === 'POST' && !endpoint.body;
  const auth = action ? tokenLike(ctx.who).filter((a) => !ctx.who.some((w) => a === `Bearer ${w.token}`)) : fc.oneof({ weight: 4, arbitrary: who.map((w) => `Bearer ${w.token}`) }, { weight: 1, arbitrary: tokenLike(ctx.who) });
  const writes = endpoint.method !== 'GET';
  const ways: fc.Arbitrary<FuzzCase>[] = [
    fc.tuple(pathAndQuery(endpoint, ctx.pools), auth, contentType, endpoint.body ? hostileBody(endpoint.body, ctx.pools) : fc.constant(undefined)).map(([pq, a, type, body]) => ({
      kind: body ? 'hostile-body' : 'hostile-request',
      endpoint: name,
      steps: [{ req: { method: endpoint.method, path: pq.path, headers: headers(a, body ? type : undefined), ...(body ?? {}) }, expect: writes && !isPush(endpoint) ? 'reject' : 'any' }],
    })),
  ];
  if (isCommandBody(endpoint.body)) {
    ways.push(
      fc.tuple(fc.option(commandId, { nil: undefined }), refusedCommand(ctx), fc.option(fc.oneof(fc.constant(null), fc.nat({ max: 50 })), { nil: undefined })).map(([id, sent, baseRevision]) => ({
        kind: sent.neverAllowed ? 'never-allowed' : 'refused-command',
        endpoint: name,
        steps: [{ req: commandsRequest(id, { type: sent.type, payload: sent.payload, ...(baseRevision !== undefined ? { baseRevision } : {}) }, `Bearer ${sent.who.token}`), expect: 'reject', ...(id ? { commandId: id } : {}), neverAllowed: sent.neverAllowed }],
      })),
    );
  } else if (endpoint.body && writes && !isPush(endpoint)) {
    // A body the schema accepts but whose required references name nothing (POST /api/v1/requests).
    const refs = (endpoint.body.required ?? []).filter((k) => /Id$/.test(k) && endpoint.body?.properties?.[k]?.type === 'string');
    if (refs.length) {
      ways.push(
        fc.tuple(validValue(endpoint.body, ctx.pools), fc.constantFrom(...DANGLING_IDS), who).map(([v, id, w]) => {
          const body = { ...(v as Record<string, unknown>) };
          for (const k of refs) body[k] = id;
          return { kind: 'dangling-reference', endpoint: name, steps: [{ req: { method: endpoint.method, path: endpoint.path, headers: headers(`Bearer ${w.token}`, 'application/json'), body: jsonText(body) }, expect: 'reject' as const }] };
        }),
      );
    }
  }
  if (isPush(endpoint)) {
    const rows = fc.array(fc.oneof(brokenRow(ctx, 'x').map((r) => r.row), fc.jsonValue({ maxDepth: 2 }).map((v) => ({ newDocumentState: v }))), { minLength: 1, maxLength: 5 });
    ways.push(
      fc.tuple(fc.array(commandId, { minLength: 1, maxLength: 5 }), rows, who, fc.constantFrom('commands', 'commands', 'commands', 'requests', 'audit', 'commandResults', 'users')).map(([ids, rs, w, collection]) => {
        const withIds = rs.map((r, i) => {
          const state = (r as { newDocumentState: unknown }).newDocumentState;
          return state && typeof state === 'object' && !Array.isArray(state) ? { ...(r as object), newDocumentState: { ...state, id: ids[i % ids.length] } } : r;
        });
        return { kind: 'push-rows', endpoint: name, steps: [{ req: pushRequest(withIds, `Bearer ${w.token}`, collection), expect: 'any' as const }] };
      }),
    );
  }
  return fc.oneof(...ways);
}

/** Every endpoint equally often, plus the id-reuse and replay sequences. */
export function fuzzCase(ctx: FuzzContext): fc.Arbitrary<FuzzCase> {
  const usable = ctx.endpoints.filter((e) => !/\/stream$/.test(e.path) || e.method !== 'GET');
  const streams = ctx.endpoints.filter((e) => /\/stream$/.test(e.path) && e.method === 'GET');
  return fc.oneof(
    ...usable.map((e) => ({ weight: e.body ? 3 : 1, arbitrary: endpointCase(e, ctx) })),
    ...streams.map((e) => ({ weight: 1, arbitrary: endpointCase(e, ctx) })),
    { weight: 4, arbitrary: sameIdTwice(ctx) },
    { weight: 2, arbitrary: replays(ctx) },
  );
}

