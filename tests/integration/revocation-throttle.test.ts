/**
 * Revocation under a write budget lower than the connector was configured for: the real scheduler
 * loop, the real Entra connector, the Graph stand-in enforcing the budget (429s inside $batch,
 * with and without Retry-After). Budgets are per second so each run takes seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import { startScheduler, type Scheduler } from '../../sync-server/scheduler/index.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraConnector } from './helpers/entra.js';

/** The directory's real budget: 40 writes per second (the connector is told 400). */
const RATE = 40;
const N = 300;

let graph: GraphStandin;
let dir: string;
let store: Store | undefined;
let registry: ConnectorRegistry | undefined;
let scheduler: Scheduler | undefined;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 17 });
});
afterAll(async () => {
  await graph.close();
});
afterEach(async () => {
  await scheduler?.stop();
  registry?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
  graph.reset();
});

function seed(n: number): string {
  const group = graph.addGroup({ displayName: 'Throttled' });
  const at = new Date(Date.now() - 60_000).toISOString();
  const s = store as Store;
  s.put('resources', { id: 'res-thr', name: 'Throttled', kind: 'entra_group', connector: 'entra', connectorId: 'entra-thr', target: { externalId: group.id }, ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], updatedAt: at });
  s.tx(() => {
    for (let i = 0; i < n; i++) {
      const user = graph.addUser({ displayName: `T${i}` });
      graph.addMember(group.id, user.id);
      s.put('users', { id: `tu-${i}`, username: `tu-${i}`, displayName: `T${i}`, externalIds: { entra: user.id }, updatedAt: at });
      s.put('grants', { id: `g-thr-${i}`, requestId: `req-${i}`, userId: `tu-${i}`, resourceId: 'res-thr', connector: 'entra', status: 'active', approvedAt: at, startsAt: at, expiresAt: new Date(Date.now() - 1000).toISOString(), provisionedAt: at, maxDurationMinutes: 60, updatedAt: at, revision: 1 });
    }
  });
  return group.id;
}

it(`${N} due revocations against ${RATE} writes/s with 429s (with and without Retry-After, inside $batch): no escalation, about one attempt per write, paced at the budget`, async () => {
  dir = mkdtempSync(join(tmpdir(), 'revocation-throttle-'));
  store = openStore({ dataDir: dir });
  // Reads are not what is measured here: a large read budget keeps them out of the way.
  graph.setBudgets({ appWritesPer150s: RATE, appWriteWindowSeconds: 1, tenantWritesPer5min: 1_000_000, resourceUnitsPer10s: 1_000_000 });
  graph.setRetryAfterMissingProbability(0.5);
  // And a few 429s that have nothing to do with the budget.
  graph.injectFaults({ rate: 0.01, kinds: ['429'], seed: 3, paths: ['/members/'] });
  const groupId = seed(N);
  registry = new ConnectorRegistry();
  registry.register(standinEntraConnector(graph, { id: 'entra-thr', writeBudget: { writes: RATE * 10, perSeconds: 1 }, resourceUnitBudget: { units: 1_000_000, perSeconds: 1 }, verifyReadIntervalMs: 50 }));
  const started = Date.now();
  scheduler = startScheduler({ store, registry, onError: (e) => console.error(e) });
  const done = () => (store as Store).count('grants', { status: ['revoked', 'verified'] });
  const deadline = started + 60_000;
  while (done() < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const elapsedS = (Date.now() - started) / 1000;
  expect(done()).toBe(N);
  const deletes = graph.writeLog.filter((w) => w.method === 'DELETE');
  const perWrite = deletes.length / N;
  const floorS = N / RATE;
  console.info(`${N} revocations in ${elapsedS.toFixed(1)} s (floor ${floorS} s); ${deletes.length} DELETEs (${perWrite.toFixed(2)} per write), ${graph.counters.throttled} budget 429s`);
  expect(store.count('grants', { status: 'revoke_failed' })).toBe(0);
  expect(store.list('tasks', {}).filter((t) => t.kind === 'revocation_escalation')).toEqual([]);
  expect([...store.auditEvents()].filter((e) => e.type === 'grant.revoke_escalated')).toEqual([]);
  expect(perWrite).toBeLessThanOrEqual(1.2);
  // Pacing, measured by the directory: from the first write it saw to the last one it accepted.
  // (The wall clock of the whole run also holds start-up and, on a busy machine, CPU waits.)
  const accepted = deletes.filter((w) => w.status === 204);
  const pacedS = (Date.parse(accepted.at(-1)!.at) - Date.parse(deletes[0]!.at)) / 1000;
  console.info(`paced window ${pacedS.toFixed(1)} s`);
  // The floor + 10 % target is the bench's (a timed bound this tight flakes on a loaded two-core CI);
  // here the bound only tells pacing at the budget from backing off or parking: either would take far longer.
  expect(pacedS).toBeLessThanOrEqual(floorS * 1.5 + 2);
  expect(elapsedS).toBeLessThanOrEqual(floorS * 1.5 + 10);
  expect(graph.state.members(groupId)).toEqual([]);
});

it('with three app registrations, writes spread across them, each paced on its own budget, and the receipt says which one acted', async () => {
  dir = mkdtempSync(join(tmpdir(), 'revocation-apps-'));
  store = openStore({ dataDir: dir });
  const perApp = 20;
  graph.setBudgets({ appWritesPer150s: perApp, appWriteWindowSeconds: 1, tenantWritesPer5min: perApp * 3, tenantWriteWindowSeconds: 1, resourceUnitsPer10s: 1_000_000 });
  const apps = ['app-b', 'app-c'].map((clientId) => {
    graph.addApp({ clientId, clientSecret: `${clientId}-secret`, permissions: ['GroupMember.ReadWrite.All', 'Group.Read.All', 'User.Read.All', 'Directory.Read.All'] });
    return { clientId, clientSecret: `${clientId}-secret` };
  });
  const n = 150;
  seed(n);
  registry = new ConnectorRegistry();
  registry.register(
    // Each app configured with its documented budget; the tenant's is what they share.
    standinEntraConnector(graph, { id: 'entra-thr', writeBudget: { writes: perApp, perSeconds: 1 }, resourceUnitBudget: { units: 1_000_000, perSeconds: 1 }, verifyReadIntervalMs: 50, additionalApps: apps.map((a) => ({ ...a, writeBudget: { writes: perApp, perSeconds: 1 } })) }),
  );
  const started = Date.now();
  scheduler = startScheduler({ store, registry, onError: (e) => console.error(e) });
  const verified = () => (store as Store).count('grants', { status: 'verified' });
  while (verified() < n && Date.now() < started + 60_000) await new Promise((r) => setTimeout(r, 20));
  expect(verified()).toBe(n);
  const deletes = graph.writeLog.filter((w) => w.method === 'DELETE');
  const byApp = new Map<string, number>();
  for (const w of deletes.filter((d) => d.status === 204)) byApp.set(w.clientId, (byApp.get(w.clientId) ?? 0) + 1);
  console.info(`${n} revocations over three apps in ${((Date.now() - started) / 1000).toFixed(1)} s; ${deletes.length} DELETEs; by app ${JSON.stringify(Object.fromEntries(byApp))}`);
  expect(byApp.size).toBe(3);
  for (const count of byApp.values()) expect(count).toBeGreaterThanOrEqual(n / 6);
  expect(deletes.length / n).toBeLessThanOrEqual(1.2);
  expect(store.list('tasks', {}).filter((t) => t.kind === 'revocation_escalation')).toEqual([]);
  const receipts = store.list('verifications', {}).filter((v) => v.purpose === 'revocation' && v.result === 'gone');
  expect(receipts).toHaveLength(n);
  const clientIds = new Set([graph.credentials.clientId, 'app-b', 'app-c']);
  expect(receipts.every((r) => r.actedVia !== undefined && clientIds.has(r.actedVia))).toBe(true);
});
