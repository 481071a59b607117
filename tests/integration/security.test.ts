import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../sync-server/app.js';
import { http, makeTempDataDir, startTestServer, type TestServer } from './helpers/server.js';

/** The server's edges as an attacker meets them: sign-in, sessions, live streams, ids and bodies. */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Sign-in throttling, the password policy and the recovery of the admin: ./sign-in.test.ts.

describe('sessions and live streams', () => {
  let srv: TestServer;

  beforeAll(async () => {
    // A role change writes no document: the stream notices it at its next commit or heartbeat, made short here.
    srv = await startTestServer({ seedDemo: true, sessionCheckMs: 50, heartbeatMs: 50 });
  });
  afterAll(() => srv?.close());

  /** Opens the multiplexed stream and reads RESYNC; `ended` resolves when the server ends it. */
  async function openStream(token: string) {
    const controller = new AbortController();
    const res = await fetch(`${srv.url}/sync/v1/stream?collections=requests,audit`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('RESYNC');
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended' as const;
    })().catch(() => 'ended' as const);
    return { ended, abort: () => controller.abort() };
  }

  /** Waits for the server to end the stream; a stream that stays open fails the test with a clear answer. */
  async function endedByServer(stream: { ended: Promise<'ended'>; abort: () => void }): Promise<string> {
    const outcome = await Promise.race([stream.ended, sleep(10_000).then(() => 'still open' as const)]);
    stream.abort();
    return outcome;
  }

  it('signing out ends the live stream opened with that token', async () => {
    const token = await srv.login('carol');
    const stream = await openStream(token);
    expect((await http('POST', `${srv.url}/api/v1/auth/logout`, { token })).status).toBe(204);
    expect(await endedByServer(stream)).toBe('ended');
  });

  it('an expired session, a disabled account and a role change end their streams too', async () => {
    const expiring = await srv.login('alice');
    const disabled = await srv.login('mallory');
    const demoted = await srv.login('eve');
    const streams = await Promise.all([openStream(expiring), openStream(disabled), openStream(demoted)]);
    srv.store.db.prepare("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE account_id = 'u-alice'").run();
    srv.store.updateAccount('u-mallory', { disabledAt: new Date().toISOString() });
    srv.store.updateAccount('u-eve', { roles: ['requester'] });
    expect(await Promise.all(streams.map(endedByServer))).toEqual(['ended', 'ended', 'ended']);
  });

  it('one account holds at most eight live streams: streams never time out, so without a cap one person could take every connection', async () => {
    const token = await srv.login('dave');
    const streams = [];
    for (let i = 0; i < 8; i++) streams.push(await openStream(token));
    const ninth = await fetch(`${srv.url}/sync/v1/stream?collections=requests`, { headers: { authorization: `Bearer ${token}` } });
    expect(ninth.status).toBe(429);
    expect(ninth.headers.get('retry-after')).toBe('30');
    expect(((await ninth.json()) as { error: { message: string } }).error.message).toMatch(/8 live streams are already open for this account/);
    // Others are not affected, and a closed stream frees its place.
    const other = await openStream(await srv.login('frank'));
    other.abort();
    streams[0]?.abort();
    await sleep(200);
    const again = await openStream(token);
    for (const s of [...streams, again]) s.abort();
  });

  it('a live stream carries only what its reader may see: a requester hears of their own request, never of someone else’s', async () => {
    const controller = new AbortController();
    const res = await fetch(`${srv.url}/sync/v1/stream?collections=requests,audit`, { headers: { authorization: `Bearer ${await srv.login('bob')}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })().catch(() => undefined);
    const ask = async (username: string, requestId: string) =>
      http('POST', `${srv.url}/api/v1/requests`, { token: await srv.login(username), body: { requestId, resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'stream check' } });
    expect((await ask('dave', 'req-stream-dave')).status).toBe(201);
    expect((await ask('bob', 'req-stream-bob')).status).toBe(201);
    for (let i = 0; i < 100 && !received.includes('req-stream-bob'); i++) await sleep(20);
    controller.abort();
    await reading;
    expect(received).toContain('req-stream-bob');
    expect(received).not.toContain('req-stream-dave');
  });

  it('a stream whose session is fine stays open', async () => {
    const token = await srv.login('carol');
    const stream = await openStream(token);
    const outcome = await Promise.race([stream.ended, sleep(500).then(() => 'still open' as const)]);
    stream.abort();
    expect(outcome).toBe('still open');
  });
});

describe('ids, accounts and bodies', () => {
  let srv: TestServer;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    srv = await startTestServer({ seedDemo: true });
    [alice, bob] = (await Promise.all(['alice', 'bob'].map((u) => srv.login(u)))) as [string, string];
  });
  afterAll(() => srv?.close());

  const post = (path: string, token: string, body: unknown) => http('POST', `${srv.url}${path}`, { token, body });

  it('a command id someone else used answers 409 and never their result, even when only their rejection was stored', async () => {
    // Alice's client pushes a command whose envelope is invalid: a result is recorded, the command is not.
    const push = await post('/sync/v1/commands/push', alice, [
      { newDocumentState: { id: 'cmd-alice-secret', type: 'request.deny', actorId: 'u-alice', payload: { requestId: 'req-demo-bob-global-reader', reason: 'no' }, createdAt: 'not a time' } },
    ]);
    expect(push.status).toBe(200);
    expect(srv.store.get('commandResults', 'cmd-alice-secret')).toMatchObject({ actorId: 'u-alice', status: 'rejected' });
    const stolen = await post('/api/v1/commands', bob, { id: 'cmd-alice-secret', type: 'request.cancel', payload: { requestId: 'req-demo-bob-global-reader' } });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error).toMatchObject({ code: 'conflict', field: 'id' });
    expect(stolen.body.result).toBeUndefined();
    expect(stolen.text).not.toContain('u-alice');
    expect(srv.store.get('requests', 'req-demo-bob-global-reader')?.status).toBe('pending_approval');
    // The attempt is a refused decision like any other: audited against the sender.
    expect(srv.store.list('audit', { order: 'desc', limit: 1 })[0]).toMatchObject({
      type: 'command.rejected',
      actorId: 'u-bob',
      subjectId: 'cmd-alice-secret',
      data: { code: 'conflict', field: 'id', recorded: false },
    });
  });

  it('refuses unknown fields in bodies, naming them: a client cannot name the actor', async () => {
    const actor = await post('/api/v1/commands', bob, { type: 'request.cancel', actorId: 'u-alice', payload: { requestId: 'req-demo-bob-global-reader' } });
    expect(actor.status).toBe(400);
    expect(actor.body.error).toMatchObject({ code: 'invalid_input', field: 'actorId' });
    const request = await post('/api/v1/requests', bob, { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'x', requesterId: 'u-alice' });
    expect(request.body.error).toMatchObject({ code: 'invalid_input', field: 'requesterId' });
    const payload = await post('/api/v1/commands', alice, { type: 'request.approve', payload: { requestId: 'req-demo-bob-global-reader', breakglass: true } });
    expect(payload.status).toBe(400);
    expect(payload.body.error).toMatchObject({ code: 'invalid_input', field: 'payload.breakglass' });
  });

  it('account ids the audit log uses for the system are reserved', async () => {
    for (const id of ['system', 'anonymous', 'unknown']) {
      const res = await post('/api/v1/accounts', srv.adminToken, { id, username: `x-${id}`, password: 'a-long-enough-password', displayName: 'Imposter', roles: ['requester'] });
      expect(res.status, id).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', field: 'id' });
    }
    expect(srv.store.getAccount('system')).toBeNull();
  });

  it('two admins creating the same username at once: one 201, one 409, never a 500', async () => {
    const body = { username: 'twin', password: 'a-long-enough-password', displayName: 'Twin', roles: ['requester'] };
    const statuses = (await Promise.all([post('/api/v1/accounts', srv.adminToken, body), post('/api/v1/accounts', srv.adminToken, body)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([201, 409]);
  });
});

describe('the first admin', () => {
  it('refuses a configured admin password shorter than any other account may have', async () => {
    const dataDir = makeTempDataDir();
    try {
      await expect(createServer({ dataDir, adminPassword: 'admin', logLevel: 'silent' })).rejects.toThrow(/adminPassword .*at least 12 characters/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
