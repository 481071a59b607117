import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDn } from '../../sync-server/connectors/ad/dn.js';
import { adConfig, addMember, adminClient, createGroup, DC_START_TIMEOUT_MS, describeAd, PEOPLE, removeMember, startDc, type SambaDc } from './helpers/samba.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const USERS = 300;
/** NORMAL_ACCOUNT | PASSWD_NOTREQD: an enabled account without a password; with ACCOUNTDISABLE (2) it is disabled. */
const ENABLED = '544';
const DISABLED = '546';
const dnOf = (i: number): string => buildDn([['CN', `Sync Person ${i}`]], PEOPLE);

async function replace(admin: Client, dn: string, type: string, value: string): Promise<void> {
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }));
}

describeAd('directory sync from Active Directory (Samba DC, paged search, uSNChanged marker)', () => {
  let dc: SambaDc;
  let admin: Client;
  let srv: TestServer;
  const person = (i: number) => srv.store.list('users').find((u) => u.username.toLowerCase() === `syncp${i}@jit.test`);
  const runSync = () => http('POST', `${srv.url}/api/v1/directory-sync/ad-people/run?wait=true`, { token: srv.adminToken });

  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
    for (let i = 0; i < USERS; i++) {
      await admin.add(dnOf(i), {
        objectClass: 'user',
        sAMAccountName: `syncp${i}`,
        userPrincipalName: `syncp${i}@jit.test`,
        displayName: `Sync Person ${i}`,
        department: i % 2 === 0 ? 'Finance' : 'Engineering',
        title: 'Analyst',
        employeeType: 'Employee',
        userAccountControl: ENABLED,
        ...(i > 0 ? { manager: dnOf(0) } : {}),
      });
    }
    srv = await startTestServer({
      connectors: [adConfig(dc, { id: 'ad-people' })],
      scheduler: { intervalMs: 0 },
      directorySync: { intervalMs: 0, sources: [{ connectorId: 'ad-people', pageSize: 200 }] },
    });
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    await srv?.close();
    await admin?.unbind().catch(() => undefined);
    await dc?.destroy();
  });

  it('imports every user with department, title, employee type, manager, enabled state and objectGUID', async () => {
    const res = await runSync();
    expect(res.status, res.text).toBe(200);
    expect(res.body.report.full).toBe(true);
    expect(res.body.report.counts.added).toBeGreaterThanOrEqual(USERS);
    const p7 = person(7);
    expect(p7).toMatchObject({ displayName: 'Sync Person 7', department: 'Engineering', jobTitle: 'Analyst', employeeType: 'Employee', disabled: false });
    expect(p7?.externalIds['ad-people']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(p7?.managerId).toBe(person(0)?.id);
  }, 120_000);

  it('then reads only what changed since the marker: a department, and a user disabled through userAccountControl', async () => {
    await replace(admin, dnOf(3), 'department', 'Legal');
    await replace(admin, dnOf(4), 'userAccountControl', DISABLED);
    const res = await runSync();
    expect(res.status, res.text).toBe(200);
    const report = res.body.report;
    expect(report.full).toBe(false);
    expect(report.counts).toMatchObject({ added: 0, changed: 1, disabled: 1 });
    expect(report.changed[0]).toMatchObject({ personId: person(3)?.id, fields: { department: { from: 'Engineering', to: 'Legal' } } });
    expect(report.disabled[0].personId).toBe(person(4)?.id);
    expect(person(4)?.disabled).toBe(true);
    // A change report per run, as an audit event.
    const events = [...srv.store.auditEvents()].filter((e) => e.type === 'directory.synced' && e.subjectId === 'ad-people');
    expect(events).toHaveLength(2);
  }, 120_000);

  it('syncs groups with their direct members, and in a later round only the group whose membership changed', async () => {
    const group = await createGroup(admin, 'Sync Readers');
    await addMember(admin, group.dn, dnOf(1));
    await addMember(admin, group.dn, dnOf(2));
    expect((await runSync()).status).toBe(200);
    const readers = () => srv.store.list('groups').find((g) => g.displayName === 'Sync Readers');
    expect(readers()).toMatchObject({ connector: 'ad' });
    expect(readers()?.memberUserIds).toEqual([person(1)?.id, person(2)?.id].sort());
    await removeMember(admin, group.dn, dnOf(2));
    const res = await runSync();
    expect(res.body.report.full).toBe(false);
    expect(res.body.report.counts.groupsChanged).toBe(1);
    expect(readers()?.memberUserIds).toEqual([person(1)?.id]);
  }, 120_000);
});
