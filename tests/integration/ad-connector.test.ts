/**
 * The AD connector against a real Samba DC (no LDAP fakes): writes over LDAPS and StartTLS,
 * idempotency, batching, nested membership in verification, addressing by DN, GUID and
 * sAMAccountName, names that try to change what is searched or modified, the TTL fallback, and
 * listing a 5,000-member group in explicit ranges.
 */
import type { Client } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AssignmentRef } from '../../core/index.js';
import { AdConnector } from '../../sync-server/connectors/ad/index.js';
import { guidToString } from '../../sync-server/connectors/ad/directory.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../sync-server/connectors/config.js';
import { BULK_GROUP_DN, BULK_MEMBERS, bulkUserDn } from '../standins/samba/fixture.js';
import { addMember, adConfig, adminClient, createGroup, createUser, DC_START_TIMEOUT_MS, describeAd, GROUPS, membersOf, removeMember, startDc, type SambaDc } from './helpers/samba.js';

let dc: SambaDc;
let admin: Client;
const connectors: AdConnector[] = [];

function connector(overrides: Partial<AdConnectorConfig> = {}, id = 'ad-test'): AdConnector {
  const c = new AdConnector(parseConnectorConfig(adConfig(dc, { id, ...overrides })) as AdConnectorConfig, { warn: () => undefined });
  connectors.push(c);
  return c;
}

let g = 0;
function ref(groupRef: string, principalId: string, extra: Partial<AssignmentRef> = {}): AssignmentRef {
  return {
    grantId: `gr-ad-${++g}`,
    resource: { id: 'res-ad', kind: 'ad_group', connector: 'ad', connectorId: 'ad-test', target: { externalId: groupRef }, name: 'AD group' },
    principalId,
    ...extra,
  };
}

describeAd('AD connector against a Samba DC', () => {
  beforeAll(async () => {
    dc = await startDc();
    admin = await adminClient(dc);
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    for (const c of connectors) c.close();
    await admin?.unbind();
    await dc?.destroy();
  });

  it('provisions, verifies and revokes over LDAPS and over StartTLS, each write idempotent', async () => {
    for (const transport of ['ldaps', 'starttls'] as const) {
      const ad = transport === 'ldaps' ? connector() : connector({ urls: [dc.ldapUrl], startTls: true }, 'ad-test');
      const user = await createUser(admin, `ann-${transport}`);
      const group = await createGroup(admin, `Finance-${transport}`);
      const r = ref(group.dn, user.dn);
      expect(await ad.provision(r)).toMatchObject({ status: 'applied', detail: expect.stringContaining('added to') });
      expect(await membersOf(admin, group.dn)).toEqual([user.dn]);
      expect(await ad.provision(r)).toMatchObject({ status: 'applied', alreadyInState: true });
      const present = await ad.verify(r, 'present');
      expect(present).toMatchObject({ present: true, conclusive: true, consistentReads: 3, transitiveChecked: true });
      expect(present.reads[0]?.detail).toContain('is a direct member of');
      expect(await ad.revoke(r)).toMatchObject({ status: 'applied', detail: expect.stringContaining('removed from') });
      expect(await ad.revoke(r)).toMatchObject({ status: 'applied', alreadyInState: true });
      const gone = await ad.verify(r, 'absent');
      expect(gone).toMatchObject({ present: false, conclusive: true });
      expect(gone.endpoint).toContain(`LDAP ${transport === 'ldaps' ? dc.ldapsUrl : dc.ldapUrl} (DC dc1.jit.test)`);
      expect(gone.endpoint).toContain(`(memberOf:1.2.840.113556.1.4.1941:=${group.dn})`);
      expect(gone.caveat).toMatch(/Kerberos tickets issued before this read keep the group memberships/);
      expect(await membersOf(admin, group.dn)).toEqual([]);
      expect((await ad.health()).detail).toContain(transport === 'ldaps' ? 'ldaps://' : 'ldap://');
      ad.close();
    }
  });

  it('several writes due for one group go in one modify, and one already in state does not fail the others', async () => {
    const ad = connector();
    const group = await createGroup(admin, 'Batch');
    const users = await Promise.all(['b1', 'b2', 'b3', 'b4'].map((n) => createUser(admin, n)));
    const refs = users.map((u) => ref(group.dn, u.dn));
    const added = await ad.provisionMany(refs);
    expect([...added.values()].every((o) => o.status === 'applied' && o.detail.includes('one modify of 4 values'))).toBe(true);
    expect((await membersOf(admin, group.dn)).sort()).toEqual(users.map((u) => u.dn).sort());
    await removeMember(admin, group.dn, users[0]!.dn);
    const removed = await ad.revokeMany(refs);
    expect(removed.get(refs[0]!.grantId)).toMatchObject({ status: 'applied', alreadyInState: true });
    for (const r of refs.slice(1)) expect(removed.get(r.grantId)).toMatchObject({ status: 'applied', detail: expect.stringContaining('removed from') });
    expect(await membersOf(admin, group.dn)).toEqual([]);
  });

  it('a nested membership counts as present, and the receipt names the path; revoking the direct one leaves it', async () => {
    const ad = connector();
    const user = await createUser(admin, 'nested-nora');
    const target = await createGroup(admin, 'Server-Admins-N');
    const inner = await createGroup(admin, 'Ops-Inner');
    await addMember(admin, inner.dn, user.dn);
    await addMember(admin, target.dn, inner.dn);
    const r = ref(target.dn, user.dn);
    expect(await ad.provision(r)).toMatchObject({ status: 'applied' });
    expect(await ad.revoke(r)).toMatchObject({ status: 'applied' });
    const still = await ad.verify(r, 'absent', { consistentReads: 2, maxReads: 3 });
    expect(still).toMatchObject({ present: true, conclusive: true });
    expect(still.reads.at(-1)?.detail).toContain(`is a nested member through ${inner.dn} of ${target.dn}`);
    expect(still.reads.at(-1)?.detail).toContain('direct member value: no; in chain 1.2.840.113556.1.4.1941: yes; tokenGroups: yes');
    await removeMember(admin, target.dn, inner.dn);
    expect(await ad.verify(r, 'absent')).toMatchObject({ present: false, conclusive: true });
  });

  it('addresses users and groups by DN, objectGUID or sAMAccountName, resolved once', async () => {
    const ad = connector();
    const user = await createUser(admin, 'guid-gus', 'gus.sam');
    const group = await createGroup(admin, 'By-Name', 'by.name.group');
    const { searchEntries } = await admin.search(user.dn, { scope: 'base', attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'] });
    const guid = guidToString(searchEntries[0]!.objectGUID as Buffer);
    for (const [groupRef, principal] of [['by.name.group', `<GUID=${guid}>`], [`JIT\\by.name.group`, guid], [group.dn, 'gus.sam']] as const) {
      const r = ref(groupRef, principal);
      expect(await ad.provision(r)).toMatchObject({ status: 'applied' });
      expect(await membersOf(admin, group.dn)).toEqual([user.dn]);
      expect(await ad.verify(r, 'present', { consistentReads: 1 })).toMatchObject({ present: true, conclusive: true });
      expect(await ad.revoke(r)).toMatchObject({ status: 'applied', detail: expect.stringContaining('removed from') });
    }
    // Renamed after it was resolved: the GUID still finds it.
    const r = ref(group.dn, user.dn);
    await ad.provision(r);
    await admin.modifyDN(user.dn, 'CN=guid-gus-renamed');
    expect(await ad.verify(r, 'present', { consistentReads: 1 })).toMatchObject({ present: true });
    expect(await ad.revoke(r)).toMatchObject({ status: 'applied', detail: expect.stringContaining('removed from') });
    expect(await membersOf(admin, group.dn)).toEqual([]);
    expect(await ad.provision(ref('nobody.here', 'gus.sam'))).toMatchObject({ status: 'failed', retryable: false, code: 'not_found' });
  });

  it('hostile names cannot change what is searched or modified', async () => {
    const ad = connector();
    const bystander = await createUser(admin, 'bystander');
    const victim = await createGroup(admin, 'Victim');
    await addMember(admin, victim.dn, bystander.dn);
    const names = ['*)(|(cn=*', 'comma, here', 'plus+sign', 'back\\slash', '#hash', 'nul\u0000byte', ' leading space'];
    for (const [i, name] of names.entries()) {
      const user = await createUser(admin, name, `hostile${i}`);
      const group = await createGroup(admin, `G ${name}`, `hostile.g${i}`);
      for (const r of [ref(group.dn, user.dn), ref(`hostile.g${i}`, `hostile${i}`)]) {
        expect(await ad.provision(r)).toMatchObject({ status: 'applied' });
        expect(await membersOf(admin, group.dn)).toEqual([user.dn]);
        const present = await ad.verify(r, 'present', { consistentReads: 1 });
        expect(present.present).toBe(true);
        expect(await ad.revoke(r)).toMatchObject({ status: 'applied', detail: expect.stringContaining('removed from') });
        expect(await ad.verify(r, 'absent', { consistentReads: 1 })).toMatchObject({ present: false, conclusive: true });
      }
      // As a sAMAccountName, the filter characters are a value: no such account, nothing touched.
      expect(await ad.provision(ref(victim.dn, name.replace('\u0000', '')))).toMatchObject({ status: 'failed' });
    }
    // A principal "DN" that tries to name a second RDN or a wildcard is refused or matches nothing.
    for (const trick of ['CN=*', `CN=*)(|(cn=*,${GROUPS}`, `CN=bystander,OU=People,DC=jit,DC=test)(cn=*`]) {
      const outcome = await ad.revoke(ref(victim.dn, trick));
      expect(outcome.status === 'failed' || (outcome.status === 'applied' && outcome.alreadyInState)).toBe(true);
    }
    expect(await membersOf(admin, victim.dn)).toEqual([bystander.dn]);
  });

  it('detects on connecting that Samba has no time-bound memberships, shows it as its own field, and writes plain members', async () => {
    const ad = connector({ ttl: 'auto' });
    const user = await createUser(admin, 'ttl-tia');
    const group = await createGroup(admin, 'TTL-Target');
    const r = ref(group.dn, user.dn, { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(ad.ttlSupport()).toBeUndefined();
    // A read is the first use: the connection it opens has already looked at the forest's optional features.
    await ad.verify(r, 'absent', { consistentReads: 1 });
    expect(ad.ttlSupport()).toMatchObject({ enabled: false, detail: expect.stringContaining('optional features: Recycle Bin Feature') });
    const health = await ad.health();
    expect(health).toMatchObject({ ok: true, facts: [{ key: 'timeLimitedMembership', label: 'Time-limited membership (PAM)', value: 'not available on this forest — removal is scheduled' }] });
    expect(health.detail).toContain('time-bound memberships: no, scheduled removal only');
    // The fallback: the grant's end does not go into the directory (no <TTL=...> value, which Samba refuses);
    // the member is written as it is, and the scheduler's removal at expiry is what ends it (ad-scheduler.test.ts).
    expect(await ad.provision(r)).toMatchObject({ status: 'applied', detail: expect.stringContaining('added to') });
    expect(await membersOf(admin, group.dn)).toEqual([user.dn]);
    const off = connector({ ttl: 'off' }, 'ad-test-off');
    expect((await off.health()).facts).toEqual([{ key: 'timeLimitedMembership', label: 'Time-limited membership (PAM)', value: "off in this connector's settings — removal is scheduled" }]);
  });

  it(`lists all ${BULK_MEMBERS} members of a large group in explicit ranges and paged searches`, async () => {
    const whole = await membersOf(admin, BULK_GROUP_DN);
    expect(whole).toHaveLength(BULK_MEMBERS);
    const bulk = { id: 'res-bulk', kind: 'ad_group' as const, connector: 'ad' as const, connectorId: 'ad-test', target: { externalId: BULK_GROUP_DN }, name: 'Bulk' };
    for (const rangeSize of [1500, 997]) {
      const listed = await connector({ rangeSize, pageSize: 700 }).listAssignments(bulk);
      expect(listed).toHaveLength(BULK_MEMBERS);
      expect(new Set(listed.map((a) => a.principalId.toLowerCase()))).toEqual(new Set(whole.map((m) => m.toLowerCase())));
      expect(listed[0]?.detail).toBe(`direct member (member read in ${Math.ceil(BULK_MEMBERS / rangeSize)} range(s))`);
    }
    expect(whole).toContain(bulkUserDn(4999));
    // Nested members are listed too, with the group they come through.
    const ad = connector();
    const outer = await createGroup(admin, 'Outer-List');
    const inner = await createGroup(admin, 'Inner-List');
    const [direct, deep] = await Promise.all([createUser(admin, 'list-direct'), createUser(admin, 'list-deep')]);
    await addMember(admin, outer.dn, direct.dn);
    await addMember(admin, outer.dn, inner.dn);
    await addMember(admin, inner.dn, deep.dn);
    await addMember(admin, inner.dn, outer.dn);
    const listed = await ad.listAssignments({ ...bulk, target: { externalId: outer.dn } });
    expect(listed.map((a) => `${a.principalId} | ${a.detail}`).sort()).toEqual(
      [
        `${direct.dn} | direct member (member read in 1 range(s))`,
        `${inner.dn} | direct member (member read in 1 range(s))`,
        `${deep.dn} | nested member through ${inner.dn}`,
        `${outer.dn} | nested member through ${inner.dn}`,
      ].sort(),
    );
  });
});
