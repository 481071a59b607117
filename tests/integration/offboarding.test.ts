/**
 * Offboarding by an admin's command, over real HTTP, a real SQLite file, the scheduler and the Entra
 * connector against the Graph stand-in: a leaver with three live Entra grants and one manual grant
 * ends with every grant revoked and verified gone (the manual one through its task), their token
 * dead, their pending request cancelled and their duties with the fallback; the progress endpoint
 * follows it to the end, and a second run changes nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Task } from '../../core/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { command, expectDutiesMoved, FALLBACK, OWNER, seedLeaver } from './helpers/offboarding.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let graph: GraphStandin;
let srv: TestServer | undefined;
let clock = Date.parse('2026-11-02T09:00:00Z');

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 13 });
});
afterEach(async () => {
  await srv?.close();
  srv = undefined;
  graph.reset();
});
afterAll(async () => {
  await graph.close();
});

async function start(): Promise<TestServer> {
  srv = await startTestServer({
    now: () => new Date(clock),
    connectors: [{ id: 'entra-test', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
  return srv;
}

async function runScheduler(s: TestServer) {
  clock += 1000;
  return await s.server.scheduler!.runOnce();
}

const events = (s: TestServer, type: AuditEvent['type']) => [...s.store.auditEvents()].filter((e) => e.type === type);

type Progress = { state: string; progress: { total: number; revoked: number; verified: number; done: boolean }; record: { requestsCancelled: string[]; reassigned: unknown[]; sessionsEnded: number } | null; sessions: number };

describe('offboarding a person by command', () => {
  it('ends every grant through its connector with verification, kills the token, cancels requests and moves duties; progress follows it to the end', async () => {
    const s = await start();
    const leaver = await seedLeaver(s, graph, { id: 'u-dana', at: () => new Date(clock).toISOString(), runScheduler: () => runScheduler(s) });
    expect((await http('GET', `${s.url}/api/v1/grants?mine=1`, { token: leaver.token })).status).toBe(200);
    expect((await http<Progress>('GET', `${s.url}/api/v1/people/u-dana/offboarding`, { token: s.adminToken })).body.state).toBe('none');

    const res = await command(s, s.adminToken, 'person.offboard', { personId: 'u-dana', fallbackId: FALLBACK, reason: 'left the company on 31 Oct' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.message).toMatch(/Dana offboarded: account disabled, 1 session ended, 4 grants being revoked, 1 pending request cancelled, 4 duties moved to Fallback/);

    // The old token is dead at once: the session is gone, not merely refused.
    const after = await http('GET', `${s.url}/api/v1/grants?mine=1`, { token: leaver.token });
    expect(after.status).toBe(401);
    expect(s.store.getAccount('u-dana')?.disabledAt).not.toBeNull();
    expect(s.store.get('users', 'u-dana')?.disabled).toBe(true);

    expect(s.store.get('requests', leaver.ownRequestId)).toMatchObject({ status: 'cancelled', outcomeReason: 'offboarding' });
    await expectDutiesMoved(s, leaver);
    for (const id of [...leaver.grantIds, leaver.manualGrantId]) expect(s.store.get('grants', id)).toMatchObject({ status: 'revoking', endedReason: 'offboarding', endedBy: 'u-admin' });

    let progress = (await http<Progress>('GET', `${s.url}/api/v1/people/u-dana/offboarding`, { token: s.adminToken })).body;
    expect(progress).toMatchObject({ state: 'in_progress', progress: { total: 4, revoked: 0, verified: 0, done: false }, sessions: 0 });
    expect(progress.record).toMatchObject({ requestsCancelled: [leaver.ownRequestId], sessionsEnded: 1 });
    expect(progress.record?.reassigned).toHaveLength(4);

    // The scheduler removes the Entra memberships, reads them back gone, and hands the manual one to its owner.
    await runScheduler(s);
    for (const [n, id] of leaver.grantIds.entries()) {
      expect(s.store.get('grants', id)).toMatchObject({ status: 'verified', verification: 'gone' });
      expect(graph.state.isMember(leaver.groupIds[n] as string, leaver.entraId)).toBe(false);
    }
    progress = (await http<Progress>('GET', `${s.url}/api/v1/people/u-dana/offboarding`, { token: s.adminToken })).body;
    expect(progress).toMatchObject({ state: 'in_progress', progress: { total: 4, revoked: 3, verified: 3, done: false } });
    const removal = s.store.list('tasks', { status: 'open' }).find((t: Task) => t.kind === 'manual_revoke' && t.grantId === leaver.manualGrantId);
    expect(removal?.assigneeId).toBe(OWNER);

    const signedOff = await command(s, await s.login('app-owner', 'offboarding-suite-password-7'), 'task.close', { taskId: removal!.id, outcome: 'done', note: 'removed from billing' });
    expect(signedOff.status, signedOff.text).toBe(200);
    await runScheduler(s);
    expect(s.store.get('grants', leaver.manualGrantId)).toMatchObject({ status: 'verified', verification: 'gone' });
    progress = (await http<Progress>('GET', `${s.url}/api/v1/people/u-dana/offboarding`, { token: s.adminToken })).body;
    expect(progress).toMatchObject({ state: 'done', progress: { total: 4, revoked: 4, verified: 4, done: true } });

    // Audited: one summary, each grant's and request's own event, each duty moved.
    const offboarded = events(s, 'person.offboarded');
    expect(offboarded).toHaveLength(1);
    expect(offboarded[0]).toMatchObject({ actorId: 'u-admin', subjectId: 'u-dana', data: { source: 'command', fallbackId: FALLBACK, accountDisabled: true, sessionsEnded: 1, reassigned: 4 } });
    const revoked = events(s, 'grant.revoke_requested').filter((e) => e.data.reason === 'offboarding');
    expect(revoked).toHaveLength(4);
    // Each carries its category, as every other revocation does, for the evidence pack's counts.
    expect(revoked.map((e) => e.data.category)).toEqual(['offboarding', 'offboarding', 'offboarding', 'offboarding']);
    expect(events(s, 'grant.revoked').filter((e) => revoked.some((r) => r.subjectId === e.subjectId)).map((e) => e.data.category)).toEqual(['offboarding', 'offboarding', 'offboarding', 'offboarding']);
    expect(events(s, 'grant.revocation_verified').map((e) => e.subjectId).sort()).toEqual([...leaver.grantIds, leaver.manualGrantId].sort());
    expect(events(s, 'request.cancelled').find((e) => e.subjectId === leaver.ownRequestId)?.data.reason).toBe('offboarding');
    expect(events(s, 'person.duty_reassigned').map((e) => e.data.kind).sort()).toEqual(['policy_step', 'request_step', 'resource_owner', 'task']);

    // Twice is harmless: nothing is left, nothing changes, nothing more is written.
    const auditBefore = [...s.store.auditEvents()].length;
    const again = await command(s, s.adminToken, 'person.offboard', { personId: 'u-dana', reason: 'sent again' });
    expect(again.status, again.text).toBe(200);
    expect(again.body.message).toMatch(/already offboarded; nothing was left/);
    expect([...s.store.auditEvents()].length).toBe(auditBefore);
    expect((await http<Progress>('GET', `${s.url}/api/v1/people/u-dana/offboarding`, { token: s.adminToken })).body.state).toBe('done');
  });

  it('is refused without a fallback for duties, for oneself, and to anyone but an admin; nothing is ended then', async () => {
    const s = await start();
    const leaver = await seedLeaver(s, graph, { id: 'u-eli', at: () => new Date(clock).toISOString(), runScheduler: () => runScheduler(s) });
    const noFallback = await command(s, s.adminToken, 'person.offboard', { personId: 'u-eli', reason: 'left' });
    expect(noFallback.status).toBe(400);
    expect(noFallback.text).toMatch(/name a fallback person/);
    const asApprover = await command(s, await s.login('fallback', 'offboarding-suite-password-7'), 'person.offboard', { personId: 'u-eli', fallbackId: FALLBACK, reason: 'left' });
    expect(asApprover.status).toBe(403);
    const self = await command(s, s.adminToken, 'person.offboard', { personId: 'u-admin', fallbackId: FALLBACK, reason: 'me' });
    expect(self.status).toBe(403);
    // The admin offboarding someone does not become their successor as approver.
    const adminAsFallback = await command(s, s.adminToken, 'person.offboard', { personId: 'u-eli', fallbackId: 'u-admin', reason: 'left' });
    expect(adminAsFallback.status).toBe(403);
    expect(adminAsFallback.text).toMatch(/cannot be the fallback/);
    const disabledFallback = await command(s, s.adminToken, 'person.offboard', { personId: 'u-eli', fallbackId: 'u-eli', reason: 'left' });
    expect(disabledFallback.status).toBe(400);
    expect(s.store.getAccount('u-eli')?.disabledAt).toBeNull();
    expect((await http('GET', `${s.url}/api/v1/grants?mine=1`, { token: leaver.token })).status).toBe(200);
    for (const id of leaver.grantIds) expect(s.store.get('grants', id)?.status).toBe('active');
    expect(events(s, 'person.offboarded')).toHaveLength(0);
  });
});
