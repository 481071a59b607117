/**
 * What offboarding hands over beyond a person's own access, over real HTTP and the Graph stand-in:
 * their undecided review items go to the campaign's fallback reviewer (audited), or raise an alert
 * where the fallback finds nobody; the grant they asked for on a service identity's behalf is
 * revoked through the Entra connector and verified gone (reason offboarding); the identity they
 * were the last owner of raises a "no owner" alert. The progress record lists all of it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReviewCampaign } from '../../core/index.js';
import { runItems } from '../../sync-server/reviews/docs.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { account, command, setup } from './helpers/offboarding.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';
import { describe } from 'vitest';

let graph: GraphStandin;
let srv: TestServer;
let clock = Date.parse('2026-11-03T09:00:00Z');
const at = () => new Date(clock).toISOString();
const runScheduler = async () => {
  clock += 1000;
  return await srv.server.scheduler!.runOnce();
};
const person = (userId: string) => ({ type: 'person' as const, userId });
const items = (id: string) => runItems(srv.store, id, (srv.store.get('reviews', id) as ReviewCampaign).run);

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 31 });
  srv = await startTestServer({
    now: () => new Date(clock),
    connectors: [{ id: 'entra-test', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
});
afterAll(async () => {
  await srv?.close();
  await graph?.close();
});

describe('offboarding hands over review items and service identities', () => {
  it('moves review items to the fallback, alerts where there is none, revokes what the leaver asked for on an identity behalf and alerts on an identity left with no owner', async () => {
    for (const [id, roles] of [['u-rita', ['requester', 'approver']], ['u-fred', ['approver']], ['u-owen', ['requester']]] as const) {
      await account(srv, id, [...roles]);
      srv.store.put('users', { ...srv.store.get('users', id)!, externalIds: { entra: graph.addUser({ displayName: id }).id } });
    }
    const group = graph.addGroup({ displayName: 'Duty readers' });
    setup(srv, 'policy.upsert', { policy: { id: 'p-duty', name: 'Duty, automatic', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, approvalSteps: [] } });
    setup(srv, 'resource.upsert', { resource: { id: 'res-duty', name: 'Duty readers', kind: 'entra_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: group.id }, ownerId: 'u-admin', sensitivity: 'low', policyIds: ['p-duty'] } });
    const identity = (id: string, ownerIds: string[]) =>
      srv.store.put('users', { id, username: id, displayName: `Bot ${id}`, email: '', department: '', managerId: null, roles: [], externalIds: { entra: graph.addUser({ displayName: id }).id }, kind: 'service', ownerIds, disabled: false, updatedAt: at() });
    const bot = identity('svc-duty-bot', ['u-rita']);
    identity('svc-duty-shared', ['u-rita', 'u-owen']);
    const grant = (id: string, userId: string, requestedBy?: string) =>
      srv.store.put('grants', { id, requestId: `req-${id}`, userId, ...(requestedBy ? { requestedBy } : {}), resourceId: 'res-duty', connector: 'entra', status: 'provisioning', approvedAt: at(), startsAt: at(), expiresAt: new Date(clock + 8 * 3_600_000).toISOString(), provisionedAt: null, maxDurationMinutes: 480, updatedAt: at(), revision: 1 });
    grant('g-duty-owen', 'u-owen');
    grant('g-duty-bot', bot.id, 'u-rita');
    await runScheduler();
    expect(srv.store.get('grants', 'g-duty-bot')).toMatchObject({ status: 'active', verification: 'effective' });
    expect(graph.state.isMember(group.id, bot.externalIds.entra as string)).toBe(true);

    const campaign = (id: string, fallback: ReturnType<typeof person>) =>
      setup(srv, 'review.campaign_upsert', {
        campaign: { id, name: `Campaign ${id}`, scope: { type: 'resources', resourceIds: ['res-duty'] }, reviewed: { standingMembers: false, jitGrants: true, eligibility: false }, stages: [{ name: 'Lead', reviewer: person('u-rita'), fallback }], schedule: { type: 'once' }, durationDays: 7 },
      });
    campaign('rc-duty-fallback', person('u-fred'));
    campaign('rc-duty-nobody', person('u-rita'));
    for (const id of ['rc-duty-fallback', 'rc-duty-nobody']) expect((await command(srv, srv.adminToken, 'review.open', { campaignId: id })).status).toBe(200);
    const owenItem = (id: string) => items(id).find((i) => i.subject.grantId === 'g-duty-owen')!;
    expect(owenItem('rc-duty-fallback').reviewerIds).toEqual(['u-rita']);
    expect(owenItem('rc-duty-nobody').reviewerIds).toEqual(['u-rita']);

    const res = await command(srv, srv.adminToken, 'person.offboard', { personId: 'u-rita', reason: 'left on 2 Nov' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.message).toMatch(/of the grants, 1 asked for on behalf of service identities/);
    expect(res.body.message).toMatch(/alerts raised for admins/);

    // (a) The review item with a fallback goes to Fred, audited; the campaign's reviewers follow.
    const moved = owenItem('rc-duty-fallback');
    expect(moved.reviewerIds).toEqual(['u-fred']);
    expect(moved.stageDecisions[0]).toMatchObject({ reviewerIds: ['u-fred'], fallbackReason: 'Rita left: the fallback reviews' });
    expect((srv.store.get('reviews', 'rc-duty-fallback') as ReviewCampaign).reviewerIds).toContain('u-fred');
    const audited = [...srv.store.auditEvents()].filter((e) => e.type === 'person.duty_reassigned' && e.subjectType === 'review');
    // Both grants of the resource are under review: Owen's and the bot's.
    const fallbackItems = items('rc-duty-fallback').map((i) => i.id).sort();
    expect(fallbackItems).toHaveLength(2);
    expect(audited.map((e) => e.subjectId).sort()).toEqual(fallbackItems);
    for (const e of audited) expect(e.data).toMatchObject({ kind: 'review_item', from: 'u-rita', to: ['u-fred'] });
    // Fred may now decide it.
    const fredToken = await srv.login('fred', 'offboarding-suite-password-7');
    const decided = await command(srv, fredToken, 'review.decide', { campaignId: 'rc-duty-fallback', decisions: [{ itemId: moved.id, decision: 'keep', reason: 'still needed' }] });
    expect(decided.status, decided.text).toBe(200);
    // Where the fallback is the leaver too, nobody is left: an alert for admins.
    for (const item of items('rc-duty-nobody')) expect(item.reviewerIds).toEqual([]);
    expect(srv.store.get('tasks', 't-review-unassigned-u-rita')).toMatchObject({ kind: 'review_unassigned_alert', status: 'open', assigneeId: null });

    // (b) The grant Rita asked for on the bot's behalf is revoked through the connector and verified gone.
    expect(srv.store.get('grants', 'g-duty-bot')).toMatchObject({ status: 'revoking', endedReason: 'offboarding', endedCategory: 'offboarding', endedBy: 'u-admin' });
    await runScheduler();
    expect(srv.store.get('grants', 'g-duty-bot')).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(graph.state.isMember(group.id, bot.externalIds.entra as string)).toBe(false);
    // Owen's own grant is not Rita's to end.
    expect(srv.store.get('grants', 'g-duty-owen')?.status).toBe('active');
    // The bot has no owner left; the shared one still has Owen.
    expect(srv.store.get('tasks', 't-no-owner-svc-duty-bot')).toMatchObject({ kind: 'no_owner_alert', status: 'open', title: 'No owner left: Bot svc-duty-bot' });
    expect(srv.store.get('tasks', 't-no-owner-svc-duty-shared')).toBeFalsy();

    // The progress record shows it all.
    const progress = await http('GET', `${srv.url}/api/v1/people/u-rita/offboarding`, { token: srv.adminToken });
    expect(progress.body).toMatchObject({ state: 'done', progress: { total: 1, verified: 1 }, record: { grantIds: ['g-duty-bot'] } });
    expect(progress.body.record.reassigned.map((d: { kind: string; itemId: string }) => [d.kind, d.itemId]).sort()).toEqual(fallbackItems.map((id) => ['review_item', id]));
    expect(progress.body.record.followUps.map((f: { kind: string; subjectId: string; taskId: string }) => [f.kind, f.subjectId, f.taskId]).sort()).toEqual([
      ...items('rc-duty-nobody').map((i) => ['review_unassigned', i.id, 't-review-unassigned-u-rita']).sort(),
      ['service_no_owner', 'svc-duty-bot', 't-no-owner-svc-duty-bot'],
    ]);

    // Sent again, nothing is left to do.
    const again = await command(srv, srv.adminToken, 'person.offboard', { personId: 'u-rita', reason: 'left on 2 Nov' });
    expect(again.body.message).toMatch(/already offboarded; nothing was left/);
  }, 60_000);
});
