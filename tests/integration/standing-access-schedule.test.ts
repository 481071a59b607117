/**
 * Standing-access discovery as scheduled, durable work, on an injected clock against the Graph
 * stand-in: a connector's first run is booked at once and the next one `discoveryEveryMs` after
 * it finished; holdings keep when they were first seen; a run whose every listing fails is retried
 * with backoff and keeps what the last good run found; a run a crash left running is run again
 * after a restart; JIT_DISCOVERY_EVERY configures the interval.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import { schedulerOptionsFromEnv, startScheduler, type Scheduler } from '../../sync-server/scheduler/index.js';
import { standingAccessTables } from '../../sync-server/standing-access/view.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraConnector } from './helpers/entra.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let graph: GraphStandin;
let dir: string;
let store: Store;
let registry: ConnectorRegistry;
let clock = Date.parse('2026-03-02T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const start = (): Scheduler => startScheduler({ store, registry, now: () => new Date(clock), intervalMs: 0, random: () => 0.5, discoveryEveryMs: DAY });
const tables = () => standingAccessTables(store);

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 31 });
  dir = mkdtempSync(join(tmpdir(), 'standing-schedule-'));
  store = openStore({ dataDir: dir });
  registry = new ConnectorRegistry();
  registry.register(standinEntraConnector(graph, { id: 'entra-sched', maxRetryWaitMs: 0 }));
});
afterAll(async () => {
  registry?.close();
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await graph?.close();
});

describe('scheduled standing-access discovery', () => {
  it('reads each connector when first seen and again a day after each run, keeping first-seen times', async () => {
    const group = graph.addGroup({ displayName: 'Payroll admins' });
    const ada = graph.addUser({ displayName: 'Ada' });
    graph.addMember(group.id, ada.id);
    store.put('resources', { id: 'res-pay', name: 'Payroll admins', kind: 'entra_group', connector: 'entra', connectorId: 'entra-sched', target: { externalId: group.id }, ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], updatedAt: iso(clock) });
    const s = start();
    try {
      expect(await s.runDiscovery()).toMatchObject({ runs: 1, holders: 1 });
      const firstSeen = tables().holdings('res-pay')[0]!.firstSeenAt;
      expect(tables().run('entra-sched')).toMatchObject({ state: 'done', dueAt: clock + DAY });

      clock += HOUR;
      expect((await s.runDiscovery()).runs).toBe(0);

      const bea = graph.addUser({ displayName: 'Bea' });
      graph.addMember(group.id, bea.id);
      clock += DAY;
      expect(await s.runDiscovery()).toMatchObject({ runs: 1, holders: 2 });
      const holdings = tables().holdings('res-pay');
      expect(holdings.map((h) => h.principalId).sort()).toEqual([ada.id, bea.id].sort());
      expect(holdings.find((h) => h.principalId === ada.id)!.firstSeenAt).toBe(firstSeen);
      expect(holdings.find((h) => h.principalId === bea.id)!.firstSeenAt).toBe(iso(clock));
    } finally {
      await s.stop();
    }
  });

  it('retries a run whose listings all failed, keeping the last good holdings', async () => {
    const resource = store.get('resources', 'res-pay')!;
    store.put('resources', { ...resource, target: { externalId: '00000000-0000-4000-8000-00000000dead' }, updatedAt: iso(clock) });
    const s = start();
    try {
      clock += DAY;
      expect(await s.runDiscovery()).toMatchObject({ runs: 1, failed: 1 });
      const run = tables().run('entra-sched')!;
      expect(run).toMatchObject({ state: 'queued', lastError: expect.stringContaining('res-pay') });
      expect(run.dueAt).toBeGreaterThan(clock);
      expect(tables().holdings('res-pay')).toHaveLength(2);
    } finally {
      await s.stop();
    }
  });

  it('runs again after a restart what a crash left running', async () => {
    store.put('resources', { ...store.get('resources', 'res-pay')!, target: { externalId: graph.state.groups().find((g) => g.displayName === 'Payroll admins')!.id }, updatedAt: iso(clock) });
    store.db.prepare(`UPDATE discovery_runs SET state = 'running', locked_until = ? WHERE connector_id = 'entra-sched'`).run(clock + DAY);
    const s = start();
    try {
      expect(tables().run('entra-sched')!.state).toBe('queued');
      clock += DAY;
      expect(await s.runDiscovery()).toMatchObject({ runs: 1, holders: 2, failed: 0 });
    } finally {
      await s.stop();
    }
  });

  it('takes its interval from JIT_DISCOVERY_EVERY', () => {
    expect(schedulerOptionsFromEnv({ JIT_DISCOVERY_EVERY: '24h' })).toMatchObject({ discoveryEveryMs: DAY });
    expect(schedulerOptionsFromEnv({ JIT_DISCOVERY_EVERY: '0' })).toMatchObject({ discoveryEveryMs: 0 });
    expect(schedulerOptionsFromEnv({})).not.toHaveProperty('discoveryEveryMs');
    expect(() => schedulerOptionsFromEnv({ JIT_DISCOVERY_EVERY: '10s' })).toThrow(/JIT_DISCOVERY_EVERY: at least 1m/);
  });
});
