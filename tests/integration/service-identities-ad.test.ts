/**
 * AD service accounts against a real Samba DC: the directory sync reads users marked as service
 * accounts by configuration (employeeType) with their manager as owner (a user has no managedBy in AD's schema); that owner asks for
 * an AD group for the account, the scheduler adds the service account itself to the group in the
 * directory, revokes and verifies it gone; someone else is refused.
 */
import type { Client } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDn } from '../../sync-server/connectors/ad/dn.js';
import { adConfig, adminClient, createGroup, DC_START_TIMEOUT_MS, describeAd, membersOf, PEOPLE, startDc, type SambaDc } from './helpers/samba.js';
import { account, command, setup } from './helpers/offboarding.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

describeAd('service accounts from Active Directory (Samba DC)', () => {
  let dc: SambaDc;
  let admin: Client;
  let srv: TestServer;
  let groupDn = '';
  const ownerDn = buildDn([['CN', 'Ada Owner']], PEOPLE);
  const serviceDn = buildDn([['CN', 'Backup Service']], PEOPLE);
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
    await admin.add(ownerDn, { objectClass: 'user', sAMAccountName: 'ada-owner', userPrincipalName: 'ada-owner@jit.test', displayName: 'Ada Owner', userAccountControl: '544' });
    await admin.add(serviceDn, { objectClass: 'user', sAMAccountName: 'svc-backup', userPrincipalName: 'svc-backup@jit.test', displayName: 'Backup Service', employeeType: 'Service', userAccountControl: '544', manager: ownerDn });
    groupDn = (await createGroup(admin, 'Backup Operators JIT')).dn;
    srv = await startTestServer({
      connectors: [adConfig(dc, { id: 'ad-svc' })],
      scheduler: { intervalMs: 0, random: () => 0.5 },
      directorySync: { intervalMs: 0, sources: [{ connectorId: 'ad-svc', serviceAccounts: true, serviceAccountEmployeeType: 'Service' }] },
    });
    const guidOf = async (dn: string) => {
      const found = await admin.search(dn, { scope: 'base', attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'] });
      const b = found.searchEntries[0]?.objectGUID as Buffer;
      const h = b.toString('hex');
      const le = (s: string) => s.match(/../g)!.reverse().join('');
      return `${le(h.slice(0, 8))}-${le(h.slice(8, 12))}-${le(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
    for (const id of ['u-ada', 'u-bert']) tokens[id] = await account(srv, id, ['requester']);
    srv.store.put('users', { ...srv.store.get('users', 'u-ada')!, externalIds: { 'ad-svc': await guidOf(ownerDn) } });
    setup(srv, 'policy.upsert', { policy: { id: 'p-backup', name: 'Backup, automatic', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, approvalSteps: [] } });
    setup(srv, 'resource.upsert', { resource: { id: 'res-backup', name: 'Backup Operators', kind: 'ad_group', connector: 'ad', connectorId: 'ad-svc', target: { externalId: groupDn }, ownerId: 'u-admin', sensitivity: 'low', policyIds: ['p-backup'] } });
    setup(srv, 'profile.upsert', { profile: { id: 'prof-backup', name: 'Backup team', resourceIds: ['res-backup'], userIds: ['u-ada', 'u-bert'] } });
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    await srv?.close();
    await admin?.unbind().catch(() => undefined);
    await dc?.destroy();
  });

  it('syncs the service account with its owner; the owner gets the group for it, revoked and verified gone; a non-owner is refused', async () => {
    const run = await http('POST', `${srv.url}/api/v1/directory-sync/ad-svc/run?wait=true`, { token: srv.adminToken });
    expect(run.status, run.text).toBe(200);
    const identity = srv.store.list('users').find((u) => u.kind === 'service' && u.username === 'svc-backup');
    expect(identity).toMatchObject({ displayName: 'Backup Service', ownerIds: ['u-ada'], roles: [], disabled: false });
    // Not a person: nobody was created for it as one.
    expect(srv.store.list('users').filter((u) => u.displayName === 'Backup Service')).toHaveLength(1);

    const stranger = await http('POST', `${srv.url}/api/v1/requests`, { token: tokens['u-bert'], body: { resourceId: 'res-backup', durationMinutes: 60, onBehalfOf: identity!.id } });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toMatch(/Bert is not an owner of Backup Service/);

    const created = await http('POST', `${srv.url}/api/v1/requests`, { token: tokens['u-ada'], body: { resourceId: 'res-backup', durationMinutes: 60, onBehalfOf: identity!.id } });
    expect(created.status, created.text).toBe(201);
    await srv.server.scheduler!.runOnce();
    expect(srv.store.get('grants', created.body.grantId)).toMatchObject({ userId: identity!.id, requestedBy: 'u-ada', status: 'active' });
    expect((await membersOf(admin, groupDn)).map((m) => m.toLowerCase())).toContain(serviceDn.toLowerCase());

    expect((await command(srv, srv.adminToken, 'grant.revoke', { grantId: created.body.grantId, reason: 'backup window over' })).status).toBe(200);
    await srv.server.scheduler!.runOnce();
    expect(srv.store.get('grants', created.body.grantId)).toMatchObject({ status: 'verified', verification: 'gone' });
    expect((await membersOf(admin, groupDn)).map((m) => m.toLowerCase())).not.toContain(serviceDn.toLowerCase());
  });
});

