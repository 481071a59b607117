/**
 * Scheduled start through the real server and its scheduler: a request over REST asks for access
 * from Saturday 22:00 for 4 h; it is approved on Friday, and nothing is provisioned until the
 * start (the manual application's owner gets the task then, not before); a server that is down at
 * the start provisions when it comes back; the grant ends at start + duration. A scheduled request
 * cancelled after its approval, before its start, ends its grant without a write or a task. The
 * clock is injected and the scheduler's pass is run by hand (intervalMs: 0): no timed assertions.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRequest, Grant } from '../../core/index.js';
import { http, makeTempDataDir, startTestServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let clock = Date.parse('2026-06-05T09:00:00.000Z'); // a Friday
const now = () => new Date(clock);
const iso = (ms: number) => new Date(ms).toISOString();
const SATURDAY_22 = Date.parse('2026-06-06T22:00:00.000Z');
const dataDir = makeTempDataDir('jit-scheduled-');
const options = { now, dataDir, keepDataDir: true, connectors: [{ id: 'manual', kind: 'manual' }] as unknown[], scheduler: { intervalMs: 0 }, tokenTtlMinutes: 60 * 24 * 60 };

let srv: TestServer;
let bob: string;
let alice: string;

const ask = (token: string, body: Record<string, unknown>) => http<AccessRequest & { error?: { code: string; message: string; field?: string } }>('POST', `${srv.url}/api/v1/requests`, { token, body });
const command = (token: string, type: string, payload: Record<string, unknown>) => http<{ status?: string; message?: string; result?: { status: string; message: string } }>('POST', `${srv.url}/api/v1/commands`, { token, body: { type, payload } });
const grant = (id: string) => srv.store.get('grants', id) as Grant;
const auditTypes = (id: string) => srv.store.list('audit').filter((e) => e.subjectId === id).map((e) => e.type);
const tasksFor = (grantId: string) => srv.store.list('tasks').filter((t) => t.grantId === grantId);

async function pass(): Promise<void> {
  const scheduler = srv.server.scheduler;
  if (!scheduler) throw new Error('the scheduler does not run in this server');
  await scheduler.runOnce();
}

async function signIn(): Promise<void> {
  [bob, alice] = (await Promise.all(['bob', 'alice'].map((u) => srv.login(u)))) as [string, string];
}

beforeAll(async () => {
  srv = await startTestServer({ ...options, seedDemo: true });
  const at = iso(clock);
  srv.store.tx(() => {
    srv.store.put('policies', {
      id: 'pol-maint',
      name: 'Maintenance windows',
      maxDurationMinutes: 8 * 60,
      defaultDurationMinutes: 60,
      requireJustification: false,
      approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }],
      updatedAt: at,
    });
    srv.store.put('resources', {
      id: 'res-maint',
      name: 'Billing console admin',
      kind: 'manual_role',
      connector: 'manual',
      connectorId: 'manual',
      target: { externalId: 'billing-admin' },
      ownerId: 'u-judy',
      sensitivity: 'high',
      policyIds: ['pol-maint'],
      updatedAt: at,
    });
    srv.store.put('profiles', { id: 'prof-maint', name: 'Engineering', resourceIds: ['res-maint'], departments: ['Engineering'], updatedAt: at });
  });
  await signIn();
});
afterAll(async () => {
  await srv?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('asking for a later start over REST', () => {
  it('refuses a start in the past and one more than 30 days ahead, naming the field', async () => {
    const past = await ask(bob, { resourceId: 'res-maint', durationMinutes: 60, startsAt: iso(clock - HOUR) });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatchObject({ code: 'invalid_input', field: 'startsAt', message: `startsAt: ${iso(clock - HOUR)} is not in the future; leave it out to start as soon as the request is approved` });
    const far = await ask(bob, { resourceId: 'res-maint', durationMinutes: 60, startsAt: iso(clock + 31 * 24 * HOUR) });
    expect(far.body.error).toMatchObject({ code: 'invalid_input', field: 'startsAt' });
    const notUtc = await ask(bob, { resourceId: 'res-maint', durationMinutes: 60, startsAt: '2026-06-06T22:00:00+02:00' });
    expect(notUtc.status).toBe(400);
    expect(srv.store.list('requests', { where: { resourceId: 'res-maint' } })).toEqual([]);
  });

  it('is described in the API reference', async () => {
    const spec = await http<{ paths: Record<string, { post?: { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }> }>('GET', `${srv.url}/api/v1/openapi.json`, { token: bob });
    const body = spec.body.paths['/api/v1/requests']?.post?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(body?.properties ?? {})).toContain('startsAt');
  });
});

describe('a request for Saturday 22:00, approved on Friday', () => {
  it('waits for the start: no provisioning, no task, until Saturday 22:00', async () => {
    const asked = await ask(bob, { requestId: 'r-sat', resourceId: 'res-maint', durationMinutes: 240, startsAt: iso(SATURDAY_22) });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({ status: 'pending_approval', startsAt: iso(SATURDAY_22), expiresAt: iso(SATURDAY_22 + 4 * HOUR) });

    clock += HOUR;
    const approved = await command(alice, 'request.approve', { requestId: 'r-sat', reason: 'planned maintenance' });
    expect(approved.body).toMatchObject({ status: 'applied' });
    expect(grant('g-r-sat')).toMatchObject({ status: 'provisioning', approvedAt: iso(clock), startsAt: iso(SATURDAY_22), expiresAt: iso(SATURDAY_22 + 4 * HOUR) });
    expect(srv.store.list('audit').find((e) => e.type === 'grant.created' && e.subjectId === 'g-r-sat')?.data).toMatchObject({ startsAt: iso(SATURDAY_22) });

    await pass();
    clock = SATURDAY_22 - MINUTE;
    await pass();
    expect(grant('g-r-sat').status).toBe('provisioning');
    expect(tasksFor('g-r-sat')).toEqual([]);
    expect(auditTypes('g-r-sat')).not.toContain('grant.provision_started');
  });

  it('a server down at the start provisions when it comes back', async () => {
    await srv.close();
    clock = SATURDAY_22 + 10 * MINUTE;
    srv = await startTestServer(options);
    await signIn();
    await pass();
    expect(auditTypes('g-r-sat')).toContain('grant.provision_started');
    // The manual application's owner is asked now, and told when it ends.
    const [task] = tasksFor('g-r-sat');
    expect(task).toMatchObject({ kind: 'manual_provision', assigneeId: 'u-judy', status: 'open' });
    expect(grant('g-r-sat')).toMatchObject({ expiresAt: iso(SATURDAY_22 + 4 * HOUR) });
  });

  it('once started it is live: cancelling is refused, giving the grant back is the way', async () => {
    const cancel = await command(bob, 'request.cancel', { requestId: 'r-sat', reason: 'done early' });
    expect(cancel.body.result).toMatchObject({ status: 'rejected', message: expect.stringMatching(/give the grant back instead/) });
  });
});

describe('cancelling a scheduled request after its approval, before its start', () => {
  it('cancels the request and ends its grant without a write or a task for the owner', async () => {
    const start = clock + 2 * 24 * HOUR;
    expect((await ask(bob, { requestId: 'r-later', resourceId: 'res-maint', durationMinutes: 120, startsAt: iso(start) })).status).toBe(201);
    expect((await command(alice, 'request.approve', { requestId: 'r-later', reason: 'ok' })).body).toMatchObject({ status: 'applied' });
    const cancelled = await command(bob, 'request.cancel', { requestId: 'r-later', reason: 'maintenance moved' });
    expect(cancelled.body).toMatchObject({ status: 'applied' });
    expect(srv.store.get('requests', 'r-later')).toMatchObject({ status: 'cancelled', outcomeReason: 'cancelled before its start: maintenance moved' });
    expect(grant('g-r-later')).toMatchObject({ status: 'revoking', endedBy: 'u-bob' });

    await pass();
    expect(grant('g-r-later')).toMatchObject({ status: 'verified', verification: 'gone', provisionedAt: null });
    expect(tasksFor('g-r-later')).toEqual([]);
    expect(auditTypes('g-r-later')).not.toContain('grant.provision_started');
    expect(srv.store.list('audit').find((e) => e.type === 'grant.revoked' && e.subjectId === 'g-r-later')?.data).toMatchObject({ neverProvisioned: true });
    // Past the start, nothing comes back to life.
    clock = start + MINUTE;
    await pass();
    expect(grant('g-r-later').status).toBe('verified');
    expect(tasksFor('g-r-later')).toEqual([]);
  });
});
