import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let bob: string;
let alice: string;

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  [bob, alice] = (await Promise.all(['bob', 'alice'].map((u) => srv.login(u)))) as [string, string];
});
afterAll(() => srv?.close());

const approve = (token: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type: 'request.approve', payload } });
// Bob's pending request for Server-Admins, whose policy allows break-glass; Alice owns the resource.
const REQUEST = 'req-demo-bob-server-admins';

describe('break-glass', () => {
  it('needs a reason', async () => {
    const res = await approve(bob, { requestId: REQUEST, breakGlass: true, reason: ' ' });
    expect(res.status).toBe(400);
    expect(res.body.result.message).toMatch(/reason/);
  });

  it('approves the requester own request at once and opens a mandatory review for the resource owner', async () => {
    const res = await approve(bob, { requestId: REQUEST, breakGlass: true, reason: 'Production outage, on-call approvers unreachable' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('applied');

    const request = srv.store.get('requests', REQUEST);
    expect(request?.status).toBe('approved');
    expect(request?.decisions.at(-1)).toMatchObject({ approverId: 'u-bob', breakGlass: true });

    const review = srv.store.get('tasks', `t-break-glass-${REQUEST}`);
    expect(review).toMatchObject({ kind: 'break_glass_review', assigneeId: 'u-alice', severity: 'critical', status: 'open', grantId: request?.grantId });
    expect(review?.detail).toContain('Production outage');
    expect(res.body.subjectIds).toContain(review?.id);

    const types = srv.store.list('audit').filter((e) => e.subjectId === REQUEST || e.subjectId === review?.id).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['request.break_glass', 'request.approved', 'task.created']));
  });

  it('the review is signed off by the owner, never by the person who broke the glass', async () => {
    const close = (token: string) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type: 'task.close', payload: { taskId: `t-break-glass-${REQUEST}`, outcome: 'done', note: 'Checked the change log' } } });
    const byBob = await close(bob);
    // Bob's replica does not hold Alice's task: refused as not found, as for an id that does not exist.
    expect(byBob.status, byBob.text).toBe(404);
    // While the grant is live the sign-off is the review item's decision, not the task's button.
    expect((await close(alice)).status).toBe(422);
    const decided = await http('POST', `${srv.url}/api/v1/commands`, { token: alice, body: { type: 'review.decide', payload: { campaignId: 'rc-break-glass', decisions: [{ itemId: `ri-break-glass-${REQUEST}`, decision: 'keep', reason: 'Checked the change log' }] } } });
    expect(decided.status, decided.text).toBe(200);
    expect(srv.store.get('tasks', `t-break-glass-${REQUEST}`)).toMatchObject({ status: 'done', closedBy: 'u-alice' });
  });
});

describe('request ids', () => {
  it('a client-chosen request id leaves room for the grant and task ids named after it', async () => {
    const tooLong = await http('POST', `${srv.url}/api/v1/requests`, {
      token: bob,
      body: { requestId: `r-${'x'.repeat(120)}`, resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'triage' },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.field).toBe('requestId');
  });
});
