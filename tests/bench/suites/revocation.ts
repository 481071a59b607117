/**
 * Revocation benchmark: the real scheduler on a SQLite file, the real Entra connector, the
 * Graph stand-in on loopback (HTTPS). Wall-clock time throughout.
 *
 * - lateness: N grants expiring spread over one minute, no throttling (stand-in budgets off and the
 *   connector's pacing lifted: 10,000 a minute is 8x Graph's write budget): revokedAt - expiresAt.
 * - provisioning: grants created as an approval would (status provisioning) at a steady rate:
 *   approved -> provisioned (p50, p99), and approved -> verified effective (p50).
 * - throttled: the stand-in enforces Graph's real budgets (3,000 writes / 150 s per app;
 *   3,500 resource units / 10 s); a backlog of expired grants: steady revocation throughput as a
 *   fraction of the write budget, and how many 429s the directory answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Grant } from '../../../core/index.js';
import { ConnectorRegistry } from '../../../sync-server/connectors/registry.js';
import { startScheduler, type Scheduler } from '../../../sync-server/scheduler/index.js';
import { openStore, type Store } from '../../../sync-server/store/index.js';
import { standinEntraConnector } from '../../integration/helpers/entra.js';
import { startGraphStandin, type GraphStandin } from '../../standins/graph/index.js';
import type { BenchContext, BenchSuite } from '../types.js';

const GROUPS = 20;

type Rig = { graph: GraphStandin; store: Store; registry: ConnectorRegistry; scheduler: Scheduler | undefined; dir: string; groups: string[] };

async function rig(throttling: boolean): Promise<Rig> {
  const graph = await startGraphStandin({ seed: 99, throttling });
  const dir = mkdtempSync(join(tmpdir(), 'bench-revocation-'));
  const store = openStore({ dataDir: dir });
  const registry = new ConnectorRegistry();
  registry.register(
    standinEntraConnector(graph, {
      id: 'entra-bench',
      verifyReadIntervalMs: 500,
      // Unthrottled runs measure the scheduler itself: the connector's own pacing is lifted too.
      ...(throttling ? {} : { writeBudget: { writes: 1_000_000, perSeconds: 1 }, resourceUnitBudget: { units: 1_000_000, perSeconds: 1 } }),
    }),
  );
  const groups: string[] = [];
  const at = new Date().toISOString();
  for (let g = 0; g < GROUPS; g++) {
    const group = graph.addGroup({ displayName: `Bench group ${g}` });
    groups.push(group.id);
    store.put('resources', { id: `res-${g}`, name: `Bench group ${g}`, kind: 'entra_group', connector: 'entra', connectorId: 'entra-bench', target: { externalId: group.id }, ownerId: 'owner-bench', sensitivity: 'medium', policyIds: ['p-bench'], updatedAt: at });
  }
  return { graph, store, registry, scheduler: undefined, dir, groups };
}

async function teardown(r: Rig): Promise<void> {
  await r.scheduler?.stop();
  r.registry.close();
  r.store.close();
  await r.graph.close();
  rmSync(r.dir, { recursive: true, force: true });
}

/** Directory users and console users for n grants; returns the console user ids. */
function seedPeople(r: Rig, n: number, prefix: string, member: boolean): void {
  const at = new Date().toISOString();
  const CHUNK = 2000;
  for (let start = 0; start < n; start += CHUNK) {
    r.store.tx(() => {
      for (let i = start; i < Math.min(n, start + CHUNK); i++) {
        const user = r.graph.addUser({ displayName: `${prefix} ${i}` });
        if (member) r.graph.addMember(r.groups[i % GROUPS] as string, user.id);
        r.store.put('users', { id: `${prefix}-${i}`, username: `${prefix}-${i}`, displayName: `${prefix} ${i}`, externalIds: { entra: user.id }, updatedAt: at });
      }
    });
  }
}

function grantDoc(id: string, userId: string, resourceId: string, status: Grant['status'], approvedAt: number, expiresAt: number): Grant {
  const approved = new Date(approvedAt).toISOString();
  return {
    id,
    requestId: `req-${id}`,
    userId,
    resourceId,
    connector: 'entra',
    status,
    approvedAt: approved,
    startsAt: approved,
    expiresAt: new Date(expiresAt).toISOString(),
    provisionedAt: status === 'active' ? approved : null,
    effectiveAt: null,
    revokeRequestedAt: null,
    revokedAt: null,
    verifiedAt: null,
    endedBy: null,
    endedReason: '',
    extensions: 0,
    maxExtensions: 0,
    maxDurationMinutes: 600,
    latenessMs: null,
    timeToEffectiveMs: null,
    attempts: 0,
    lastError: '',
    verification: 'none',
    updatedAt: approved,
    revision: 1,
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(condition: () => boolean, timeoutMs: number, ctx: BenchContext, what: string): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = Date.now();
  while (!condition()) {
    if (Date.now() > deadline) {
      ctx.log(`gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s`);
      return false;
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      ctx.log(`waiting for ${what}...`);
    }
    await sleep(500);
  }
  return true;
}

export async function lateness(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 2000 : 10_000;
  const spreadMs = ctx.quick ? 20_000 : 60_000;
  const r = await rig(false);
  try {
    seedPeople(r, n, 'late', true);
    const leadMs = 5000;
    const t0 = Date.now() + leadMs;
    r.store.tx(() => {
      for (let i = 0; i < n; i++) r.store.put('grants', grantDoc(`g-late-${i}`, `late-${i}`, `res-${i % GROUPS}`, 'active', Date.now(), t0 + Math.floor((i * spreadMs) / n)));
    });
    ctx.log(`${n} grants expiring over ${spreadMs / 1000} s`);
    r.scheduler = startScheduler({ store: r.store, registry: r.registry, verifyConcurrency: 256, onError: (e) => ctx.log(`scheduler: ${String(e)}`) });
    await waitUntil(() => r.store.count('grants', { status: ['active', 'revoking'] }) === 0, spreadMs + leadMs + 120_000, ctx, 'every grant revoked');
    const lastExpiry = t0 + spreadMs;
    const late = r.store.list('grants', { status: ['revoked', 'verified'] }).map((g) => g.latenessMs ?? Number.NaN);
    ctx.report('lateness_p50', percentile(late, 50), 'ms', null, 'lower');
    ctx.report('lateness_p99', percentile(late, 99), 'ms', 1000, 'lower');
    ctx.report('lateness_max', Math.max(...late), 'ms', null, 'lower');
    ctx.report('revoked', late.length, 'grants', n, 'higher');
    // Verification yields to revocation while writes are due, then catches up.
    const verified = await waitUntil(() => r.store.count('grants', { status: 'verified' }) === n, 300_000, ctx, 'every revocation verified');
    if (verified) ctx.report('all_verified_after_last_expiry', (Date.now() - lastExpiry) / 1000, 's', null, 'lower');
  } finally {
    await teardown(r);
  }
}

export async function provisioning(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 300 : 1000;
  const perSecond = 50;
  const r = await rig(false);
  try {
    seedPeople(r, n, 'prov', false);
    r.scheduler = startScheduler({ store: r.store, registry: r.registry, onError: (e) => ctx.log(`scheduler: ${String(e)}`) });
    // Approvals arrive at a steady rate, each written as the command processor writes it.
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      r.store.tx(() => r.store.put('grants', grantDoc(`g-prov-${i}`, `prov-${i}`, `res-${i % GROUPS}`, 'provisioning', now, now + 8 * 3_600_000)));
      await sleep(1000 / perSecond);
    }
    await waitUntil(() => r.store.count('grants', { status: 'provisioning' }) === 0, 60_000, ctx, 'every grant provisioned');
    await waitUntil(() => r.store.list('grants', { status: 'active' }).every((g) => g.effectiveAt !== null), 60_000, ctx, 'every grant verified effective');
    const grants = r.store.list('grants', { status: 'active' });
    const toProvisioned = grants.filter((g) => g.provisionedAt).map((g) => Date.parse(g.provisionedAt as string) - Date.parse(g.approvedAt));
    const toEffective = grants.filter((g) => g.timeToEffectiveMs !== null).map((g) => g.timeToEffectiveMs as number);
    ctx.report('approve_to_provisioned_p50', percentile(toProvisioned, 50), 'ms', null, 'lower');
    ctx.report('approve_to_provisioned_p99', percentile(toProvisioned, 99), 'ms', 1000, 'lower');
    ctx.report('time_to_effective_p50', percentile(toEffective, 50), 'ms', null, 'lower');
  } finally {
    await teardown(r);
  }
}

export async function throttled(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 1500 : 4000;
  const measureMs = ctx.quick ? 45_000 : 150_000;
  const warmupMs = 15_000;
  const r = await rig(true);
  try {
    seedPeople(r, n, 'thr', true);
    const now = Date.now();
    r.store.tx(() => {
      for (let i = 0; i < n; i++) r.store.put('grants', grantDoc(`g-thr-${i}`, `thr-${i}`, `res-${i % GROUPS}`, 'active', now - 60_000, now - 1000));
    });
    const budget = r.graph.getBudgets();
    const budgetPerSecond = budget.appWritesPer150s / 150;
    ctx.log(`${n} expired grants against a budget of ${budget.appWritesPer150s} writes / 150 s (${budgetPerSecond.toFixed(1)}/s)`);
    const started = Date.now();
    r.scheduler = startScheduler({ store: r.store, registry: r.registry, onError: (e) => ctx.log(`scheduler: ${String(e)}`) });
    const done = () => r.store.count('grants', { status: ['revoked', 'verified'] });
    await sleep(warmupMs);
    const atWarmup = done();
    const warmupEnd = Date.now();
    await waitUntil(() => done() === n || Date.now() - started > measureMs, measureMs + 5000, ctx, 'the measuring window');
    const end = Date.now();
    const steady = (done() - atWarmup) / ((end - warmupEnd) / 1000);
    const overall = done() / ((end - started) / 1000);
    ctx.report('throttled_steady_revocations_per_s', steady, '/s', null, 'higher');
    ctx.report('throttled_fraction_of_write_budget', steady / budgetPerSecond, 'ratio', 0.9, 'higher');
    ctx.report('throttled_overall_fraction_of_write_budget', overall / budgetPerSecond, 'ratio', null, 'higher');
    ctx.report('throttled_429s', r.graph.counters.throttled, 'responses', null, 'lower');
    ctx.log(`${done()} of ${n} revoked in ${((end - started) / 1000).toFixed(0)} s`);
  } finally {
    await teardown(r);
  }
}

const suite: BenchSuite = {
  name: 'revocation',
  async run(ctx) {
    await lateness(ctx);
    await provisioning(ctx);
    await throttled(ctx);
  },
};

export default suite;
