/**
 * Access reviews, server side: a real SQLite file, the real scheduler and Entra connector, the
 * Graph stand-in on loopback. Wall-clock time.
 * - open: a campaign whose scope holds N live JIT grants (50,000; --quick 5,000) opened in one
 *   transaction: snapshot, reviewers, recommendations, written (seconds).
 * - removals: a closed run whose M items were decided remove (5,000; --quick 400), applied through
 *   the revocation path against the stand-in enforcing Graph's write budget (the windows shortened
 *   as in the revocation suite): removals the directory accepted per second after the warm-up, as a
 *   fraction of the per-app write budget (3,000 per 150 s), until the run is closed and verified.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReviewCampaign, type Grant, type ReviewItem } from '../../../core/index.js';
import { ConnectorRegistry } from '../../../sync-server/connectors/registry.js';
import { closeRun } from '../../../sync-server/reviews/close.js';
import { getCampaign, putItem, runItems } from '../../../sync-server/reviews/docs.js';
import { openRun } from '../../../sync-server/reviews/open.js';
import { startScheduler } from '../../../sync-server/scheduler/index.js';
import { openStore, type Store } from '../../../sync-server/store/index.js';
import { standinEntraConnector } from '../../integration/helpers/entra.js';
import { startGraphStandin } from '../../standins/graph/index.js';
import type { BenchContext, BenchSuite } from '../types.js';

const GROUPS = 50;
const APP_WRITES_PER_S = 3000 / 150;
const WINDOW_SCALE = 30;
const SCALED_BUDGETS = { appWritesPer150s: 3000 / WINDOW_SCALE, appWriteWindowSeconds: 150 / WINDOW_SCALE, tenantWritesPer5min: 18_000 / WINDOW_SCALE, tenantWriteWindowSeconds: 300 / WINDOW_SCALE, resourceUnitsPer10s: 3500 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function grant(id: string, userId: string, resourceId: string, now: number): Grant {
  const at = new Date(now - 60_000).toISOString();
  return { id, requestId: `req-${id}`, userId, resourceId, connector: 'entra', status: 'active', approvedAt: at, startsAt: at, expiresAt: new Date(now + 30 * 86_400_000).toISOString(), provisionedAt: at, effectiveAt: at, revokeRequestedAt: null, revokedAt: null, verifiedAt: null, endedBy: null, endedReason: '', extensions: 0, maxExtensions: 0, maxDurationMinutes: 60 * 24 * 60, latenessMs: null, timeToEffectiveMs: null, attempts: 0, lastError: '', verification: 'effective', updatedAt: at, revision: 1 };
}

function campaignDoc(now: Date): ReviewCampaign {
  const at = now.toISOString();
  return ReviewCampaign.parse({
    id: 'rc-bench', campaignId: 'rc-bench', kind: 'campaign', name: 'Bench review', ownerId: 'u-owner',
    scope: { type: 'resources', resourceIds: Array.from({ length: GROUPS }, (_, g) => `res-${g}`) },
    reviewed: { standingMembers: false, jitGrants: true, eligibility: false },
    stages: [{ name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'person', userId: 'u-owner' } }],
    schedule: { type: 'once' }, durationDays: 14, status: 'scheduled',
    counts: { items: 0, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 }, createdAt: at, updatedAt: at, revision: 0,
  });
}

/** People, resources and one live grant each; Graph members too when `graph` is given. */
function seed(store: Store, n: number, addMember?: (group: number, i: number) => string): void {
  const at = new Date().toISOString();
  const now = Date.now();
  store.tx(() => {
    store.put('users', { id: 'u-owner', username: 'owner', displayName: 'Owner', roles: ['reviewer'], updatedAt: at });
    store.createAccount({ id: 'u-owner', username: 'owner', passwordHash: 'unused', roles: ['reviewer', 'approver'], createdAt: at, disabledAt: null });
  });
  for (let start = 0; start < n; start += 2000) {
    store.tx(() => {
      for (let i = start; i < Math.min(n, start + 2000); i++) {
        const entra = addMember ? addMember(i % GROUPS, i) : `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
        store.put('users', { id: `u-${i}`, username: `u-${i}`, displayName: `Person ${i}`, externalIds: { entra }, updatedAt: at });
        store.put('grants', grant(`g-${i}`, `u-${i}`, `res-${i % GROUPS}`, now));
      }
    });
  }
}

function resources(store: Store, groupIds: (g: number) => string): void {
  const at = new Date().toISOString();
  store.tx(() => {
    for (let g = 0; g < GROUPS; g++) store.put('resources', { id: `res-${g}`, name: `Bench group ${g}`, kind: 'entra_group', connector: 'entra', connectorId: 'entra-bench', target: { externalId: groupIds(g) }, ownerId: 'u-owner', sensitivity: 'high', policyIds: ['p-bench'], updatedAt: at });
  });
}

const noAudit = () => undefined;

async function openFigure(ctx: BenchContext): Promise<void> {
  const n = ctx.quick ? 5000 : 50_000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-reviews-'));
  const store = openStore({ dataDir: dir });
  try {
    resources(store, (g) => `00000000-0000-4000-9000-${String(g).padStart(12, '0')}`);
    seed(store, n);
    store.tx(() => store.put('reviews', campaignDoc(new Date()) as never));
    const started = performance.now();
    const opened = store.tx(() => openRun(store, getCampaign(store, 'rc-bench')!, new Date(), noAudit));
    const seconds = (performance.now() - started) / 1000;
    ctx.log(`opened ${opened.counts.items} items`);
    ctx.report(ctx.quick ? 'open_5k_items_s' : 'open_50k_items_s', seconds, 's', ctx.quick ? 0.5 : 5, 'lower');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function removalsFigure(ctx: BenchContext): Promise<void> {
  const m = ctx.quick ? 400 : 5000;
  const graph = await startGraphStandin({ seed: 14, throttling: true });
  graph.setBudgets(SCALED_BUDGETS);
  const dir = mkdtempSync(join(tmpdir(), 'bench-reviews-apply-'));
  const store = openStore({ dataDir: dir });
  const registry = new ConnectorRegistry();
  registry.register(standinEntraConnector(graph, { id: 'entra-bench', verifyReadIntervalMs: 500, writeBudget: { writes: 3000, perSeconds: 150 } }));
  const groups = Array.from({ length: GROUPS }, (_, g) => graph.addGroup({ displayName: `Bench group ${g}` }).id);
  let scheduler: ReturnType<typeof startScheduler> | undefined;
  try {
    resources(store, (g) => groups[g]!);
    seed(store, m, (g, i) => {
      const user = graph.addUser({ displayName: `Person ${i}` });
      graph.addMember(groups[g]!, user.id);
      return user.id;
    });
    const now = new Date();
    store.tx(() => {
      store.put('reviews', campaignDoc(now) as never);
      const open = openRun(store, getCampaign(store, 'rc-bench')!, now, noAudit);
      const at = now.toISOString();
      for (const item of runItems(store, open.id, open.run)) putItem(store, { ...item, decision: 'remove', decisionSource: 'reviewer', reason: 'bench', decidedBy: 'u-owner', decidedAt: at } satisfies ReviewItem);
    });
    const started = Date.now();
    store.tx(() => closeRun(store, getCampaign(store, 'rc-bench')!, new Date(), 'u-owner', noAudit));
    scheduler = startScheduler({ store, registry, onError: (e) => ctx.log(`scheduler: ${String(e)}`) });
    const deadline = started + (m / APP_WRITES_PER_S) * 3000 + 60_000;
    while (getCampaign(store, 'rc-bench')!.status !== 'closed' && Date.now() < deadline) await sleep(500);
    const accepted = graph.writeLog.filter((w) => w.method === 'DELETE' && w.status === 204).map((w) => Date.parse(w.at));
    const last = Math.max(...accepted);
    const warmEnd = started + Math.min(15_000, (last - started) / 4);
    const steady = accepted.filter((t) => t > warmEnd).length / ((last - warmEnd) / 1000);
    const counts = getCampaign(store, 'rc-bench')!.counts;
    ctx.log(`${counts.verified} of ${m} removals verified; status ${getCampaign(store, 'rc-bench')!.status}; ${graph.counters.throttled} 429s`);
    ctx.report('removals_fraction_of_write_budget', steady / APP_WRITES_PER_S, 'ratio', 0.9, 'higher');
    ctx.report('removals_verified', counts.verified, 'items', m, 'higher');
  } finally {
    await scheduler?.stop();
    registry.close();
    store.close();
    await graph.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const suite: BenchSuite = {
  name: 'reviews',
  async run(ctx) {
    await openFigure(ctx);
    await removalsFigure(ctx);
  },
};
export default suite;
