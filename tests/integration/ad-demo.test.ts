/**
 * The demo with its AD domain: JIT_DEMO=1 and JIT_DEMO_SAMBA=1 (`JIT_DEMO_SAMBA=1 npm start`) serve
 * the demo's AD resources through a real Samba DC, a child of the server stopped with it.
 */
import { tmpdir } from 'node:os';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client, EqualityFilter } from 'ldapts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AccessRequest, Grant } from '../../core/index.js';
import { DEMO_USERS } from '../../sync-server/demo/directory.js';
import { DC_START_TIMEOUT_MS, describeAd } from './helpers/samba.js';
import { DEMO_PASSWORD, http, login, spawnServer, TEST_ADMIN_PASSWORD, type SpawnedServer } from './helpers/server.js';

let demo: SpawnedServer;

describeAd('the demo with its Samba AD domain', () => {
  beforeAll(async () => {
    // The template is kept with the tests' (provisioned once), not in this throwaway data dir.
    demo = await spawnServer({ demo: true, env: { JIT_DEMO_SAMBA: '1', JIT_DEMO_SAMBA_TEMPLATES: tmpdir() }, startTimeoutMs: DC_START_TIMEOUT_MS });
  }, DC_START_TIMEOUT_MS);
  afterAll(async () => {
    if (!demo) return;
    await demo.stop();
    rmSync(demo.dataDir, { recursive: true, force: true });
  });

  it('serves ad-demo through the DC: an approved AD request is provisioned there, and the DC stops with the server', async () => {
    const url = /Demo AD domain JIT\.TEST \(Samba DC\) at (ldaps:\/\/\S+)/.exec(demo.output())?.[1];
    expect(url, demo.output()).toBeDefined();
    const admin = await login(demo.url, 'admin', TEST_ADMIN_PASSWORD);
    const view = await http('GET', `${demo.url}/api/v1/connectors`, { token: admin });
    const ad = view.body.connectors.find((c: { id: string }) => c.id === 'ad-demo');
    expect(ad).toMatchObject({ kind: 'ad', ok: true, detail: expect.stringContaining('time-bound memberships: no, scheduled removal only') });

    const requestId = 'req-demo-frank-finance-share';
    let approved = 0;
    for (const approver of ['eve', 'alice', 'carol']) {
      const res = await http('POST', `${demo.url}/api/v1/commands`, { token: await login(demo.url, approver, DEMO_PASSWORD), body: { type: 'request.approve', payload: { requestId, reason: 'quarter-end close' } } });
      if (res.status === 200) approved++;
      const request = await http<AccessRequest>('GET', `${demo.url}/api/v1/requests/${requestId}`, { token: admin });
      if (request.body.status === 'approved') break;
    }
    expect(approved).toBeGreaterThan(0);
    const grantId = (await http<AccessRequest>('GET', `${demo.url}/api/v1/requests/${requestId}`, { token: admin })).body.grantId as string;
    const deadline = Date.now() + 30_000;
    let grant: Grant | undefined;
    while (Date.now() < deadline) {
      grant = (await http<{ grants: Grant[] }>('GET', `${demo.url}/api/v1/grants`, { token: admin })).body.grants.find((g) => g.id === grantId);
      if (grant?.verification === 'effective') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(grant).toMatchObject({ status: 'active', verification: 'effective' });
    const frank = DEMO_USERS.find((u) => u.username === 'frank')!;
    const ca = readFileSync(join(demo.dataDir, 'samba', 'dc', 'tls', 'ca.pem'), 'utf8');
    const client = new Client({ url: url as string, tlsOptions: { ca }, timeout: 5000 });
    await client.bind('CN=Administrator,CN=Users,DC=jit,DC=test', 'Adm1n-Jit-Test-Pw!');
    const { searchEntries } = await client.search('CN=Finance-Share-RW,OU=Groups,DC=jit,DC=test', { scope: 'base', filter: new EqualityFilter({ attribute: 'member', value: frank.adDn }), attributes: ['1.1'] });
    expect(searchEntries).toHaveLength(1);
    await client.unbind();

    await demo.stop();
    const stillThere = new Client({ url: url as string, tlsOptions: { ca }, connectTimeout: 1000 });
    await expect(stillThere.bind('CN=Administrator,CN=Users,DC=jit,DC=test', 'x')).rejects.toThrow();
  });
});
