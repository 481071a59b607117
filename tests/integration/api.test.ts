import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let bob: string;
let alice: string;
let eve: string;
let carol: string;
let heidi: string;

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  [bob, alice, eve, carol, heidi] = (await Promise.all(['bob', 'alice', 'eve', 'carol', 'heidi'].map((u) => srv.login(u)))) as [string, string, string, string, string];
});
afterAll(() => srv?.close());

const post = (path: string, token: string | undefined, body: unknown) => http('POST', `${srv.url}${path}`, { ...(token ? { token } : {}), body });
const get = (path: string, token?: string) => http('GET', `${srv.url}${path}`, token ? { token } : {});

describe('health and authentication', () => {
  it('healthz answers without a token', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', version: expect.any(String), protocolVersion: 1 });
  });

  it('login returns a token, its expiry and the user; /me reads it back', async () => {
    const res = await post('/api/v1/auth/login', undefined, { username: 'alice', password: 'demo-password-1' });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: 'u-alice', displayName: 'Alice Moreau', roles: ['approver'] });
    expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(11 * 3600_000);
    const me = await get('/api/v1/me', res.body.token);
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: 'u-alice', username: 'alice', console: true });
  });

  it('bad credentials: 401 with the same message whether or not the user exists, both audited', async () => {
    const wrongPassword = await post('/api/v1/auth/login', undefined, { username: 'alice', password: 'nope' });
    const noSuchUser = await post('/api/v1/auth/login', undefined, { username: 'zed', password: 'nope' });
    expect(wrongPassword.status).toBe(401);
    expect(noSuchUser.status).toBe(401);
    expect(wrongPassword.body).toEqual(noSuchUser.body);
    expect(wrongPassword.body.error.code).toBe('unauthenticated');
    const failures = srv.store.list('audit').filter((e) => e.type === 'auth.login_failed');
    expect(failures.map((e) => e.subjectId)).toEqual(expect.arrayContaining(['u-alice', 'unknown']));
  });

  it('every endpoint but healthz and login needs a token; a garbage or logged-out token is refused', async () => {
    for (const path of ['/api/v1/me', '/api/v1/requests', '/metrics', '/api/v1/openapi.json', '/sync/v1/requests/pull', '/api/v1/audit/verify']) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    expect((await get('/api/v1/me', 'x'.repeat(43))).status).toBe(401);
    const token = await srv.login('frank');
    expect((await http('POST', `${srv.url}/api/v1/auth/logout`, { token })).status).toBe(204);
    expect((await get('/api/v1/me', token)).status).toBe(401);
  });

  it('an expired session is refused', async () => {
    const token = await srv.login('grace');
    const session = srv.store.db.prepare('SELECT token_hash FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT 1').pluck().get() as string;
    srv.store.db.prepare('UPDATE sessions SET expires_at = ? WHERE token_hash = ?').run('2000-01-01T00:00:00.000Z', session);
    const res = await get('/api/v1/me', token);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
  });
});

describe('bad input never causes a 500', () => {
  it('malformed JSON: 400 invalid_input', async () => {
    const res = await http('POST', `${srv.url}/api/v1/commands`, { token: bob, rawBody: '{"type": "request.create",' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
  });

  it('wrong types: 400 naming the field path and the rule', async () => {
    const res = await post('/api/v1/requests', bob, { resourceId: 'res-entra-global-reader', durationMinutes: 'two hours' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', field: 'durationMinutes' });
    expect(res.body.error.message).toMatch(/^durationMinutes: .*expected number/);
  });

  it('nested payload fields are named in full', async () => {
    const res = await post('/api/v1/commands', alice, { type: 'request.approve', payload: { requestId: 'req-demo-bob-global-reader', breakGlass: 'yes' } });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('payload.breakGlass');
    expect(res.body.result).toMatchObject({ status: 'rejected', code: 'invalid_input' });
  });

  it('huge strings are refused by their limit, and bodies over 1 MiB by size', async () => {
    const long = await post('/api/v1/requests', bob, { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'x'.repeat(100_000) });
    expect(long.status).toBe(400);
    expect(long.body.error.field).toBe('justification');
    const huge = await post('/api/v1/requests', bob, { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'x'.repeat(2_000_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('invalid_input');
  });

  it('an unknown command type, an empty body, a text body and an unknown content type are 4xx', async () => {
    const unknownType = await post('/api/v1/commands', bob, { type: 'grant.steal', payload: {} });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.error.field).toBe('type');
    const empty = await http('POST', `${srv.url}/api/v1/commands`, { token: bob });
    expect(empty.status).toBe(400);
    const text = await http('POST', `${srv.url}/api/v1/commands`, { token: bob, rawBody: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(400);
    expect(text.body.error).toMatchObject({ code: 'invalid_input', field: 'body' });
    const xml = await http('POST', `${srv.url}/api/v1/commands`, { token: bob, rawBody: '<a/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    expect(xml.body.error.code).toBe('invalid_input');
  });

  it('unknown paths are 404 in the one error shape', async () => {
    const res = await get('/api/v1/nothing-here', bob);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.stringMatching(/no route GET/) } });
  });
});

describe('requests through the API', () => {
  it('request -> approve -> grant created in provisioning', async () => {
    const created = await post('/api/v1/requests', bob, { resourceId: 'res-entra-global-reader', durationMinutes: 45, justification: 'look at sign-in logs' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ requesterId: 'u-bob', status: 'pending_approval', revision: 1 });
    const requestId = created.body.id as string;

    const approved = await post('/api/v1/commands', alice, { type: 'request.approve', payload: { requestId, reason: 'ok' }, baseRevision: 1 });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'applied', code: 'ok', actorId: 'u-alice', subjectIds: [requestId, `g-${requestId}`] });

    const read = await get(`/api/v1/requests/${requestId}`, bob);
    expect(read.body).toMatchObject({ status: 'approved', grantId: `g-${requestId}` });
    expect(srv.store.get('grants', `g-${requestId}`)).toMatchObject({ status: 'provisioning', userId: 'u-bob' });
  });

  it('self-approval is 403 self_approval_forbidden with the result', async () => {
    const created = await post('/api/v1/requests', eve, { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'mine' });
    const res = await post('/api/v1/commands', eve, { type: 'request.approve', payload: { requestId: created.body.id } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('self_approval_forbidden');
    expect(res.body.result).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
  });

  it('a two-step chain needs the owner, then security', async () => {
    const created = await post('/api/v1/requests', bob, { resourceId: 'res-pim-prod-operators', durationMinutes: 60, justification: 'failover', ticket: 'CHG-9' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const early = await post('/api/v1/commands', carol, { type: 'request.approve', payload: { requestId: id } });
    expect(early.status).toBe(403);
    expect((await post('/api/v1/commands', alice, { type: 'request.approve', payload: { requestId: id } })).status).toBe(200);
    expect((await get(`/api/v1/requests/${id}`, bob)).body).toMatchObject({ status: 'pending_approval', currentStep: 1 });
    expect((await post('/api/v1/commands', carol, { type: 'request.approve', payload: { requestId: id } })).status).toBe(200);
    expect((await get(`/api/v1/requests/${id}`, bob)).body).toMatchObject({ status: 'approved', grantId: `g-${id}` });
  });

  it('a missing ticket is 422 ticket_required', async () => {
    const res = await post('/api/v1/requests', bob, { resourceId: 'res-pim-prod-operators', durationMinutes: 60, justification: 'failover' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('ticket_required');
  });

  it('a stale decision is 409 naming who decided', async () => {
    const created = await post('/api/v1/requests', bob, { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'race' });
    const id = created.body.id as string;
    expect((await post('/api/v1/commands', alice, { type: 'request.approve', payload: { requestId: id }, baseRevision: 1 })).status).toBe(200);
    const late = await post('/api/v1/commands', eve, { type: 'request.deny', payload: { requestId: id, reason: 'too broad' }, baseRevision: 1 });
    expect(late.status).toBe(409);
    expect(late.body.error).toEqual({ code: 'already_decided', message: 'the request was already approved by Alice Moreau' });
    expect(late.body.result.status).toBe('rejected');
  });

  it('replaying the same command id is a no-op returning the first result', async () => {
    const body = { id: 'api-replay-1', type: 'request.create', payload: { resourceId: 'res-entra-global-reader', durationMinutes: 20, justification: 'once' } };
    const first = await post('/api/v1/commands', bob, body);
    const count = srv.store.count('requests');
    const head = srv.store.auditHead();
    const second = await post('/api/v1/commands', bob, body);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(srv.store.count('requests')).toBe(count);
    expect(srv.store.auditHead()).toEqual(head);
    // Someone else reusing the id gets a conflict, not bob's result.
    expect((await post('/api/v1/commands', alice, body)).status).toBe(409);
  });

  it('unknown subjects are 404; requesters see only their own requests', async () => {
    const missing = await post('/api/v1/commands', alice, { type: 'request.approve', payload: { requestId: 'req-none' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const others = await get('/api/v1/requests/req-demo-frank-finance-share', bob);
    expect(others.status).toBe(404);
    expect((await get('/api/v1/requests/req-demo-frank-finance-share', alice)).status).toBe(200);
    const mine = await get('/api/v1/requests?mine=1', bob);
    expect(mine.body.requests.length).toBeGreaterThan(0);
    expect(mine.body.requests.every((r: { requesterId: string }) => r.requesterId === 'u-bob')).toBe(true);
    // Without mine=1 a requester still sees only their own.
    const all = await get('/api/v1/requests', bob);
    expect(all.body.requests.every((r: { requesterId: string }) => r.requesterId === 'u-bob')).toBe(true);
    const console = await get('/api/v1/requests?limit=1000', alice);
    expect(new Set(console.body.requests.map((r: { requesterId: string }) => r.requesterId)).size).toBeGreaterThan(3);
  });

  it('the catalog lists what the user may request', async () => {
    const res = await get('/api/v1/catalog', bob);
    const ids = res.body.resources.map((r: { id: string }) => r.id);
    expect(ids).toContain('res-pim-prod-operators');
    expect(ids).not.toContain('res-ad-finance-share');
  });
});

describe('roles', () => {
  it('audit verify and metrics need auditor or admin: 403 with the reason otherwise', async () => {
    const denied = await get('/api/v1/audit/verify', bob);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/auditor, admin/);
    expect((await get('/metrics', alice)).status).toBe(403);
    const ok = await get('/api/v1/audit/verify', heidi);
    expect(ok.body).toMatchObject({ ok: true, events: expect.any(Number), headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('metrics count requests, commands and pulls', async () => {
    await get('/sync/v1/requests/pull', alice);
    const res = await get('/metrics', srv.adminToken);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/jit_http_requests_total\{route="\/api\/v1\/requests",method="POST",status="201"\} \d+/);
    expect(res.text).toMatch(/jit_commands_total\{type="request.approve",status="applied"\} \d+/);
    expect(res.text).toMatch(/jit_replication_pulls_total\{collection="requests"\} \d+/);
    expect(res.text).toMatch(/jit_sse_clients/);
  });

  it('admins create accounts; others may not; a taken username is 409', async () => {
    const body = { username: 'nina', password: 'long-enough-password', displayName: 'Nina Berg', roles: ['approver'], department: 'Security' };
    expect((await post('/api/v1/accounts', alice, body)).status).toBe(403);
    const created = await post('/api/v1/accounts', srv.adminToken, body);
    expect(created.status).toBe(201);
    expect(created.body.user).toEqual({ id: 'u-nina', username: 'nina', displayName: 'Nina Berg', roles: ['approver'] });
    expect((await post('/api/v1/accounts', srv.adminToken, body)).status).toBe(409);
    const short = await post('/api/v1/accounts', srv.adminToken, { ...body, username: 'nino', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.field).toBe('password');
    const token = await srv.login('nina', 'long-enough-password');
    expect((await get('/api/v1/me', token)).body.user.roles).toEqual(['approver']);
  });
});

describe('OpenAPI', () => {
  it('documents the endpoints from the zod route schemas', async () => {
    const res = await get('/api/v1/openapi.json', bob);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths);
    for (const p of ['/healthz', '/api/v1/auth/login', '/api/v1/commands', '/api/v1/requests', '/api/v1/requests/{id}', '/api/v1/audit/verify', '/sync/v1/{collection}/pull', '/sync/v1/{collection}/push', '/sync/v1/{collection}/stream', '/metrics', '/api/v1/accounts']) {
      expect(paths, p).toContain(p);
    }
    const requestBody = res.body.paths['/api/v1/requests'].post.requestBody.content['application/json'].schema;
    // A request may leave the duration out: it then gets the resource's recommended one.
    expect(requestBody.required).toEqual(['resourceId']);
    expect(Object.keys(requestBody.properties)).toEqual(expect.arrayContaining(['durationMinutes', 'ticket', 'justification']));
    expect(res.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('web console files', () => {
  it('serves the built console at / with a single-page fallback, without a token; API paths stay JSON', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const webRoot = join(srv.dataDir, 'web');
    mkdirSync(join(webRoot, 'assets'), { recursive: true });
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>JIT console</title>');
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")');
    const web = await startTestServer({ webRoot });
    try {
      const index = await http('GET', `${web.url}/`);
      expect(index.status).toBe(200);
      expect(index.text).toMatch(/JIT console/);
      expect((await http('GET', `${web.url}/assets/app.js`)).text).toMatch(/console.log/);
      const deepLink = await http('GET', `${web.url}/queue/req-1`, { headers: { accept: 'text/html' } });
      expect(deepLink.status).toBe(200);
      expect(deepLink.text).toMatch(/JIT console/);
      const api = await http('GET', `${web.url}/api/v1/nothing`);
      expect(api.status).toBe(404);
      expect(api.body.error.code).toBe('not_found');
      expect((await http('GET', `${web.url}/api/v1/me`)).status).toBe(401);
    } finally {
      await web.close();
    }
  });
});
