import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, type Checkpoint } from '../../core/index.js';
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
    const res = await http('GET', url(`${syncPath('audit', 'pull')}?batchSize=5`), { token: alice });
    expect(res.body.documents.map((d: { seq: number }) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(res.body.checkpoint).toEqual({ seq: 5, id: 'ae-5' });
  });

  it('bad query values are 400 naming the field; unknown collections 404; requesters 403', async () => {
    const bad = await http('GET', url(`${syncPath('requests', 'pull')}?batchSize=0`), { token: alice });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('batchSize');
    const unknown = await http('GET', url('/sync/v1/secrets/pull'), { token: alice });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const requester = await http('GET', url(syncPath('requests', 'pull')), { token: bob });
    expect(requester.status).toBe(403);
    expect(requester.body.error.code).toBe('forbidden');
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

  it('a command with an invalid payload is recorded as rejected (not lost); an unusable envelope is 400', async () => {
    const invalid = { id: 'push-invalid-1', type: 'request.deny', actorId: 'u-alice', payload: { requestId: 'req-demo-judy-finance-share' }, createdAt: new Date().toISOString() };
    const res = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ newDocumentState: invalid }] });
    expect(res.body).toEqual([]);
    expect(srv.store.get('commandResults', 'push-invalid-1')).toMatchObject({ status: 'rejected', code: 'invalid_input', message: expect.stringMatching(/^payload\.reason: /) });
    const unusable = await http('POST', url(syncPath('commands', 'push')), { token: alice, body: [{ newDocumentState: { type: 'request.deny' } }] });
    expect(unusable.status).toBe(400);
    expect(unusable.body.error.field).toBe('0.newDocumentState.id');
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

  it('refuses a token in the query string and requesters', async () => {
    const query = await http('GET', url(`${syncPath('requests', 'stream')}?token=abc`), { token: alice });
    expect(query.status).toBe(400);
    expect(query.body.error.field).toBe('token');
    const requester = await http('GET', url(syncPath('requests', 'stream')), { token: bob });
    expect(requester.status).toBe(403);
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
