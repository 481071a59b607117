/**
 * `JIT_DEMO=1` as a newcomer meets it: the real CLI in a child process, its Entra tenant (the Graph
 * stand-in) in the same process, the scheduler running on the real clock.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, type AccessRequest, type Grant, type Task } from '../../core/index.js';
import { http, login, makeTempDataDir, spawnServer, TEST_ADMIN_PASSWORD, DEMO_PASSWORD, type SpawnedServer } from './helpers/server.js';

let demo: SpawnedServer;

beforeAll(async () => {
  demo = await spawnServer({ demo: true });
});
afterAll(async () => {
  if (demo) {
    await demo.stop();
    rmSync(demo.dataDir, { recursive: true, force: true });
  }
});

async function pullAll<T>(collection: 'grants' | 'tasks', token: string): Promise<T[]> {
  const res = await http<{ documents: T[] }>('GET', `${demo.url}${syncPath(collection, 'pull')}?batchSize=5000`, { token });
  if (res.status !== 200) throw new Error(`pull ${collection}: ${res.status} ${res.text}`);
  return res.body.documents;
}

/** Polls until `check` returns a value (the scheduler works on the real clock). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\n${demo.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the demo organisation (JIT_DEMO=1)', () => {
  it('starts its Entra tenant and connectors, and its seeded approvals become active and verified without escalations', async () => {
    expect(demo.output()).toMatch(/Demo Entra tenant \(Microsoft Graph stand-in\) at https:\/\/127\.0\.0\.1:\d+/);
    expect(demo.output()).toMatch(/Connectors: entra-demo, ad-demo, manual; scheduler running/);
    const admin = await login(demo.url, 'admin', TEST_ADMIN_PASSWORD);
    const view = await http('GET', `${demo.url}/api/v1/connectors`, { token: admin });
    expect(view.body.connectors.map((c: { id: string; ok: boolean }) => [c.id, c.ok])).toEqual([
      ['entra-demo', true],
      ['ad-demo', true],
      ['manual', true],
    ]);

    const grants = await eventually('the seeded Entra grants to be verified effective', async () => {
      const all = await pullAll<Grant>('grants', admin);
      const entra = all.filter((g) => g.connector === 'entra');
      return entra.length === 2 && entra.every((g) => g.status === 'active' && g.verification === 'effective') ? all : undefined;
    });
    expect(grants.map((g) => g.requestId).sort()).toEqual(['req-demo-dave-global-reader', 'req-demo-frank-erp-payments', 'req-demo-ivan-security-readers']);
    const tasks = await pullAll<Task>('tasks', admin);
    expect(tasks.filter((t) => t.kind.endsWith('escalation'))).toEqual([]);
  });

  it('an approver approves a pending Entra request and the grant goes active in the tenant', async () => {
    const alice = await login(demo.url, 'alice', DEMO_PASSWORD);
    const requestId = 'req-demo-bob-global-reader';
    const before = await http<AccessRequest>('GET', `${demo.url}/api/v1/requests/${requestId}`, { token: alice });
    expect(before.body.status).toBe('pending_approval');

    const approved = await http('POST', `${demo.url}/api/v1/commands`, { token: alice, body: { type: 'request.approve', payload: { requestId, reason: 'INC-4821 is open' } } });
    expect(approved.status).toBe(200);
    const request = await http<AccessRequest>('GET', `${demo.url}/api/v1/requests/${requestId}`, { token: alice });
    expect(request.body.status).toBe('approved');
    const grantId = request.body.grantId as string;

    const grant = await eventually('the new grant to be active and verified effective', async () => {
      const found = (await pullAll<Grant>('grants', alice)).find((g) => g.id === grantId);
      return found?.status === 'active' && found.verification === 'effective' ? found : undefined;
    });
    expect(grant).toMatchObject({ userId: 'u-bob', resourceId: 'res-entra-global-reader' });
    expect(grant.timeToEffectiveMs).toBeGreaterThan(0);
  });

  it('a restart puts the provisioned access back into the fresh in-memory tenant, so a revocation really removes it', async () => {
    const stopped = await demo.stop();
    expect(stopped.code).toBe(0);
    demo = await spawnServer({ dataDir: demo.dataDir, demo: true });
    // dave's and bob's Global Reader, ivan's SG-Security-Readers.
    expect(demo.output()).toMatch(/3 provisioned assignment\(s\) restored/);

    const alice = await login(demo.url, 'alice', DEMO_PASSWORD);
    const grantId = 'g-req-demo-bob-global-reader';
    const revoked = await http('POST', `${demo.url}/api/v1/commands`, { token: alice, body: { type: 'grant.revoke', payload: { grantId, reason: 'done' } } });
    expect(revoked.status).toBe(200);
    await eventually('the revocation to be verified', async () => {
      const found = (await pullAll<Grant>('grants', alice)).find((g) => g.id === grantId);
      return found?.status === 'verified' && found.verification === 'gone' ? found : undefined;
    });
    const audit = await http<{ documents: { type: string; subjectId: string; data: Record<string, unknown> }[] }>('GET', `${demo.url}${syncPath('audit', 'pull')}?batchSize=5000`, { token: alice });
    const removal = audit.body.documents.find((e) => e.type === 'grant.revoked' && e.subjectId === grantId);
    expect(removal?.data.alreadyInState).toBe(false);
  });
});

describe('JIT_CONNECTORS_FILE', () => {
  it('configures the connectors it lists; a bad one stops the start with the field named and no secret echoed', async () => {
    const dataDir = makeTempDataDir();
    try {
      const file = join(dataDir, 'connectors.json');
      writeFileSync(file, JSON.stringify([{ id: 'erp-owners', kind: 'manual', displayName: 'ERP owners' }]));
      const good = await spawnServer({ dataDir, env: { JIT_CONNECTORS_FILE: file } });
      expect(good.output()).toMatch(/Connectors: erp-owners; scheduler running/);
      const admin = await login(good.url, 'admin', TEST_ADMIN_PASSWORD);
      expect((await http('GET', `${good.url}/api/v1/connectors`, { token: admin })).body.connectors).toMatchObject([{ id: 'erp-owners', displayName: 'ERP owners', ok: true }]);
      expect((await good.stop()).code).toBe(0);

      writeFileSync(file, JSON.stringify([{ id: 'entra-prod', kind: 'entra', tenantId: 't', clientId: 'c', clientSecret: 'hunter2-secret', graphBaseUrl: 'http://graph.example' }]));
      const bad = spawnServer({ dataDir, env: { JIT_CONNECTORS_FILE: file } });
      await expect(bad).rejects.toThrow(/failed to start: connector config entra-prod is invalid: graphBaseUrl: graphBaseUrl must be an https:\/\/ URL/);
      await expect(bad).rejects.not.toThrow(/hunter2-secret/);

      writeFileSync(file, '{"id": "not-an-array"}');
      await expect(spawnServer({ dataDir, env: { JIT_CONNECTORS_FILE: file } })).rejects.toThrow(/JIT_CONNECTORS_FILE: .*must hold a JSON array/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
