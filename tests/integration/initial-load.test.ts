/**
 * The first load of an empty replica (renderer/db/initial-load.ts) against the real sync server:
 * pages written straight into the local store with honest progress, the pages asked for at
 * sign-in used instead of asked again, a replica that already holds data left to its
 * replication, and a view that changes mid-load leaving nothing of the old view behind.
 */
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessRequest, CollectionName } from '../../core/index.js';
import { createJitDatabase, type JitDatabase } from '../../renderer/db/database.js';
import { FIRST_PAGE_SIZE } from '../../renderer/db/initial-load.js';
import { prefetchFirstPages, startReplication, type LoadingState, type ReplicationHandle, type ReplicationOptions } from '../../renderer/db/replication.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const WAIT_MS = 15_000;
/** Larger than the first page, as the console's is. */
const BATCH = 1500;
const REQUESTS = FIRST_PAGE_SIZE + BATCH + 37;

let srv: TestServer;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  srv = await startTestServer({ seedDemo: true });
  cleanups.push(() => srv.close());
  const template = srv.store.list('requests', { status: 'pending_approval', limit: 1 })[0] as AccessRequest;
  srv.store.tx(() => {
    for (let i = 0; i < REQUESTS; i++) srv.store.put('requests', { ...template, id: `req-load-${i}`, justification: `load ${i}` });
  });
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.().catch(() => undefined);
});

function until<T>(source: Observable<T>, predicate: (value: T) => boolean, what: string): Promise<T> {
  return firstValueFrom(source.pipe(filter(predicate), timeout({ first: WAIT_MS, with: () => Promise.reject(new Error(`timed out waiting for ${what}`)) })));
}

/** A fetch that records each pull (collection and seq) and can rewrite answers. */
function recordingFetch(rewrite?: (url: URL, body: Record<string, unknown>) => Record<string, unknown>) {
  const pulls: { collection: string; seq: number; batchSize: number }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const match = /\/sync\/v\d+\/(\w+)\/pull$/.exec(url.pathname);
    const response = await globalThis.fetch(input, init);
    if (!match) return response;
    pulls.push({ collection: match[1]!, seq: Number(url.searchParams.get('seq')), batchSize: Number(url.searchParams.get('batchSize')) });
    if (!rewrite || !response.ok) return response;
    const body = rewrite(url, (await response.json()) as Record<string, unknown>);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { pulls, fetchImpl };
}

let dbCount = 0;
async function replica(collections: CollectionName[], token: string, options: Partial<ReplicationOptions> = {}, db?: JitDatabase): Promise<{ db: JitDatabase; replication: ReplicationHandle; loading: LoadingState[] }> {
  const local = db ?? (await createJitDatabase({ name: `initial-load-${++dbCount}`, storage: 'memory', devMode: true, collections }));
  const replication = startReplication(local, { serverUrl: srv.url, token, retryTimeMs: 300, reconnectMaxMs: 1_000, batchSize: BATCH, ...options });
  const loading: LoadingState[] = [];
  replication.loading$.subscribe((state) => loading.push(state));
  cleanups.push(async () => {
    await replication.cancel();
    if (!db) await local.close();
  });
  return { db: local, replication, loading };
}

describe('the first load of an empty replica', () => {
  it('writes every page with progress of the whole, then goes on live from where it ended', async () => {
    const token = await srv.login('alice');
    const { pulls, fetchImpl } = recordingFetch();
    const { db, replication, loading } = await replica(['requests', 'users', 'resources'], token, { fetch: fetchImpl });
    const total = srv.store.count('requests', { includeDeleted: true });
    await until(replication.loading$, (state) => state.size === 0, 'the load to end');
    expect(await db.requests.count().exec()).toBe(srv.store.count('requests'));

    // Every collection starts as loading; requests count up to the whole, and are never reported complete before they are.
    expect(loading[0]!.get('requests')).toEqual({ received: 0, expected: null });
    const progress = loading.map((state) => state.get('requests')).filter((p, i, all) => p && p.received > 0 && p !== all[i - 1]);
    expect(progress.map((p) => p!.received)).toEqual([FIRST_PAGE_SIZE, FIRST_PAGE_SIZE + BATCH, total]);
    expect(progress.every((p) => p!.expected === total)).toBe(true);
    // Pages of the first size, then the batch size; nothing pulled from the start twice.
    const requestPulls = pulls.filter((p) => p.collection === 'requests');
    expect(requestPulls[0]).toEqual({ collection: 'requests', seq: 0, batchSize: FIRST_PAGE_SIZE });
    expect(requestPulls.filter((p) => p.seq === 0)).toHaveLength(1);
    expect(requestPulls.slice(1, 3).every((p) => p.batchSize === BATCH)).toBe(true);

    // The replication took over: a new request arrives without a reload.
    const template = srv.store.get('requests', 'req-load-0')!;
    srv.store.put('requests', { ...template, id: 'req-after-load' });
    await until(db.requests.findOne('req-after-load').$, (doc) => doc !== null, 'the request written after the load');
  });

  it('uses the first pages asked for at sign-in instead of asking again', async () => {
    const token = await srv.login('alice');
    const { pulls, fetchImpl } = recordingFetch();
    const firstPages = prefetchFirstPages(srv.url, token, ['requests', 'users', 'commands'], fetchImpl);
    expect([...firstPages.keys()].sort()).toEqual(['requests', 'users']);
    const { db, replication } = await replica(['requests', 'users', 'commands'], token, { fetch: fetchImpl, firstPages });
    await until(replication.loading$, (state) => state.size === 0, 'the load to end');
    expect(await db.requests.count().exec()).toBe(srv.store.count('requests'));
    expect(pulls.filter((p) => p.collection === 'requests' && p.seq === 0)).toHaveLength(1);
    expect(pulls.filter((p) => p.collection === 'users' && p.seq === 0)).toHaveLength(1);
  });

  it('leaves a replica that already holds documents to its replication, which pulls only what is new', async () => {
    const token = await srv.login('alice');
    const db = await createJitDatabase({ name: `initial-load-kept-${++dbCount}`, storage: 'memory', devMode: true, collections: ['requests'] });
    cleanups.push(() => db.close());
    const first = await replica(['requests'], token, {}, db);
    await until(first.replication.loading$, (state) => state.size === 0, 'the first load');
    await first.replication.awaitInSync();
    await first.replication.cancel();

    const template = srv.store.get('requests', 'req-load-0')!;
    srv.store.put('requests', { ...template, id: 'req-while-away' });
    const { pulls, fetchImpl } = recordingFetch();
    const again = await replica(['requests'], token, { fetch: fetchImpl }, db);
    await until(db.requests.findOne('req-while-away').$, (doc) => doc !== null, 'the request written while away');
    expect(again.loading.at(-1)?.size).toBe(0);
    expect(pulls.filter((p) => p.seq === 0)).toEqual([]);
  });

  it('a view that changes mid-load leaves nothing of the old one: the replication pulls the new one from the start', async () => {
    const token = await srv.login('alice');
    // The second page says another view (as after a role change): the load stops and empties the collection.
    let page = 0;
    const { fetchImpl } = recordingFetch((url, body) => (url.pathname.endsWith('/requests/pull') && ++page === 2 ? { ...body, view: 'another-view' } : body));
    const { db, replication } = await replica(['requests'], token, { fetch: fetchImpl });
    await until(replication.loading$, (state) => state.size === 0, 'the load to end');
    await replication.awaitInSync();
    expect(await db.requests.count().exec()).toBe(srv.store.count('requests'));
  });
});
