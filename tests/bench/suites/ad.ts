/**
 * Active Directory benchmark against a real Samba DC (tests/standins/samba), wall-clock time.
 *
 * The DC keeps Samba's fsync per transaction, as a production DC does (AD_BENCH_NOSYNC=1 turns it
 * off, as the tests do: then the DC is no longer the bottleneck and the scheduler's own bookkeeping
 * per grant, about a millisecond in SQLite, is what the ratio shows).
 *
 * - raw floor: N member deletes (N users spread over 20 groups) sent by a bare ldapts loop on one
 *   connection, one modify each: what LDAP itself costs here.
 * - revocations: the same N memberships as N grants all due at once, revoked by the real scheduler
 *   through the AD connector (its defaults: pool, write budget, batching per group): revocations/s
 *   from the first due time to the last revocation, its ratio to the raw floor (above 1 when several
 *   removals from one group go in one modify), and lateness.
 * - listing: listAssignments of the 5,000-member group (ranged reads of `member`).
 *
 * Skipped, saying why, where no Samba DC can run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import type { Grant } from '../../../core/index.js';
import { AdConnector } from '../../../sync-server/connectors/ad/index.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../../sync-server/connectors/config.js';
import { ConnectorRegistry } from '../../../sync-server/connectors/registry.js';
import { startScheduler } from '../../../sync-server/scheduler/index.js';
import { openStore } from '../../../sync-server/store/index.js';
import { adConfig, adminClient, createGroup } from '../../integration/helpers/samba.js';
import { sambaMissing, startSambaDc, type SambaDc } from '../../standins/samba/dc.js';
import { BULK_GROUP_DN, bulkUserDn } from '../../standins/samba/fixture.js';
import type { BenchContext, BenchSuite } from '../types.js';

const GROUPS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const member = (op: 'add' | 'delete', values: string[]) => new Change({ operation: op, modification: new Attribute({ type: 'member', values }) });

/** Puts user i into group i % GROUPS, 100 values per modify. */
async function fill(admin: Client, groups: string[], n: number): Promise<void> {
  for (let g = 0; g < groups.length; g++) {
    const users: string[] = [];
    for (let i = g; i < n; i += groups.length) users.push(bulkUserDn(i));
    for (let k = 0; k < users.length; k += 100) await admin.modify(groups[g] as string, member('add', users.slice(k, k + 100)));
  }
}

function grantDoc(i: number, resourceId: string, expiresAt: number): Grant {
  const at = new Date(expiresAt - 3_600_000).toISOString();
  return {
    id: `g-ad-${i}`, requestId: `req-ad-${i}`, userId: `ad-${i}`, resourceId, connector: 'ad', status: 'active', approvedAt: at, startsAt: at,
    expiresAt: new Date(expiresAt).toISOString(), provisionedAt: at, effectiveAt: null, revokeRequestedAt: null, revokedAt: null, verifiedAt: null,
    endedBy: null, endedReason: '', extensions: 0, maxExtensions: 0, maxDurationMinutes: 600, latenessMs: null, timeToEffectiveMs: null, attempts: 0,
    lastError: '', verification: 'none', updatedAt: at, revision: 1,
  };
}

async function run(ctx: BenchContext): Promise<void> {
  const missing = sambaMissing();
  if (missing) {
    ctx.log(`ad suite skipped: ${missing}`);
    return;
  }
  const n = ctx.quick ? 300 : 1000;
  const dc: SambaDc = await startSambaDc({ durable: process.env.AD_BENCH_NOSYNC !== '1' });
  const admin = await adminClient(dc);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ad-'));
  try {
    const groups: string[] = [];
    for (let g = 0; g < GROUPS; g++) groups.push((await createGroup(admin, `Bench-${g}`, `bench.g${g}`)).dn);

    // The raw floor: a bare ldapts loop, one modify per member, on one bound connection.
    await fill(admin, groups, n);
    const raw = await adminClient(dc);
    const rawStart = performance.now();
    for (let i = 0; i < n; i++) await raw.modify(groups[i % GROUPS] as string, member('delete', [bulkUserDn(i)]));
    const rawSeconds = (performance.now() - rawStart) / 1000;
    await raw.unbind();
    const rawRate = n / rawSeconds;
    ctx.report('raw_deletes_per_s', rawRate, '/s', null, 'higher');

    // The same memberships as grants all due now, revoked by the scheduler through the connector.
    await fill(admin, groups, n);
    const store = openStore({ dataDir: dir });
    const connector = new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-bench', verifyReadIntervalMs: 200, maxAttempts: 3 })) as AdConnectorConfig, { warn: () => undefined });
    const registry = new ConnectorRegistry();
    registry.register(connector);
    const at = new Date().toISOString();
    const dueAt = Date.now() + 2000;
    store.tx(() => {
      groups.forEach((dn, g) => store.put('resources', { id: `res-ad-${g}`, name: `Bench ${g}`, kind: 'ad_group', connector: 'ad', connectorId: 'ad-bench', target: { externalId: dn }, ownerId: 'owner-bench', sensitivity: 'medium', policyIds: ['p-bench'], updatedAt: at }));
      for (let i = 0; i < n; i++) {
        store.put('users', { id: `ad-${i}`, username: `ad-${i}`, displayName: `AD ${i}`, externalIds: { ad: bulkUserDn(i) }, updatedAt: at });
        store.put('grants', grantDoc(i, `res-ad-${i % GROUPS}`, dueAt));
      }
    });
    const scheduler = startScheduler({ store, registry, onError: (e) => ctx.log(`scheduler: ${String(e)}`) });
    try {
      const deadline = Date.now() + 300_000;
      while (store.count('grants', { status: ['active', 'revoking'] }) > 0 && Date.now() < deadline) await sleep(50);
      const revoked = store.list('grants', { status: ['revoked', 'verified'] });
      const last = Math.max(...revoked.map((g) => Date.parse(g.revokedAt ?? '')));
      const rate = revoked.length / Math.max(0.001, (last - dueAt) / 1000);
      ctx.report('revoked', revoked.length, 'grants', n, 'higher');
      ctx.report('revocations_per_s', rate, '/s', null, 'higher');
      ctx.report('throughput_ratio_to_raw', rate / rawRate, 'x', 0.8, 'higher');
      const lateness = revoked.map((g) => g.latenessMs ?? Number.NaN);
      ctx.report('lateness_p50_ms', percentile(lateness, 50), 'ms', null, 'lower');
      ctx.report('lateness_p99_ms', percentile(lateness, 99), 'ms', null, 'lower');
      const remaining = (await Promise.all(groups.map(async (dn) => (await admin.search(dn, { scope: 'base', attributes: ['member'] })).searchEntries[0]?.member))).flat().filter(Boolean);
      ctx.report('members_left', remaining.length, 'members', 0, 'lower');
      while (store.count('grants', { status: 'verified' }) < n && Date.now() < deadline) await sleep(100);
      ctx.report('verified', store.count('grants', { status: 'verified' }), 'grants', n, 'higher');
    } finally {
      await scheduler.stop();
    }

    const listStart = performance.now();
    const listed = await connector.listAssignments({ id: 'res-bulk', kind: 'ad_group', connector: 'ad', connectorId: 'ad-bench', target: { externalId: BULK_GROUP_DN }, name: 'Bulk' });
    ctx.report('list_5000_ms', performance.now() - listStart, 'ms', null, 'lower');
    ctx.report('list_5000_members', listed.length, 'members', 5000, 'higher');
    registry.close();
    store.close();
  } finally {
    await admin.unbind().catch(() => undefined);
    await dc.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const suite: BenchSuite = { name: 'ad', run };
export default suite;
