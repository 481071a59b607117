import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, syncStreamPath, type Checkpoint } from '../../core/index.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let alice: string;
let bob: string;

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  [alice, bob] = await Promise.all([srv.login('alice'), srv.login('bob')]);
});
afterAll(() => srv?.close());

const url = (path: string) => `${srv.url}${path}`;

/** Reads Server-Sent Events over fetch (Node has no EventSource), yielding each `data:` payload parsed. */
async function openStream(path: string, token: string) {
  const controller = new AbortController();
  const response = await fetch(url(path), { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const raw: string[] = [];
  async function next(): Promise<unknown> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        raw.push(block);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (data) return JSON.parse(data);
        continue; // a comment (heartbeat)
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  }
  return { response, next, raw, close: () => controller.abort() };
}

describe('pull', () => {
  it('pages with strictly increasing checkpoints and answers the same checkpoint when idle', async () => {
    const checkpoints: Checkpoint[] = [];
    const ids: string[] = [];
    let cp: Checkpoint = { seq: 0, id: '' };
    for (;;) {
      const res = await http('GET', url(`${syncPath('requests', 'pull')}?seq=${cp.seq}&id=${encodeURIComponent(cp.id)}&batchSize=4`), { token: alice });
      expect(res.status).toBe(200);
      if (res.body.documents.length === 0) {
        expect(res.body.checkpoint).toEqual(cp);
        break;
      }
      expect(res.body.documents.length).toBeLessThanOrEqual(4);
      for (const doc of res.body.documents) {
        expect(doc._deleted).toBe(false);
        ids.push(doc.id);
      }
      const last = res.body.documents[res.body.documents.length - 1];
      expect(res.body.checkpoint.id).toBe(last.id);
      checkpoints.push(res.body.checkpoint);
      cp = res.body.checkpoint;
    }
    for (let i = 1; i < checkpoints.length; i++) expect((checkpoints[i] as Checkpoint).seq).toBeGreaterThan((checkpoints[i - 1] as Checkpoint).seq);
    expect(new Set(ids).size).toBe(srv.store.count('requests'));

    // A new write shows up after the idle checkpoint, and only it.
    const created = await http('POST', url('/api/v1/requests'), { token: bob, body: { resourceId: 'res-entra-global-reader', durationMinutes: 15, justification: 'pull test' } });
    const after = await http('GET', url(`${syncPath('requests', 'pull')}?seq=${cp.seq}&id=${cp.id}`), { token: alice });
    expect(after.body.documents.map((d: { id: string }) => d.id)).toEqual([created.body.id]);
    expect(after.body.checkpoint.seq).toBeGreaterThan(cp.seq);
  });

  it('audit replicates in chain order', async () => {
    // An auditor reads the whole chain (an approver only the events about requests, grants and tasks).
    const res = await http('GET', url(`${syncPath('audit', 'pull')}?batchSize=5`), { token: await srv.login('heidi') });
    expect(res.body.documents.map((d: { seq: number }) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(res.body.checkpoint).toEqual({ seq: 5, id: 'ae-5' });
  });

  it('bad query values are 400 naming the field; unknown collections 404; a collection a role does not replicate 403', async () => {
    const bad = await http('GET', url(`${syncPath('requests', 'pull')}?batchSize=0`), { token: alice });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('batchSize');
    const unknown = await http('GET', url('/sync/v1/secrets/pull'), { token: alice });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const requester = await http('GET', url(syncPath('profiles', 'pull')), { token: bob });
    expect(requester.status).toBe(403);
    expect(requester.body.error.code).toBe('forbidden');
  });

  it('a filtered pull reads on past what the reader may not see, and answers the same checkpoint when nothing is new', async () => {
    const last = srv.store.pull('requests', { seq: 0, id: '' }, 5000).checkpoint;
    const own = srv.store.list('requests', { where: { requesterId: 'u-bob' } }).map((r) => r.id);
    const ids: string[] = [];
    let cp: Checkpoint = { seq: 0, id: '' };
    for (;;) {
      const res = await http('GET', url(`${syncPath('requests', 'pull')}?seq=${cp.seq}&id=${encodeURIComponent(cp.id)}&batchSize=1`), { token: bob });
      expect(typeof res.body.view).toBe('string');
      if (res.body.documents.length === 0) {
        // Past bob's last request: the checkpoint moves past everyone else's to the collection's last.
        expect(res.body.checkpoint).toEqual(last);
        const idle = await http('GET', url(`${syncPath('requests', 'pull')}?seq=${last.seq}&id=${encodeURIComponent(last.id)}&batchSize=1`), { token: bob });
        expect(idle.body).toMatchObject({ documents: [], checkpoint: last });
        break;
      }
      expect(res.body.documents).toHaveLength(1);
      ids.push(...res.body.documents.map((d: { id: string }) => d.id));
      cp = res.body.checkpoint;
    }
    expect(ids.sort()).toEqual(own.sort());
    // A full batch of nothing visible still reaches the end: the last answer's checkpoint is the collection's last.
    const whole = await http('GET', url(`${syncPath('requests', 'pull')}?batchSize=5000`), { token: bob });
    expect(whole.body.checkpoint).toEqual(last);
  });
});

describe('push', () => {
  it('authoritative collections refuse pushes with 403', async () => {
    const res = await http('POST', url(syncPath('requests', 'push')), {
      token: alice,
      body: [{ assumedMasterState: null, newDocumentState: { id: 'req-demo-bob-global-reader', status: 'approved' } }],
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(srv.store.get('requests', 'req-demo-bob-global-reader')?.status).toBe('pending_approval');
  });

  it('pushed commands go through the processor and answer no conflicts; a repeat push is a no-op', async () => {
    const command = {
      id: 'push-approve-1',
      type: 'request.approve',
      actorId: 'u-alice',
      payload: { requestId: 'req-demo-frank-finance-share', reason: 'ok' },
      createdAt: new Date().toISOString(),
      baseRevision: 1,
      _deleted: false,
    };
    const res = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ assumedMasterState: null, newDocumentState: command }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect(srv.store.get('commandResults', 'push-approve-1')).toMatchObject({ status: 'applied', actorId: 'u-alice' });
    expect(srv.store.get('requests', 'req-demo-frank-finance-share')?.status).toBe('approved');
    const head = srv.store.auditHead();
    const again = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ assumedMasterState: null, newDocumentState: command }] });
    expect(again.body).toEqual([]);
    expect(srv.store.auditHead()).toEqual(head);
  });

  it('a known command id with a different copy answers the stored command as the conflict', async () => {
    const changed = {
      id: 'push-approve-1',
      type: 'request.deny',
      actorId: 'u-alice',
      payload: { requestId: 'req-demo-frank-finance-share', reason: 'changed my mind' },
      createdAt: new Date().toISOString(),
      baseRevision: 1,
      _deleted: false,
    };
    const res = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ assumedMasterState: null, newDocumentState: changed }] });
    expect(res.body).toEqual([expect.objectContaining({ id: 'push-approve-1', type: 'request.approve', _deleted: false })]);
    expect(srv.store.get('requests', 'req-demo-frank-finance-share')?.status).toBe('approved');
  });

  it('a command claiming another actor is recorded as the sender, rejected, and returned as a conflict', async () => {
    const forged = {
      id: 'push-forged-1',
      type: 'request.approve',
      actorId: 'u-admin',
      payload: { requestId: 'req-demo-judy-finance-share' },
      createdAt: new Date().toISOString(),
      baseRevision: null,
      _deleted: false,
    };
    const carol = await srv.login('carol');
    const res = await http('POST', url(syncPath('commands', 'push')), { token: carol, body: [{ assumedMasterState: null, newDocumentState: forged }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([expect.objectContaining({ id: 'push-forged-1', actorId: 'u-carol' })]);
    expect(srv.store.get('commandResults', 'push-forged-1')).toMatchObject({ status: 'rejected', code: 'forbidden', actorId: 'u-carol' });
    expect(srv.store.get('requests', 'req-demo-judy-finance-share')?.status).toBe('pending_approval');
  });

  it('a command with an invalid payload is recorded as rejected (not lost)', async () => {
    const invalid = { id: 'push-invalid-1', type: 'request.deny', actorId: 'u-alice', payload: { requestId: 'req-demo-judy-finance-share' }, createdAt: new Date().toISOString() };
    const res = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ newDocumentState: invalid }] });
    expect(res.body).toEqual([]);
    expect(srv.store.get('commandResults', 'push-invalid-1')).toMatchObject({ status: 'rejected', code: 'invalid_input', message: expect.stringMatching(/^payload\.reason: /) });
  });

  it('a bad command never blocks the queue: one with a usable id is recorded as rejected, one without is skipped and audited, and the good one after them is applied', async () => {
    const carol = await srv.login('carol');
    const at = new Date().toISOString();
    const noActor = { id: 'push-no-actor-1', type: 'request.cancel', payload: { requestId: 'req-demo-judy-finance-share' }, createdAt: at };
    const badTime = { id: 'push-bad-time-1', type: 'request.cancel', actorId: 'u-carol', payload: { requestId: 'req-demo-judy-finance-share' }, createdAt: 'yesterday' };
    const noId = { type: 'request.deny', actorId: 'u-carol', payload: {}, createdAt: at };
    const unknownType = { id: 'push-unknown-type-1', type: 'request.explode', actorId: 'u-carol', payload: {}, createdAt: at };
    const good = { id: 'push-good-after-bad-1', type: 'request.create', actorId: 'u-carol', payload: { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'after a bad one' }, createdAt: at, baseRevision: null };
    const auditBefore = srv.store.auditHead().seq;

    const res = await http('POST', url(syncPath('commands', 'push')), { token: carol, body: [noActor, badTime, noId, unknownType, good].map((doc) => ({ assumedMasterState: null, newDocumentState: { ...doc, _deleted: false } })) });

    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    // Recorded: the sender sees the verdict naming the field through the replicated command results.
    expect(srv.store.get('commandResults', 'push-no-actor-1')).toMatchObject({ status: 'rejected', code: 'invalid_input', actorId: 'u-carol', message: expect.stringMatching(/^actorId: /) });
    expect(srv.store.get('commandResults', 'push-bad-time-1')).toMatchObject({ status: 'rejected', code: 'invalid_input', message: expect.stringMatching(/^createdAt: /) });
    // Nothing to record a result against: skipped, and audited so an admin can see it happened.
    expect(srv.store.get('commandResults', 'push-unknown-type-1')).toBeNull();
    const skipped = srv.store.list('audit').filter((event) => event.seq > auditBefore && event.type === 'command.rejected' && event.data.recorded === false);
    expect(skipped).toEqual([
      expect.objectContaining({ actorId: 'u-carol', subjectId: 'unidentified-command', data: expect.objectContaining({ code: 'invalid_input', field: '2.newDocumentState.id', pushedId: null }) }),
      expect.objectContaining({ actorId: 'u-carol', subjectId: 'push-unknown-type-1', data: expect.objectContaining({ field: '3.newDocumentState.type', type: 'request.explode' }) }),
    ]);
    // The good command after them is applied.
    expect(srv.store.get('commandResults', 'push-good-after-bad-1')).toMatchObject({ status: 'applied', code: 'ok' });
    expect(srv.store.get('requests', 'req-demo-judy-finance-share')?.status).toBe('pending_approval');

    // Pushing the same rows again changes nothing: recorded ones replay, skipped ones are skipped again.
    const resultsBefore = srv.store.count('commandResults');
    const again = await http('POST', url(syncPath('commands', 'push')), { token: carol, body: [{ newDocumentState: badTime }, { newDocumentState: good }] });
    expect(again.status).toBe(200);
    expect(srv.store.count('commandResults')).toBe(resultsBefore);
  });

  it("another actor's command id is skipped and audited, never answered with their command nor applied", async () => {
    // push-good-after-bad-1 is carol's (previous test); alice reuses its id.
    const reused = { id: 'push-good-after-bad-1', type: 'request.deny', actorId: 'u-alice', payload: { requestId: 'req-demo-judy-finance-share', reason: 'not mine' }, createdAt: new Date().toISOString() };
    const auditBefore = srv.store.auditHead().seq;
    const res = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ newDocumentState: reused }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
    expect(srv.store.get('commands', 'push-good-after-bad-1')?.actorId).toBe('u-carol');
    expect(srv.store.get('requests', 'req-demo-judy-finance-share')?.status).toBe('pending_approval');
    const audited = srv.store.list('audit').filter((event) => event.seq > auditBefore);
    expect(audited).toEqual([expect.objectContaining({ type: 'command.rejected', actorId: 'u-alice', subjectId: 'push-good-after-bad-1', data: expect.objectContaining({ code: 'conflict', recorded: false }) })]);
  });

  it('a malformed push body (not rows of objects) is still 400 naming the field', async () => {
    const res = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ newDocumentState: 'not an object' }] });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toMatch(/^0\.newDocumentState/);
  });
});

describe('stream', () => {
  it('sends RESYNC first, then the documents and checkpoint of each commit touching the collection', async () => {
    const stream = await openStream(syncPath('requests', 'stream'), alice);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await stream.next()).toBe('RESYNC');
      const created = await http('POST', url('/api/v1/requests'), { token: bob, body: { resourceId: 'res-entra-global-reader', durationMinutes: 10, justification: 'stream test' } });
      const message = (await stream.next()) as { documents: Array<{ id: string; _deleted: boolean }>; checkpoint: Checkpoint };
      expect(message.documents).toEqual([expect.objectContaining({ id: created.body.id, _deleted: false, status: 'pending_approval' })]);
      const pulled = await http('GET', url(`${syncPath('requests', 'pull')}?seq=${message.checkpoint.seq - 1}`), { token: alice });
      expect(pulled.body.checkpoint).toEqual(message.checkpoint);
    } finally {
      stream.close();
    }
  });

  it('sends heartbeat comments', async () => {
    const quick = await startTestServer({ heartbeatMs: 50 });
    try {
      const controller = new AbortController();
      const response = await fetch(`${quick.url}${syncPath('tasks', 'stream')}`, { headers: { authorization: `Bearer ${quick.adminToken}` }, signal: controller.signal });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      expect(text.startsWith('data: "RESYNC"\n\n')).toBe(true);
    } finally {
      await quick.close();
    }
  });

  it('refuses a token in the query string and collections the role does not replicate', async () => {
    const query = await http('GET', url(`${syncPath('requests', 'stream')}?token=abc`), { token: alice });
    expect(query.status).toBe(400);
    expect(query.body.error.field).toBe('token');
    const requester = await http('GET', url(syncPath('profiles', 'stream')), { token: bob });
    expect(requester.status).toBe(403);
  });
});

describe('multiplexed stream', () => {
  type Tagged = { collection: string; documents: Array<{ id: string; _deleted: boolean }>; checkpoint: Checkpoint };
  const sseClients = async (collection: string) => (await srv.server.metrics.sseClients.get()).values.find((v) => v.labels.collection === collection)?.value ?? 0;

  it('carries several collections on one connection: RESYNC first, then {collection, documents, checkpoint} per commit per collection, nothing else', async () => {
    const before = await sseClients('requests');
    const stream = await openStream(syncStreamPath(['requests', 'audit']), alice);
    try {
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await stream.next()).toBe('RESYNC');
      expect(await sseClients('requests')).toBe(before + 1);

      // One command writes a request, its command result and audit events in one commit.
      const created = await http('POST', url('/api/v1/requests'), { token: bob, body: { resourceId: 'res-entra-global-reader', durationMinutes: 10, justification: 'multiplexed stream test' } });
      expect(created.status).toBe(201);
      const first = (await stream.next()) as Tagged;
      const second = (await stream.next()) as Tagged;
      const byCollection = new Map([first, second].map((m) => [m.collection, m]));
      expect([...byCollection.keys()].sort()).toEqual(['audit', 'requests']);
      expect(byCollection.get('requests')?.documents).toEqual([expect.objectContaining({ id: created.body.id, _deleted: false })]);
      expect(byCollection.get('audit')?.documents.length).toBeGreaterThan(0);
      // Each message's checkpoint is the one its own collection's pull answers.
      for (const message of [first, second]) {
        const collection = message.collection as 'requests' | 'audit';
        const pulled = await http('GET', url(`${syncPath(collection, 'pull')}?seq=${message.checkpoint.seq - 1}`), { token: alice });
        expect(pulled.body.checkpoint).toEqual(message.checkpoint);
      }
      // commandResults changed in that commit too, but is not on this stream: the next message is the next commit's.
      await http('POST', url('/api/v1/requests'), { token: bob, body: { resourceId: 'res-entra-global-reader', durationMinutes: 10, justification: 'second' } });
      const next = (await stream.next()) as Tagged;
      expect(['requests', 'audit']).toContain(next.collection);
    } finally {
      stream.close();
    }
    await expect.poll(() => sseClients('requests')).toBe(before);
  });

  it('names each collection once even if asked twice, and sends heartbeats', async () => {
    const quick = await startTestServer({ heartbeatMs: 50 });
    try {
      const controller = new AbortController();
      const response = await fetch(`${quick.url}/sync/v1/stream?collections=tasks,tasks,grants`, { headers: { authorization: `Bearer ${quick.adminToken}` }, signal: controller.signal });
      expect(response.status).toBe(200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      while (!text.includes(': heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
      const gauge = (await quick.server.metrics.sseClients.get()).values;
      controller.abort();
      expect(text.startsWith('data: "RESYNC"\n\n')).toBe(true);
      expect(gauge.find((v) => v.labels.collection === 'tasks')?.value).toBe(1);
      expect(gauge.find((v) => v.labels.collection === 'grants')?.value).toBe(1);
    } finally {
      await quick.close();
    }
  });

  it('refuses unknown collections (404 naming it), an empty list, a token in the query, only collections the role does not replicate, strangers and other protocol versions', async () => {
    const unknown = await http('GET', url('/sync/v1/stream?collections=requests,secrets'), { token: alice });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('"secrets"');
    for (const query of ['', '?collections=', '?collections=,']) {
      const empty = await http('GET', url(`/sync/v1/stream${query}`), { token: alice });
      expect(empty.status).toBe(400);
      expect(empty.body.error.field).toBe('collections');
    }
    const token = await http('GET', url(`${syncStreamPath(['requests'])}&token=abc`), { token: alice });
    expect(token.status).toBe(400);
    expect(token.body.error.field).toBe('token');
    expect((await http('GET', url(syncStreamPath(['profiles', 'proposals'])), { token: bob })).status).toBe(403);
    expect((await http('GET', url(syncStreamPath(['requests'])))).status).toBe(401);
    const newer = await http('GET', url('/sync/v2/stream?collections=requests'));
    expect(newer.status).toBe(426);
    expect(newer.body.error.reason).toBe('server_too_old');
  });
});

describe('protocol versions', () => {
  it('another protocol version gets 426 with the reason, even without a token', async () => {
    const newer = await http('GET', url('/sync/v2/requests/pull'));
    expect(newer.status).toBe(426);
    expect(newer.body).toEqual({ error: { code: 'unsupported_protocol', reason: 'server_too_old', message: expect.any(String), serverVersion: 1 } });
    const older = await http('POST', url('/sync/v0/commands/push'), { token: alice, body: [] });
    expect(older.status).toBe(426);
    expect(older.body.error.reason).toBe('client_too_old');
    expect(older.body.error.message).toMatch(/update the app/);
  });
});

describe('CORS', () => {
  it('allows only the configured origins, and null only when file origins are allowed', async () => {
    const strict = await startTestServer({ allowedOrigins: ['http://localhost:5173'] });
    const electron = await startTestServer({ allowFileOrigin: true });
    try {
      const preflight = (base: string, origin: string) =>
        http('OPTIONS', `${base}/api/v1/commands`, { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      const allowed = await preflight(strict.url, 'http://localhost:5173');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/i);
      expect((await preflight(strict.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(strict.url, 'null')).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(electron.url, 'null')).headers.get('access-control-allow-origin')).toBe('null');
    } finally {
      await Promise.all([strict.close(), electron.close()]);
    }
  });
});

describe('closing', () => {
  it('close() finishes despite a connection a client opened and never used', async () => {
    const { connect } = await import('node:net');
    const extra = await startTestServer();
    const { port } = new URL(extra.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closedByServer = new Promise((resolve) => socket.once('close', resolve));
    // Without the sweep this waits for Node's 60 s headers timeout, past the test timeout.
    await extra.close();
    await closedByServer;
    expect(socket.destroyed).toBe(true);
  });
});
