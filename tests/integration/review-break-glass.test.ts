/**
 * The break-glass follow-up is a review item: a self-approval under break-glass puts its grant
 * under review by the resource owner; "remove" revokes the grant (reason review); undecided by
 * its deadline, it escalates to the owner's manager and the item and the grant are flagged. The
 * approval's follow-up task cannot be closed by hand while the grant is live: the item's decision
 * closes it. Real SQLite file and HTTP, the demo organisation, the injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../core/index.js';
import { BREAK_GLASS_CAMPAIGN } from '../../sync-server/reviews/break-glass.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let clock = Date.parse('2027-05-03T08:00:00.000Z');
const REQUEST = 'req-demo-bob-server-admins';
const send = async (username: string, type: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token: await srv.login(username), body: { type, payload } });
const item = (requestId: string) => srv.store.get('reviews', `ri-break-glass-${requestId}`) as ReviewItem | null;
const task = (requestId: string) => srv.store.get('tasks', `t-break-glass-${requestId}`)!;
const closedEvent = (taskId: string) => [...srv.store.auditEvents()].find((e) => e.type === 'task.closed' && e.subjectId === taskId);

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true, now: () => new Date(clock), scheduler: { intervalMs: 0, random: () => 0.5 } });
});
afterAll(() => srv?.close());

describe('break-glass follow-up as a review item', () => {
  it('opens an item for the resource owner; the one who broke the glass cannot decide it', async () => {
    const res = await send('bob', 'request.approve', { requestId: REQUEST, breakGlass: true, reason: 'Production outage' });
    expect(res.status, res.text).toBe(200);
    const opened = item(REQUEST)!;
    expect(opened).toMatchObject({ campaignId: BREAK_GLASS_CAMPAIGN, reviewerIds: ['u-alice'], subject: { type: 'break_glass', userId: 'u-bob', grantedByBreakGlass: true } });
    expect(opened.recommendations.map((r) => r.code)).toContain('break_glass');
    // Bob holds only the requester role: the matrix refuses him before the rule that nobody reviews their own access.
    expect((await send('bob', 'review.decide', { campaignId: BREAK_GLASS_CAMPAIGN, decisions: [{ itemId: opened.id, decision: 'keep', reason: 'fine' }] })).status).toBe(403);
  });

  it('its task cannot be marked done or dismissed by hand while the grant is live', async () => {
    expect(task(REQUEST)).toMatchObject({ kind: 'break_glass_review', status: 'open', assigneeId: 'u-alice' });
    for (const outcome of ['dismissed', 'done'] as const) {
      const res = await send('alice', 'task.close', { taskId: task(REQUEST).id, outcome, note: 'looked fine' });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'invalid_transition' });
      expect(res.body.error.message).toMatch(new RegExp(`^the break-glass follow-up cannot be ${outcome === 'done' ? 'marked done' : 'dismissed'} while the access it granted stays \\((being granted|active)\\): keep or remove the access in its review item \\(Access reviews, Break-glass follow-up\\)`));
    }
    // An admin is refused the same way: the rule is about the access, not the role.
    expect((await send('admin', 'task.close', { taskId: task(REQUEST).id, outcome: 'dismissed', note: '' })).status).toBe(422);
    expect(task(REQUEST).status).toBe('open');
    expect(closedEvent(task(REQUEST).id)).toBeUndefined();
  });

  it('"remove" revokes the grant with reason review', async () => {
    const res = await send('alice', 'review.decide', { campaignId: BREAK_GLASS_CAMPAIGN, decisions: [{ itemId: item(REQUEST)!.id, decision: 'remove', reason: 'no outage on record' }] });
    expect(res.status, res.text).toBe(200);
    const grant = srv.store.get('grants', item(REQUEST)!.subject.grantId!)!;
    expect(['revoking', 'revoked', 'verified']).toContain(grant.status);
    expect(grant.endedReason).toBe('review: no outage on record');
    expect(item(REQUEST)!.apply.state).toBe('applying');
    // The decision is the follow-up: the task is done, closed by the reviewer, on the trail.
    expect(task(REQUEST)).toMatchObject({ status: 'done', closedBy: 'u-alice', detail: expect.stringContaining('Removed in the break-glass review: no outage on record') });
    expect(closedEvent(task(REQUEST).id)).toMatchObject({ actorId: 'u-alice', data: { outcome: 'done', reviewItemId: item(REQUEST)!.id, decision: 'remove' } });
  });
  it('undecided by its deadline, it is flagged on the item and the grant', async () => {
    const resourceId = srv.store.get('requests', REQUEST)!.resourceId;
    const asked = await send('bob', 'request.create', { requestId: 'req-bob-bg-2', resourceId, justification: 'second outage', ticket: 'INC-2002' });
    expect(asked.status, asked.text).toBe(200);
    expect((await send('bob', 'request.approve', { requestId: 'req-bob-bg-2', breakGlass: true, reason: 'Second outage' })).status).toBe(200);
    expect((await send('alice', 'task.close', { taskId: task('req-bob-bg-2').id, outcome: 'dismissed', note: '' })).status).toBe(422);
    clock += 25 * 3_600_000;
    await srv.server.scheduler!.runOnce();
    const overdue = item('req-bob-bg-2')!;
    expect(overdue).toMatchObject({ flagged: true, escalatedAt: expect.any(String), flagReason: expect.stringContaining('no decision by') });
    const grant = srv.store.get('grants', overdue.subject.grantId!)!;
    expect(grant.reviewFlag).toMatchObject({ itemId: overdue.id });
    expect([...srv.store.auditEvents()].some((e) => e.type === 'review.escalated' && e.subjectId === overdue.id)).toBe(true);
    // Decided late, it is no longer flagged on the grant (the revocations page lists flagged live grants like failures).
    const late = await send('alice', 'review.decide', { campaignId: BREAK_GLASS_CAMPAIGN, decisions: [{ itemId: overdue.id, decision: 'keep', reason: 'outage INC-2002 confirmed late' }] });
    expect(late.status, late.text).toBe(200);
    expect(srv.store.get('grants', overdue.subject.grantId!)!.reviewFlag).toBeUndefined();
    expect(task('req-bob-bg-2')).toMatchObject({ status: 'done', closedBy: 'u-alice' });
  });

  it('"keep" closes the task while the access stays', async () => {
    const resourceId = srv.store.get('requests', REQUEST)!.resourceId;
    expect((await send('bob', 'request.create', { requestId: 'req-bob-bg-3', resourceId, justification: 'third outage', ticket: 'INC-2003' })).status).toBe(200);
    expect((await send('bob', 'request.approve', { requestId: 'req-bob-bg-3', breakGlass: true, reason: 'Third outage' })).status).toBe(200);
    const res = await send('alice', 'review.decide', { campaignId: BREAK_GLASS_CAMPAIGN, decisions: [{ itemId: item('req-bob-bg-3')!.id, decision: 'keep', reason: 'outage INC-2003 confirmed' }] });
    expect(res.status, res.text).toBe(200);
    expect(['provisioning', 'active']).toContain(srv.store.get('grants', item('req-bob-bg-3')!.subject.grantId!)!.status);
    expect(task('req-bob-bg-3')).toMatchObject({ status: 'done', closedBy: 'u-alice', detail: expect.stringContaining('Kept in the break-glass review: outage INC-2003 confirmed') });
    expect(closedEvent(task('req-bob-bg-3').id)).toMatchObject({ actorId: 'u-alice', data: { outcome: 'done', decision: 'keep' } });
  });

});
