/**
 * Sync benchmark: the real sync server (in this process, on 127.0.0.1) and a fresh RxDB replica
 * (memory storage, no dev-mode, as in the built app's replication path).
 *
 * - pull: time for a fresh client to replicate N audit events + M requests (seeded straight into
 *   the store), and its ratio to the raw floor: the same rows read from the same SQLite file and
 *   sent as JSON over loopback in pages of the same size, parsed by the same process. Two splits:
 *   the sync server's pages fetched and parsed without a replica, and the same pages written
 *   straight into RxDB's storage without the replication protocol.
 * - live latency: a server write until the change is visible in a connected client, one write at a
 *   time (p50, p99).
 * - commands: commands written to the local queue until every result is back in the replica.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRevision, now, type BulkWriteRow, type RxStorageInstance } from 'rxdb';
import { filter, firstValueFrom, timeout } from 'rxjs';
import type { AccessRequest } from '../../../core/index.js';
import { auditEventPages } from '../../../renderer/db/audit-reader.js';
import { createJitDatabase, type JitDatabase } from '../../../renderer/db/database.js';
import { sendCommand } from '../../../renderer/db/commands.js';
import { DEFAULT_PULL_BATCH_SIZE, startReplication, type ReplicationHandle } from '../../../renderer/db/replication.js';
import { ADMIN_USER_ID, createServer, type JitServer } from '../../../sync-server/app.js';
import type { BenchContext, BenchSuite } from '../types.js';

const ADMIN_PASSWORD = 'bench-console-password-1';
/** The page size the console pulls with; the raw floor reads pages of the same size. */
const BATCH_SIZE = DEFAULT_PULL_BATCH_SIZE;
const SEED_CHUNK = 10_000;

function requestDoc(id: string, at: string): AccessRequest {
  return {
    id,
    requesterId: `u-${id.length % 50}`,
    resourceId: 'res-bench',
    durationMinutes: 60,
    justification: 'benchmark request with a justification of ordinary length',
    ticket: 'INC-1000',
    status: 'pending_approval',
    policy: null,
    currentStep: 0,
    decisions: [],
    riskScore: 42,
    outcomeReason: '',
    grantId: null,
    extendsGrantId: null,
    createdAt: at,
    updatedAt: at,
    decidedAt: null,
    expiresAt: null,
    revision: 1,
  };
}

function seed(server: JitServer, audits: number, requests: number): void {
  const { store } = server;
  const at = new Date().toISOString();
  for (let start = 0; start < audits; start += SEED_CHUNK) {
    store.tx(() => {
      for (let i = start; i < Math.min(audits, start + SEED_CHUNK); i++) {
        store.appendAudit({ type: 'request.created', actorId: 'u-bench', subjectType: 'request', subjectId: `r-${i}`, data: { i, resourceId: 'res-bench' }, at });
      }
    });
  }
  for (let start = 0; start < requests; start += SEED_CHUNK) {
    store.tx(() => {
      for (let i = start; i < Math.min(requests, start + SEED_CHUNK); i++) store.put('requests', requestDoc(`r-${i}`, at));
    });
  }
  // What the command benchmark needs: an approval policy, a resource under it, and the admin eligible.
  store.tx(() => {
    store.put('policies', { id: 'p-bench', name: 'Bench policy', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, approvalSteps: [{ name: 'approvers', mode: 'any', approverRoles: ['approver'] }], updatedAt: at });
    store.put('resources', { id: 'res-bench', name: 'Bench group', kind: 'entra_group', connector: 'entra', connectorId: 'entra-bench', target: { externalId: 'g-bench' }, ownerId: ADMIN_USER_ID, sensitivity: 'low', policyIds: ['p-bench'], updatedAt: at });
    store.put('profiles', { id: 'prof-bench', name: 'Admins', resourceIds: ['res-bench'], roles: ['admin'], updatedAt: at });
    // Requests are refused for a person with no object in the resource's directory.
    const admin = store.get('users', ADMIN_USER_ID);
    if (!admin) throw new Error(`the server has no user ${ADMIN_USER_ID}`);
    store.put('users', { ...admin, externalIds: { ...admin.externalIds, 'entra-bench': 'oid-bench-admin' }, updatedAt: at });
  });
}

/** The floor: rows straight from SQLite as JSON pages over loopback, no validation, no client storage. */
async function startRawFloorServer(sqlitePath: string): Promise<{ url: string; close(): Promise<void> }> {
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const documents = db.prepare('SELECT seq, doc FROM documents WHERE collection = ? AND seq > ? ORDER BY seq LIMIT ?');
  const audit = db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?');
  const server: Server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const after = Number(url.searchParams.get('after') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? BATCH_SIZE);
    let body: string;
    let last: number;
    if (url.pathname === '/raw/audit') {
      const rows = audit.all(after, limit) as { seq: number; id: string; type: string; actor_id: string; at: string; subject_type: string; subject_id: string; data: string; prev_hash: string; hash: string }[];
      last = rows.at(-1)?.seq ?? after;
      body = `{"documents":[${rows
        .map((r) => JSON.stringify({ id: r.id, seq: r.seq, type: r.type, actorId: r.actor_id, at: r.at, subjectType: r.subject_type, subjectId: r.subject_id, data: JSON.parse(r.data) as unknown, prevHash: r.prev_hash, hash: r.hash, _deleted: false }))
        .join(',')}],"last":${last}}`;
    } else {
      const rows = documents.all(url.pathname.slice('/raw/'.length), after, limit) as { seq: number; doc: string }[];
      last = rows.at(-1)?.seq ?? after;
      body = `{"documents":[${rows.map((r) => r.doc).join(',')}],"last":${last}}`;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        db.close();
      }),
  };
}

async function rawPull(url: string, collection: string): Promise<number> {
  let after = 0;
  let count = 0;
  for (;;) {
    const page = (await (await fetch(`${url}/raw/${collection}?after=${after}&limit=${BATCH_SIZE}`)).json()) as { documents: unknown[]; last: number };
    count += page.documents.length;
    if (page.documents.length < BATCH_SIZE) return count;
    after = page.last;
  }
}

async function timeRawFloor(url: string): Promise<{ seconds: number; docs: number }> {
  const start = performance.now();
  const [audit, requests] = await Promise.all([rawPull(url, 'audit'), rawPull(url, 'requests')]);
  return { seconds: (performance.now() - start) / 1000, docs: audit + requests };
}

/** The sync server's own pull pages fetched and parsed, without a replica: splits server cost from client cost. */
async function timeServerPull(url: string, token: string): Promise<number> {
  const pullAll = async (collection: 'audit' | 'requests') => {
    let checkpoint = { seq: 0, id: '' };
    for (;;) {
      const query = new URLSearchParams({ seq: String(checkpoint.seq), id: checkpoint.id, batchSize: String(BATCH_SIZE) });
      const response = await fetch(`${url}/sync/v1/${collection}/pull?${query}`, { headers: { authorization: `Bearer ${token}` } });
      const page = (await response.json()) as { documents: unknown[]; checkpoint: { seq: number; id: string } };
      if (page.documents.length === 0) return;
      checkpoint = page.checkpoint;
    }
  };
  const start = performance.now();
  await Promise.all([pullAll('audit'), pullAll('requests')]);
  return (performance.now() - start) / 1000;
}

/**
 * The same server pages written straight into an empty RxDB memory storage (storage bulk writes,
 * as the replication's downstream does, but without its per-document comparisons and bookkeeping):
 * splits the replica's cost between RxDB's storage and its replication protocol.
 */
async function timePullIntoStorage(url: string, token: string): Promise<number> {
  const db = await createJitDatabase({ name: 'bench-storage-only', storage: 'memory', collections: ['audit', 'requests'] });
  try {
    const revision = createRevision(db.token);
    const pullAll = async (collection: 'audit' | 'requests') => {
      // Untyped rows: this writes the server's documents as they come, like the replication's downstream.
      const storage = db[collection].storageInstance as unknown as RxStorageInstance<Record<string, unknown>, unknown, unknown>;
      let checkpoint = { seq: 0, id: '' };
      for (;;) {
        const query = new URLSearchParams({ seq: String(checkpoint.seq), id: checkpoint.id, batchSize: String(BATCH_SIZE) });
        const response = await fetch(`${url}/sync/v1/${collection}/pull?${query}`, { headers: { authorization: `Bearer ${token}` } });
        const page = (await response.json()) as { documents: Record<string, unknown>[]; checkpoint: { seq: number; id: string } };
        if (page.documents.length === 0) return;
        const rows = page.documents.map((doc) => ({ document: Object.assign(doc, { _meta: { lwt: now() }, _rev: revision, _attachments: {} }) }));
        const written = await storage.bulkWrite(rows as unknown as BulkWriteRow<Record<string, unknown>>[], 'bench-storage-only');
        if (written.error.length > 0) throw new Error(`storage refused ${written.error.length} ${collection} documents, e.g. ${JSON.stringify(written.error[0])}`);
        checkpoint = page.checkpoint;
      }
    };
    const start = performance.now();
    await Promise.all([pullAll('audit'), pullAll('requests')]);
    return (performance.now() - start) / 1000;
  } finally {
    await db.remove();
  }
}

async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function withReplica<T>(name: string, collections: Parameters<typeof createJitDatabase>[0]['collections'], serverUrl: string, token: string, fn: (db: JitDatabase, replication: ReplicationHandle) => Promise<T>): Promise<T> {
  const db = await createJitDatabase({ name, storage: 'memory', collections });
  const replication = startReplication(db, { serverUrl, token });
  try {
    return await fn(db, replication);
  } finally {
    await replication.cancel();
    // Memory storage keeps a closed database's data for a reopen; removing it frees the heap for the next phase.
    await db.remove();
  }
}

async function benchPull(ctx: BenchContext, server: JitServer, url: string, token: string, audits: number, requests: number) {
  const raw = await startRawFloorServer(server.store.path);
  try {
    const rawBefore = await timeRawFloor(raw.url);
    const expectedAudit = server.store.count('audit');
    const expectedRequests = server.store.count('requests');
    const pullSeconds = await withReplica('bench-pull', ['audit', 'requests'], url, token, async (db, replication) => {
      const start = performance.now();
      await replication.awaitInSync();
      const seconds = (performance.now() - start) / 1000;
      // Audit events arrive as sealed blocks plus the open tail: counted through the console's reader.
      let audit = 0;
      for await (const page of auditEventPages(db)) audit += page.length;
      const req = await db.requests.count().exec();
      if (audit !== expectedAudit || req !== expectedRequests) throw new Error(`replica holds ${audit} audit events and ${req} requests; the server has ${expectedAudit} and ${expectedRequests}`);
      return seconds;
    });
    const rawAfter = await timeRawFloor(raw.url);
    const serverOnly = await timeServerPull(url, token);
    const storageOnly = await timePullIntoStorage(url, token);
    if (rawBefore.docs !== expectedAudit + expectedRequests) throw new Error(`raw floor read ${rawBefore.docs} rows, expected ${expectedAudit + expectedRequests}`);
    // The faster of two runs (cold and warm cache) is the floor: the ratio errs on the unflattering side.
    const floor = Math.min(rawBefore.seconds, rawAfter.seconds);
    const label = `${audits / 1000}k_audit_${requests / 1000}k_requests`;
    ctx.report(`pull_${label}_seconds`, pullSeconds, 's', null, 'lower');
    ctx.report('pull_docs_per_second', (expectedAudit + expectedRequests) / pullSeconds, 'docs/s', null, 'higher');
    ctx.report('raw_floor_seconds', floor, 's', null, 'lower');
    ctx.report('server_pull_without_replica_seconds', serverOnly, 's', null, 'lower');
    ctx.report('pull_into_storage_without_replication_seconds', storageOnly, 's', null, 'lower');
    ctx.report('pull_ratio_to_raw_floor', pullSeconds / floor, 'x', 2, 'lower');
  } finally {
    await raw.close();
  }
}

async function benchLatency(ctx: BenchContext, server: JitServer, url: string, token: string, writes: number) {
  await withReplica('bench-latency', ['requests'], url, token, async (db, replication) => {
    await replication.awaitInSync();
    const waiters = new Map<string, () => void>();
    const subscription = db.requests.$.subscribe((event) => waiters.get(event.documentId)?.());
    const at = new Date().toISOString();
    const writeAndSee = async (id: string): Promise<number> => {
      const seen = new Promise<void>((resolve) => waiters.set(id, resolve));
      const start = performance.now();
      server.store.put('requests', requestDoc(id, at));
      await seen;
      waiters.delete(id);
      return performance.now() - start;
    };
    try {
      // Until a write arrives, the live stream may not be connected yet; these also warm up the path.
      for (let i = 0; i < 5; i++) await writeAndSee(`lat-warm-${i}`);
      const samples: number[] = [];
      for (let i = 0; i < writes; i++) samples.push(await writeAndSee(`lat-${i}`));
      samples.sort((a, b) => a - b);
      ctx.report('live_latency_p50_ms', percentile(samples, 50), 'ms', null, 'lower');
      ctx.report('live_latency_p99_ms', percentile(samples, 99), 'ms', 300, 'lower');
    } finally {
      subscription.unsubscribe();
    }
  });
}

async function benchCommands(ctx: BenchContext, url: string, token: string, count: number) {
  await withReplica('bench-commands', ['commands', 'commandResults'], url, token, async (db, replication) => {
    await replication.awaitInSync();
    const start = performance.now();
    const ids: string[] = [];
    // Each request is cancelled right after it is asked for: a person may keep only so many waiting at once.
    for (let i = 0; i < count; i++) {
      const requestId = `bench-cmd-${i >> 1}`;
      ids.push(
        await sendCommand(
          db,
          i % 2 === 0
            ? { type: 'request.create', payload: { requestId, resourceId: 'res-bench', durationMinutes: 60, justification: `bench ${i}` }, actorId: ADMIN_USER_ID }
            : { type: 'request.cancel', payload: { requestId, reason: 'bench' }, actorId: ADMIN_USER_ID },
        ),
      );
    }
    // A bench that cannot finish says why instead of waiting for ever (refused commands beyond the rejection budget get no result).
    await firstValueFrom(db.commandResults.findByIds(ids).$.pipe(filter((found) => found.size === ids.length), timeout(180_000))).catch(async (error: unknown) => {
      const results = [...(await db.commandResults.findByIds(ids).exec()).values()].map((d) => d.toJSON());
      const refused = results.find((r) => r.status !== 'applied');
      throw new Error(`${results.length} of ${count} commands have a result after 180 s${refused ? `; e.g. ${refused.code}: ${refused.message}` : ''} (${String(error)})`);
    });
    const seconds = (performance.now() - start) / 1000;
    const results = [...(await db.commandResults.findByIds(ids).exec()).values()].map((d) => d.toJSON());
    const rejected = results.filter((r) => r.status !== 'applied');
    if (rejected.length) throw new Error(`${rejected.length} of ${count} commands were rejected, e.g. ${rejected[0]?.code}: ${rejected[0]?.message}`);
    ctx.report('commands_applied_per_second', count / seconds, 'commands/s', null, 'higher');
  });
}

const suite: BenchSuite = {
  name: 'sync',
  async run(ctx) {
    const audits = ctx.quick ? 10_000 : 100_000;
    const requests = ctx.quick ? 2_000 : 20_000;
    const dataDir = mkdtempSync(join(tmpdir(), 'jit-bench-sync-'));
    const server = await createServer({ dataDir, adminPassword: ADMIN_PASSWORD, logLevel: 'silent', webRoot: join(dataDir, 'no-web') });
    try {
      const url = await server.listen(0, '127.0.0.1');
      const seedStart = performance.now();
      seed(server, audits, requests);
      ctx.log(`seeded ${audits} audit events and ${requests} requests in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
      const token = await login(url);
      await benchPull(ctx, server, url, token, audits, requests);
      await benchLatency(ctx, server, url, token, ctx.quick ? 200 : 1_000);
      await benchCommands(ctx, url, token, ctx.quick ? 200 : 1_000);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default suite;
