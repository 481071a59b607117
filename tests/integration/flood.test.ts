import { afterEach, describe, expect, it } from 'vitest';
import { http, startTestServer, type TestServer } from './helpers/server.js';

/**
 * Floods of commands (sync-server/http/flood-guard.ts): a sender's rejected commands are recorded up
 * to a budget per window, then refused with 429 before anything is written; legitimate use is never
 * slowed; requests to the command routes are limited per account, not per address.
 */

const MINUTE = 60_000;
let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

const counts = (s: TestServer) => ({ commands: s.store.count('commands'), results: s.store.count('commandResults'), audit: s.store.auditHead().seq });
const floodEvents = (s: TestServer) => s.store.list('audit').filter((e) => e.type === 'command.rejected' && e.data.reason === 'flood');

describe('a flood of rejected commands', () => {
  it('an auditor, who pushes only the records of exports, floods 1,000 approvals by push and 150 directly: each time at most the budget is stored, then a 429 with Retry-After and one audit event', async () => {
    let clock = new Date('2030-06-01T08:00:00.000Z');
    srv = await startTestServer({ seedDemo: true, now: () => clock });
    const heidi = await srv.login('heidi');
    const at = clock.toISOString();
    // An auditor's console pushes the record of an export made offline, so the push route reads
    // their rows; each it may never send is a rejection within the sender's budget.
    const pushedBefore = counts(srv);
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      newDocumentState: { id: `flood-${i}`, type: 'request.approve', actorId: 'u-heidi', createdAt: at, payload: { requestId: 'req-demo-bob-global-reader', reason: `spam ${i}` } },
    }));
    const pushed = await http('POST', `${srv.url}/sync/v1/commands/push`, { token: heidi, body: rows });
    expect(pushed.status).toBe(429);
    const afterPush = counts(srv);
    expect(afterPush.results - pushedBefore.results).toBe(100);
    expect(afterPush.commands - pushedBefore.commands).toBe(100);
    expect(afterPush.audit - pushedBefore.audit).toBe(101);
    expect(floodEvents(srv)).toHaveLength(1);
    expect(srv.store.get('commands', 'flood-0')?.payload).toEqual({ omitted: expect.stringMatching(/is not kept/) });
    expect(srv.store.get('requests', 'req-demo-bob-global-reader')?.decisions).toEqual([]);

    // The next window: the same budget for commands sent one by one.
    clock = new Date(clock.getTime() + 10 * MINUTE);
    const before = counts(srv);
    const answers: { status: number; retryAfter: string | null }[] = [];
    for (let i = 0; i < 150; i++) {
      const res = await http('POST', `${srv.url}/api/v1/commands`, { token: heidi, body: { id: `flood-direct-${i}`, type: 'request.approve', payload: { requestId: 'req-demo-bob-global-reader', reason: `spam ${i}` } } });
      answers.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
      if (res.status === 429) expect(res.body.error).toMatchObject({ code: 'throttled', message: expect.stringMatching(/too many rejected commands.*nothing was recorded/) });
    }
    expect(answers.slice(0, 100).every((a) => a.status === 403)).toBe(true);
    expect(answers.slice(100).every((a) => a.status === 429 && Number(a.retryAfter) > 0)).toBe(true);
    const after = counts(srv);
    expect(after.results - before.results).toBe(100);
    expect(after.commands - before.commands).toBe(100);
    // The rejections within the budget, and one event for the whole flood.
    expect(after.audit - before.audit).toBe(101);
    expect(floodEvents(srv)).toEqual([expect.objectContaining({ actorId: 'u-heidi', subjectId: 'u-heidi' }), expect.objectContaining({ actorId: 'u-heidi', subjectId: 'u-heidi', data: expect.objectContaining({ recorded: false, rejectionsPerWindow: 100 }) })]);
    // What was recorded keeps no payload: heidi's roles may never send request.approve.
    expect(srv.store.get('commands', 'flood-direct-0')?.payload).toEqual({ omitted: expect.stringMatching(/is not kept/) });

    // The request route refuses the same sender before recording, too.
    const request = await http('POST', `${srv.url}/api/v1/requests`, { token: heidi, body: { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'x' } });
    expect([403, 429]).toContain(request.status);
    expect(counts(srv)).toEqual(after);

    // Once the window has passed, a rejection is recorded (and answered) again.
    clock = new Date(clock.getTime() + 10 * MINUTE);
    const later = await http('POST', `${srv.url}/api/v1/commands`, { token: heidi, body: { type: 'request.approve', payload: { requestId: 'req-demo-bob-global-reader' } } });
    expect(later.status).toBe(403);
    expect(later.body.result).toMatchObject({ status: 'rejected', code: 'forbidden' });
  });

  it('refusals that cannot be recorded (another actor’s command id) count against the same budget', async () => {
    srv = await startTestServer({ seedDemo: true, floodGuard: { rejectionsPerWindow: 5 } });
    const bob = await srv.login('bob');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      // demo-cmd-1 is the admin's: bob's copy is refused (409) and audited, without a result of its own.
      statuses.push((await http('POST', `${srv.url}/api/v1/commands`, { token: bob, body: { id: 'demo-cmd-1', type: 'request.cancel', payload: { requestId: 'req-demo-bob-global-reader' } } })).status);
    }
    expect(statuses).toEqual([409, 409, 409, 409, 409, 429, 429, 429]);
    expect(floodEvents(srv)).toHaveLength(1);
  });
});

describe('legitimate use', () => {
  it('an approver deciding 100 requests quickly, some of them twice, is never slowed', async () => {
    srv = await startTestServer({ seedDemo: true });
    const alice = await srv.login('alice');
    // Three engineers ask (one person keeps at most 50 requests waiting), alice decides them all.
    const askers = [await srv.login('bob'), await srv.login('dave'), await srv.login('eve')];
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await http('POST', `${srv.url}/api/v1/requests`, { token: askers[i % 3], body: { requestId: `req-quick-${i}`, resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'release night' } });
      expect(res.status, res.text).toBe(201);
      ids.push(res.body.id);
    }
    const started = performance.now();
    const statuses: number[] = [];
    for (const [i, requestId] of ids.entries()) {
      const body = { type: 'request.approve', payload: { requestId, reason: 'ok' } };
      if (i % 2 === 0) statuses.push((await http('POST', `${srv.url}/api/v1/commands`, { token: alice, body })).status);
      else {
        const push = await http('POST', `${srv.url}/sync/v1/commands/push`, { token: alice, body: [{ newDocumentState: { id: `quick-${i}`, actorId: 'u-alice', createdAt: new Date().toISOString(), ...body } }] });
        statuses.push(push.status);
      }
    }
    // A few double clicks: already decided, answered 409, not a reason to slow anyone down.
    for (const requestId of ids.slice(0, 10)) statuses.push((await http('POST', `${srv.url}/api/v1/commands`, { token: alice, body: { type: 'request.approve', payload: { requestId } } })).status);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(ids.every((id) => srv?.store.get('requests', id)?.status === 'approved')).toBe(true);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('requests to the command routes', () => {
  it('are limited per account, not per address: one account is slowed, another from the same address is not', async () => {
    srv = await startTestServer({ seedDemo: true, floodGuard: { requestsPerMinute: 10 } });
    const [carol, eve] = [await srv.login('carol'), await srv.login('eve')];
    const send = (token: string) => http('POST', `${srv?.url}/api/v1/commands`, { token, body: { type: 'request.cancel', payload: { requestId: 'no-such-request' } } });
    const carols: number[] = [];
    for (let i = 0; i < 12; i++) carols.push((await send(carol)).status);
    expect(carols.slice(0, 10).every((s) => s === 404)).toBe(true);
    const limited = await send(carol);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error).toMatchObject({ code: 'throttled', message: expect.stringMatching(/too many requests: more than 10 a minute to \/api\/v1\/commands/) });
    expect((await send(eve)).status).toBe(404);
    // Reads are not limited.
    expect((await http('GET', `${srv.url}/api/v1/requests`, { token: carol })).status).toBe(200);
  });
});
