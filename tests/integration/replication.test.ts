/**
 * Real RxDB replicas (memory storage, dev-mode on) replicating with the real sync server on
 * 127.0.0.1: offline commands, two approvers racing, a server killed and restarted, an outdated
 * protocol version and an expired token.
 *
 * The open-source RxDB edition allows about 14 open collections per process, so each replica
 * opens only the collections its scenario needs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest, CollectionName } from '../../core/index.js';
import { awaitCommandResult, sendCommand } from '../../renderer/db/commands.js';
import { createJitDatabase, type JitDatabase } from '../../renderer/db/database.js';
import { startReplication, type ReplicationHandle, type ReplicationOptions, type ReplicationStatus } from '../../renderer/db/replication.js';
import { http, login, makeTempDataDir, spawnServer, startTestServer, TEST_ADMIN_PASSWORD, type SpawnedServer, type TestServer } from './helpers/server.js';
import { configure } from './helpers/configure.js';

const PASSWORD = 'replication-test-password-1';
const WAIT_MS = 15_000;

type Replica = { db: JitDatabase; replication: ReplicationHandle; status: () => ReplicationStatus };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  // Replicas first (they hold connections), then servers.
  while (cleanups.length) await cleanups.pop()?.().catch(() => undefined);
});

let replicaCount = 0;
async function replica(serverUrl: string, token: string, collections: CollectionName[], options: Partial<ReplicationOptions> = {}, start = true): Promise<Replica & { start(): void }> {
  const db = await createJitDatabase({ name: `replica-${++replicaCount}`, storage: 'memory', devMode: true, collections });
  let replication: ReplicationHandle | undefined;
  let last: ReplicationStatus = { online: false, pendingCommands: 0 };
  const self = {
    db,
    get replication() {
      if (!replication) throw new Error('replication not started');
      return replication;
    },
    status: () => last,
    start() {
      replication = startReplication(db, { serverUrl, token, retryTimeMs: 300, reconnectMaxMs: 1_000, ...options });
      replication.status$.subscribe((s) => (last = s));
    },
  };
  cleanups.push(async () => {
    await replication?.cancel();
    await db.close();
  });
  if (start) self.start();
  return self;
}

function until<T>(source: Observable<T>, predicate: (value: T) => boolean, what: string): Promise<T> {
  return firstValueFrom(source.pipe(filter(predicate), timeout({ first: WAIT_MS, with: () => { throw new Error(`timed out waiting for ${what}`); } })));
}


/** Two approvers, a requester, and a resource whose policy needs one approval by any approver. */
async function setUpOrganisation(url: string, adminToken: string) {
  for (const [username, displayName, roles] of [
    ['alice', 'Alice Approver', ['approver']],
    ['bob', 'Bob Approver', ['approver']],
    ['rita', 'Rita Requester', ['requester']],
  ] as const) {
    // Each person has an object in the test tenant: a request for an Entra resource needs one.
    const res = await http('POST', `${url}/api/v1/accounts`, { token: adminToken, body: { username, password: PASSWORD, displayName, roles, department: 'it', externalIds: { entra: testObjectId(username) } } });
    if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${res.text}`);
  }
  await configure({ url, adminToken }, 'policy.upsert', {
    policy: { id: 'p-one', name: 'One approval', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: true, approvalSteps: [{ name: 'approvers', mode: 'any', approverRoles: ['approver'] }] },
  });
  await configure({ url, adminToken }, 'resource.upsert', {
    resource: { id: 'res-db', name: 'Payroll DB admins', kind: 'entra_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: 'g-payroll' }, ownerId: 'u-admin', sensitivity: 'high', policyIds: ['p-one'] },
  });
  await configure({ url, adminToken }, 'profile.upsert', { profile: { id: 'prof-it', name: 'IT', resourceIds: ['res-db'], departments: ['it'] } });
  return {
    alice: await login(url, 'alice', PASSWORD),
    bob: await login(url, 'bob', PASSWORD),
    rita: await login(url, 'rita', PASSWORD),
  };
}

async function createRequest(url: string, requesterToken: string, justification: string): Promise<AccessRequest> {
  const res = await http<AccessRequest>('POST', `${url}/api/v1/requests`, { token: requesterToken, body: { resourceId: 'res-db', durationMinutes: 60, justification } });
  if (res.status !== 201) throw new Error(`request failed: ${res.status} ${res.text}`);
  return res.body;
}

async function localRequest(db: JitDatabase, id: string): Promise<AccessRequest> {
  const doc = await until(db.requests.findOne(id).$, (d) => d !== null, `request ${id} in the replica`);
  return doc!.toMutableJSON() as AccessRequest;
}

async function approve(db: JitDatabase, actorId: string, request: AccessRequest, reason = 'on call'): Promise<string> {
  return sendCommand(db, { type: 'request.approve', payload: { requestId: request.id, reason }, actorId, baseRevision: request.revision });
}

// The in-process server and its organisation's tokens (see startServer).
let server: TestServer | undefined;
let tokens: Awaited<ReturnType<typeof setUpOrganisation>>;
afterAll(() => server?.close());

/**
 * The in-process server with the test organisation, started by the first test that needs it and
 * shared by the rest: each test creates its own request and opens its own replicas (closed after
 * it), and reads nothing but those and what they did; the HTTP counters of watchRequests start
 * with the test that calls it. Setting the organisation up again for each test cost three account
 * creations and four sign-ins (scrypt each) and a server start, about a second and a half apiece.
 */
async function startServer(): Promise<TestServer> {
  if (!server) {
    server = await startTestServer();
    tokens = await setUpOrganisation(server.url, server.adminToken);
  }
  return server;
}

describe('replication with the real sync server', () => {
  it('applies a command written before replication started, and its result arrives', async () => {
    const server = await startServer();
    const request = await createRequest(server.url, tokens.rita, 'nightly payroll fix');
    const alice = await replica(server.url, tokens.alice, ['requests', 'commands', 'commandResults'], {}, false);

    const commandId = await approve(alice.db, 'u-alice', request);
    expect(await alice.db.commands.count().exec()).toBe(1);

    alice.start();
    const result = await awaitCommandResult(alice.db, commandId, WAIT_MS);
    expect(result).toMatchObject({ status: 'applied', actorId: 'u-alice', type: 'request.approve' });
    const approved = await until(alice.db.requests.findOne(request.id).$, (d) => d?.get('status') === 'approved', 'the approved request');
    expect(approved?.toJSON().decisions[0]?.approverId).toBe('u-alice');
    await until(alice.replication.status$, (s) => s.online && s.pendingCommands === 0, 'no pending commands');
  });

  it('queues a command while the network fails, reports it pending and offline, and applies it on reconnect', async () => {
    const server = await startServer();
    const request = await createRequest(server.url, tokens.rita, 'disk full on payroll');
    let networkUp = true;
    const flakyFetch: typeof fetch = (input, init) => (networkUp ? fetch(input, init) : Promise.reject(new TypeError('fetch failed (network down)')));
    const alice = await replica(server.url, tokens.alice, ['requests', 'commands', 'commandResults'], { fetch: flakyFetch });
    await alice.replication.awaitInSync();
    const seen = await localRequest(alice.db, request.id);

    networkUp = false;
    const commandId = await approve(alice.db, 'u-alice', seen);
    const offline = await until(alice.replication.status$, (s) => !s.online && s.pendingCommands === 1, 'offline with one pending command');
    expect(offline.lastError).toMatch(/cannot reach the server/);
    expect(offline.failure).toBe('no-answer');
    expect(server.store.get('requests', request.id)?.status).toBe('pending_approval');

    networkUp = true;
    expect(await awaitCommandResult(alice.db, commandId, WAIT_MS)).toMatchObject({ status: 'applied', code: 'ok' });
    const back = await until(alice.replication.status$, (s) => s.online && s.pendingCommands === 0 && s.lastError === undefined, 'online with nothing pending');
    expect(back.failure).toBeUndefined();
    expect(server.store.get('requests', request.id)?.status).toBe('approved');
  });

  it('a 5xx in front of the server (a proxy whose server stopped) reads as the server not answering, and a decision waits for it', async () => {
    const server = await startServer();
    const request = await createRequest(server.url, tokens.rita, 'proxy in front');
    let serverUp = true;
    const proxied: typeof fetch = (input, init) => (serverUp ? fetch(input, init) : Promise.resolve(new Response('upstream unavailable', { status: 503 })));
    const alice = await replica(server.url, tokens.alice, ['requests', 'commands', 'commandResults'], { fetch: proxied });
    await alice.replication.awaitInSync();
    const seen = await localRequest(alice.db, request.id);

    serverUp = false;
    const commandId = await approve(alice.db, 'u-alice', seen);
    const down = await until(alice.replication.status$, (s) => s.failure === 'server-error' && s.pendingCommands === 1, 'the 503 noticed with one pending command');
    expect(down.lastError).toMatch(/503|upstream unavailable/);

    serverUp = true;
    expect(await awaitCommandResult(alice.db, commandId, WAIT_MS)).toMatchObject({ status: 'applied' });
    await until(alice.replication.status$, (s) => s.online && s.failure === undefined && s.pendingCommands === 0, 'answering again with nothing pending');
  });

  it('two approvers decide the same request: exactly one applies, the other is rejected naming the first, and both replicas converge', async () => {
    const server = await startServer();
    const request = await createRequest(server.url, tokens.rita, 'quarter close');
    const collections: CollectionName[] = ['requests', 'commands', 'commandResults'];
    const [alice, bob] = await Promise.all([replica(server.url, tokens.alice, collections), replica(server.url, tokens.bob, collections)]);
    await Promise.all([alice.replication.awaitInSync(), bob.replication.awaitInSync()]);
    const [aliceView, bobView] = await Promise.all([localRequest(alice.db, request.id), localRequest(bob.db, request.id)]);

    const [aliceCommand, bobCommand] = await Promise.all([approve(alice.db, 'u-alice', aliceView), approve(bob.db, 'u-bob', bobView)]);
    const [aliceResult, bobResult] = await Promise.all([awaitCommandResult(alice.db, aliceCommand, WAIT_MS), awaitCommandResult(bob.db, bobCommand, WAIT_MS)]);

    const results = [aliceResult, bobResult];
    expect(results.filter((r) => r.status === 'applied')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    const winner = aliceResult.status === 'applied' ? 'Alice Approver' : 'Bob Approver';
    expect(rejected?.code).toMatch(/^(already_decided|stale)$/);
    expect(rejected?.message).toContain(winner);

    const serverCopy = server.store.get('requests', request.id);
    expect(serverCopy?.status).toBe('approved');
    const converged = async (db: JitDatabase) => (await until(db.requests.findOne(request.id).$, (d) => d?.get('revision') === serverCopy?.revision, 'the final request'))!.toMutableJSON();
    const [aliceFinal, bobFinal] = await Promise.all([converged(alice.db), converged(bob.db)]);
    expect(aliceFinal).toEqual(bobFinal);
    expect(aliceFinal).toEqual(serverCopy);
    expect(aliceFinal.decisions).toHaveLength(1);
  });

  it('an outdated protocol version gets the "upgrade" answer and replication stops', async () => {
    const server = await startServer();
    // A client built for protocol v0 talking to this server.
    const oldClientFetch: typeof fetch = (input, init) => fetch(String(input).replace('/sync/v1/', '/sync/v0/'), init);
    const old = await replica(server.url, tokens.alice, ['requests'], { fetch: oldClientFetch });
    const status = await until(old.replication.status$, (s) => s.upgradeRequired === true, 'upgradeRequired');
    expect(status.lastError).toMatch(/update the app/);
    await expect(old.replication.awaitInSync()).rejects.toThrow(/newer version/);
  });

  it('a rejected token shows as unauthenticated', async () => {
    const server = await startServer();
    const stranger = await replica(server.url, 'not-a-valid-token', ['requests']);
    await until(stranger.replication.status$, (s) => s.lastError === 'unauthenticated', 'unauthenticated');
  });
});

/** Counts the server's HTTP requests as it sees them: streams open now and ever, and pulls. */
function watchRequests(server: TestServer) {
  const seen = { openStreams: 0, streams: [] as string[], pulls: 0 };
  server.server.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '';
    const pathname = path.split('?')[0] ?? '';
    if (pathname.endsWith('/pull')) seen.pulls++;
    if (!pathname.endsWith('/stream')) return;
    seen.streams.push(path);
    seen.openStreams++;
    res.once('close', () => seen.openStreams--);
  });
  return seen;
}

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('one live connection for all collections', () => {
  it('a change in two collections arrives over the one connection, without a pull', async () => {
    const server = await startServer();
    const seen = watchRequests(server);
    const alice = await replica(server.url, tokens.alice, ['requests', 'audit', 'grants', 'commands', 'commandResults']);
    await alice.replication.awaitInSync();
    await eventually(() => seen.openStreams === 1 && alice.status().online, 'the live stream');
    const pullsBefore = seen.pulls;

    // One command: a new request and its audit events, committed together.
    const request = await createRequest(server.url, tokens.rita, 'one connection');
    await localRequest(alice.db, request.id);
    await until(alice.db.audit.find({ selector: { subjectId: request.id } }).$, (docs) => docs.length > 0, 'the audit event in the replica');

    expect(seen.pulls).toBe(pullsBefore);
    expect(seen.openStreams).toBe(1);
    expect(seen.streams).toHaveLength(1);
    const streamed = new URL(seen.streams[0]!, server.url);
    expect(streamed.pathname).toBe('/sync/v1/stream');
    // commands are push-only: nothing to stream for them.
    expect(streamed.searchParams.get('collections')?.split(',').sort()).toEqual(['audit', 'commandResults', 'grants', 'requests']);
  });

  it('against a server without the multiplexed stream (404), falls back to a stream per collection', async () => {
    const server = await startServer();
    const seen = watchRequests(server);
    const olderServer: typeof fetch = (input, init) => (new URL(String(input)).pathname === '/sync/v1/stream' ? Promise.resolve(new Response('{"error":{"code":"not_found","message":"no route"}}', { status: 404 })) : fetch(input, init));
    const alice = await replica(server.url, tokens.alice, ['requests', 'grants'], { fetch: olderServer });
    await alice.replication.awaitInSync();
    await eventually(() => seen.openStreams === 2, 'a stream for each collection');
    const pullsBefore = seen.pulls;
    const request = await createRequest(server.url, tokens.rita, 'older server');
    await localRequest(alice.db, request.id);
    expect(seen.pulls).toBe(pullsBefore);
    expect(seen.streams.map((path) => path.split('?')[0]).sort()).toEqual(['/sync/v1/grants/stream', '/sync/v1/requests/stream']);
    expect(alice.status().lastError).toBeUndefined();
  });

  it('a silent connection is dropped and replaced, and changes keep arriving', async () => {
    const server = await startServer();
    const seen = watchRequests(server);
    // The server beats every 15 s: a 150 ms limit makes every connection look dead.
    const alice = await replica(server.url, tokens.alice, ['requests'], { streamIdleTimeoutMs: 150, reconnectMaxMs: 100 });
    await alice.replication.awaitInSync();
    await eventually(() => seen.streams.length >= 3, 'reconnections');
    const request = await createRequest(server.url, tokens.rita, 'after reconnecting');
    await localRequest(alice.db, request.id);
    await eventually(() => seen.openStreams <= 1, 'old connections closed');
  });
});

describe('a server killed with SIGKILL and restarted on the same data', () => {
  it('clients resync and nothing acknowledged is lost', async () => {
    const dataDir = makeTempDataDir('jit-replication-kill-');
    let child: SpawnedServer = await spawnServer({ dataDir, adminPassword: TEST_ADMIN_PASSWORD });
    cleanups.unshift(async () => {
      await child.kill();
      const { rmSync } = await import('node:fs');
      rmSync(dataDir, { recursive: true, force: true });
    });
    const url = child.url;
    const port = Number(new URL(url).port);
    const adminToken = await login(url, 'admin', TEST_ADMIN_PASSWORD);
    const tokens = await setUpOrganisation(url, adminToken);
    const requests = await Promise.all([1, 2, 3, 4].map((i) => createRequest(url, tokens.rita, `change ${i}`)));

    const alice = await replica(url, tokens.alice, ['requests', 'commands', 'commandResults']);
    await alice.replication.awaitInSync();
    const acknowledged: string[] = [];
    for (const request of requests.slice(0, 3)) {
      const id = await approve(alice.db, 'u-alice', await localRequest(alice.db, request.id));
      expect(await awaitCommandResult(alice.db, id, WAIT_MS)).toMatchObject({ status: 'applied' });
      acknowledged.push(id);
    }

    await child.kill('SIGKILL');
    await until(alice.replication.status$, (s) => !s.online && s.failure === 'no-answer', 'the replica noticing the server is gone');
    // Decided while the server is down: queued, then applied after the restart.
    const queued = await approve(alice.db, 'u-alice', await localRequest(alice.db, requests[3]!.id));

    child = await spawnServer({ dataDir, port, adminPassword: TEST_ADMIN_PASSWORD });
    expect(child.url).toBe(url);
    expect(await awaitCommandResult(alice.db, queued, WAIT_MS)).toMatchObject({ status: 'applied' });
    await until(alice.replication.status$, (s) => s.online && s.pendingCommands === 0, 'back online with nothing pending');

    // A fresh replica pulls from the restarted server: every acknowledged result and decision is there.
    const fresh = await replica(url, tokens.alice, ['requests', 'commandResults']);
    await fresh.replication.awaitInSync();
    for (const id of [...acknowledged, queued]) {
      expect((await fresh.db.commandResults.findOne(id).exec())?.get('status')).toBe('applied');
    }
    for (const request of requests) {
      expect((await fresh.db.requests.findOne(request.id).exec())?.get('status')).toBe('approved');
      // The result and the request replicate on separate streams: the request may land a moment later.
      await until(alice.db.requests.findOne(request.id).$, (d) => d?.get('status') === 'approved', `request ${request.id} approved in the first replica`);
    }
  });
});

/** A stable Entra object id (a GUID) for a test person. */
function testObjectId(username: string): string {
  const hex = Buffer.from(username.padEnd(6, '_').slice(0, 6)).toString('hex');
  return `00000000-0000-4000-8000-${hex}`;
}
