/**
 * Active Directory tests against a real Samba DC (tests/standins/samba): one DC per test file, on
 * its own loopback address, copied from a template that is provisioned once per Samba version.
 *
 *   describeAd('...', () => {                       // skipped, with the reason printed, without Samba
 *     let dc: SambaDc;
 *     beforeAll(async () => { dc = await startDc(); }, DC_START_TIMEOUT_MS);
 *     afterAll(() => dc?.destroy());
 *     const config = adConfig(dc, { id: 'ad-test' });                  // LDAPS as svc-jit
 *     const admin = await adminClient(dc);                             // arrange fixtures as Administrator
 *     await createUser(admin, 'ann'); await createGroup(admin, 'Finance');
 *   });
 */
import { join } from 'node:path';
import { Attribute, Change, Client, EqualityFilter } from 'ldapts';
import { describe } from 'vitest';
import type { AdConnectorConfigInput } from '../../../sync-server/connectors/config.js';
import { buildDn } from '../../../sync-server/connectors/ad/dn.js';
import { BASE_DN, sambaMissing, startSambaDc, type SambaDc, type StartSambaOptions } from '../../standins/samba/dc.js';
import { run } from '../../standins/samba/fixture.js';

export type { SambaDc };
export { BASE_DN };
export const PEOPLE = `OU=People,${BASE_DN}`;
export const GROUPS = `OU=Groups,${BASE_DN}`;

/** Provisioning the template the first time (5,000 users) takes about a minute; later starts take a second. */
export const DC_START_TIMEOUT_MS = 240_000;

export const SAMBA_MISSING = sambaMissing();
if (SAMBA_MISSING) console.log(`[ad] Active Directory tests skipped: ${SAMBA_MISSING}`);

/** describe, or describe.skip (printing why) where no Samba DC can run. */
export const describeAd: typeof describe = SAMBA_MISSING ? (describe.skip as typeof describe) : describe;

export async function startDc(opts: StartSambaOptions = {}): Promise<SambaDc & { unnamedAddress?: string }> {
  return await startSambaDc(opts);
}

/** A connector config for this DC: LDAPS as the least-privilege service account, fast verification. */
export function adConfig(dc: SambaDc, overrides: Partial<AdConnectorConfigInput> & { id: string }): AdConnectorConfigInput {
  return {
    kind: 'ad',
    urls: [dc.ldapsUrl],
    baseDn: dc.baseDn,
    bindDn: dc.service.jit.dn,
    bindPassword: dc.service.jit.password,
    caPem: dc.caPem,
    verifyReadIntervalMs: 0,
    operationTimeoutMs: 5_000,
    connectTimeoutMs: 2_000,
    maxAttempts: 2,
    ...overrides,
  } as AdConnectorConfigInput;
}

export async function adminClient(dc: SambaDc): Promise<Client> {
  const client = new Client({ url: dc.ldapsUrl, tlsOptions: { ca: dc.caPem, host: dc.address }, timeout: 10_000 });
  await client.bind(dc.admin.dn, dc.admin.password);
  return client;
}

let n = 0;
/** A user under OU=People; the name may hold any character (the DN is escaped by dn.ts). */
export async function createUser(admin: Client, cn: string, sAMAccountName = `u${Date.now().toString(36)}${++n}`): Promise<{ dn: string; sAMAccountName: string }> {
  const dn = buildDn([['CN', cn]], PEOPLE);
  await admin.add(dn, { objectClass: 'user', sAMAccountName });
  return { dn: await currentDn(admin, sAMAccountName), sAMAccountName };
}

export async function createGroup(admin: Client, cn: string, sAMAccountName = `g${Date.now().toString(36)}${++n}`): Promise<{ dn: string; sAMAccountName: string }> {
  const dn = buildDn([['CN', cn]], GROUPS);
  await admin.add(dn, { objectClass: 'group', sAMAccountName });
  return { dn: await currentDn(admin, sAMAccountName), sAMAccountName };
}

/** The DN as the DC spells it, found by sAMAccountName. */
export async function currentDn(admin: Client, sAMAccountName: string): Promise<string> {
  const { searchEntries } = await admin.search(BASE_DN, { scope: 'sub', filter: new EqualityFilter({ attribute: 'sAMAccountName', value: sAMAccountName }), attributes: ['1.1'] });
  if (searchEntries.length !== 1) throw new Error(`${sAMAccountName}: ${searchEntries.length} entries`);
  return (searchEntries[0] as { dn: string }).dn;
}

export async function addMember(admin: Client, groupDn: string, memberDn: string): Promise<void> {
  await admin.modify(groupDn, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
}

export async function removeMember(admin: Client, groupDn: string, memberDn: string): Promise<void> {
  await admin.modify(groupDn, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [memberDn] }) }));
}

/** The group's direct members as the DC has them (one plain read: Samba returns every value). */
export async function membersOf(admin: Client, groupDn: string): Promise<string[]> {
  const { searchEntries } = await admin.search(groupDn, { scope: 'base', attributes: ['member'] });
  const m = searchEntries[0]?.member;
  return Array.isArray(m) ? m.map(String) : m ? [String(m)] : [];
}

/**
 * samba-tool on this DC's own database while it runs (its copy of the template, so nothing another
 * test file's DC or the template itself holds changes), e.g. `['domain', 'passwordsettings', 'set', ...]`.
 */
export async function sambaTool(dc: SambaDc, args: string[]): Promise<string> {
  return await run('/usr/bin/samba-tool', [...args, '-H', join(dc.dir, 'private', 'sam.ldb'), '-s', join(dc.dir, 'etc', 'smb.conf')]);
}

/** An enabled account with a password under OU=People, made by samba-tool (an LDAP add makes a disabled one). */
export async function createAccount(dc: SambaDc, sAMAccountName: string, password: string): Promise<string> {
  await sambaTool(dc, ['user', 'create', sAMAccountName, password, '--userou=OU=People']);
  return `CN=${sAMAccountName},${PEOPLE}`;
}
