/**
 * Standing-access discovery against the demo organisation, a real SQLite file and the Graph
 * stand-in: a run (asked for by an admin, run by the scheduler on the injected clock) lists who holds
 * each Entra resource, reads their account state and last sign-in, and the REST view classifies
 * them. A permanent User Administrator and a standing group member are standing, a disabled account
 * and an account nobody knows are orphaned, a holder through a live grant is explained; sign-ins
 * older than 90 days are stale. Converting the standing admin removes them through the revocation
 * path (verified gone, with a receipt) and makes them eligible: they can then request the role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRequest, Grant } from '../../core/index.js';
import { DEMO_ENTRA_GROUPS, DEMO_ENTRA_ROLES, DEMO_USERS } from '../../sync-server/demo/directory.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { discoveredStandingScope, type StandingAccessView } from '../../sync-server/standing-access/view.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;

let graph: GraphStandin;
let srv: TestServer;
let clock: number;

const entraIdOf = (username: string) => DEMO_USERS.find((u) => u.username === username)?.entraId as string;
const scheduler = () => {
  if (!srv.server.scheduler) throw new Error('no scheduler');
  return srv.server.scheduler;
};
const view = async (username: string) => http<StandingAccessView>('GET', `${srv.url}/api/v1/standing-access`, { token: username === 'admin' ? srv.adminToken : await srv.login(username) });
const holder = (v: StandingAccessView, resourceId: string, principalId: string) => v.resources.find((r) => r.resourceId === resourceId)?.holders.find((h) => h.principalId.toLowerCase() === principalId.toLowerCase());
const convert = (token: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type: 'standing.convert', payload } });

let departed: string;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 21, replicationLag: { minMs: 5, maxMs: 20 } });
  seedEntraTenant(graph);
  clock = Date.now();
  srv = await startTestServer({
    seedDemo: true,
    now: () => new Date(clock),
    connectors: [{ id: 'entra-demo', ...standinEntraSettings(graph), verifyReadIntervalMs: 25, maxRetryWaitMs: 0 }, { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
  // The demo's approved requests are provisioned: their holders are explained by live grants.
  clock += 1000;
  await scheduler().runOnce();

  // Standing: Frank (Finance) holds User Administrator permanently, assigned outside the console.
  graph.addRoleAssignment({ principalId: entraIdOf('frank'), roleDefinitionId: DEMO_ENTRA_ROLES.userAdministrator.id, directoryScopeId: '/', endDateTime: null });
  graph.setSignIn(entraIdOf('frank'), new Date(clock - 200 * DAY).toISOString());
  // Standing too: Carol was put in SG-Security-Readers by hand.
  if (!graph.state.isMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('carol'))) graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('carol'));
  graph.setSignIn(entraIdOf('carol'), new Date(clock - 2 * DAY).toISOString());
  // Orphaned: Judy's account is disabled in the console, and an account nobody imported is a member.
  const judy = srv.store.get('users', 'u-judy')!;
  srv.store.tx(() => srv.store.put('users', { ...judy, disabled: true, updatedAt: new Date(clock).toISOString() }));
  // (The demo tenant already has her in the group by hand.)
  if (!graph.state.isMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('judy'))) graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('judy'));
  departed = graph.addUser({ displayName: 'Former Contractor', accountEnabled: false }).id;
  graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, departed);
});
afterAll(async () => {
  await srv?.close();
  await graph?.close();
});

describe('standing-access discovery', () => {
  it('runs when an admin asks, through the scheduler, and audits what it found', async () => {
    expect((await http('POST', `${srv.url}/api/v1/standing-access/discover`, { token: await srv.login('mallory'), body: {} })).status).toBe(403);
    const asked = await http<{ booked: string[] }>('POST', `${srv.url}/api/v1/standing-access/discover`, { token: srv.adminToken, body: {} });
    expect(asked.status, asked.text).toBe(202);
    // The demo's AD resources are served by a manual connector here: booked, but it cannot list holders.
    expect(asked.body.booked).toEqual(['ad-demo', 'entra-demo']);
    const ran = await scheduler().runDiscovery();
    expect(ran).toMatchObject({ runs: 2, failed: 0 });
    expect(ran.resources).toBeGreaterThanOrEqual(5);
    // Nothing more is due: a run is not repeated until asked again (no interval configured here).
    expect((await scheduler().runDiscovery()).runs).toBe(0);
    const audit = [...srv.store.auditEvents()].filter((e) => e.type.startsWith('standing.'));
    expect(audit.map((e) => e.type)).toEqual(['standing.discovery_requested', 'standing.discovery_requested', 'standing.discovered']);
    expect((await view('admin')).body.runs.find((r) => r.connectorId === 'ad-demo')).toMatchObject({ state: 'failed', lastError: expect.stringContaining('manual connector') });
    expect(audit[2]!.data).toMatchObject({ standing: expect.any(Number), orphaned: 2, signInReadable: true });
  });

  it('finds the seeded standing admin and the orphaned accounts; explained holders are not flagged', async () => {
    const res = await view('heidi');
    expect(res.status, res.text).toBe(200);
    const v = res.body;
    expect(holder(v, 'res-entra-user-admin', entraIdOf('frank'))).toMatchObject({ class: 'standing', userId: 'u-frank', stale: true, signInReadable: true, detail: 'permanent' });
    expect(holder(v, 'res-entra-security-readers', entraIdOf('carol'))).toMatchObject({ class: 'standing', userId: 'u-carol', stale: false });
    expect(holder(v, 'res-entra-security-readers', entraIdOf('judy'))).toMatchObject({ class: 'orphaned', reason: expect.stringContaining('disabled in the console') });
    expect(holder(v, 'res-entra-security-readers', departed)).toMatchObject({ class: 'orphaned', userId: null, directoryEnabled: false });
    // Dave's Global Reader comes from the demo's approved request: a live grant explains it.
    expect(holder(v, 'res-entra-global-reader', entraIdOf('dave'))).toMatchObject({ class: 'explained', grantId: expect.any(String), reason: expect.stringContaining('explained by grant') });
    const explainedIds = v.resources.flatMap((r) => r.holders.filter((h) => h.class === 'explained').map((h) => h.grantId));
    for (const id of explainedIds) expect(['active', 'provisioning', 'revoking', 'revoke_failed', 'revoked']).toContain(srv.store.get('grants', id!)?.status);
    const securityReaders = v.resources.find((r) => r.resourceId === 'res-entra-security-readers')!;
    expect(securityReaders.counts.orphaned).toBe(2);
    expect(v.totals.standing).toBeGreaterThanOrEqual(2);
    // A review campaign's "discovered standing access" scope: the standing and orphaned holders, never the explained.
    const scope = discoveredStandingScope(srv.store, new Date(clock));
    expect(scope.map((h) => h.class).sort()).toEqual(Array.from({ length: v.totals.standing + v.totals.orphaned }, (_, i) => (i < v.totals.orphaned ? 'orphaned' : 'standing')));
    expect(scope.find((h) => h.userId === 'u-frank')).toMatchObject({ resourceName: 'User Administrator', class: 'standing' });
    // Readable by security reviewers and admins, not by approvers or requesters.
    expect((await view('carol')).status).toBe(200);
    expect((await view('admin')).status).toBe(200);
    expect((await view('alice')).status).toBe(403);
    expect((await view('bob')).status).toBe(403);
  });

  it('converts a standing admin to eligible: removed in the directory and verified gone, then able to request it', async () => {
    // Before: Frank (Finance) is not eligible for User Administrator.
    const before = await http('POST', `${srv.url}/api/v1/requests`, { token: await srv.login('frank'), body: { resourceId: 'res-entra-user-admin', durationMinutes: 60, justification: 'user changes' } });
    expect(before.status).toBe(422);

    const payload = { resourceId: 'res-entra-user-admin', userId: 'u-frank', reason: 'no standing admins' };
    expect((await convert(await srv.login('mallory'), payload)).status).toBe(403);
    // Only a standing holder converts: an orphaned one is removed, not made eligible; an explained one already goes through a grant.
    const orphan = await convert(srv.adminToken, { resourceId: 'res-entra-security-readers', userId: 'u-judy', reason: 'x' });
    expect(orphan.status).toBe(422);
    expect(orphan.text).toContain('orphaned');
    expect((await convert(srv.adminToken, { resourceId: 'res-entra-global-reader', userId: 'u-dave', reason: 'x' })).text).toContain('nothing to convert');

    // Eligible for something no request could be decided under is no eligibility: refused, naming why.
    const readers = srv.store.get('resources', 'res-entra-security-readers')!;
    srv.store.tx(() => srv.store.put('resources', { ...readers, policyIds: ['pol-gone'] }));
    const noPolicy = await convert(srv.adminToken, { resourceId: 'res-entra-security-readers', userId: 'u-carol', reason: 'x' });
    expect(noPolicy.status).toBe(422);
    expect(noPolicy.text).toContain('no access policy a request would be decided under');
    srv.store.tx(() => srv.store.put('resources', readers));
    expect(srv.store.list('grants', { where: { userId: 'u-carol', resourceId: 'res-entra-security-readers' } })).toEqual([]);

    const done = await convert(srv.adminToken, payload);
    expect(done.status, done.text).toBe(200);
    const grantId = srv.store.list('grants', { where: { userId: 'u-frank', resourceId: 'res-entra-user-admin' } })[0]!.id;
    expect(srv.store.get('grants', grantId)).toMatchObject({ status: 'revoking', endedBy: 'u-admin' });
    // Sent twice, the second is refused: the conversion is under way.
    expect((await convert(srv.adminToken, payload)).status).toBe(409);

    clock += 1000;
    await scheduler().runOnce();
    const grant = srv.store.get('grants', grantId) as Grant;
    expect(grant.status).toBe('verified');
    expect(graph.state.roleInstances().some((i) => i.principalId === entraIdOf('frank') && i.roleDefinitionId === DEMO_ENTRA_ROLES.userAdministrator.id)).toBe(false);
    const receipts = srv.store.list('verifications', { where: { grantId } });
    expect(receipts).toEqual([expect.objectContaining({ purpose: 'revocation', result: 'gone', consistentReads: 3 })]);
    const events = [...srv.store.auditEvents()].filter((e) => e.subjectId === grantId).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['standing.converted', 'grant.revoked', 'grant.revocation_verified']));

    // Removed and verified: the screen no longer lists Frank, even before the next discovery.
    expect(holder((await view('heidi')).body, 'res-entra-user-admin', entraIdOf('frank'))).toBeUndefined();

    // Eligible now through the conversion profile: Frank asks, and the resource's policy decides.
    const after = await http<AccessRequest>('POST', `${srv.url}/api/v1/requests`, { token: await srv.login('frank'), body: { resourceId: 'res-entra-user-admin', durationMinutes: 60, justification: 'user changes for the new hires', ticket: 'CHG-2001' } });
    expect(after.status, after.text).toBe(201);
    expect(after.body.status).toBe('pending_approval');
    expect(srv.store.get('profiles', 'profile-standing-res-entra-user-admin')).toMatchObject({ userIds: ['u-frank'], resourceIds: ['res-entra-user-admin'], enabled: true });

    // The next discovery agrees: Frank no longer holds it.
    await http('POST', `${srv.url}/api/v1/standing-access/discover`, { token: srv.adminToken, body: { connectorId: 'entra-demo' } });
    await scheduler().runDiscovery();
    expect(holder((await view('heidi')).body, 'res-entra-user-admin', entraIdOf('frank'))).toBeUndefined();
  });

  it('says so where sign-ins are not readable (the app lacks AuditLog.Read.All), and still finds the holders', async () => {
    const app = graph.credentials.clientId;
    graph.setAppPermissions(app, ['Directory.Read.All', 'GroupMember.ReadWrite.All', 'RoleManagement.ReadWrite.Directory', 'PrivilegedAccess.ReadWrite.AzureADGroup', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup', 'RoleAssignmentSchedule.ReadWrite.Directory']);
    await http('POST', `${srv.url}/api/v1/standing-access/discover`, { token: srv.adminToken, body: {} });
    await scheduler().runDiscovery();
    const v = (await view('heidi')).body;
    expect(v.runs.find((r) => r.connectorId === 'entra-demo')!.summary).toMatchObject({ signInReadable: false, signInNote: expect.stringContaining('AuditLog.Read.All') });
    expect(holder(v, 'res-entra-security-readers', entraIdOf('carol'))).toMatchObject({ class: 'standing', signInReadable: false, stale: null, lastSignInAt: null });
  });
});
