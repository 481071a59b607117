import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain, type Grant, type Resource } from '../../core/index.js';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import type { EntraConnector } from '../../sync-server/connectors/entra/index.js';
import type { EntraConnectorConfigInput } from '../../sync-server/connectors/config.js';
import { ManualConnector } from '../../sync-server/connectors/manual.js';
import { startScheduler, type Scheduler, type SchedulerOptions } from '../../sync-server/scheduler/index.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraConnector } from './helpers/entra.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const OWNER = 'owner-1';

let graph: GraphStandin;
let dir: string;
let store: Store;
let registry: ConnectorRegistry;
let scheduler: Scheduler | undefined;
let clock: number;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 3 });
});
afterAll(async () => {
  await graph.close();
});

function entraConnector(overrides: Partial<EntraConnectorConfigInput> = {}): EntraConnector {
  return standinEntraConnector(
    graph,
    { id: 'entra-test', verifyReadIntervalMs: 5, maxAttempts: 2, maxRetryWaitMs: 0, ...overrides },
    // In-call waits are skipped; the scheduler's retries and the connector's pacing run on the injected clock.
    { sleep: async () => undefined, now: () => clock },
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scheduler-'));
  store = openStore({ dataDir: dir });
  clock = Date.now();
  registry = new ConnectorRegistry();
  registry.register(entraConnector());
  registry.register(new ManualConnector({ id: 'manual-apps', kind: 'manual' }));
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  registry.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  graph.reset();
});

function start(opts: Partial<SchedulerOptions> = {}): Scheduler {
  scheduler = startScheduler({ store, registry, now: () => new Date(clock), intervalMs: 0, random: () => 0.5, ...opts });
  return scheduler;
}

const iso = (ms: number) => new Date(ms).toISOString();

function seedUser(id: string, entraId?: string): void {
  store.put('users', { id, username: id, displayName: `User ${id}`, externalIds: entraId ? { entra: entraId } : {}, updatedAt: iso(clock) });
}

function seedResource(id: string, kind: Resource['kind'], target: Resource['target'], connectorId = 'entra-test'): void {
  store.put('resources', {
    id,
    name: `Resource ${id}`,
    kind,
    connector: kind.startsWith('entra') ? 'entra' : 'manual',
    connectorId,
    target,
    ownerId: OWNER,
    sensitivity: 'high',
    policyIds: ['p-1'],
    updatedAt: iso(clock),
  });
}

function seedGrant(id: string, userId: string, resourceId: string, opts: { status: Grant['status']; expiresInMs: number; connector?: Grant['connector'] }): Grant {
  return store.put('grants', {
    id,
    requestId: `req-${id}`,
    userId,
    resourceId,
    connector: opts.connector ?? 'entra',
    status: opts.status,
    approvedAt: iso(clock),
    startsAt: iso(clock),
    expiresAt: iso(clock + opts.expiresInMs),
    provisionedAt: opts.status === 'active' ? iso(clock) : null,
    maxDurationMinutes: 600,
    updatedAt: iso(clock),
    revision: 1,
  });
}

const grant = (id: string) => store.get('grants', id) as Grant;
const auditTypes = (subjectId: string) => [...store.auditEvents()].filter((e) => e.subjectId === subjectId).map((e) => e.type);

describe('revocation scheduler with the Entra connector', () => {
  it('provisions, verifies effective, revokes at expiry, verifies gone, with receipts and an audit trail', async () => {
    const user = graph.addUser({ displayName: 'Ada' });
    const group = graph.addGroup({ displayName: 'Finance admins' });
    seedUser('ada', user.id);
    seedResource('res-fin', 'entra_group', { externalId: group.id });
    seedGrant('g-1', 'ada', 'res-fin', { status: 'provisioning', expiresInMs: 30 * MINUTE });
    const s = start();

    clock += 200;
    const first = await s.runOnce();
    expect(first.writes.applied).toBe(1);
    expect(first.verifications.effective).toBe(1);
    expect(graph.state.isMember(group.id, user.id)).toBe(true);
    expect(grant('g-1')).toMatchObject({ status: 'active', verification: 'effective', timeToEffectiveMs: 200 });

    // Nothing happens before expiry.
    clock += 29 * MINUTE;
    expect((await s.runOnce()).writes.claimed).toBe(0);
    expect(graph.state.isMember(group.id, user.id)).toBe(true);

    clock += MINUTE + 1500;
    const due = await s.runOnce();
    expect(due.expired).toBe(1);
    expect(due.writes.applied).toBe(1);
    expect(due.verifications.gone).toBe(1);
    expect(graph.state.isMember(group.id, user.id)).toBe(false);
    expect(grant('g-1')).toMatchObject({ status: 'verified', verification: 'gone', latenessMs: 1700, endedBy: 'system', endedReason: 'expired' });

    const receipts = store.list('verifications', { where: { grantId: 'g-1' } });
    expect(receipts.map((r) => [r.purpose, r.result])).toEqual([['provision', 'effective'], ['revocation', 'gone']]);
    const gone = receipts[1]!;
    expect(gone.reads.length).toBeGreaterThanOrEqual(3);
    expect(gone.transitiveChecked).toBe(true);
    expect(gone.endpoint).toContain('transitiveMemberOf');

    expect(auditTypes('g-1')).toEqual([
      'grant.provision_started',
      'grant.provisioned',
      'grant.effective_verified',
      'grant.revoke_requested',
      'grant.revoke_started',
      'grant.revoked',
      'grant.revocation_verified',
    ]);
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
    // Drift re-checks are booked for +1 h and +24 h.
    expect(s.jobCounts().filter((c) => c.kind === 'drift_check')).toEqual([{ kind: 'drift_check', state: 'queued', n: 2 }]);
  });

  it('serves directory roles and PIM for groups the same way', async () => {
    const user = graph.addUser({ displayName: 'Grace' });
    const role = graph.addRoleDefinition({ displayName: 'Security Reader' });
    const group = graph.addGroup({ displayName: 'On-call' });
    seedUser('grace', user.id);
    seedResource('res-role', 'entra_role', { externalId: role.id, directoryScopeId: '/' });
    seedResource('res-pim', 'entra_pim_group', { externalId: group.id, accessId: 'owner' });
    seedGrant('g-role', 'grace', 'res-role', { status: 'provisioning', expiresInMs: 10 * MINUTE });
    seedGrant('g-pim', 'grace', 'res-pim', { status: 'provisioning', expiresInMs: 10 * MINUTE });
    const s = start();
    await s.runOnce();
    expect(grant('g-role').verification).toBe('effective');
    expect(grant('g-pim').verification).toBe('effective');
    const instance = graph.state.roleInstances().find((i) => i.principalId === user.id);
    expect(instance?.endDateTime && Date.parse(instance.endDateTime)).toBe(Date.parse(grant('g-role').expiresAt));
    expect(graph.state.owners(group.id)).toContain(user.id);

    clock += 10 * MINUTE;
    await s.runOnce();
    expect(grant('g-role').status).toBe('verified');
    expect(grant('g-pim').status).toBe('verified');
    expect(graph.state.roleInstances().filter((i) => i.principalId === user.id)).toEqual([]);
    expect(graph.state.groupInstances().filter((i) => i.principalId === user.id)).toEqual([]);
  });

  it('revokes now on request (no lateness measured) and only once', async () => {
    const user = graph.addUser({ displayName: 'Bob' });
    const group = graph.addGroup({ displayName: 'Ops' });
    graph.addMember(group.id, user.id);
    seedUser('bob', user.id);
    seedResource('res-ops', 'entra_group', { externalId: group.id });
    seedGrant('g-now', 'bob', 'res-ops', { status: 'active', expiresInMs: 8 * HOUR });
    const s = start();
    // As the grant.revoke command leaves it.
    store.put('grants', { ...grant('g-now'), status: 'revoking', revokeRequestedAt: iso(clock), endedBy: 'admin-1', endedReason: 'left the team', revision: 2 });
    await s.runOnce();
    await s.runOnce();
    expect(grant('g-now')).toMatchObject({ status: 'verified', latenessMs: null, endedBy: 'admin-1' });
    expect(graph.writeLog.filter((w) => w.method === 'DELETE')).toHaveLength(1);
  });

  it('follows an extension: nothing at the old expiry, revoked at the new one', async () => {
    const user = graph.addUser({ displayName: 'Ext' });
    const group = graph.addGroup({ displayName: 'Extended' });
    graph.addMember(group.id, user.id);
    seedUser('ext', user.id);
    seedResource('res-ext', 'entra_group', { externalId: group.id });
    const g = seedGrant('g-ext', 'ext', 'res-ext', { status: 'active', expiresInMs: 10 * MINUTE });
    const s = start();
    await s.runOnce();
    // As grant.extend leaves it.
    store.put('grants', { ...g, expiresAt: iso(Date.parse(g.expiresAt) + 30 * MINUTE), extensions: 1, revision: 2 });
    clock += 10 * MINUTE;
    expect((await s.runOnce()).expired).toBe(0);
    expect(grant('g-ext').status).toBe('active');
    clock += 30 * MINUTE;
    expect((await s.runOnce()).expired).toBe(1);
    expect(grant('g-ext')).toMatchObject({ status: 'verified', latenessMs: 0 });
  });

  it('catches up on everything that expired while it was not running', async () => {
    const group = graph.addGroup({ displayName: 'Catch-up' });
    for (let i = 0; i < 30; i++) {
      const user = graph.addUser({ displayName: `U${i}` });
      graph.addMember(group.id, user.id);
      seedUser(`u${i}`, user.id);
    }
    seedResource('res-cu', 'entra_group', { externalId: group.id });
    for (let i = 0; i < 30; i++) seedGrant(`g-cu-${i}`, `u${i}`, 'res-cu', { status: 'active', expiresInMs: (i + 1) * MINUTE });
    // Down for an hour: all 30 fell due meanwhile.
    clock += HOUR;
    const s = start();
    const summary = await s.runOnce();
    expect(summary.expired).toBe(30);
    expect(summary.writes.applied).toBe(30);
    expect(graph.state.members(group.id)).toEqual([]);
    expect(store.list('grants', { status: 'verified' })).toHaveLength(30);
    expect(grant('g-cu-0').latenessMs).toBe(59 * MINUTE);
    // Batched: 30 removals in two $batch calls.
    expect(graph.counters.batches).toBe(2);
  });

  it('detects drift when access is re-added out of band, and passes a clean re-check', async () => {
    const alice = graph.addUser({ displayName: 'Alice' });
    const carol = graph.addUser({ displayName: 'Carol' });
    const group = graph.addGroup({ displayName: 'Payroll' });
    graph.addMember(group.id, alice.id);
    graph.addMember(group.id, carol.id);
    seedUser('alice', alice.id);
    seedUser('carol', carol.id);
    seedResource('res-pay', 'entra_group', { externalId: group.id });
    seedGrant('g-alice', 'alice', 'res-pay', { status: 'active', expiresInMs: MINUTE });
    seedGrant('g-carol', 'carol', 'res-pay', { status: 'active', expiresInMs: MINUTE });
    const s = start();
    clock += MINUTE;
    await s.runOnce();
    expect(grant('g-alice').status).toBe('verified');

    // Someone adds Alice back by hand, through a nested group.
    const side = graph.addGroup({ displayName: 'Side door' });
    graph.addMember(group.id, side.id);
    graph.addMember(side.id, alice.id);

    clock += HOUR;
    const check = await s.runOnce();
    expect(check.verifications.drift).toBe(1);
    expect(check.verifications.gone).toBe(1);
    expect(grant('g-alice')).toMatchObject({ status: 'verified', verification: 'drift' });
    expect(grant('g-carol').verification).toBe('gone');
    const tasks = store.list('tasks', { where: { grantId: 'g-alice' } });
    expect(tasks).toEqual([expect.objectContaining({ kind: 'drift_alert', assigneeId: OWNER, severity: 'critical', status: 'open' })]);
    expect(auditTypes('g-alice')).toContain('grant.drift_detected');
    expect(auditTypes('g-carol')).toContain('grant.drift_check_passed');
    const driftReceipt = store.list('verifications', { where: { grantId: 'g-alice' } }).find((v) => v.purpose === 'drift_check');
    expect(driftReceipt).toMatchObject({ result: 'drift', transitiveChecked: true });
  });

  it('access still present after revocation sends the grant back to revoking, then escalates', async () => {
    const user = graph.addUser({ displayName: 'Nested' });
    const target = graph.addGroup({ displayName: 'Target' });
    const inner = graph.addGroup({ displayName: 'Inner' });
    graph.addMember(target.id, user.id);
    graph.addMember(target.id, inner.id);
    graph.addMember(inner.id, user.id);
    seedUser('nested', user.id);
    seedResource('res-t', 'entra_group', { externalId: target.id });
    seedGrant('g-nested', 'nested', 'res-t', { status: 'active', expiresInMs: MINUTE });
    const s = start({ maxAttempts: 3, consistentReads: 2, maxVerifyReads: 2 });
    clock += MINUTE;
    await s.runOnce();
    // The direct membership is gone, but Inner still grants it.
    expect(graph.state.isMember(target.id, user.id)).toBe(false);
    expect(grant('g-nested')).toMatchObject({ status: 'revoking', verification: 'still_present' });
    expect(auditTypes('g-nested')).toContain('grant.revocation_not_verified');
    for (let i = 0; i < 4; i++) {
      clock += 10 * MINUTE;
      await s.runOnce();
    }
    expect(grant('g-nested').status).toBe('revoke_failed');
    expect(store.list('tasks', { where: { grantId: 'g-nested' } }).map((t) => t.kind)).toContain('revocation_escalation');
  });

  it('escalates a revocation that keeps failing, keeps retrying at a short cadence, and closes the escalation when it succeeds', async () => {
    const user = graph.addUser({ displayName: 'Stuck' });
    const group = graph.addGroup({ displayName: 'Sticky' });
    graph.addMember(group.id, user.id);
    seedUser('stuck', user.id);
    seedResource('res-sticky', 'entra_group', { externalId: group.id });
    seedGrant('g-stuck', 'stuck', 'res-sticky', { status: 'active', expiresInMs: MINUTE });
    graph.failNext(1000, '500', { method: 'DELETE' });
    const s = start({ maxAttempts: 3, escalatedRetryMs: 15 * MINUTE, escalatedTransientRetryMs: MINUTE, retryBaseMs: 1000 });
    clock += MINUTE;
    await s.runOnce();
    expect(grant('g-stuck')).toMatchObject({ status: 'revoking', attempts: 1 });
    for (let i = 0; i < 2; i++) {
      clock += 5 * MINUTE;
      await s.runOnce();
    }
    expect(grant('g-stuck')).toMatchObject({ status: 'revoke_failed', attempts: 3 });
    expect(grant('g-stuck').lastError).toContain('InternalServerError');
    const [task] = store.list('tasks', { where: { grantId: 'g-stuck' } });
    expect(task).toMatchObject({ kind: 'revocation_escalation', assigneeId: OWNER, severity: 'critical', status: 'open' });
    const types = auditTypes('g-stuck');
    expect(types.filter((t) => t === 'grant.revoke_failed')).toHaveLength(3);
    expect(types.filter((t) => t === 'grant.revoke_escalated')).toHaveLength(1);

    // Transient failures keep the short cadence once escalated: retried within a minute, never parked for 15.
    clock += MINUTE + 1;
    expect((await s.runOnce()).writes.claimed).toBe(1);
    clock += MINUTE + 1;
    expect((await s.runOnce()).writes.claimed).toBe(1);
    expect(auditTypes('g-stuck').filter((t) => t === 'grant.revoke_escalated')).toHaveLength(1);

    graph.clearFaults();
    clock += MINUTE + 1;
    await s.runOnce();
    expect(grant('g-stuck').status).toBe('verified');
    expect(graph.state.isMember(group.id, user.id)).toBe(false);
    expect(store.get('tasks', task!.id)).toMatchObject({ status: 'done', closedBy: 'system' });
  });

  it('throttling (429, 503, with or without Retry-After) is pacing: never an attempt, never an escalation', async () => {
    const user = graph.addUser({ displayName: 'Paced' });
    const group = graph.addGroup({ displayName: 'Busy' });
    graph.addMember(group.id, user.id);
    seedUser('paced', user.id);
    seedResource('res-busy', 'entra_group', { externalId: group.id });
    seedGrant('g-paced', 'paced', 'res-busy', { status: 'active', expiresInMs: MINUTE });
    graph.setRetryAfterMissingProbability(0.5);
    graph.failNext(8, '503', { method: 'DELETE' });
    graph.failNext(8, '429', { method: 'DELETE' });
    const s = start({ maxAttempts: 2, retryBaseMs: 1000 });
    clock += MINUTE;
    let passes = 0;
    while (grant('g-paced').status !== 'verified' && passes++ < 300) {
      const run = await s.runOnce();
      expect(run.writes.escalated).toBe(0);
      clock += 5000;
    }
    expect(grant('g-paced')).toMatchObject({ status: 'verified', attempts: 1 });
    expect(graph.writeLog.filter((w) => w.method === 'DELETE' && (w.status === 429 || w.status === 503))).toHaveLength(16);
    expect(store.list('tasks', { where: { grantId: 'g-paced' } })).toEqual([]);
    const types = auditTypes('g-paced');
    expect(types).not.toContain('grant.revoke_failed');
    expect(types).not.toContain('grant.revoke_escalated');
  });

  it('a permanent failure (forbidden) still escalates at once', async () => {
    const user = graph.addUser({ displayName: 'Denied' });
    const group = graph.addGroup({ displayName: 'Locked' });
    graph.addMember(group.id, user.id);
    graph.addApp({ clientId: 'read-only-app', clientSecret: 'read-only-secret', permissions: ['Group.Read.All', 'User.Read.All', 'GroupMember.Read.All'] });
    registry.register(entraConnector({ id: 'entra-ro', clientId: 'read-only-app', clientSecret: 'read-only-secret' }));
    seedUser('denied', user.id);
    seedResource('res-locked', 'entra_group', { externalId: group.id }, 'entra-ro');
    seedGrant('g-denied', 'denied', 'res-locked', { status: 'active', expiresInMs: MINUTE });
    const s = start();
    clock += MINUTE;
    const run = await s.runOnce();
    expect(run.writes.escalated).toBe(1);
    expect(grant('g-denied')).toMatchObject({ status: 'revoke_failed', attempts: 1 });
    expect(grant('g-denied').lastError).toContain('Authorization_RequestDenied');
    expect(store.list('tasks', { where: { grantId: 'g-denied' } }).map((t) => t.kind)).toEqual(['revocation_escalation']);
  });

  it('escalates at once what cannot work (no directory object id), never dropping it', async () => {
    const group = graph.addGroup({ displayName: 'Orphans' });
    seedUser('ghost');
    seedResource('res-o', 'entra_group', { externalId: group.id });
    seedGrant('g-ghost', 'ghost', 'res-o', { status: 'active', expiresInMs: MINUTE });
    const s = start();
    clock += MINUTE;
    const summary = await s.runOnce();
    expect(summary.writes.escalated).toBe(1);
    expect(grant('g-ghost')).toMatchObject({ status: 'revoke_failed' });
    expect(grant('g-ghost').lastError).toContain('no_principal');
    expect(s.jobCounts()).toContainEqual({ kind: 'revoke', state: 'queued', n: 1 });
  });

  it('every revocation completes through 30% injected faults, each removed exactly once', async () => {
    const group = graph.addGroup({ displayName: 'Faulty' });
    const n = 60;
    for (let i = 0; i < n; i++) {
      const user = graph.addUser({ displayName: `F${i}` });
      graph.addMember(group.id, user.id);
      seedUser(`f${i}`, user.id);
    }
    seedResource('res-f', 'entra_group', { externalId: group.id });
    for (let i = 0; i < n; i++) seedGrant(`g-f-${i}`, `f${i}`, 'res-f', { status: 'active', expiresInMs: MINUTE });
    graph.injectFaults({ rate: 0.3, kinds: ['429', '500', '503', '504', 'reset', 'applied-then-504'], seed: 9 });
    const s = start({ maxAttempts: 50 });
    clock += MINUTE;
    for (let pass = 0; pass < 60 && store.count('grants', { status: 'verified' }) < n; pass++) {
      await s.runOnce();
      clock += 30_000;
    }
    graph.clearFaults();
    expect(store.count('grants', { status: 'verified' })).toBe(n);
    expect(graph.state.members(group.id)).toEqual([]);
    // Each member removed by one DELETE: never two that answered 204 for the same member. (An
    // "applied-then-504" fault hides whether its DELETE removed anything, so it is not counted.)
    const deletes = graph.writeLog.filter((w) => w.method === 'DELETE');
    const ok = deletes.filter((w) => w.status === 204);
    expect(new Set(ok.map((w) => w.path)).size).toBe(ok.length);
    expect(new Set(deletes.map((w) => w.path)).size).toBe(n);
    // One grant.revoked record per grant, never a second.
    const revoked = [...store.auditEvents()].filter((e) => e.type === 'grant.revoked');
    expect(revoked).toHaveLength(n);
    expect(new Set(revoked.map((e) => e.subjectId)).size).toBe(n);
    expect(graph.counters.faults).toBeGreaterThan(0);
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
  });

  it('manual connector: tasks for the owner, sign-off completes provisioning and revocation', async () => {
    seedUser('dave');
    seedResource('res-app', 'manual_role', { externalId: 'payroll-admin' }, 'manual-apps');
    seedGrant('g-man', 'dave', 'res-app', { status: 'provisioning', expiresInMs: HOUR, connector: 'manual' });
    const s = start();
    await s.runOnce();
    const [provisionTask] = store.list('tasks', { where: { grantId: 'g-man' } });
    expect(provisionTask).toMatchObject({ kind: 'manual_provision', assigneeId: OWNER, status: 'open' });
    expect(grant('g-man').status).toBe('provisioning');

    store.put('tasks', { ...provisionTask!, status: 'done', closedAt: iso(clock), closedBy: OWNER, updatedAt: iso(clock) });
    clock += 1000;
    await s.runOnce();
    expect(grant('g-man')).toMatchObject({ status: 'active', verification: 'effective' });

    clock += HOUR;
    await s.runOnce();
    const revokeTask = store.list('tasks', { where: { grantId: 'g-man' } }).find((t) => t.kind === 'manual_revoke');
    expect(revokeTask).toMatchObject({ status: 'open', assigneeId: OWNER });
    expect(grant('g-man').status).toBe('revoking');
    store.put('tasks', { ...revokeTask!, status: 'done', closedAt: iso(clock), closedBy: OWNER, updatedAt: iso(clock) });
    await s.runOnce();
    expect(grant('g-man')).toMatchObject({ status: 'verified', verification: 'gone' });
    const receipt = store.list('verifications', { where: { grantId: 'g-man' } }).find((v) => v.purpose === 'revocation');
    expect(receipt?.reads[0]?.detail).toContain(OWNER);
  });
});
