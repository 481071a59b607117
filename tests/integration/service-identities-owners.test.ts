/**
 * Owners act on a service identity's grants as on their own: an owner gives back, and asks for more
 * time on, a grant the identity holds (one core rule, core/engine/principal.ts mayActOnGrant, read by
 * grant.revoke and grant.extend). A requester who owns none of it does not replicate the grant, so it
 * is refused as not found (sync-server/commands/unseen-subject.ts); an approver, who sees every
 * grant, is refused more time on it with a sentence naming the owners. The
 * owner's replica and `jit grants` hold the identity and its grants; a non-owner's hold neither. The
 * revocation goes through the Entra connector and is verified gone in the Graph stand-in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, type AuditEvent, type DirectoryUser, type Grant } from '../../core/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
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
const IDENTITY = 'sp-ident-report-job';

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 31 });
  srv = await startTestServer({
    now: () => new Date(clock),
    connectors: [{ id: 'entra-test', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
  tokens['u-abel'] = await account(srv, 'u-abel', ['approver']);
  for (const id of ['u-owen', 'u-nadia']) {
    tokens[id] = await account(srv, id, ['requester']);
    srv.store.put('users', { ...srv.store.get('users', id)!, externalIds: { entra: graph.addUser({ displayName: id }).id } });
  }
  const sp = graph.addServicePrincipal({ displayName: 'Report job' });
  spObjectId = sp.id;
  const identity: DirectoryUser = {
    id: IDENTITY,
    username: sp.appId,
    displayName: 'Report job',
    email: '',
    department: '',
    managerId: null,
    roles: [],
    externalIds: { 'entra-test': sp.id },
    disabled: false,
    kind: 'service',
    ownerIds: ['u-owen'],
    updatedAt: new Date(clock).toISOString(),
  };
  srv.store.put('users', identity);
  groupId = graph.addGroup({ displayName: 'Report readers' }).id;
  setup(srv, 'policy.upsert', { policy: { id: 'p-reports', name: 'Reports, automatic', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: true, autoApprove: true, maxExtensions: 2, approvalSteps: [] } });
  setup(srv, 'resource.upsert', { resource: { id: 'res-reports', name: 'Report readers', kind: 'entra_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: groupId }, ownerId: 'u-admin', sensitivity: 'low', policyIds: ['p-reports'] } });
  // Both people are eligible: ownership, not eligibility, is what tells them apart.
  setup(srv, 'profile.upsert', { profile: { id: 'prof-reports', name: 'Reporting team', resourceIds: ['res-reports'], userIds: ['u-owen', 'u-nadia'] } });
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

/** The owner asks for the identity; the grant is provisioned to the service principal. */
async function identityGrant(): Promise<Grant> {
  const created = await http('POST', `${srv.url}/api/v1/requests`, { token: tokens['u-owen'], body: { resourceId: 'res-reports', durationMinutes: 60, justification: 'weekly report run', onBehalfOf: IDENTITY } });
  expect(created.status, created.text).toBe(201);
  await runScheduler();
  const grant = srv.store.get('grants', created.body.grantId as string)!;
  expect(grant).toMatchObject({ userId: IDENTITY, requestedBy: 'u-owen', status: 'active' });
  expect(graph.state.isMember(groupId, spObjectId)).toBe(true);
  return grant;
}

const pulled = async (token: string, collection: 'users' | 'grants') => {
  const res = await http<{ documents: Record<string, unknown>[] }>('GET', `${srv.url}${syncPath(collection, 'pull')}?batchSize=1000`, { token });
  expect(res.status, res.text).toBe(200);
  return res.body.documents;
};

describe("a service identity's grant, acted on by its owner", () => {
  it('the owner asks for more time: an extension request on its behalf, approved by the policy, the audit naming who asked', async () => {
    const grant = await identityGrant();
    const extended = await command(srv, tokens['u-owen'] as string, 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'the run is slow this week', requestId: 'ext-ident-1' });
    expect(extended.status, extended.text).toBe(200);
    expect(extended.body.message).toMatch(/extended by 30 minutes.*asked on its behalf by Owen/);
    expect(srv.store.get('grants', grant.id)).toMatchObject({ extensions: 1, expiresAt: new Date(Date.parse(grant.expiresAt) + 30 * 60_000).toISOString() });
    expect(srv.store.get('requests', 'ext-ident-1')).toMatchObject({ requesterId: 'u-owen', onBehalfOf: IDENTITY, extendsGrantId: grant.id, status: 'approved' });
    expect(events('request.created').at(-1)).toMatchObject({ actorId: 'u-owen', subjectId: 'ext-ident-1', data: { onBehalfOf: IDENTITY, requestedBy: 'u-owen', extendsGrantId: grant.id } });
    expect(events('grant.extended').at(-1)).toMatchObject({ actorId: 'u-owen', subjectId: grant.id, data: { minutes: 30, requestedBy: 'u-owen' } });
  });

  it('someone who is not an owner is refused both, and nothing changes', async () => {
    const grant = srv.store.list('grants', { where: { userId: IDENTITY } }).find((g) => g.status === 'active')!;
    // A requester who is no owner does not hold the grant in her replica: as for an id that does not exist.
    const more = await command(srv, tokens['u-nadia'] as string, 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'x' });
    expect(more.status).toBe(404);
    expect(more.body.error.message).toBe(`grant ${grant.id} does not exist`);
    const back = await command(srv, tokens['u-nadia'] as string, 'grant.revoke', { grantId: grant.id, reason: 'not mine' });
    expect(back.status).toBe(404);
    expect(back.body.error.message).toBe(`grant ${grant.id} does not exist`);
    // An approver sees every grant; more time on the identity's is still its owners' to ask, and the refusal says so.
    const approver = await command(srv, tokens['u-abel'] as string, 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'x' });
    expect(approver.status).toBe(403);
    expect(approver.body.error.message).toBe('Abel is not an owner of Report job; only its owners (Owen) may ask for more time on its grants');
    expect(srv.store.get('grants', grant.id)).toMatchObject({ status: 'active', extensions: grant.extensions, revision: grant.revision });
    // Nor does she replicate the identity or its grant.
    expect((await pulled(tokens['u-nadia'] as string, 'users')).map((u) => u.id)).not.toContain(IDENTITY);
    expect((await pulled(tokens['u-nadia'] as string, 'grants')).map((g) => g.id)).not.toContain(grant.id);
  });

  it("the owner's replica holds the identity with its kind and owners, and its grants", async () => {
    const grant = srv.store.list('grants', { where: { userId: IDENTITY } }).find((g) => g.status === 'active')!;
    const users = await pulled(tokens['u-owen'] as string, 'users');
    expect(users.find((u) => u.id === IDENTITY)).toMatchObject({ kind: 'service', ownerIds: ['u-owen'], displayName: 'Report job', externalIds: {} });
    expect((await pulled(tokens['u-owen'] as string, 'grants')).map((g) => g.id)).toContain(grant.id);
    // An owner who is no longer listed loses both on the next pull.
    srv.store.put('users', { ...srv.store.get('users', IDENTITY)!, ownerIds: ['u-nadia'] });
    expect((await pulled(tokens['u-owen'] as string, 'grants')).map((g) => g.id)).not.toContain(grant.id);
    expect((await pulled(tokens['u-nadia'] as string, 'grants')).map((g) => g.id)).toContain(grant.id);
    srv.store.put('users', { ...srv.store.get('users', IDENTITY)!, ownerIds: ['u-owen'] });
  });

  it('the owner gives it back: revoked through the connector and verified gone from the service principal, the owner on the trail', async () => {
    const grant = srv.store.list('grants', { where: { userId: IDENTITY } }).find((g) => g.status === 'active')!;
    const back = await command(srv, tokens['u-owen'] as string, 'grant.revoke', { grantId: grant.id, reason: 'report moved to another job' });
    expect(back.status, back.text).toBe(200);
    expect(events('grant.revoke_requested').at(-1)).toMatchObject({ actorId: 'u-owen', subjectId: grant.id });
    await runScheduler();
    expect(srv.store.get('grants', grant.id)).toMatchObject({ status: 'verified', verification: 'gone', endedBy: 'u-owen' });
    expect(graph.state.isMember(groupId, spObjectId)).toBe(false);
  });

  it("through the jit CLI: jit grants lists the identity's grant for its owner, who gives it back; a non-owner neither sees it nor gives it back", async () => {
    const grant = await identityGrant();
    const configHome = mkdtempSync(join(tmpdir(), 'jit-ident-config-'));
    try {
      const { jit } = jitIn(() => configHome);
      expect((await jit(['login', '--server', srv.url, '--user', 'nadia'], { JIT_PASSWORD: PASSWORD })).code).toBe(0);
      const listedForNadia = await jit(['grants']);
      expect(listedForNadia.stdout).not.toContain(grant.id);
      const refused = await jit(['give-back', grant.id]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`grant ${grant.id} does not exist`);

      expect((await jit(['login', '--server', srv.url, '--user', 'owen'], { JIT_PASSWORD: PASSWORD })).code).toBe(0);
      const listed = await jit(['grants']);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`${grant.id}  Report readers  for ${IDENTITY}  active`));
      const given = await jit(['give-back', grant.id, '--why', 'done with the run']);
      expect(given.code, given.stderr).toBe(0);
      expect(given.stdout).toMatch(/Gave back grant/);
      expect(srv.store.get('grants', grant.id)).toMatchObject({ status: 'revoking', endedBy: 'u-owen', endedReason: 'done with the run' });
    } finally {
      rmSync(configHome, { recursive: true, force: true });
    }
  });
});
