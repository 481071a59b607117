/**
 * The revocation scheduler with the AD connector against a real Samba DC: receipts, drift after an
 * out-of-band re-add, and a DC that stops in the middle of a run of revocations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ldapts';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { AssignmentRef, ConnectorOutcome, Grant } from '../../core/index.js';
import { AdConnector } from '../../sync-server/connectors/ad/index.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../sync-server/connectors/config.js';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import { startScheduler, type Scheduler } from '../../sync-server/scheduler/index.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { addMember, adConfig, adminClient, createGroup, createUser, DC_START_TIMEOUT_MS, describeAd, membersOf, startDc, type SambaDc } from './helpers/samba.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let dc: SambaDc;
let admin: Client;
let dir: string;
let store: Store;
let registry: ConnectorRegistry;
let scheduler: Scheduler | undefined;
let clock: number;
let connector: AdConnector;

const iso = (ms: number) => new Date(ms).toISOString();
const grant = (id: string) => store.get('grants', id) as Grant;
const events = (grantId: string, type: string) => [...store.auditEvents()].filter((e) => e.subjectId === grantId && e.type === type);

function seed(resourceId: string, groupDn: string, grants: { id: string; userDn: string; status: Grant['status']; expiresInMs: number }[]): void {
  store.put('resources', { id: resourceId, name: `AD ${resourceId}`, kind: 'ad_group', connector: 'ad', connectorId: 'ad-sched', target: { externalId: groupDn }, ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], updatedAt: iso(clock) });
  for (const g of grants) {
    store.put('users', { id: `u-${g.id}`, username: `u-${g.id}`, displayName: `User ${g.id}`, externalIds: { ad: g.userDn }, updatedAt: iso(clock) });
    store.put('grants', {
      id: g.id, requestId: `req-${g.id}`, userId: `u-${g.id}`, resourceId, connector: 'ad', status: g.status, approvedAt: iso(clock), startsAt: iso(clock),
      expiresAt: iso(clock + g.expiresInMs), provisionedAt: g.status === 'active' ? iso(clock) : null, maxDurationMinutes: 600, updatedAt: iso(clock), revision: 1,
    });
  }
}

describeAd('revocation scheduler with the AD connector', () => {
  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    await admin?.unbind();
    await dc?.destroy();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ad-scheduler-'));
    store = openStore({ dataDir: dir });
    clock = Date.now();
    connector = new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-sched' })) as AdConnectorConfig, { sleep: async () => undefined, now: () => clock, warn: () => undefined });
    registry = new ConnectorRegistry();
    registry.register(connector);
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    registry.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = () => (scheduler = startScheduler({ store, registry, now: () => new Date(clock), intervalMs: 0, random: () => 0.5, batchSize: 5, writeConcurrency: 1 }));

  it('provisions, revokes at expiry, verifies gone with an AD receipt, and catches a re-add through a nested group', async () => {
    const user = await createUser(admin, 'sched-sam');
    const group = await createGroup(admin, 'Sched-Server-Admins');
    seed('res-srv', group.dn, [{ id: 'g-sam', userDn: user.dn, status: 'provisioning', expiresInMs: 30 * MINUTE }]);
    const s = start();
    clock += 100;
    await s.runOnce();
    expect(grant('g-sam')).toMatchObject({ status: 'active', verification: 'effective' });
    expect(await membersOf(admin, group.dn)).toEqual([user.dn]);
    // Samba has no PAM feature, so the membership carries no TTL: the removal at expiry is the scheduler's, booked now.
    expect(connector.ttlSupport()).toMatchObject({ enabled: false });
    expect(store.db.prepare('SELECT state, due_at AS dueAt FROM scheduler_jobs WHERE id = ?').get('revoke:g-sam')).toEqual({ state: 'queued', dueAt: Date.parse(grant('g-sam').expiresAt) });

    clock += 30 * MINUTE;
    await s.runOnce();
    expect(grant('g-sam')).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(await membersOf(admin, group.dn)).toEqual([]);
    const receipt = store.list('verifications', { where: { grantId: 'g-sam' } }).find((v) => v.purpose === 'revocation');
    expect(receipt).toMatchObject({ result: 'gone', connector: 'ad', transitiveChecked: true, consistentReads: 3 });
    expect(receipt?.endpoint).toContain(`LDAP ${dc.ldapsUrl} (DC dc1.jit.test)`);
    expect(receipt?.endpoint).toContain(`filter (member=${user.dn})`);
    expect(receipt?.caveat).toContain('Kerberos tickets issued before this read keep the group memberships');
    expect(receipt?.reads[0]?.detail).toContain(`is not a member of ${group.dn}`);

    // Someone puts the user back by hand, through a nested group.
    const side = await createGroup(admin, 'Side-Door');
    await addMember(admin, side.dn, user.dn);
    await addMember(admin, group.dn, side.dn);
    clock += HOUR;
    const check = await s.runOnce();
    expect(check.verifications.drift).toBe(1);
    expect(grant('g-sam')).toMatchObject({ status: 'verified', verification: 'drift' });
    expect(store.list('tasks', { where: { grantId: 'g-sam' } })).toEqual([expect.objectContaining({ kind: 'drift_alert', severity: 'critical', status: 'open' })]);
    const drift = store.list('verifications', { where: { grantId: 'g-sam' } }).find((v) => v.purpose === 'drift_check');
    expect(drift?.result).toBe('drift');
    expect(drift?.reads.at(-1)?.detail).toContain(`is a nested member through ${side.dn} of ${group.dn}`);
    expect(events('g-sam', 'grant.drift_detected')).toHaveLength(1);
  });

  it('a DC stopped in the middle of due revocations and started again: each one completes exactly once', async () => {
    const group = await createGroup(admin, 'Sched-Bulk');
    const users = [];
    for (let i = 0; i < 20; i++) users.push(await createUser(admin, `sched-bulk-${i}`));
    for (const u of users) await addMember(admin, group.dn, u.dn);
    seed('res-bulk', group.dn, users.map((u, i) => ({ id: `g-b${i}`, userDn: u.dn, status: 'active' as const, expiresInMs: -1_000 })));
    // After the first batch of five is written, the DC goes down while the next batch is on its way.
    let stopping: Promise<void> | undefined;
    const revokeMany = connector.revokeMany.bind(connector);
    connector.revokeMany = async (refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> => {
      if (stopping === undefined && refs.length > 0) {
        const outcomes = await revokeMany(refs);
        stopping = dc.stop();
        return outcomes;
      }
      return await revokeMany(refs);
    };
    const s = start();
    const first = await s.runOnce();
    await stopping;
    expect(first.writes.applied).toBeGreaterThanOrEqual(5);
    expect(first.writes.failed).toBeGreaterThan(0);
    const failed = users.map((_, i) => `g-b${i}`).filter((id) => events(id, 'grant.revoke_failed').length > 0);
    expect(failed.length).toBeGreaterThan(0);
    expect(events(failed[0] as string, 'grant.revoke_failed')[0]?.data).toMatchObject({ code: 'dc_unreachable', retryable: true });

    await dc.start();
    // The old admin connection died with the DC (ldapts would reconnect it unbound).
    await admin.unbind().catch(() => undefined);
    admin = await adminClient(dc);
    for (let round = 0; round < 6 && store.list('grants', { status: 'verified' }).length < users.length; round++) {
      clock += 10 * MINUTE;
      await s.runOnce();
    }
    expect(await membersOf(admin, group.dn)).toEqual([]);
    for (let i = 0; i < users.length; i++) {
      expect(grant(`g-b${i}`)).toMatchObject({ status: 'verified', verification: 'gone' });
      expect(events(`g-b${i}`, 'grant.revoked')).toHaveLength(1);
      expect(events(`g-b${i}`, 'grant.revocation_verified')).toHaveLength(1);
    }
  });
});
