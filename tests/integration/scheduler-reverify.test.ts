/**
 * Re-verification of ended grants (drift re-checks from configuration, the rolling sweep) and PIM
 * presence matched on the client, against the Graph stand-in with an injected clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Grant, Resource } from '../../core/index.js';
import { ConnectorRegistry } from '../../sync-server/connectors/registry.js';
import { schedulerOptionsFromEnv, startScheduler, type Scheduler, type SchedulerOptions } from '../../sync-server/scheduler/index.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraConnector } from './helpers/entra.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let graph: GraphStandin;
let dir: string;
let store: Store;
let registry: ConnectorRegistry;
let scheduler: Scheduler | undefined;
let clock: number;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 5 });
});
afterAll(async () => {
  await graph.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scheduler-reverify-'));
  store = openStore({ dataDir: dir });
  clock = Date.now();
  registry = new ConnectorRegistry();
  registry.register(standinEntraConnector(graph, { id: 'entra-test', verifyReadIntervalMs: 5, maxAttempts: 2, maxRetryWaitMs: 0 }, { sleep: async () => undefined, now: () => clock }));
});
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  registry.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  graph.reset();
});

const iso = (ms: number) => new Date(ms).toISOString();
const grant = (id: string) => store.get('grants', id) as Grant;
const receipts = (grantId: string) => store.list('verifications', { where: { grantId } });

function start(opts: Partial<SchedulerOptions> = {}): Scheduler {
  scheduler = startScheduler({ store, registry, now: () => new Date(clock), intervalMs: 0, random: () => 0.5, ...opts });
  return scheduler;
}

function seed(userId: string, entraId: string, resourceId: string, kind: Resource['kind'], target: Resource['target'], grantId: string, expiresInMs: number): void {
  store.put('users', { id: userId, username: userId, displayName: userId, externalIds: { entra: entraId }, updatedAt: iso(clock) });
  store.put('resources', { id: resourceId, name: resourceId, kind, connector: 'entra', connectorId: 'entra-test', target, ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], updatedAt: iso(clock) });
  store.put('grants', { id: grantId, requestId: `req-${grantId}`, userId, resourceId, connector: 'entra', status: 'active', approvedAt: iso(clock), startsAt: iso(clock), expiresAt: iso(clock + expiresInMs), provisionedAt: iso(clock), maxDurationMinutes: 600, updatedAt: iso(clock), revision: 1 });
}

describe('re-verification of ended grants', () => {
  it('a drift re-check configured through the environment fires at the set time, and the rolling sweep finds access re-added after the fixed checks', async () => {
    const user = graph.addUser({ displayName: 'Rita' });
    const group = graph.addGroup({ displayName: 'Treasury' });
    graph.addMember(group.id, user.id);
    seed('rita', user.id, 'res-tre', 'entra_group', { externalId: group.id }, 'g-rita', MINUTE);
    const fromEnv = schedulerOptionsFromEnv({ JIT_DRIFT_CHECK_AFTER: '2h,3d', JIT_REVERIFY_WINDOW: '30d', JIT_REVERIFY_EVERY: '1d', JIT_REVERIFY_PER_MINUTE: '10' });
    expect(fromEnv).toEqual({ driftCheckAfterMs: [2 * HOUR, 3 * DAY], reverifyWindowMs: 30 * DAY, reverifyEveryMs: DAY, reverifyPerMinute: 10 });
    const s = start(fromEnv);
    clock += MINUTE;
    await s.runOnce();
    expect(grant('g-rita').status).toBe('verified');
    const driftChecks = () => receipts('g-rita').filter((r) => r.purpose === 'drift_check');

    clock += 2 * HOUR - MINUTE;
    await s.runOnce();
    expect(driftChecks()).toHaveLength(0);
    clock += MINUTE;
    expect((await s.runOnce()).verifications.gone).toBe(1);
    expect(driftChecks()).toHaveLength(1);

    // The fixed 3-day check passes; meanwhile the sweep has re-read the grant about daily.
    clock += 3 * DAY;
    await s.runOnce();
    const afterFixed = driftChecks().length;
    expect(afterFixed).toBeGreaterThanOrEqual(3);
    expect(driftChecks().every((r) => r.result === 'gone')).toBe(true);

    // Re-added by hand on day 4, after every fixed check: the sweep finds it within a day.
    graph.addMember(group.id, user.id);
    clock += DAY + MINUTE;
    const found = await s.runOnce();
    expect(found.verifications.drift).toBe(1);
    expect(grant('g-rita')).toMatchObject({ status: 'verified', verification: 'drift' });
    expect(store.list('tasks', { where: { grantId: 'g-rita' } }).map((t) => t.kind)).toEqual(['drift_alert']);

    // Outside the window nothing more is read.
    graph.state.members(group.id);
    clock += 31 * DAY;
    const before = driftChecks().length;
    await s.runOnce();
    expect(driftChecks().length).toBe(before);
  });

  it('the sweep books no more checks a minute than configured', async () => {
    const group = graph.addGroup({ displayName: 'Many' });
    for (let i = 0; i < 12; i++) {
      const user = graph.addUser({ displayName: `M${i}` });
      graph.addMember(group.id, user.id);
      seed(`m${i}`, user.id, 'res-many', 'entra_group', { externalId: group.id }, `g-m-${i}`, MINUTE);
    }
    const s = start({ driftCheckAfterMs: [], reverifyEveryMs: HOUR, reverifyPerMinute: 5 });
    clock += MINUTE;
    await s.runOnce();
    expect(store.count('grants', { status: 'verified' })).toBe(12);
    clock += HOUR;
    const first = await s.runOnce();
    expect(first.verifications.claimed).toBe(5);
    clock += MINUTE;
    expect((await s.runOnce()).verifications.claimed).toBe(5);
    clock += MINUTE;
    expect((await s.runOnce()).verifications.claimed).toBe(2);
  });
});

describe('PIM presence is matched on the client', () => {
  it('a Graph that ignores $filter on PIM instances causes no false "still present", and receipts name what they saw', async () => {
    const user = graph.addUser({ displayName: 'Pim' });
    const kept = graph.addRoleDefinition({ displayName: 'Reports Reader' });
    const ended = graph.addRoleDefinition({ displayName: 'Security Administrator' });
    const keptGroup = graph.addGroup({ displayName: 'Kept PIM group' });
    const endedGroup = graph.addGroup({ displayName: 'Ended PIM group' });
    // The person keeps another role and another PIM group (and the same group as owner).
    graph.addRoleAssignment({ principalId: user.id, roleDefinitionId: kept.id });
    graph.addRoleAssignment({ principalId: user.id, roleDefinitionId: ended.id });
    graph.addGroupAssignment({ principalId: user.id, groupId: keptGroup.id, accessId: 'member' });
    graph.addGroupAssignment({ principalId: user.id, groupId: endedGroup.id, accessId: 'member' });
    graph.addGroupAssignment({ principalId: user.id, groupId: endedGroup.id, accessId: 'owner' });
    seed('pim', user.id, 'res-role', 'entra_role', { externalId: ended.id, directoryScopeId: '/' }, 'g-role', MINUTE);
    store.put('resources', { id: 'res-pimg', name: 'res-pimg', kind: 'entra_pim_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: endedGroup.id, accessId: 'member' }, ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], updatedAt: iso(clock) });
    store.put('grants', { ...grant('g-role'), id: 'g-pimg', requestId: 'req-g-pimg', resourceId: 'res-pimg' });
    graph.setIgnoreInstanceFilter(true);
    const s = start({ maxAttempts: 2 });
    clock += MINUTE;
    const run = await s.runOnce();
    expect(run.verifications.stillPresent).toBe(0);
    expect(grant('g-role')).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(grant('g-pimg')).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(graph.writeLog.filter((w) => w.method === 'POST')).toHaveLength(2);
    const roleReceipt = receipts('g-role').find((r) => r.purpose === 'revocation');
    expect(roleReceipt?.reads.at(-1)?.detail).toMatch(/no active instance of role .* none matching/);
    // The other role, the other group and the owner assignment are untouched.
    expect(graph.state.roleInstances().filter((i) => i.principalId === user.id).map((i) => i.roleDefinitionId)).toEqual([kept.id]);
    expect(graph.state.groupInstances().filter((i) => i.principalId === user.id).map((i) => `${i.groupId}:${i.accessId}`).sort()).toEqual([`${endedGroup.id}:owner`, `${keptGroup.id}:member`].sort());
  });

  it('a receipt that finds the access names the instance and why it counts; adminRemove of an assignment already gone is taken as removed once a read agrees', async () => {
    const user = graph.addUser({ displayName: 'Named' });
    const role = graph.addRoleDefinition({ displayName: 'Helpdesk Administrator' });
    const group = graph.addGroup({ displayName: 'On-call' });
    seed('named', user.id, 'res-hd', 'entra_role', { externalId: role.id, directoryScopeId: '/' }, 'g-hd', 10 * MINUTE);
    store.put('resources', { id: 'res-oc', name: 'res-oc', kind: 'entra_pim_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: group.id, accessId: 'member' }, ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], updatedAt: iso(clock) });
    store.put('grants', { ...grant('g-hd'), id: 'g-oc', requestId: 'req-g-oc', resourceId: 'res-oc', status: 'provisioning', provisionedAt: null });
    store.put('grants', { ...grant('g-hd'), status: 'provisioning', provisionedAt: null, revision: 2 });
    graph.setIgnoreInstanceFilter(true);
    const s = start();
    await s.runOnce();
    const effective = receipts('g-hd').find((r) => r.purpose === 'provision');
    expect(effective?.result).toBe('effective');
    expect(effective?.reads.at(-1)?.detail).toMatch(new RegExp(`counts as present: instance \\S+ \\(\\w+\\) of role ${role.id} at scope /, held directly`));
    // The PIM-group assignment ends outside the console; the revocation's adminRemove then finds nothing.
    const instance = graph.state.groupInstances().find((i) => i.principalId === user.id);
    expect(instance).toBeDefined();
    await fetchRemove(user.id, group.id);
    clock += 10 * MINUTE;
    await s.runOnce();
    expect(grant('g-oc')).toMatchObject({ status: 'verified', verification: 'gone' });
    const removed = [...store.auditEvents()].find((e) => e.type === 'grant.revoked' && e.subjectId === 'g-oc');
    expect(removed?.data).toMatchObject({ alreadyInState: true });
    expect(String(removed?.data.detail)).toContain('RoleAssignmentDoesNotExist');
  });
});

/** An adminRemove made by someone else, straight to the stand-in. */
async function fetchRemove(principalId: string, groupId: string): Promise<void> {
  const { rawRequest } = await import('../standins/graph/test-client.js');
  const res = await rawRequest(graph, 'POST', '/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests', {
    token: graph.issueToken(),
    body: { action: 'adminRemove', accessId: 'member', principalId, groupId, justification: 'by hand' },
  });
  expect(res.status).toBe(201);
}
