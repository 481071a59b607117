/**
 * The connector contract (helpers/connector-contract.ts) against each connector's real stand-in,
 * and the scheduler with each connector behind the chaos wrapper (sync-server/connectors/chaos.ts):
 * answers lost after the write, "already in state" for writes never sent, writes sent twice.
 * Every grant still ends verified exactly once, and no revocation is ever verified while the
 * access remains. Entra's paged member listing also faces page-level chaos between it and the
 * Graph stand-in (helpers/graph-page-chaos.ts; AD's is in ad-chaos.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentRef, Connector, Grant } from '../../core/index.js';
import { AdConnector } from '../../sync-server/connectors/ad/index.js';
import { ChaosConnector } from '../../sync-server/connectors/chaos.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../sync-server/connectors/config.js';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import { startScheduler } from '../../sync-server/scheduler/index.js';
import { openStore } from '../../sync-server/store/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { connectorContract, type ContractHarness } from './helpers/connector-contract.js';
import { standinEntraConnector } from './helpers/entra.js';
import { injectGraphPageChaos } from './helpers/graph-page-chaos.js';
import { addMember, adConfig, adminClient, createGroup, createUser, DC_START_TIMEOUT_MS, describeAd, membersOf, startDc, type SambaDc } from './helpers/samba.js';

let k = 0;
const resourceOf = (kind: 'entra_group' | 'ad_group', connectorId: string, externalId: string): AssignmentRef['resource'] => ({
  id: `res-c-${++k}`,
  kind,
  connector: kind === 'ad_group' ? 'ad' : 'entra',
  connectorId,
  target: { externalId },
  name: `Contract group ${k}`,
});

/**
 * N active grants, all expired, revoked by the scheduler through `connector` wrapped in chaos. After
 * every pass, no grant marked verified may still have its membership.
 */
async function revokeThroughChaos(connector: Connector & { close?(): void }, h: Omit<ContractHarness, 'connector'>, n: number): Promise<ChaosConnector> {
  const chaos = new ChaosConnector(connector, { seed: 7, timeoutAfterWrite: 0.3, phantomAlready: 0.3, duplicateCall: 0.2 });
  const dir = mkdtempSync(join(tmpdir(), 'contract-chaos-'));
  const store = openStore({ dataDir: dir });
  const registry = new ConnectorRegistry();
  registry.register(chaos);
  let clock = Date.now();
  const at = new Date(clock).toISOString();
  const resource = await h.group();
  store.put('resources', { ...resource, description: '', ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], archived: false, updatedAt: at });
  const principals: string[] = [];
  for (let i = 0; i < n; i++) {
    const principal = await h.user();
    principals.push(principal);
    await h.addByHand(resource, principal);
    store.put('users', { id: `u-c${i}`, username: `u-c${i}`, displayName: `C ${i}`, externalIds: resource.connector === 'ad' ? { ad: principal } : { entra: principal }, updatedAt: at });
    store.put('grants', { id: `g-c${i}`, requestId: `req-c${i}`, userId: `u-c${i}`, resourceId: resource.id, connector: resource.connector, status: 'active', approvedAt: at, startsAt: at, expiresAt: new Date(clock - 1000).toISOString(), provisionedAt: at, maxDurationMinutes: 60, updatedAt: at, revision: 1 });
  }
  const scheduler = startScheduler({ store, registry, now: () => new Date(clock), intervalMs: 0, random: () => 0.5, batchSize: 4, maxAttempts: 20 });
  const events = (grantId: string, type: string) => [...store.auditEvents()].filter((e) => e.subjectId === grantId && e.type === type).length;
  try {
    for (let round = 0; round < 40 && store.count('grants', { status: 'verified' }) < n; round++) {
      await scheduler.runOnce();
      for (const grant of store.list('grants', { status: 'verified' }) as Grant[]) {
        const i = Number(grant.id.slice('g-c'.length));
        expect(await h.isMember(resource, principals[i] as string), `${grant.id} verified while the access remains`).toBe(false);
      }
      clock += 10 * 60_000;
    }
    for (let i = 0; i < n; i++) {
      expect(store.get('grants', `g-c${i}`)).toMatchObject({ status: 'verified', verification: 'gone' });
      expect(events(`g-c${i}`, 'grant.revocation_verified')).toBe(1);
      expect(await h.isMember(resource, principals[i] as string)).toBe(false);
    }
  } finally {
    await scheduler.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return chaos;
}

describe('the Entra connector against the Graph stand-in', () => {
  let graph: GraphStandin;
  let h: ContractHarness;
  beforeAll(async () => {
    graph = await startGraphStandin({ seed: 11 });
    h = {
      connector: standinEntraConnector(graph, { id: 'entra-contract', verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { sleep: async () => undefined }),
      group: async () => resourceOf('entra_group', 'entra-contract', graph.addGroup({ displayName: `Contract ${k}` }).id),
      user: async () => graph.addUser({ displayName: `Contract user ${k}` }).id,
      isMember: async (resource, principalId) => graph.state.isMember(resource.target.externalId, principalId),
      addByHand: async (resource, principalId) => {
        // The connector's own writes reach every replica first (a seeded write does not queue behind them).
        graph.settle();
        graph.addMember(resource.target.externalId, principalId);
      },
    };
  });
  afterAll(async () => {
    (h?.connector as { close?(): void } | undefined)?.close?.();
    await graph?.close();
  });
  connectorContract('entra', () => h);
  it('entra behind the chaos wrapper: every revocation verified exactly once, never while the access remains', async () => {
    const chaos = await revokeThroughChaos(standinEntraConnector(graph, { id: 'entra-contract', verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { sleep: async () => undefined }), h, 12);
    expect(chaos.counts.phantomAlready + chaos.counts.timeoutAfterWrite).toBeGreaterThan(0);
  });
  it('entra lists every member exactly once through duplicated, reordered and repeated pages', async () => {
    // 5,000 members: six pages of the connector's $top=999.
    const group = graph.addGroup({ displayName: 'Paging chaos' });
    for (let i = 0; i < 5000; i++) graph.addMember(group.id, graph.addUser({ displayName: `Paged ${i}` }).id);
    graph.settle();
    const resource = resourceOf('entra_group', 'entra-contract', group.id);
    const clean = await h.connector.listAssignments(resource);
    expect(clean).toHaveLength(5000);
    const chaos = injectGraphPageChaos({ duplicatePage: 0.2, reorder: 0.3, repeatPage: 0.1 }, { path: /\/groups\/[^/]+\/members$/, seed: 42 });
    try {
      for (let run = 0; run < 3; run++) {
        const ids = (await h.connector.listAssignments(resource)).map((a) => a.principalId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(new Set(ids)).toEqual(new Set(clean.map((a) => a.principalId)));
      }
    } finally {
      chaos.restore();
    }
    expect(chaos.counts.duplicated).toBeGreaterThan(0);
    expect(chaos.counts.reordered).toBeGreaterThan(0);
    expect(chaos.counts.repeated).toBeGreaterThan(0);
  });
});

describeAd('the AD connector against a Samba DC', () => {
  let dc: SambaDc;
  let admin: Client;
  let h: ContractHarness;
  const ad = () => new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-contract' })) as AdConnectorConfig, { warn: () => undefined, sleep: async () => undefined });
  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
    h = {
      connector: ad(),
      group: async () => resourceOf('ad_group', 'ad-contract', (await createGroup(admin, `Contract ${++k}`)).dn),
      user: async () => (await createUser(admin, `contract-user-${++k}`)).dn,
      isMember: async (resource, principalId) => (await membersOf(admin, resource.target.externalId)).some((m) => m.toLowerCase() === principalId.toLowerCase()),
      addByHand: async (resource, principalId) => addMember(admin, resource.target.externalId, principalId),
      reads: { consistentReads: 2, maxReads: 4 },
    };
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    (h?.connector as { close?(): void } | undefined)?.close?.();
    await admin?.unbind();
    await dc?.destroy();
  });
  connectorContract('ad', () => h);
  it('ad behind the chaos wrapper: every revocation verified exactly once, never while the access remains', async () => {
    const chaos = await revokeThroughChaos(ad(), h, 12);
    expect(chaos.counts.phantomAlready + chaos.counts.timeoutAfterWrite).toBeGreaterThan(0);
    chaos.close();
  });
});
