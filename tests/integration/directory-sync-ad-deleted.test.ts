/**
 * Directory sync from Active Directory against a real Samba DC: people deleted in the directory
 * (tombstones under CN=Deleted Objects, read with the Show Deleted control, only those whose
 * uSNChanged is above the marker), and managed service accounts (msDS-ManagedServiceAccount,
 * msDS-GroupManagedServiceAccount) synced as service identities with managedBy as owner.
 *
 * The sync's account (svc-jit) is no administrator: until it is granted List Contents and Read
 * Property on CN=Deleted Objects, the report says deletions are not seen, and once granted the
 * deletions made meanwhile are caught up.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDn } from '../../sync-server/connectors/ad/dn.js';
import { writeOffboardingSettings } from '../../sync-server/offboarding/index.js';
import type { ChangeReport } from '../../sync-server/directory-sync/index.js';
import { adConfig, adminClient, BASE_DN, DC_START_TIMEOUT_MS, describeAd, PEOPLE, sambaTool, startDc, type SambaDc } from './helpers/samba.js';
import { setup } from './helpers/offboarding.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

/** NORMAL_ACCOUNT | PASSWD_NOTREQD (544); with ACCOUNTDISABLE (2): 546. */
const ENABLED = '544';
const DISABLED = '546';
/** WORKSTATION_TRUST_ACCOUNT: what a managed service account is created with. */
const WORKSTATION = '4096';
const MSAS = `CN=Managed Service Accounts,${BASE_DN}`;
const dnOf = (name: string) => buildDn([['CN', name]], PEOPLE);

/**
 * List Contents and Read Property on CN=Deleted Objects for svc-jit, on this DC's own database.
 * `samba-tool dsacl` cannot read that container's descriptor (it searches without Show Deleted), so
 * the ACE is added with ldbmodify and the show_deleted control, as dsacls /G ...:LCRP does on Windows.
 */
async function grantDeletedObjects(dc: SambaDc): Promise<void> {
  const sam = join(dc.dir, 'private', 'sam.ldb');
  const container = `CN=Deleted Objects,${BASE_DN}`;
  const read = execFileSync('/usr/bin/ldbsearch', ['-H', sam, '--controls=show_deleted:1', '-s', 'base', '-b', container, 'nTSecurityDescriptor'], { encoding: 'utf8' });
  const sddl = /nTSecurityDescriptor: (.*)/.exec(read.replace(/\n /g, ''))?.[1];
  const sid = /objectSid: (\S+)/.exec(await sambaTool(dc, ['user', 'show', 'svc-jit', '--attributes=objectSid']))?.[1];
  if (!sddl || !sid) throw new Error(`cannot read the descriptor of ${container} or the SID of svc-jit`);
  const ldif = join(dc.dir, 'dirad-grant.ldif');
  writeFileSync(ldif, `dn: ${container}\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor: ${sddl.replace(/D:([A-Z]*)/, (m) => `${m}(A;;LCRP;;;${sid})`)}\n`);
  execFileSync('/usr/bin/ldbmodify', ['-H', sam, '--controls=show_deleted:1', ldif], { encoding: 'utf8' });
}

async function replace(admin: Client, dn: string, type: string, value: string): Promise<void> {
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }));
}

async function addPerson(admin: Client, name: string, sam: string): Promise<string> {
  const dn = dnOf(name);
  await admin.add(dn, { objectClass: 'user', sAMAccountName: sam, userPrincipalName: `${sam}@jit.test`, displayName: name, department: 'Operations', userAccountControl: ENABLED });
  return dn;
}

describeAd('directory sync from Active Directory: deleted people and managed service accounts (Samba DC)', () => {
  let dc: SambaDc;
  let admin: Client;
  let srv: TestServer;
  const msaDn = `CN=dirad-msa,${MSAS}`;
  const gmsaDn = `CN=dirad-gmsa,${MSAS}`;
  const byUsername = (name: string) => srv.store.list('users').find((u) => u.username.toLowerCase() === name.toLowerCase());
  const runSync = async (): Promise<ChangeReport> => {
    const res = await http<{ report: ChangeReport }>('POST', `${srv.url}/api/v1/directory-sync/ad-dirad/run?wait=true`, { token: srv.adminToken });
    expect(res.status, res.text).toBe(200);
    return res.body.report;
  };
  const unseen = /people deleted in the directory are not seen: CN=svc-jit,OU=People,DC=jit,DC=test cannot read CN=Deleted Objects,DC=jit,DC=test: grant it List Contents and Read Property/;

  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
    await addPerson(admin, 'Dirad Owner', 'dirad-owner');
    await addPerson(admin, 'Dirad Second Owner', 'dirad-owner2');
    for (const n of [1, 2, 3, 4]) await addPerson(admin, `Dirad Person ${n}`, `dirad-p${n}`);
    await admin.add(msaDn, { objectClass: 'msDS-ManagedServiceAccount', sAMAccountName: 'dirad-msa$', displayName: 'Dirad Backup MSA', managedBy: dnOf('Dirad Owner'), userAccountControl: WORKSTATION });
    await admin.add(gmsaDn, { objectClass: 'msDS-GroupManagedServiceAccount', sAMAccountName: 'dirad-gmsa$', dNSHostName: 'dirad-gmsa.jit.test', 'msDS-ManagedPasswordInterval': '30', managedBy: dnOf('Dirad Owner'), userAccountControl: WORKSTATION });
    srv = await startTestServer({
      connectors: [adConfig(dc, { id: 'ad-dirad' }), { id: 'manual', kind: 'manual' }],
      scheduler: { intervalMs: 0 },
      directorySync: { intervalMs: 0, sources: [{ connectorId: 'ad-dirad', serviceAccounts: true, pageSize: 50 }] },
    });
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    await srv?.close();
    await admin?.unbind().catch(() => undefined);
    await dc?.destroy();
  });

  it('syncs managed and group managed service accounts as service identities owned by the person managedBy names', async () => {
    const report = await runSync();
    expect(report.full).toBe(true);
    const owner = byUsername('dirad-owner@jit.test');
    expect(owner?.kind ?? 'person').toBe('person');
    for (const sam of ['dirad-msa$', 'dirad-gmsa$']) {
      expect(byUsername(sam)).toMatchObject({ kind: 'service', roles: [], ownerIds: [owner?.id], disabled: false });
    }
    expect(byUsername('dirad-msa$')?.displayName).toBe('Dirad Backup MSA');
    // Not people: neither is added as one.
    expect(report.added.map((a) => a.displayName)).not.toContain('Dirad Backup MSA');
    // The sync's account may not list deleted objects yet: the report says so instead of reporting none.
    expect(report.warnings?.join('\n')).toMatch(unseen);
  }, 120_000);

  it('without the right to list deleted objects, a deletion is not seen and the report says why; a user disabled in AD reads as disabled', async () => {
    await admin.del(dnOf('Dirad Person 1'));
    await replace(admin, dnOf('Dirad Person 2'), 'userAccountControl', DISABLED);
    const report = await runSync();
    expect(report.full).toBe(false);
    expect(report.counts.removed).toBe(0);
    expect(report.warnings?.join('\n')).toMatch(unseen);
    expect(byUsername('dirad-p1@jit.test')?.disabled).toBe(false);
    expect(report.disabled.map((d) => d.personId)).toEqual([byUsername('dirad-p2@jit.test')?.id]);
    expect(byUsername('dirad-p2@jit.test')?.disabled).toBe(true);
  }, 120_000);

  it('once granted, the next delta catches up the deletion: marked deleted, reported, an "offboard?" alert raised', async () => {
    await grantDeletedObjects(dc);
    const report = await runSync();
    expect(report.full).toBe(false);
    expect(report.warnings ?? []).toEqual([]);
    const gone = byUsername('dirad-p1@jit.test');
    expect(report.removed).toEqual([{ personId: gone?.id, displayName: 'Dirad Person 1', objectId: gone?.externalIds['ad-dirad'], reason: 'deleted' }]);
    expect(report.counts).toMatchObject({ removed: 1, disabled: 1, added: 0 });
    expect(gone?.disabled).toBe(true);
    const alert = srv.store.get('tasks', `t-offboard-${gone?.id}`);
    expect(alert).toMatchObject({ kind: 'offboard_alert', status: 'open', title: 'Offboard Dirad Person 1? Removed from the directory' });
    // The disabled one was alerted in the round that saw it, and stays disabled.
    expect(srv.store.get('tasks', `t-offboard-${byUsername('dirad-p2@jit.test')?.id}`)?.kind).toBe('offboard_alert');
    expect(byUsername('dirad-p2@jit.test')?.disabled).toBe(true);
    const synced = [...srv.store.auditEvents()].filter((e) => e.type === 'directory.synced').at(-1);
    expect(synced?.data).toMatchObject({ counts: { removed: 1 }, removed: [{ personId: gone?.id, reason: 'deleted' }] });
    // A round with nothing new reads the same tombstone no more.
    expect((await runSync()).counts.removed).toBe(0);
  }, 120_000);

  it('offboards a deleted person at once where the admin chose so: their grant is being revoked, the progress record says so', async () => {
    writeOffboardingSettings(srv.store, { fallbackId: null, onDirectoryDisabled: 'offboard' });
    const person = byUsername('dirad-p3@jit.test')!;
    const at = new Date().toISOString();
    setup(srv, 'policy.upsert', { policy: { id: 'p-dirad', name: 'Dirad, automatic', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, approvalSteps: [] } });
    setup(srv, 'resource.upsert', { resource: { id: 'res-dirad-app', name: 'Dirad billing app', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'billing:admin' }, ownerId: 'u-admin', sensitivity: 'low', policyIds: ['p-dirad'] } });
    srv.store.put('grants', { id: 'g-dirad-app', requestId: 'req-dirad-app', userId: person.id, resourceId: 'res-dirad-app', connector: 'manual', status: 'active', approvedAt: at, startsAt: at, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), provisionedAt: at, maxDurationMinutes: 480, updatedAt: at, revision: 1 });
    await admin.del(dnOf('Dirad Person 3'));
    const report = await runSync();
    expect(report.removed.map((r) => r.personId)).toEqual([person.id]);
    const offboarded = [...srv.store.auditEvents()].filter((e) => e.type === 'person.offboarded' && e.subjectId === person.id);
    expect(offboarded).toHaveLength(1);
    expect(offboarded[0]).toMatchObject({ actorId: 'system', data: { source: 'directory', via: 'directory', change: 'removed', connectorId: 'ad-dirad' } });
    expect(srv.store.get('grants', 'g-dirad-app')).toMatchObject({ status: 'revoking', endedReason: 'offboarding' });
    const progress = await http('GET', `${srv.url}/api/v1/people/${person.id}/offboarding`, { token: srv.adminToken });
    expect(progress.body).toMatchObject({ state: 'in_progress', progress: { total: 1 }, record: { source: 'directory', grantIds: ['g-dirad-app'] } });
    expect(srv.store.get('tasks', `t-offboard-${person.id}`)).toBeFalsy();
    writeOffboardingSettings(srv.store, { fallbackId: null, onDirectoryDisabled: 'alert' });
  }, 120_000);

  it('follows a managed service account: a new owner in a delta; deleted, it is disabled with no owner and raises the "offboard?" alert for its grants', async () => {
    await replace(admin, msaDn, 'managedBy', dnOf('Dirad Second Owner'));
    let report = await runSync();
    expect(report.full).toBe(false);
    expect(byUsername('dirad-msa$')?.ownerIds).toEqual([byUsername('dirad-owner2@jit.test')?.id]);
    await admin.del(gmsaDn);
    report = await runSync();
    const gmsa = byUsername('dirad-gmsa$')!;
    expect(report.removed).toEqual([{ personId: gmsa.id, displayName: gmsa.displayName, objectId: gmsa.externalIds['ad-dirad'], reason: 'deleted' }]);
    expect(gmsa).toMatchObject({ kind: 'service', disabled: true, ownerIds: [] });
    expect(srv.store.get('tasks', `t-offboard-${gmsa.id}`)).toMatchObject({ kind: 'offboard_alert', status: 'open', title: `Offboard ${gmsa.displayName}? Removed from the directory` });
    expect(byUsername('dirad-msa$')).toMatchObject({ disabled: false });
  }, 120_000);

  it('a full round (its marker lost, as on another DC) lists every tombstone again and removes nobody twice', async () => {
    srv.store.db.prepare("UPDATE directory_sync_state SET cursor = '{}' WHERE connector_id = 'ad-dirad'").run();
    await admin.del(dnOf('Dirad Person 4'));
    const report = await runSync();
    expect(report.full).toBe(true);
    expect(report.removed.map((r) => r.displayName)).toEqual(['Dirad Person 4']);
    expect(byUsername('dirad-p4@jit.test')?.disabled).toBe(true);
  }, 120_000);
});
