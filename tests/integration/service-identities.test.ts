/**
 * Access for a service identity (an Entra service principal), asked by one of its owners: over
 * REST, eligibility judged on the owner, provisioned to the service principal in the Graph stand-in
 * by the scheduler, revoked and verified gone; the audit names who asked on its behalf. A non-owner
 * and a request naming a person are refused with a sentence, server side.
 *
 * The service identity is written as the directory sync would keep it (kind `service`, its owners);
 * reading service principals and their owners through Graph is not built yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, DirectoryUser } from '../../core/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jitIn } from './helpers/jit.js';
import { account, command, PASSWORD, setup } from './helpers/offboarding.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let graph: GraphStandin;
let srv: TestServer;
// The real time: the CLI checks its session's expiry against its own clock.
let clock = Date.now();
let groupId = '';
let spObjectId = '';
const tokens: Record<string, string> = {};

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 23 });
  srv = await startTestServer({
    now: () => new Date(clock),
    connectors: [{ id: 'entra-test', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
  for (const id of ['u-olivia', 'u-nils']) {
    tokens[id] = await account(srv, id, ['requester']);
    srv.store.put('users', { ...srv.store.get('users', id)!, externalIds: { entra: graph.addUser({ displayName: id }).id } });
  }
  const sp = graph.addServicePrincipal({ displayName: 'Billing export job' });
  spObjectId = sp.id;
  graph.addServicePrincipalOwner(sp.id, srv.store.get('users', 'u-olivia')!.externalIds.entra as string);
  const identity: DirectoryUser = {
    id: 'sp-billing-export',
    username: sp.appId,
    displayName: 'Billing export job',
    email: '',
    department: '',
    managerId: null,
    roles: [],
    externalIds: { 'entra-test': sp.id },
    disabled: false,
    kind: 'service',
    ownerIds: ['u-olivia'],
    updatedAt: new Date(clock).toISOString(),
  };
  srv.store.put('users', identity);
  groupId = graph.addGroup({ displayName: 'Billing readers' }).id;
  setup(srv, 'policy.upsert', { policy: { id: 'p-billing', name: 'Billing, automatic', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: true, autoApprove: true, approvalSteps: [] } });
  setup(srv, 'resource.upsert', { resource: { id: 'res-billing', name: 'Billing readers', kind: 'entra_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: groupId }, ownerId: 'u-admin', sensitivity: 'low', policyIds: ['p-billing'] } });
  // Both people are eligible: ownership, not eligibility, is what tells them apart.
  setup(srv, 'profile.upsert', { profile: { id: 'prof-billing', name: 'Billing team', resourceIds: ['res-billing'], userIds: ['u-olivia', 'u-nils'] } });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await graph?.close();
});

const runScheduler = async () => {
  clock += 1000;
  await srv.server.scheduler!.runOnce();
};
const events = (type: AuditEvent['type']) => [...srv.store.auditEvents()].filter((e) => e.type === type);
const ask = (token: string, onBehalfOf: string) =>
  http('POST', `${srv.url}/api/v1/requests`, { token, body: { resourceId: 'res-billing', durationMinutes: 60, justification: 'nightly export needs the readers group', onBehalfOf } });

describe('a request for a service principal', () => {
  it('by its owner: granted to the service principal in the directory, revoked and verified gone, the audit naming who asked', async () => {
    const created = await ask(tokens['u-olivia'] as string, 'sp-billing-export');
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ requesterId: 'u-olivia', onBehalfOf: 'sp-billing-export', status: 'approved' });
    const grantId = created.body.grantId as string;
    expect(srv.store.get('grants', grantId)).toMatchObject({ userId: 'sp-billing-export', requestedBy: 'u-olivia' });
    expect(events('request.created').at(-1)?.data).toMatchObject({ onBehalfOf: 'sp-billing-export', requestedBy: 'u-olivia' });
    expect(events('grant.created').at(-1)?.data).toMatchObject({ userId: 'sp-billing-export', requestedBy: 'u-olivia' });

    await runScheduler();
    expect(srv.store.get('grants', grantId)).toMatchObject({ status: 'active', verification: 'effective' });
    expect(graph.state.isMember(groupId, spObjectId)).toBe(true);
    // The owner's own account was not touched.
    expect(graph.state.isMember(groupId, srv.store.get('users', 'u-olivia')!.externalIds.entra as string)).toBe(false);

    const revoked = await command(srv, srv.adminToken, 'grant.revoke', { grantId, reason: 'export moved to another job' });
    expect(revoked.status, revoked.text).toBe(200);
    await runScheduler();
    expect(srv.store.get('grants', grantId)).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(graph.state.isMember(groupId, spObjectId)).toBe(false);
  });

  it('through the jit CLI: --on-behalf-of asks for the identity, and a non-owner hears the same sentence', async () => {
    const configHome = mkdtempSync(join(tmpdir(), 'jit-sp-config-'));
    try {
      const { jit } = jitIn(() => configHome);
      expect((await jit(['login', '--server', srv.url, '--user', 'olivia'], { JIT_PASSWORD: PASSWORD })).code).toBe(0);
      const asked = await jit(['request', 'res-billing', '--for', '30m', '--why', 'rerun the export', '--on-behalf-of', 'sp-billing-export', '--json']);
      expect(asked.code, asked.stderr).toBe(0);
      expect(JSON.parse(asked.stdout).request).toMatchObject({ requesterId: 'u-olivia', onBehalfOf: 'sp-billing-export' });
      expect((await jit(['login', '--server', srv.url, '--user', 'nils'], { JIT_PASSWORD: PASSWORD })).code).toBe(0);
      const refused = await jit(['request', 'res-billing', '--for', '30m', '--why', 'x', '--on-behalf-of', 'sp-billing-export']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/Nils is not an owner of Billing export job/);
    } finally {
      rmSync(configHome, { recursive: true, force: true });
    }
  });

  it('by someone who is not an owner, or naming a person, is refused with a sentence and nothing is granted', async () => {
    const before = srv.store.list('grants').length;
    const stranger = await ask(tokens['u-nils'] as string, 'sp-billing-export');
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toBe('Nils is not an owner of Billing export job; only its owners (Olivia) may request access for it');
    const person = await ask(tokens['u-nils'] as string, 'u-olivia');
    expect(person.status).toBe(400);
    expect(person.body.error.message).toMatch(/is a person, not a service identity/);
    const unknown = await ask(tokens['u-olivia'] as string, 'sp-nothing');
    expect(unknown.status).toBe(404);
    expect(srv.store.list('grants')).toHaveLength(before);
  });
});

describe('service principals from the directory sync', () => {
  let synced: TestServer;
  let spId = '';
  let group = '';
  const owner = { id: '', token: '' };

  beforeAll(async () => {
    synced = await startTestServer({
      now: () => new Date(clock),
      connectors: [{ id: 'entra-sync', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }],
      scheduler: { intervalMs: 0, random: () => 0.5 },
      directorySync: { intervalMs: 0, sources: [{ connectorId: 'entra-sync', servicePrincipals: true }] },
    });
    owner.token = await account(synced, 'u-petra', ['requester']);
    owner.id = 'u-petra';
    const petra = graph.addUser({ displayName: 'Petra', userPrincipalName: 'petra@contoso.test' });
    synced.store.put('users', { ...synced.store.get('users', 'u-petra')!, externalIds: { 'entra-sync': petra.id } });
    const sp = graph.addServicePrincipal({ displayName: 'Invoice mailer' });
    graph.addServicePrincipalOwner(sp.id, petra.id);
    spId = sp.id;
    group = graph.addGroup({ displayName: 'Mail senders' }).id;
    const apply = (type: string, payload: Record<string, unknown>) => {
      const result = synced.processor.apply({ id: `sp-sync-${type}`, type, actorId: 'u-admin', payload, createdAt: new Date(clock).toISOString() } as never, { bootstrap: true });
      if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
    };
    apply('policy.upsert', { policy: { id: 'p-mail', name: 'Mail, automatic', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, approvalSteps: [] } });
    apply('resource.upsert', { resource: { id: 'res-mail', name: 'Mail senders', kind: 'entra_group', connector: 'entra', connectorId: 'entra-sync', target: { externalId: group }, ownerId: 'u-admin', sensitivity: 'low', policyIds: ['p-mail'] } });
    apply('profile.upsert', { profile: { id: 'prof-mail', name: 'Mail team', resourceIds: ['res-mail'], userIds: ['u-petra'] } });
  }, 60_000);
  afterAll(async () => {
    await synced?.close();
  });

  it('brings each service principal in with its owners through /servicePrincipals/delta and /owners; its owner asks for it and the grant lands on it', async () => {
    const run = await http('POST', `${synced.url}/api/v1/directory-sync/entra-sync/run?wait=true`, { token: synced.adminToken });
    expect(run.status, run.text).toBe(200);
    const identity = synced.store.list('users').find((u) => u.kind === 'service' && u.externalIds['entra-sync'] === spId);
    expect(identity).toMatchObject({ displayName: 'Invoice mailer', roles: [], ownerIds: ['u-petra'], disabled: false });
    const created = await http('POST', `${synced.url}/api/v1/requests`, { token: owner.token, body: { resourceId: 'res-mail', durationMinutes: 60, onBehalfOf: identity!.id } });
    expect(created.status, created.text).toBe(201);
    clock += 1000;
    await synced.server.scheduler!.runOnce();
    expect(synced.store.get('grants', created.body.grantId)).toMatchObject({ userId: identity!.id, requestedBy: 'u-petra', status: 'active' });
    expect(graph.state.isMember(group, spId)).toBe(true);
  });

  it('marks a service principal gone from Entra removed at the next round: disabled, no owner left to ask for it', async () => {
    graph.deleteServicePrincipal(spId);
    const run = await http('POST', `${synced.url}/api/v1/directory-sync/entra-sync/run?wait=true`, { token: synced.adminToken });
    expect(run.status, run.text).toBe(200);
    const identity = synced.store.list('users').find((u) => u.kind === 'service' && u.externalIds['entra-sync'] === spId);
    expect(identity).toMatchObject({ disabled: true, ownerIds: [] });
    expect(run.body.report.removed).toContainEqual(expect.objectContaining({ personId: identity!.id }));
    const refused = await http('POST', `${synced.url}/api/v1/requests`, { token: owner.token, body: { resourceId: 'res-mail', durationMinutes: 60, onBehalfOf: identity!.id } });
    expect(refused.status).toBe(403);
  });
});
