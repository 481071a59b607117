import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './helpers/fuzz-run.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

/** What the hostile-input fuzz (fuzz.test.ts) found, one request each, so each stays fixed. */

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
});
afterAll(() => srv?.close());

const get = (path: string) => send(srv.url, { method: 'GET', path, headers: { authorization: `Bearer ${srv.adminToken}` } });
const errorOf = (text: string) => (JSON.parse(text) as { error: { code: string; message: string; field?: string } }).error;

describe('URLs the router cannot take', () => {
  it('a bad percent-escape answers 400 in the one error shape (was Fastify own body)', async () => {
    const res = await get('/api/v1/requests/%ZZ');
    expect(res.status).toBe(400);
    expect(errorOf(res.text)).toEqual({ code: 'invalid_input', message: 'url: is not a valid URL (a % must start an escape such as %2F)', field: 'url' });
  });

  it('a path parameter over 100 characters answers 414 in the one error shape (was Fastify own body)', async () => {
    const res = await get(`/api/v1/requests/${'r'.repeat(101)}`);
    expect(res.status).toBe(414);
    expect(errorOf(res.text)).toMatchObject({ code: 'invalid_input', field: 'url' });
  });

  it('a message quoting a 5,000-character path is shortened', async () => {
    const res = await get(`/sync/v1/${'x'.repeat(5000)}/pull`);
    expect(res.status).toBe(404);
    expect(errorOf(res.text).message.length).toBeLessThanOrEqual(1024);
  });
});

describe('bodies', () => {
  it('a body nested 1,000 or 100,000 levels deep is a 400, never a 500', async () => {
    for (const depth of [1_000, 100_000]) {
      const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const command = await http('POST', `${srv.url}/api/v1/commands`, { token: srv.adminToken, rawBody: `{"type":"request.approve","payload":{"x":${deep}}}` });
      const push = await http('POST', `${srv.url}/sync/v1/commands/push`, {
        token: srv.adminToken,
        rawBody: `[{"newDocumentState":{"id":"deep-${depth}","type":"request.approve","actorId":"u-admin","createdAt":"2030-01-01T00:00:00.000Z","payload":{"x":${deep}}}}]`,
      });
      for (const res of [command, push]) {
        expect(res.status).toBe(400);
        expect(res.body.error).toEqual({ code: 'invalid_input', message: 'body: nests deeper than 64 levels', field: 'body' });
      }
    }
  });

  it('an unknown field named with bidi and control characters is named with visible escapes', async () => {
    const route = await http('POST', `${srv.url}/api/v1/commands`, { token: srv.adminToken, body: { type: 'request.approve', payload: {}, '\u202Eid\u0000': 1 } });
    expect(route.status).toBe(400);
    expect(route.body.error).toEqual({ code: 'invalid_input', message: '\\u{202e}id\\u{0}: is not a known field', field: '\\u{202e}id\\u{0}' });
    const pushed = await http('POST', `${srv.url}/sync/v1/commands/push`, {
      token: srv.adminToken,
      body: [{ newDocumentState: { id: 'bidi-push', type: 'request.approve', actorId: 'u-admin', createdAt: '2030-01-01T00:00:00.000Z', payload: { requestId: 'x', '\u2066k\u2069': 1 } } }],
    });
    expect(pushed.status).toBe(200);
    expect(srv.store.get('commandResults', 'bidi-push')?.message).toBe('payload.\\u{2066}k\\u{2069}: is not a known field');
  });

  it('an unsupported content type is named, with what to send instead', async () => {
    const res = await http('POST', `${srv.url}/api/v1/commands`, { token: srv.adminToken, rawBody: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(res.status).toBe(415);
    expect(res.body.error).toEqual({ code: 'invalid_input', message: 'content-type: application/xml is not accepted; send application/json' });
  });

  it('a query number that is not a number says so in plain words', async () => {
    const res = await get('/sync/v1/requests/pull?batchSize=lots');
    expect(res.status).toBe(400);
    expect(errorOf(res.text)).toMatchObject({ field: 'batchSize', message: 'batchSize: Invalid input: expected number, received text that is not a number' });
  });
});
