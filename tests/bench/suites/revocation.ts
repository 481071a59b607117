/**
 * Revocation benchmark: the real scheduler on a SQLite file, the real Entra connector, the
 * Graph stand-in on loopback (HTTPS). Wall-clock time throughout.
 *
 * - lateness: N grants expiring spread over one minute, no throttling (stand-in budgets off and the
 *   connector's pacing lifted: 10,000 a minute is 8x Graph's write budget): revokedAt - expiresAt.
 * - provisioning: grants created as an approval would (status provisioning) at a steady rate:
 *   approved -> provisioned (p50, p99), and approved -> verified effective (p50).
 * - throttled: the stand-in enforces Graph's real write rates (3,000 / 150 s per app, 18,000 / 5 min
 *   per tenant; windows shortened, see SCALED_BUDGETS) and 3,500 resource units / 10 s, with 429s
 *   with and without Retry-After; a backlog of 3,000 expired grants: steady throughput as a fraction
 *   of the write budget, write attempts per revocation, escalations, and the last revocation's time
 *   against the floor N / rate.
 * - three apps: the same with three app registrations on one connector: throughput as a fraction
 *   of the tenant-wide budget (what the three share), and the last revocation against its floor.
 * - stray 429s: one app, then three, each configured with the directory's budget, with 1 % of
 *   member removals answered 429 at random on top: throughput as a fraction of the budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Grant } from '../../../core/index.js';
import type { EntraConnectorConfigInput } from '../../../sync-server/connectors/config.js';
import { ConnectorRegistry } from '../../../sync-server/connectors/registry.js';
import { startScheduler, type Scheduler } from '../../../sync-server/scheduler/index.js';
import { openStore, type Store } from '../../../sync-server/store/index.js';
import { standinEntraConnector } from '../../integration/helpers/entra.js';
import { startGraphStandin, type GraphStandin, type ThrottleBudgets } from '../../standins/graph/index.js';
import type { BenchContext, BenchSuite } from '../types.js';

const GROUPS = 20;

type Rig = { graph: GraphStandin; store: Store; registry: ConnectorRegistry; scheduler: Scheduler | undefined; dir: string; groups: string[] };

/**
 * false: no throttling (stand-in budgets off, the connector's pacing lifted). Budgets: the
 * stand-in enforces them; the connector keeps its default (Graph's documented) budget, plus
 * whatever `extra` returns (it may register more apps on the stand-in first).
 */
async function rig(throttling: false | Partial<ThrottleBudgets>, extra?: (graph: GraphStandin) => Partial<EntraConnectorConfigInput>): Promise<Rig> {
  const graph = await startGraphStandin({ seed: 99, throttling: throttling !== false });
  if (throttling) graph.setBudgets(throttling);
  const dir = mkdtempSync(join(tmpdir(), 'bench-revocation-'));
  const store = openStore({ dataDir: dir });
  const registry = new ConnectorRegistry();
  registry.register(
    standinEntraConnector(graph, {
      id: 'entra-bench',
      verifyReadIntervalMs: 500,
      // Unthrottled runs measure the scheduler itself: the connector's own pacing is lifted too.
      ...(throttling ? {} : { writeBudget: { writes: 1_000_000, perSeconds: 1 }, resourceUnitBudget: { units: 1_000_000, perSeconds: 1 } }),
      ...(extra?.(graph) ?? {}),
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

/**
 * Graph's write budgets at their real rates (3,000 per 150 s per app, 18,000 per 5 min per tenant)
 * with windows 30 times shorter: the same writes per second, but the directory's bucket holds a
 * window's worth (100 writes), so a backlog meets the budget within seconds instead of after a
 * free burst of 3,000, and a full run takes minutes. Resource units keep Graph's 3,500 per 10 s.
 */
const WINDOW_SCALE = 30;
const SCALED_BUDGETS = {
  appWritesPer150s: 3000 / WINDOW_SCALE,
  appWriteWindowSeconds: 150 / WINDOW_SCALE,
  tenantWritesPer5min: 18_000 / WINDOW_SCALE,
  tenantWriteWindowSeconds: 300 / WINDOW_SCALE,
  resourceUnitsPer10s: 3500,
};
const APP_WRITES_PER_S = 3000 / 150;
const TENANT_WRITES_PER_S = 18_000 / 300;

type BacklogRun = {
  n: number;
  /** Seconds from the scheduler's start to the last revocation. */
  lastS: number;
  /** Removals the directory accepted per second between the warm-up and the last one. */
  steadyPerS: number;
  overallPerS: number;
  deletes: number;
  budget429s: number;
  /** 429s injected at random, not from the budget. */
  stray429s: number;
  escalations: number;
  byApp: Map<string, number>;
};

/**
 * A backlog of n expired grants against the scaled real budget. The directory allows half of what
 * each app registration was configured for (as when other apps share the tenant's budget), so the
 * pacer meets the budget's 429s and must find the real rate from them; half of those 429s carry
 * no Retry-After. With `configuredAsDirectory` each app is configured with exactly the directory's
 * budget instead; `stray429Rate` answers that share of member removals 429 at random.
 */
async function backlog(ctx: BenchContext, n: number, apps: number, label: string, opts: { stray429Rate?: number; configuredAsDirectory?: boolean } = {}): Promise<BacklogRun> {
  const r = await rig(SCALED_BUDGETS, (graph) => {
    const extra = [];
    for (let a = 1; a < apps; a++) {
      const clientId = `bench-app-${a}`;
      graph.addApp({ clientId, clientSecret: `${clientId}-secret`, permissions: ['GroupMember.ReadWrite.All', 'Group.Read.All', 'User.Read.All', 'Directory.Read.All'] });
      extra.push({ clientId, clientSecret: `${clientId}-secret` });
    }
    const writeBudget = { writes: (opts.configuredAsDirectory ? 1 : 2) * 3000, perSeconds: 150 };
    return { writeBudget, ...(extra.length ? { additionalApps: extra.map((app) => ({ ...app, writeBudget })) } : {}) };
  });
  try {
    r.graph.setRetryAfterMissingProbability(0.5);
    // 429s that have nothing to do with the budget (Graph sends them too), on member removals only.
    if (opts.stray429Rate) r.graph.injectFaults({ rate: opts.stray429Rate, kinds: ['429'], seed: 5, paths: ['/members/'] });
    seedPeople(r, n, label, true);
    const now = Date.now();
    r.store.tx(() => {
      for (let i = 0; i < n; i++) r.store.put('grants', grantDoc(`g-${label}-${i}`, `${label}-${i}`, `res-${i % GROUPS}`, 'active', now - 60_000, now - 1000));
    });
    const started = Date.now();
    r.scheduler = startScheduler({ store: r.store, registry: r.registry, onError: (e) => ctx.log(`scheduler: ${String(e)}`) });
    const done = () => r.store.count('grants', { status: ['revoked', 'verified', 'revoke_failed'] });
    const rate = apps === 1 ? APP_WRITES_PER_S : Math.min(apps * APP_WRITES_PER_S, TENANT_WRITES_PER_S);
    await waitUntil(() => done() === n, (n / rate) * 3 * 1000 + 60_000, ctx, `${n} revocations`);
    const revokedAt = r.store
      .list('grants', { status: ['revoked', 'verified'] })
      .map((g) => Date.parse(g.revokedAt ?? ''))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const last = revokedAt.at(-1) ?? Number.NaN;
    const deletes = r.graph.writeLog.filter((w) => w.method === 'DELETE');
    // Steady throughput as the directory saw it (removals it accepted, by its clock), past the
    // warm-up in which its bucket's initial content is spent.
    const acceptedAt = deletes.filter((w) => w.status === 204).map((w) => Date.parse(w.at));
    const lastAccepted = Math.max(...acceptedAt);
    const warmEnd = started + Math.min(15_000, (lastAccepted - started) / 4);
    const afterWarm = acceptedAt.filter((t) => t > warmEnd).length;
    const byApp = new Map<string, number>();
    for (const w of deletes) if (w.status === 204) byApp.set(w.clientId, (byApp.get(w.clientId) ?? 0) + 1);
    // Grants escalated to a person, each counted once: a failed state, a task, or the audit event.
    const escalated = new Set<string>(r.store.list('grants', { status: 'revoke_failed' }).map((g) => g.id));
    for (const t of r.store.list('tasks', {})) if (t.kind === 'revocation_escalation') escalated.add(t.grantId ?? t.id);
    for (const e of r.store.auditEvents()) if (e.type === 'grant.revoke_escalated') escalated.add(e.subjectId);
    return {
      n,
      lastS: (last - started) / 1000,
      steadyPerS: afterWarm / ((lastAccepted - warmEnd) / 1000),
      overallPerS: revokedAt.length / ((last - started) / 1000),
      deletes: deletes.length,
      budget429s: r.graph.counters.throttled,
      stray429s: deletes.filter((w) => w.fault === '429').length,
      escalations: escalated.size,
      byApp,
    };
  } finally {
    await teardown(r);
  }
}

export async function throttled(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 600 : 3000;
  const floorS = n / APP_WRITES_PER_S;
  ctx.log(`${n} expired grants, one app registration, ${APP_WRITES_PER_S} writes/s (Graph's rate, windows / ${WINDOW_SCALE}): floor ${floorS} s`);
  const run = await backlog(ctx, n, 1, 'thr');
  ctx.report('throttled_steady_revocations_per_s', run.steadyPerS, '/s', null, 'higher');
  ctx.report('throttled_fraction_of_write_budget', run.steadyPerS / APP_WRITES_PER_S, 'ratio', 0.95, 'higher');
  ctx.report('throttled_overall_fraction_of_write_budget', run.overallPerS / APP_WRITES_PER_S, 'ratio', null, 'higher');
  ctx.report('throttled_429s', run.budget429s, 'responses', null, 'lower');
  ctx.report('attempts_per_write', run.deletes / n, 'attempts', 1.1, 'lower');
  ctx.report('escalations_under_throttle', run.escalations, 'grants', 0, 'lower');
  ctx.report('throttled_last_revocation_s', run.lastS, 's', floorS * 1.1, 'lower');
  ctx.log(`last revocation at ${run.lastS.toFixed(1)} s = ${(run.lastS / floorS).toFixed(3)} x floor; ${run.deletes} DELETEs for ${n}`);
}

/**
 * The backlog with 1 % of member removals answered 429 at random, on top of the budget, the app
 * configured with the directory's own budget: the budget itself sends no 429 (the pacer stays just
 * under it), so any lost throughput is what the stray 429s cost. The pacer's ceiling is 0.95 of
 * the budget (its burst is kept out of the rate).
 */
export async function stray429s(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 600 : 3000;
  const floorS = n / APP_WRITES_PER_S;
  ctx.log(`${n} expired grants, one app registration, ${APP_WRITES_PER_S} writes/s, 1 % of removals answered 429 at random: floor ${floorS} s`);
  const run = await backlog(ctx, n, 1, 'stray', { stray429Rate: 0.01, configuredAsDirectory: true });
  ctx.report('stray_429s_fraction_of_write_budget', run.steadyPerS / APP_WRITES_PER_S, 'ratio', 0.9, 'higher');
  ctx.report('stray_429s_budget_429s', run.budget429s, 'responses', null, 'lower');
  ctx.report('stray_429s_attempts_per_write', run.deletes / n, 'attempts', 1.1, 'lower');
  ctx.report('stray_429s_escalations', run.escalations, 'grants', 0, 'lower');
  // At 0.9 of the budget from the start, the last one lands at floor / 0.9.
  ctx.report('stray_429s_last_revocation_s', run.lastS, 's', floorS / 0.9, 'lower');
  ctx.log(`last revocation at ${run.lastS.toFixed(1)} s = ${(run.lastS / floorS).toFixed(3)} x floor; ${run.deletes} DELETEs for ${n}, ${run.stray429s} of them answered a random 429`);
}

/** Three app registrations, each configured with its directory budget, and 1 % random 429s on removals. */
export async function threeAppsStray429s(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 1200 : 3000;
  ctx.log(`${n} expired grants, three app registrations sharing the tenant's ${TENANT_WRITES_PER_S} writes/s, 1 % of removals answered 429 at random`);
  const run = await backlog(ctx, n, 3, 'strayapps', { stray429Rate: 0.01, configuredAsDirectory: true });
  ctx.report('three_apps_stray_429s_fraction_of_tenant_budget', run.steadyPerS / TENANT_WRITES_PER_S, 'ratio', 0.9, 'higher');
  ctx.report('three_apps_stray_429s_attempts_per_write', run.deletes / n, 'attempts', 1.1, 'lower');
  ctx.report('three_apps_stray_429s_escalations', run.escalations, 'grants', 0, 'lower');
  ctx.log(`${run.budget429s} budget 429s, ${run.stray429s} random ones; accepted removals by app ${JSON.stringify(Object.fromEntries(run.byApp))}`);
}

export async function threeApps(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 1200 : 3000;
  const floorS = n / TENANT_WRITES_PER_S;
  ctx.log(`${n} expired grants, three app registrations sharing the tenant's ${TENANT_WRITES_PER_S} writes/s: floor ${floorS} s`);
  const run = await backlog(ctx, n, 3, 'apps');
  ctx.report('three_apps_revocations_per_s', run.steadyPerS, '/s', null, 'higher');
  ctx.report('three_apps_fraction_of_tenant_budget', run.steadyPerS / TENANT_WRITES_PER_S, 'ratio', 0.9, 'higher');
  ctx.report('three_apps_attempts_per_write', run.deletes / n, 'attempts', 1.1, 'lower');
  ctx.report('three_apps_escalations', run.escalations, 'grants', 0, 'lower');
  ctx.report('three_apps_last_revocation_s', run.lastS, 's', floorS * 1.1, 'lower');
  ctx.log(`last revocation at ${run.lastS.toFixed(1)} s = ${(run.lastS / floorS).toFixed(3)} x floor; accepted removals by app ${JSON.stringify(Object.fromEntries(run.byApp))}`);
}

const suite: BenchSuite = {
  name: 'revocation',
  async run(ctx) {
    await lateness(ctx);
    await provisioning(ctx);
    await throttled(ctx);
    await stray429s(ctx);
    await threeApps(ctx);
    await threeAppsStray429s(ctx);
  },
};

export default suite;
