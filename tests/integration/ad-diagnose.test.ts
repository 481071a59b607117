/**
 * "Test connection" for the AD connector against a real Samba DC: each way a connection can fail
 * is reported at its own step, in words; and the REST endpoint that runs it for an admin. Last, a
 * lockout policy on this file's own DC and a service account locked by failed binds.
 */
import type { Client } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AssignmentRef } from '../../core/index.js';
import { AdConnector } from '../../sync-server/connectors/ad/index.js';
import { parseConnectorConfig, type AdConnectorConfig } from '../../sync-server/connectors/config.js';
import { adConfig, adminClient, createAccount, createGroup, createUser, DC_START_TIMEOUT_MS, describeAd, sambaTool, startDc, type SambaDc } from './helpers/samba.js';
import { http, startTestServer } from './helpers/server.js';

let dc: SambaDc & { unnamedAddress?: string };
let admin: Client;
let group: { dn: string };
const open: AdConnector[] = [];

const resource = (externalId: string): AssignmentRef['resource'] => ({ id: 'res-diag', kind: 'ad_group', connector: 'ad', connectorId: 'ad-diag', target: { externalId }, name: 'Diag group' });

async function diagnose(overrides: Partial<AdConnectorConfig> = {}, groupDn = group.dn) {
  const connector = new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-diag', ...overrides })) as AdConnectorConfig, { warn: () => undefined });
  open.push(connector);
  return await connector.diagnose([resource(groupDn)]);
}

describeAd('AD connection test against a Samba DC', () => {
  beforeAll(async () => {
    dc = await startDc({ unnamedAddress: true });
    admin = await adminClient(dc);
    group = await createGroup(admin, 'Diag-Group');
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    for (const c of open) c.close();
    await admin?.unbind();
    await dc?.destroy();
  });

  it('passes every step over LDAPS and over StartTLS', async () => {
    for (const overrides of [{}, { urls: [dc.ldapUrl], startTls: true }]) {
      const result = await diagnose(overrides);
      expect(result).toMatchObject({ ok: true, summary: 'every check passed on the DC' });
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
        ['dns', true],
        ['tcp', true],
        ['tls', true],
        ['bind', true],
        ['base_dn', true],
        ['rights', true],
        ['ttl', true],
      ]);
      expect(result.steps.find((s) => s.step === 'ttl')?.detail).toContain('not available');
    }
  });

  it.each([
    ['a wrong password', () => ({ bindPassword: 'not-the-password-1' }), 'bind', 'the password is wrong'],
    ['an untrusted certificate', () => ({ caPem: undefined }), 'tls', 'is not signed by a trusted CA'],
    ['a certificate for another name', () => ({ urls: [`ldaps://${dc.unnamedAddress}:636`] }), 'tls', 'is for another name'],
    ['a StartTLS certificate nobody trusts', () => ({ urls: [dc.ldapUrl], startTls: true, caPem: undefined }), 'tls', 'is not signed by a trusted CA'],
    ['an account that may not change the group', () => ({ bindDn: dc.service.reader.dn, bindPassword: dc.service.reader.password }), 'rights', 'cannot modify the members of Diag group'],
    ['an unknown base DN', () => ({ baseDn: 'OU=Nowhere,DC=jit,DC=test' }), 'base_dn', 'base DN OU=Nowhere,DC=jit,DC=test was not found on dc1.jit.test (its domain is DC=jit,DC=test)'],
    ['a name DNS does not know', () => ({ urls: ['ldaps://no-such-dc.invalid'] }), 'dns', 'no-such-dc.invalid cannot be resolved'],
    ['a port nothing listens on', () => ({ urls: [`ldaps://${dc.address}:1`] }), 'tcp', 'the connection was refused'],
    ['plain LDAP, which the DC refuses for simple binds', () => ({ urls: [dc.ldapUrl], allowPlainLdap: true }), 'bind', 'accepts simple binds only over TLS'],
  ])('names the failed step for %s', async (_what, overrides, step, words) => {
    const result = await diagnose(overrides());
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe(step);
    expect(result.summary).toContain(words);
    expect(result.steps.at(-1)).toMatchObject({ step, ok: false });
  });

  it('a group that is not there fails the rights step; the read-only account cannot write either', async () => {
    expect(await diagnose({}, 'CN=Missing,OU=Groups,DC=jit,DC=test')).toMatchObject({ failedStep: 'rights', summary: expect.stringContaining('was not found under DC=jit,DC=test') });
    const reader = new AdConnector(parseConnectorConfig(adConfig(dc, { id: 'ad-diag', bindDn: dc.service.reader.dn, bindPassword: dc.service.reader.password })) as AdConnectorConfig);
    open.push(reader);
    const user = await createUser(admin, 'diag-dora');
    expect(await reader.provision({ grantId: 'gr-diag', resource: resource(group.dn), principalId: user.dn })).toMatchObject({ status: 'failed', retryable: false, code: 'forbidden' });
  });

  it('POST /api/v1/connectors/:id/test runs it on the server for an admin, with the resources that use the connector', async () => {
    const srv = await startTestServer({
      connectors: [adConfig(dc, { id: 'ad-diag' }), adConfig(dc, { id: 'ad-wrong', bindPassword: 'wrong-password-2' }), { id: 'manual', kind: 'manual' }],
      scheduler: false,
    });
    try {
      srv.store.put('resources', { ...resource(group.dn), description: '', ownerId: 'u-admin', sensitivity: 'high', policyIds: ['p-1'], archived: false, updatedAt: new Date().toISOString() });
      const ok = await http('POST', `${srv.url}/api/v1/connectors/ad-diag/test`, { token: srv.adminToken });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ connectorId: 'ad-diag', ok: true });
      expect(ok.body.steps.find((s: { step: string }) => s.step === 'rights').detail).toContain('may change the members of the group the resources use');
      const wrong = await http('POST', `${srv.url}/api/v1/connectors/ad-wrong/test`, { token: srv.adminToken });
      expect(wrong.body).toMatchObject({ ok: false, failedStep: 'bind', summary: expect.stringContaining('the password is wrong') });
      expect(wrong.text).not.toContain('wrong-password-2');
      const manual = await http('POST', `${srv.url}/api/v1/connectors/manual/test`, { token: srv.adminToken });
      expect(manual.body).toMatchObject({ ok: true, steps: [{ step: 'health', ok: true }] });
      expect((await http('POST', `${srv.url}/api/v1/connectors/nope/test`, { token: srv.adminToken })).status).toBe(404);
    } finally {
      await srv.close();
    }
  });

  // Last in the file: the policy it sets would lock svc-jit too after enough wrong passwords.
  it('names a service account locked out by failed binds, in the test and on the connectors screen', async () => {
    // This file's DC runs on its own copy of the template: the policy reaches no other test's DC.
    await sambaTool(dc, ['domain', 'passwordsettings', 'set', '--account-lockout-threshold=3', '--account-lockout-duration=30', '--reset-account-lockout-after=30']);
    const password = 'Svc-Locked-Test-Pw-1!';
    const account = await createAccount(dc, 'svc-locked', password);
    const locked = { bindDn: account, bindPassword: password };
    // Before: it signs in (and, being no group writer, fails only at the rights step).
    const before = await diagnose(locked);
    expect(before.steps.find((s) => s.step === 'bind')).toMatchObject({ ok: true });
    for (let i = 0; i < 3; i++) {
      expect(await diagnose({ ...locked, bindPassword: `not-the-password-${i}` })).toMatchObject({ failedStep: 'bind', summary: expect.stringContaining('the password is wrong') });
    }
    // Locked: the right password is refused too, and the diagnosis says whose account it is and what to do.
    const result = await diagnose(locked);
    expect(result).toMatchObject({ ok: false, failedStep: 'bind' });
    expect(result.summary).toBe(
      `bind as ${account}: the account svc-locked (${account}) is locked out after too many failed sign-ins: it unlocks by itself once the domain's lockout duration has passed, ` +
        'or a domain admin can unlock it now (Active Directory Users and Computers, Account tab; or Unlock-ADAccount svc-locked). ' +
        'Then find what else still signs in as svc-locked with an old password, or it will lock again',
    );
    const srv = await startTestServer({ connectors: [adConfig(dc, { id: 'ad-locked', ...locked })], scheduler: false });
    try {
      const test = await http('POST', `${srv.url}/api/v1/connectors/ad-locked/test`, { token: srv.adminToken });
      expect(test.body).toMatchObject({ ok: false, failedStep: 'bind', summary: expect.stringContaining(`the account svc-locked (${account}) is locked out`) });
      expect(test.text).not.toContain(password);
      const view = await http('GET', `${srv.url}/api/v1/connectors`, { token: srv.adminToken });
      expect(view.body.connectors.find((c: { id: string }) => c.id === 'ad-locked')).toMatchObject({ ok: false, detail: expect.stringContaining(`(bind as ${account}): the account svc-locked (${account}) is locked out`) });
    } finally {
      await srv.close();
    }
  });
});
