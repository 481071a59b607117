/**
 * Policies that mean what they say, through the real server: a request under a Jira-ticket policy
 * with a two-step chain, asked over REST without a duration; the first step times out and escalates
 * (a directory group and the requester's manager's manager, minus whoever changed the policy), an
 * escalation approver decides it, the second step times out with nobody to escalate to and the
 * request expires. Another request waits out its deadline across a server restart. The clock is
 * injected and the scheduler's pass is run by hand (intervalMs: 0).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../core/index.js';
import { http, makeTempDataDir, startTestServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
let clock = Date.parse('2026-06-01T08:00:00.000Z');
const now = () => new Date(clock);
const at = () => new Date(clock).toISOString();
const dataDir = makeTempDataDir('jit-deadlines-');
const options = { now, dataDir, keepDataDir: true, scheduler: { intervalMs: 0 }, tokenTtlMinutes: 60 * 24 * 60 } as const;

let srv: TestServer;
let bob: string;
let dave: string;

async function pass(): Promise<void> {
  const scheduler = srv.server.scheduler;
  if (!scheduler) throw new Error('the scheduler does not run in this server');
  await scheduler.runOnce();
}

const ask = (token: string, body: Record<string, unknown>) => http<AccessRequest & { error?: { code: string; message: string; field?: string } }>('POST', `${srv.url}/api/v1/requests`, { token, body });
const command = (token: string, type: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type, payload } });
const request = (id: string) => srv.store.get('requests', id) as AccessRequest;
const auditOf = (id: string) => srv.store.list('audit').filter((e) => e.subjectId === id);

beforeAll(async () => {
  srv = await startTestServer({ ...options, seedDemo: true });
  const store = srv.store;
  store.tx(() => {
    // Bob's manager is Eve; Eve's is Carol, who changed the policy this week (the cooling-off rule keeps her out).
    const eve = store.get('users', 'u-eve');
    if (!eve) throw new Error('the demo has no Eve');
    store.put('users', { ...eve, managerId: 'u-carol' });
    store.put('groups', { id: 'grp-oncall', displayName: 'On-call', connector: 'entra', externalId: 'oncall', memberUserIds: ['u-dave', 'u-bob'], updatedAt: at() });
    store.put('policies', {
      id: 'pol-esc',
      name: 'Escalating',
      maxDurationMinutes: 240,
      defaultDurationMinutes: 45,
      requireJustification: false,
      requireTicket: true,
      ticketSystem: 'jira',
      approvalSteps: [
        { name: 'Team lead', mode: 'any', approverIds: ['u-alice'], timeoutMinutes: 60, escalateToGroupIds: ['grp-oncall'], escalateToManagersManager: true },
        { name: 'Security', mode: 'any', approverIds: ['u-mallory'], timeoutMinutes: 30 },
      ],
      changedBy: [{ userId: 'u-carol', at: at() }],
      updatedAt: at(),
    });
    store.put('resources', {
      id: 'res-esc',
      name: 'Escalating resource',
      kind: 'entra_group',
      connector: 'entra',
      connectorId: 'entra-demo',
      target: { externalId: 'grp-esc' },
      ownerId: 'u-judy',
      sensitivity: 'high',
      policyIds: ['pol-esc'],
      updatedAt: at(),
    });
    store.put('profiles', { id: 'prof-esc', name: 'Engineering', resourceIds: ['res-esc'], departments: ['Engineering'], updatedAt: at() });
  });
  [bob, dave] = (await Promise.all(['bob', 'dave'].map((u) => srv.login(u)))) as [string, string];
});
afterAll(async () => {
  await srv?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tickets and the recommended duration', () => {
  it('a ticket that is not a Jira key is refused, naming the field and the form', async () => {
    const res = await ask(bob, { resourceId: 'res-esc', ticket: 'lol' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_input', field: 'ticket' });
    expect(res.body.error?.message).toBe('ticket: "lol" does not have the expected form: a Jira issue key such as ABC-123 ([A-Z][A-Z0-9]+-\\d+)');
    expect(srv.store.list('requests', { where: { resourceId: 'res-esc' } })).toEqual([]);
  });

  it('a request without a duration gets the recommended one; longer than the maximum is still refused', async () => {
    const tooLong = await ask(bob, { resourceId: 'res-esc', ticket: 'OPS-1', durationMinutes: 241 });
    expect(tooLong.status).toBe(422);
    const res = await ask(bob, { requestId: 'r-esc', resourceId: 'res-esc', ticket: 'OPS-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: 'r-esc', durationMinutes: 45, status: 'pending_approval', stepStartedAt: at(), stepDueAt: new Date(clock + 60 * MINUTE).toISOString() });
  });
});

describe('saving a policy', () => {
  const upsert = (policy: Record<string, unknown>) =>
    command(srv.adminToken, 'policy.upsert', { policy: { id: 'pol-new', name: 'New', maxDurationMinutes: 60, defaultDurationMinutes: 30, approvalSteps: [{ name: 'A', mode: 'any', approverRoles: ['approver'] }], ...policy } });

  it('refuses a catastrophic custom ticket pattern, a custom system without one, and escalation to a group that does not exist', async () => {
    const catastrophic = await upsert({ ticketSystem: 'custom', ticketPattern: '(a+)+' });
    expect(catastrophic.status).toBe(400);
    expect(catastrophic.body.result.message).toMatch(/^payload\.policy\.ticketPattern: must not repeat without bound a group/);
    const empty = await upsert({ ticketSystem: 'custom' });
    expect(empty.body.result.message).toMatch(/^payload\.policy\.ticketPattern: a custom ticket system needs a pattern/);
    const ghost = await upsert({ approvalSteps: [{ name: 'A', mode: 'any', approverRoles: ['approver'], escalateToGroupIds: ['grp-ghost'] }] });
    expect(ghost.body.result.message).toBe('payload.policy.approvalSteps.0.escalateToGroupIds: group grp-ghost does not exist');
    expect(srv.store.get('policies', 'pol-new')).toBeNull();
    const fine = await upsert({ ticketSystem: 'custom', ticketPattern: 'OPS-\\d{4}' });
    expect(fine.body.status).toBe('applied');
  });
});

describe('a timed-out step escalates, and expires the request when nobody is left', () => {
  it('nothing happens before the step times out', async () => {
    clock += 59 * MINUTE;
    await pass();
    expect(request('r-esc')).toMatchObject({ status: 'pending_approval', escalatedSteps: [] });
  });

  it('at the timeout the step escalates to the group and the manager’s manager, minus the requester and whoever changed the policy', async () => {
    clock += MINUTE;
    await pass();
    const escalated = request('r-esc');
    expect(escalated).toMatchObject({ status: 'pending_approval', currentStep: 0, escalatedSteps: [0], stepDueAt: new Date(clock + 60 * MINUTE).toISOString() });
    // Carol is Bob's manager's manager, but she changed the policy: she could not approve, so she is not added.
    expect(escalated.policy?.approvalSteps[0]?.escalatedApproverIds).toEqual(['u-dave']);
    const event = auditOf('r-esc').find((e) => e.type === 'request.escalated');
    expect(event).toMatchObject({ actorId: 'system', data: { stepIndex: 0, stepName: 'Team lead', approverIds: ['u-dave'] } });
  });

  it('the requester, though in the group, still cannot approve; the escalation approver can', async () => {
    const self = await command(bob, 'request.approve', { requestId: 'r-esc', reason: 'me' });
    expect(self.body.result?.code ?? self.body.code).toBe('self_approval_forbidden');
    const byDave = await command(dave, 'request.approve', { requestId: 'r-esc', reason: 'on call' });
    expect(byDave.status).toBe(200);
    expect(request('r-esc')).toMatchObject({ status: 'pending_approval', currentStep: 1, stepStartedAt: at(), stepDueAt: new Date(clock + 30 * MINUTE).toISOString() });
  });

  it('the second step has nobody to escalate to: at its timeout the request expires, the requester is told why, and the queue no longer lists it', async () => {
    clock += 30 * MINUTE;
    await pass();
    const expired = request('r-esc');
    expect(expired).toMatchObject({ status: 'expired', decidedAt: at() });
    expect(expired.outcomeReason).toBe('step "Security" was not decided within 30 min and has nobody to escalate to, so the request expired');
    expect(auditOf('r-esc').find((e) => e.type === 'request.expired')).toMatchObject({ data: { cause: 'step_timeout', stepName: 'Security', reason: expired.outcomeReason } });

    const seen = await http<AccessRequest>('GET', `${srv.url}/api/v1/requests/r-esc`, { token: bob });
    expect(seen.body).toMatchObject({ status: 'expired', outcomeReason: expired.outcomeReason });
    const queue = await http<{ requests: AccessRequest[] }>('GET', `${srv.url}/api/v1/requests?status=pending_approval&limit=1000`, { token: srv.adminToken });
    expect(queue.body.requests.map((r) => r.id)).not.toContain('r-esc');
    const late = await command(srv.adminToken, 'request.approve', { requestId: 'r-esc', reason: 'too late' });
    expect(late.body.result?.code).toBe('already_decided');
  });
});

describe('deadlines are durable', () => {
  it('a request whose deadline passed while the server was down expires on the first pass after the restart', async () => {
    const res = await ask(bob, { requestId: 'r-ttl', resourceId: 'res-entra-global-reader', justification: 'Read the sign-in logs' });
    expect(res.status).toBe(201);
    const ttl = res.body.policy?.requestTtlMinutes ?? 0;
    expect(ttl).toBeGreaterThan(0);
    await srv.close();

    clock += (ttl + 1) * MINUTE;
    srv = await startTestServer(options);
    expect(request('r-ttl').status).toBe('pending_approval');
    await pass();
    expect(request('r-ttl')).toMatchObject({ status: 'expired', outcomeReason: 'nobody decided it within 7 days of asking, so it expired; ask again if the access is still needed' });
    expect(auditOf('r-ttl').map((e) => e.type)).toEqual(['request.created', 'request.eligibility_checked', 'request.expired']);
  });
});
