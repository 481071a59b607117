/**
 * The whole server path with a real directory behind it: REST and commands in, the scheduler and
 * the Entra connector out to the Graph stand-in (HTTPS, its own CA, replica lag), receipts back.
 * The demo organisation is seeded on both sides from sync-server/demo/directory.ts.
 */
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { AccessRequest, Grant, Task, Verification } from '../../core/index.js';
import { createServer } from '../../sync-server/app.js';
import { DEMO_ENTRA_GROUPS, DEMO_ENTRA_ROLES, DEMO_USERS } from '../../sync-server/demo/directory.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, makeTempDataDir, startTestServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;

let graph: GraphStandin;
let srv: TestServer | undefined;
let clock: number;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 5, replicationLag: { minMs: 20, maxMs: 120 } });
});
afterEach(async () => {
  await srv?.close();
  srv = undefined;
  graph.reset();
});
afterAll(async () => {
  await graph.close();
});

function entraConfig(overrides: Record<string, unknown> = {}) {
  return {
    id: 'entra-demo',
    ...standinEntraSettings(graph),
    // Reads far enough apart that three agreeing ones outlast the replica lag.
    verifyReadIntervalMs: 60,
    maxRetryWaitMs: 0,
    ...overrides,
  };
}

/** The demo organisation against the stand-in; the scheduler runs only when the test says (runOnce). */
async function startDemoServer(): Promise<TestServer> {
  seedEntraTenant(graph);
  clock = Date.now();
  srv = await startTestServer({
    seedDemo: true,
    now: () => new Date(clock),
    connectors: [entraConfig(), { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
  return srv;
}

const entraIdOf = (username: string) => DEMO_USERS.find((u) => u.username === username)?.entraId as string;

async function runScheduler(s: TestServer) {
  const scheduler = s.server.scheduler;
  if (!scheduler) throw new Error('the scheduler is not running in this server');
  return await scheduler.runOnce();
}

function receipts(s: TestServer, grantId: string): Verification[] {
  return s.store.list('verifications').filter((v) => v.grantId === grantId);
}

describe('full stack: REST, commands, scheduler, Entra connector, Graph stand-in', () => {
  it('a request approved over REST is provisioned, verified, revoked on command and verified gone', async () => {
    const s = await startDemoServer();
    const roleId = DEMO_ENTRA_ROLES.globalReader.id;
    const bobEntraId = entraIdOf('bob');
    const hasRole = () => graph.state.roleInstances().some((i) => i.principalId === bobEntraId && i.roleDefinitionId === roleId);

    const bob = await s.login('bob');
    const created = await http<AccessRequest>('POST', `${s.url}/api/v1/requests`, {
      token: bob,
      body: { resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'Review sign-in logs for INC-5001' },
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending_approval');

    const alice = await s.login('alice');
    const approved = await http('POST', `${s.url}/api/v1/commands`, {
      token: alice,
      body: { type: 'request.approve', payload: { requestId: created.body.id, reason: 'incident is open' } },
    });
    expect(approved.status).toBe(200);
    const request = (await http<AccessRequest>('GET', `${s.url}/api/v1/requests/${created.body.id}`, { token: bob })).body;
    expect(request.status).toBe('approved');
    const grantId = request.grantId as string;
    expect(s.store.get('grants', grantId)?.status).toBe('provisioning');
    expect(hasRole()).toBe(false);

    clock += 1000;
    await runScheduler(s);
    expect(hasRole()).toBe(true);
    const active = s.store.get('grants', grantId) as Grant;
    expect(active).toMatchObject({ status: 'active', verification: 'effective' });
    const provisionReceipt = receipts(s, grantId).find((v) => v.purpose === 'provision');
    expect(provisionReceipt).toMatchObject({ result: 'effective', connector: 'entra' });
    expect(provisionReceipt?.consistentReads).toBeGreaterThanOrEqual(3);

    const revoked = await http('POST', `${s.url}/api/v1/commands`, {
      token: alice,
      body: { type: 'grant.revoke', payload: { grantId, reason: 'incident closed' } },
    });
    expect(revoked.status).toBe(200);
    expect(s.store.get('grants', grantId)?.status).toBe('revoking');

    clock += 1000;
    await runScheduler(s);
    expect(hasRole()).toBe(false);
    expect(s.store.get('grants', grantId)).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(receipts(s, grantId).find((v) => v.purpose === 'revocation')).toMatchObject({ result: 'gone', connector: 'entra' });
    const trail = [...s.store.auditEvents()].filter((e) => e.subjectId === grantId).map((e) => e.type);
    expect(trail).toEqual(
      expect.arrayContaining(['grant.provisioned', 'grant.effective_verified', 'grant.revoke_requested', 'grant.revoked', 'grant.revocation_verified']),
    );
    // The audit chain still verifies with the scheduler's events in it.
    expect((await http('GET', `${s.url}/api/v1/audit/verify`, { token: s.adminToken })).body.ok).toBe(true);
  });

  it('an auto-approved group membership is removed at expiry and verified gone, on the injected clock', async () => {
    const s = await startDemoServer();
    const groupId = DEMO_ENTRA_GROUPS.securityReaders.id;
    const frankEntraId = entraIdOf('frank');
    const frank = await s.login('frank');
    const created = await http<AccessRequest>('POST', `${s.url}/api/v1/requests`, { token: frank, body: { resourceId: 'res-entra-security-readers', durationMinutes: 30 } });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('approved');
    const grantId = created.body.grantId as string;

    await runScheduler(s);
    expect(graph.state.isMember(groupId, frankEntraId)).toBe(true);
    expect(s.store.get('grants', grantId)).toMatchObject({ status: 'active', verification: 'effective' });

    clock += 29 * MINUTE;
    await runScheduler(s);
    expect(s.store.get('grants', grantId)?.status).toBe('active');
    expect(graph.state.isMember(groupId, frankEntraId)).toBe(true);

    clock += 2 * MINUTE;
    await runScheduler(s);
    expect(graph.state.isMember(groupId, frankEntraId)).toBe(false);
    const ended = s.store.get('grants', grantId) as Grant;
    expect(ended).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(ended.latenessMs).toBeGreaterThanOrEqual(0);
    expect(receipts(s, grantId).map((v) => `${v.purpose}:${v.result}`)).toEqual(expect.arrayContaining(['provision:effective', 'revocation:gone']));
    // Nothing in the demo needed a person: no escalation of any kind.
    const escalations = s.store.list('tasks').filter((t: Task) => t.kind.endsWith('escalation'));
    expect(escalations).toEqual([]);
  });

  it('the seeded approvals become active and verified; AD and application grants become owner tasks, not escalations', async () => {
    const s = await startDemoServer();
    await runScheduler(s);
    expect(s.store.get('grants', 'g-req-demo-dave-global-reader')).toMatchObject({ status: 'active', verification: 'effective' });
    expect(s.store.get('grants', 'g-req-demo-ivan-security-readers')).toMatchObject({ status: 'active', verification: 'effective' });
    expect(graph.state.roleInstances().some((i) => i.principalId === entraIdOf('dave') && i.roleDefinitionId === DEMO_ENTRA_ROLES.globalReader.id)).toBe(true);

    // An approved AD request goes to the group's owner by hand until the AD connector exists.
    const judy = await s.login('judy');
    const created = await http<AccessRequest>('POST', `${s.url}/api/v1/requests`, { token: judy, body: { resourceId: 'res-ad-finance-share', durationMinutes: 60, justification: 'payroll' } });
    const eve = await s.login('eve');
    expect((await http('POST', `${s.url}/api/v1/commands`, { token: eve, body: { type: 'request.approve', payload: { requestId: created.body.id, reason: 'ok' } } })).status).toBe(200);
    await runScheduler(s);
    const tasks = s.store.list('tasks');
    expect(tasks.map((t) => t.kind).sort()).toEqual(['manual_provision', 'manual_provision']);
    expect(tasks.find((t) => t.resourceId === 'res-ad-finance-share')).toMatchObject({ assigneeId: 'u-eve', status: 'open' });
  });
});

describe('connector view and metrics', () => {
  it('GET /api/v1/connectors shows configuration without secrets, health and job counts, to admin, auditor and policy_admin only', async () => {
    const s = await startDemoServer();
    await runScheduler(s);

    const admin = await http('GET', `${s.url}/api/v1/connectors`, { token: s.adminToken });
    expect(admin.status).toBe(200);
    expect(admin.text).not.toContain(graph.credentials.clientSecret);
    expect(admin.text).not.toContain('BEGIN CERTIFICATE');
    const entra = admin.body.connectors.find((c: { id: string }) => c.id === 'entra-demo');
    expect(entra).toMatchObject({ kind: 'entra', ok: true, settings: { clientSecret: '[redacted]', tenantId: graph.tenantId, extraTrustedCa: true } });
    expect(admin.body.connectors.map((c: { id: string }) => c.id)).toEqual(['entra-demo', 'ad-demo', 'manual']);
    expect(admin.body.scheduler.running).toBe(true);
    expect(admin.body.scheduler.jobs).toContainEqual({ kind: 'provision', state: 'done', n: 2 });

    for (const username of ['heidi', 'mallory']) {
      expect((await http('GET', `${s.url}/api/v1/connectors`, { token: await s.login(username) })).status).toBe(200);
    }
    for (const username of ['alice', 'bob']) {
      const denied = await http('GET', `${s.url}/api/v1/connectors`, { token: await s.login(username) });
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('forbidden');
    }
    expect((await http('GET', `${s.url}/api/v1/connectors`)).status).toBe(401);

    const openapi = await http('GET', `${s.url}/api/v1/openapi.json`, { token: s.adminToken });
    expect(openapi.body.paths['/api/v1/connectors'].get.responses['200']).toBeDefined();

    const metrics = await http('GET', `${s.url}/metrics`, { token: s.adminToken });
    expect(metrics.text).toMatch(/^jit_scheduler_jobs\{kind="provision",state="done"\} 2$/m);
    expect(metrics.text).toMatch(/^jit_scheduler_jobs\{kind="verify_provision",state="done"\} 2$/m);
  });

  it('a server without connectors runs no scheduler and lists none', async () => {
    srv = await startTestServer();
    expect(srv.server.scheduler).toBeUndefined();
    const view = await http('GET', `${srv.url}/api/v1/connectors`, { token: srv.adminToken });
    expect(view.body).toEqual({ connectors: [], scheduler: { running: false, jobs: [] } });
    expect((await http('GET', `${srv.url}/metrics`, { token: srv.adminToken })).text).not.toContain('jit_scheduler_jobs');
  });

  it('a bad connector config fails start with a message naming the field, and never echoes the secret', async () => {
    const dataDir = makeTempDataDir();
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const attempt = createServer({ dataDir, logLevel: 'silent', connectors: [entraConfig({ graphBaseUrl: 'http://graph.example', clientSecret: 'very-secret-value' })] });
    await expect(attempt).rejects.toThrow(/connector config entra-demo is invalid: graphBaseUrl: graphBaseUrl must be an https:\/\/ URL/);
    await expect(attempt).rejects.not.toThrow(/very-secret-value/);
    await expect(createServer({ dataDir, logLevel: 'silent', connectors: [{ id: 'x', kind: 'ldap' }] })).rejects.toThrow(/connector config x is invalid: kind/);
  });
});
