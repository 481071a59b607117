import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AssignmentRef, Resource } from '../../core/index.js';
import type { EntraConnector, EntraConnectorDeps } from '../../sync-server/connectors/entra/index.js';
import type { EntraConnectorConfigInput } from '../../sync-server/connectors/config.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraConnector } from './helpers/entra.js';

let graph: GraphStandin;
const connectors: EntraConnector[] = [];

function connectorFor(overrides: Partial<EntraConnectorConfigInput> = {}, deps: EntraConnectorDeps = {}): EntraConnector {
  const connector = standinEntraConnector(graph, { id: 'entra-test', verifyReadIntervalMs: 20, maxRetryWaitMs: 3000, ...overrides }, deps);
  connectors.push(connector);
  return connector;
}

function ref(kind: Resource['kind'], externalId: string, principalId: string, extra: Partial<Resource['target']> = {}, grantId = `g-${Math.random().toString(36).slice(2)}`): AssignmentRef {
  return {
    grantId,
    principalId,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    resource: { id: `r-${externalId}`, name: `resource ${externalId}`, kind, connector: 'entra', connectorId: 'entra-test', target: { externalId, ...extra } },
  };
}

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 11 });
});
afterEach(() => {
  for (const c of connectors.splice(0)) c.close();
  graph.reset();
});
afterAll(async () => {
  await graph.close();
});

describe('Entra connector against the Graph stand-in', () => {
  it('adds and removes group members, idempotently, and reads them back', async () => {
    const user = graph.addUser({ displayName: 'Ada' });
    const group = graph.addGroup({ displayName: 'Finance admins' });
    const connector = connectorFor();
    const r = ref('entra_group', group.id, user.id);

    expect(await connector.provision(r)).toMatchObject({ status: 'applied' });
    expect(graph.state.isMember(group.id, user.id)).toBe(true);
    const again = await connector.provision(r);
    expect(again).toMatchObject({ status: 'applied', alreadyInState: true });

    const present = await connector.verify(r, 'present');
    expect(present).toMatchObject({ present: true, conclusive: true, transitiveChecked: true, consistentReads: 3 });
    expect(present.reads).toHaveLength(3);

    expect(await connector.revoke(r)).toMatchObject({ status: 'applied' });
    expect(graph.state.isMember(group.id, user.id)).toBe(false);
    expect(await connector.revoke(r)).toMatchObject({ status: 'applied', alreadyInState: true });
    const absent = await connector.verify(r, 'absent');
    expect(absent).toMatchObject({ present: false, conclusive: true });

    const deletes = graph.writeLog.filter((w) => w.method === 'DELETE');
    expect(deletes.map((w) => w.status)).toEqual([204, 404]);
  });

  it('refuses a target or principal id that would be a dot segment in the Graph URL, without sending anything', async () => {
    const user = graph.addUser({ displayName: 'Dot' });
    const group = graph.addGroup({ displayName: 'Dots' });
    const connector = connectorFor();
    for (const r of [ref('entra_group', '..', user.id), ref('entra_group', group.id, '..'), ref('entra_group', '.', user.id), ref('entra_group', 'a/b', user.id)]) {
      expect(await connector.provision(r)).toMatchObject({ status: 'failed', retryable: false, code: 'invalid_object_id' });
      expect(await connector.revoke(r)).toMatchObject({ status: 'failed', retryable: false, code: 'invalid_object_id' });
    }
    expect(graph.writeLog).toHaveLength(0);
  });

  it('assigns and removes a PIM directory role with the grant\'s expiry, idempotently', async () => {
    const user = graph.addUser({ displayName: 'Grace' });
    const role = graph.addRoleDefinition({ displayName: 'User Administrator' });
    const connector = connectorFor();
    const r = ref('entra_role', role.id, user.id);

    expect(await connector.provision(r)).toMatchObject({ status: 'applied' });
    const instances = graph.state.roleInstances().filter((i) => i.principalId === user.id);
    expect(instances).toHaveLength(1);
    expect(Date.parse(instances[0]!.endDateTime ?? '')).toBe(Date.parse(r.expiresAt!));
    expect(await connector.provision(r)).toMatchObject({ status: 'applied', alreadyInState: true });
    expect(await connector.verify(r, 'present')).toMatchObject({ present: true, conclusive: true });
    expect(await connector.listAssignments(r.resource)).toEqual([expect.objectContaining({ principalId: user.id, kind: 'entra_role' })]);

    expect(await connector.revoke(r)).toMatchObject({ status: 'applied' });
    expect(graph.state.roleInstances().filter((i) => i.principalId === user.id)).toHaveLength(0);
    expect(await connector.revoke(r)).toMatchObject({ status: 'applied', alreadyInState: true });
    expect(await connector.verify(r, 'absent')).toMatchObject({ present: false, conclusive: true });
    const actions = graph.state.roleRequests().map((q) => q.action);
    expect(actions).toContain('adminAssign');
    expect(actions).toContain('adminRemove');
  });

  it('assigns and removes PIM for groups membership and ownership', async () => {
    const user = graph.addUser({ displayName: 'Linus' });
    const group = graph.addGroup({ displayName: 'Prod break-glass' });
    const connector = connectorFor();
    const asMember = ref('entra_pim_group', group.id, user.id, { accessId: 'member' });
    const asOwner = ref('entra_pim_group', group.id, user.id, { accessId: 'owner' });

    expect(await connector.provision(asMember)).toMatchObject({ status: 'applied' });
    expect(await connector.provision(asOwner)).toMatchObject({ status: 'applied' });
    expect(await connector.provision(asOwner)).toMatchObject({ status: 'applied', alreadyInState: true });
    expect(graph.state.groupInstances().filter((i) => i.principalId === user.id).map((i) => i.accessId).sort()).toEqual(['member', 'owner']);
    expect(await connector.verify(asMember, 'present')).toMatchObject({ present: true, conclusive: true });

    expect(await connector.revoke(asOwner)).toMatchObject({ status: 'applied' });
    expect(await connector.verify(asOwner, 'absent')).toMatchObject({ present: false, conclusive: true });
    // Removing ownership leaves membership alone.
    expect(await connector.verify(asMember, 'present')).toMatchObject({ present: true, conclusive: true });
    expect(await connector.listAssignments(asMember.resource)).toEqual([expect.objectContaining({ principalId: user.id })]);
    expect(await connector.revoke(asMember)).toMatchObject({ status: 'applied' });
    expect(await connector.revoke(asMember)).toMatchObject({ status: 'applied', alreadyInState: true });
    expect(await connector.verify(asMember, 'absent')).toMatchObject({ present: false, conclusive: true });
  });

  it('sees access held through nested groups and roles held by a group', async () => {
    const user = graph.addUser({ displayName: 'Nested Ned' });
    const outer = graph.addGroup({ displayName: 'Outer', isAssignableToRole: true });
    const inner = graph.addGroup({ displayName: 'Inner' });
    graph.addMember(outer.id, inner.id);
    graph.addMember(inner.id, user.id);
    const role = graph.addRoleDefinition({ displayName: 'Global Reader' });
    graph.addRoleAssignment({ principalId: outer.id, roleDefinitionId: role.id });
    const connector = connectorFor();

    const membership = ref('entra_group', outer.id, user.id);
    // Not a direct member: removing the direct membership changes nothing...
    expect(await connector.revoke(membership)).toMatchObject({ status: 'applied', alreadyInState: true });
    // ...and the read-back says the access is still there, through Inner.
    const stillThere = await connector.verify(membership, 'absent', { consistentReads: 2, maxReads: 3 });
    expect(stillThere).toMatchObject({ present: true, conclusive: true, transitiveChecked: true });

    const roleRef = ref('entra_role', role.id, user.id);
    const viaGroup = await connector.verify(roleRef, 'absent', { consistentReads: 2, maxReads: 3 });
    expect(viaGroup.present).toBe(true);
    expect(viaGroup.reads.at(-1)?.detail).toContain(`through group ${outer.id}`);
  });

  it('a single read right after a removal is wrong under replica lag; agreeing reads are right', async () => {
    const user = graph.addUser({ displayName: 'Lagging Lou' });
    const group = graph.addGroup({ displayName: 'Lagged' });
    graph.addMember(group.id, user.id);
    graph.setReplicationLag({ minMs: 250, maxMs: 600 });
    const connector = connectorFor({ verifyReadIntervalMs: 150 });
    const r = ref('entra_group', group.id, user.id);

    expect(await connector.revoke(r)).toMatchObject({ status: 'applied' });
    expect(graph.state.isMember(group.id, user.id)).toBe(false);

    const naive = await connector.verify(r, 'absent', { consistentReads: 1, maxReads: 1 });
    // No replica has caught up yet: one read still shows the member.
    expect(naive).toMatchObject({ present: true, conclusive: true });

    const careful = await connector.verify(r, 'absent', { consistentReads: 3, maxReads: 20 });
    expect(careful).toMatchObject({ present: false, conclusive: true, consistentReads: 3 });
    expect(careful.reads.slice(-3).every((read) => !read.present)).toBe(true);
    expect(careful.reads.length).toBeGreaterThan(3);
  });

  it('says inconclusive when reads never agree enough', async () => {
    const user = graph.addUser({ displayName: 'Flaky' });
    const group = graph.addGroup({ displayName: 'Unreadable' });
    const connector = connectorFor({ maxAttempts: 1 });
    graph.failNext(10, '503', { method: 'GET' });
    const outcome = await connector.verify(ref('entra_group', group.id, user.id), 'absent', { consistentReads: 3, maxReads: 3 });
    expect(outcome.conclusive).toBe(false);
    // Unknown is reported as the unwanted state, never as proof.
    expect(outcome.present).toBe(true);
    expect(outcome.reads.every((read) => read.detail.startsWith('read failed'))).toBe(true);
  });

  it('honours Retry-After on throttling and reports persistent throttling as retryable with the wait', async () => {
    const user = graph.addUser({ displayName: 'Thor' });
    const group = graph.addGroup({ displayName: 'Throttled' });
    const waits: number[] = [];
    const connector = connectorFor({}, { sleep: async (ms) => void waits.push(ms) });
    const r = ref('entra_group', group.id, user.id);
    graph.failNext(2, '429', { method: 'POST' });
    expect(await connector.provision(r)).toMatchObject({ status: 'applied' });
    expect(connector.graph.stats.throttled).toBe(2);
    // Each 429 said "Retry-After: 1" and paused the connector's writes that long; without it the connector would back off from 250-500 ms.
    expect(waits).toHaveLength(2);
    expect(waits.every((ms) => ms > 900 && ms <= 1000)).toBe(true);
    graph.setRetryAfterMissingProbability(1);
    graph.failNext(1, '429', { method: 'DELETE' });
    expect(await connector.revoke(r)).toMatchObject({ status: 'applied' });
    expect(waits[2]).toBeLessThan(1000);
    graph.setRetryAfterMissingProbability(0);

    const impatient = connectorFor({ maxRetryWaitMs: 500 });
    graph.failNext(1, '429', { method: 'DELETE' });
    // Throttling comes back marked as such (pacing: the scheduler does not count it), with the wait left.
    const outcome = await impatient.revoke(r);
    expect(outcome).toMatchObject({ status: 'failed', retryable: true, throttled: true, code: 'TooManyRequests' });
    expect(outcome.status === 'failed' && outcome.retryAfterMs).toBeGreaterThan(900);
  });

  it('types refusals by Graph error code: missing permission is not retryable, a wrong secret neither', async () => {
    const user = graph.addUser({ displayName: 'Pat' });
    const group = graph.addGroup({ displayName: 'Locked' });
    graph.addApp({ clientId: 'reader-app', clientSecret: 'reader-secret', permissions: ['Group.Read.All', 'User.Read.All'] });
    const readOnly = connectorFor({ clientId: 'reader-app', clientSecret: 'reader-secret' });
    expect(await readOnly.provision(ref('entra_group', group.id, user.id))).toMatchObject({ status: 'failed', retryable: false, code: 'Authorization_RequestDenied' });

    const wrongSecret = connectorFor({ clientSecret: 'not-the-secret' });
    expect(await wrongSecret.provision(ref('entra_group', group.id, user.id))).toMatchObject({ status: 'failed', retryable: false, code: 'auth_failed' });
    expect((await wrongSecret.health()).ok).toBe(false);
    expect(await connectorFor().health()).toMatchObject({ ok: true });

    expect(await connectorFor().provision(ref('ad_group', 'CN=x', user.id))).toMatchObject({ status: 'failed', retryable: false, code: 'unsupported_resource' });
  });

  it('signs in with a certificate credential', async () => {
    const pems = await generate([{ name: 'commonName', value: 'jit-console' }], { keySize: 2048 });
    graph.addApp({ clientId: 'cert-app', certificatePem: pems.cert, permissions: ['GroupMember.ReadWrite.All', 'GroupMember.Read.All', 'User.Read.All', 'Group.Read.All'] });
    const dir = mkdtempSync(join(tmpdir(), 'entra-cert-'));
    try {
      const path = join(dir, 'app.pem');
      writeFileSync(path, `${pems.private}\n${pems.cert}`, { mode: 0o600 });
      const user = graph.addUser({ displayName: 'Cert' });
      const group = graph.addGroup({ displayName: 'By certificate' });
      const connector = connectorFor({ clientId: 'cert-app', clientSecret: undefined, certificatePath: path });
      expect(await connector.provision(ref('entra_group', group.id, user.id))).toMatchObject({ status: 'applied' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends $batches of at most 20 and retries only the items throttled inside a 200', async () => {
    const group = graph.addGroup({ displayName: 'Batched' });
    const refs: AssignmentRef[] = [];
    for (let i = 0; i < 23; i++) {
      const user = graph.addUser({ displayName: `Member ${i}` });
      refs.push(ref('entra_group', group.id, user.id, {}, `g-add-${i}`));
    }
    const connector = connectorFor({ batchConcurrency: 1 }, { sleep: async () => undefined });
    graph.failNext(3, '429', { method: 'POST', path: '/members/$ref' });
    const outcomes = await connector.provisionMany(refs);
    expect([...outcomes.values()].every((o) => o.status === 'applied')).toBe(true);
    expect(graph.state.members(group.id)).toHaveLength(23);
    const sizes = new Map<string, number>();
    for (const w of graph.writeLog) if (w.batchId) sizes.set(w.batchId, (sizes.get(w.batchId) ?? 0) + 1);
    // 23 = a batch of 20 (3 throttled inside it) + the 3 retried alone in a batch + 3 more in the last.
    expect([...sizes.values()].sort((a, b) => b - a)).toEqual([20, 3, 3]);
    expect(graph.writeLog.filter((w) => w.status === 429)).toHaveLength(3);
  });

  it('revokes many in $batches of 20 and every one completes through 30% injected faults', async () => {
    const group = graph.addGroup({ displayName: 'Crowded' });
    const refs: AssignmentRef[] = [];
    for (let i = 0; i < 50; i++) {
      const user = graph.addUser({ displayName: `User ${i}` });
      graph.addMember(group.id, user.id);
      refs.push(ref('entra_group', group.id, user.id, {}, `g-batch-${i}`));
    }
    graph.injectFaults({ rate: 0.3, kinds: ['429', '503', '504', 'reset', 'applied-then-504'], seed: 5 });
    // Each 429/503 pauses every write of the connector for its Retry-After; waits run 10x faster here.
    const connector = connectorFor({ maxAttempts: 10, requestTimeoutMs: 2000 }, { sleep: (ms) => new Promise((r) => setTimeout(r, ms / 10)) });
    let outcomes = await connector.revokeMany(refs);
    // Whatever the connector could not finish in-call comes back retryable, never lost.
    for (let round = 0; round < 5; round++) {
      const left = refs.filter((r) => outcomes.get(r.grantId)?.status !== 'applied');
      if (left.length === 0) break;
      expect(left.every((r) => { const o = outcomes.get(r.grantId); return o?.status === 'failed' && o.retryable; })).toBe(true);
      const more = await connector.revokeMany(left);
      outcomes = new Map([...outcomes, ...more]);
    }
    graph.clearFaults();
    expect(refs.every((r) => outcomes.get(r.grantId)?.status === 'applied')).toBe(true);
    expect(graph.state.members(group.id)).toEqual([]);
    expect(graph.counters.batches).toBeGreaterThanOrEqual(3);
    // Never two DELETEs that answered 204 for one member: retries found it already gone. (An
    // "applied-then-504" fault hides whether its DELETE removed anything, so it is not counted.)
    const deletes = graph.writeLog.filter((w) => w.method === 'DELETE');
    const ok = deletes.filter((w) => w.status === 204);
    expect(new Set(ok.map((w) => w.path)).size).toBe(ok.length);
    expect(new Set(deletes.map((w) => w.path)).size).toBe(50);
  });
});
