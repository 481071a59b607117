/**
 * A leaver for the offboarding suites: a person with a console account (and a live token), three
 * Entra group grants provisioned in the Graph stand-in by the scheduler, one manual grant, a pending
 * request of their own, an approval step, an escalation, a task and a resource that name them, and a
 * pending request of someone else waiting on them.
 */
import { expect } from 'vitest';
import type { CommandType, Grant } from '../../../core/index.js';
import type { GraphStandin } from '../../standins/graph/index.js';
import { secondAdminToken } from './configure.js';
import { http, type TestServer } from './server.js';

export const PASSWORD = 'offboarding-suite-password-7';
export const FALLBACK = 'u-fallback';
export const OWNER = 'u-app-owner';
export const COLLEAGUE = 'u-colleague';

let sequence = 0;
const next = (prefix: string) => `${prefix}-${++sequence}`;

export function setup(srv: TestServer, type: CommandType, payload: Record<string, unknown>): void {
  const result = srv.processor.apply({ id: next('setup'), type, actorId: 'u-admin', payload, createdAt: new Date().toISOString() }, { bootstrap: true });
  if (result.status !== 'applied') throw new Error(`setup ${type}: ${result.message}`);
}

export async function account(srv: TestServer, id: string, roles: string[], email = ''): Promise<string> {
  const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id, username: id.replace(/^u-/, ''), password: PASSWORD, displayName: id.replace(/^u-/, '').replace(/^./, (c) => c.toUpperCase()), roles } });
  if (res.status !== 201) throw new Error(`account ${id}: ${res.status} ${res.text}`);
  if (email) srv.store.put('users', { ...srv.store.get('users', id)!, email });
  return await srv.login(id.replace(/^u-/, ''), PASSWORD);
}

export const command = (srv: TestServer, token: string, type: CommandType, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type, payload } });

export type Leaver = { id: string; token: string; entraId: string; groupIds: string[]; grantIds: string[]; manualGrantId: string; ownRequestId: string; colleagueRequestId: string; taskId: string };

/** Everything a leaver holds and does, provisioned and verified effective; the clock is the suite's. */
export async function seedLeaver(srv: TestServer, graph: GraphStandin, opts: { id: string; at: () => string; runScheduler: () => Promise<unknown> }): Promise<Leaver> {
  const id = opts.id;
  const name = id.replace(/^u-/, '');
  for (const [person, roles] of [[FALLBACK, ['approver']], [OWNER, ['requester']], [COLLEAGUE, ['requester']]] as const) {
    if (srv.store.getAccount(person)) continue;
    await account(srv, person, [...roles]);
    // A person with no object in the resource's directory is refused at request time.
    srv.store.put('users', { ...srv.store.get('users', person)!, externalIds: { entra: graph.addUser({ displayName: person }).id } });
  }
  const token = await account(srv, id, ['requester', 'approver'], `${name}@example.test`);
  const entraUser = graph.addUser({ displayName: name });
  srv.store.put('users', { ...srv.store.get('users', id)!, externalIds: { entra: entraUser.id } });

  const policyId = `p-${name}`;
  setup(srv, 'policy.upsert', {
    policy: { id: policyId, name: `Decided by ${name}`, maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, approvalSteps: [{ name: 'Team lead', mode: 'any', approverIds: [id, 'u-admin'], escalateToIds: [id] }] },
  });
  const groupIds: string[] = [];
  for (const n of [1, 2, 3]) {
    const group = graph.addGroup({ displayName: `${name} group ${n}` });
    groupIds.push(group.id);
    setup(srv, 'resource.upsert', { resource: { id: `res-${name}-${n}`, name: `${name} group ${n}`, kind: 'entra_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: group.id }, ownerId: n === 3 ? id : OWNER, sensitivity: 'high', policyIds: [policyId] } });
  }
  setup(srv, 'resource.upsert', { resource: { id: `res-${name}-app`, name: `${name} billing app`, kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'billing:admin' }, ownerId: OWNER, sensitivity: 'low', policyIds: [policyId] } });
  setup(srv, 'profile.upsert', { profile: { id: `prof-${name}`, name: `Team of ${name}`, resourceIds: [1, 2, 3].map((n) => `res-${name}-${n}`).concat(`res-${name}-app`), userIds: [id, COLLEAGUE] } });

  const at = opts.at();
  const grant = (grantId: string, resourceId: string, connector: Grant['connector'], status: Grant['status']) =>
    srv.store.put('grants', { id: grantId, requestId: `req-${grantId}`, userId: id, resourceId, connector, status, approvedAt: at, startsAt: at, expiresAt: new Date(Date.parse(at) + 8 * 3_600_000).toISOString(), provisionedAt: status === 'active' ? at : null, maxDurationMinutes: 480, updatedAt: at, revision: 1 });
  const grantIds = [1, 2, 3].map((n) => grant(`g-${name}-${n}`, `res-${name}-${n}`, 'entra', 'provisioning').id);
  const manualGrantId = grant(`g-${name}-app`, `res-${name}-app`, 'manual', 'active').id;
  await opts.runScheduler();
  for (const [n, groupId] of groupIds.entries()) {
    expect(srv.store.get('grants', grantIds[n] as string)).toMatchObject({ status: 'active', verification: 'effective' });
    expect(graph.state.isMember(groupId, entraUser.id)).toBe(true);
  }

  const own = await http<{ id: string; status: string }>('POST', `${srv.url}/api/v1/requests`, { token, body: { resourceId: `res-${name}-1`, durationMinutes: 60, justification: 'more time on the migration' } });
  expect(own.status, own.text).toBe(201);
  const colleague = await http<{ id: string; status: string }>('POST', `${srv.url}/api/v1/requests`, { token: await srv.login(COLLEAGUE.replace(/^u-/, ''), PASSWORD), body: { resourceId: `res-${name}-2`, durationMinutes: 60, justification: 'quarter close' } });
  expect(colleague.status, colleague.text).toBe(201);
  expect(colleague.body.status).toBe('pending_approval');

  const taskId = `t-${name}-review`;
  srv.store.put('tasks', { id: taskId, kind: 'drift_alert', title: `Look at drift on ${name} group 1`, assigneeId: id, status: 'open', createdAt: at, updatedAt: at });
  return { id, token, entraId: entraUser.id, groupIds, grantIds, manualGrantId, ownRequestId: own.body.id, colleagueRequestId: colleague.body.id, taskId };
}

/** Every duty that named the leaver now names the fallback, and nothing names the leaver. */
export async function expectDutiesMoved(srv: TestServer, leaver: Leaver): Promise<void> {
  const name = leaver.id.replace(/^u-/, '');
  const waiting = srv.store.get('requests', leaver.colleagueRequestId)!;
  expect(waiting.status).toBe('pending_approval');
  expect(waiting.policy?.approvalSteps[0]?.approverIds).toContain(FALLBACK);
  expect(waiting.policy?.approvalSteps[0]?.approverIds).not.toContain(leaver.id);
  expect(srv.store.get('tasks', leaver.taskId)).toMatchObject({ assigneeId: FALLBACK, status: 'open' });
  // Naming the fallback on a policy or as a resource's owner widens access: proposals, applied only by a second person.
  const proposals = srv.store.list('proposals', { status: 'pending' }).filter((p) => p.subjectId === `p-${name}` || p.subjectId === `res-${name}-3`);
  expect(proposals.map((p) => p.kind).sort()).toEqual(['policy', 'resource']);
  expect(srv.store.get('policies', `p-${name}`)?.approvalSteps[0]?.approverIds).toContain(leaver.id);
  expect(srv.store.get('resources', `res-${name}-3`)?.ownerId).toBe(leaver.id);
  const second = await secondAdminToken({ url: srv.url, adminToken: srv.adminToken });
  for (const proposal of proposals) {
    const approved = await command(srv, second, 'proposal.approve', { proposalId: proposal.id, reason: 'the fallback takes over' });
    expect(approved.status, approved.text).toBe(200);
  }
  const policy = srv.store.get('policies', `p-${name}`)!;
  expect(policy.approvalSteps[0]).toMatchObject({ approverIds: [FALLBACK, 'u-admin'], escalateToIds: [FALLBACK] });
  expect(srv.store.get('resources', `res-${name}-3`)?.ownerId).toBe(FALLBACK);
}
