/**
 * Access review campaigns against the demo organisation, a real SQLite file, real HTTP and the
 * Graph stand-in, on the injected clock: a quarterly campaign over discovered standing access opens
 * on its schedule with a snapshot, reminders are recorded, the default (flag) applies at the
 * deadline, removals are revoked through the connector and verified gone with receipts, the lockout
 * guard keeps a resource's last members, nobody decides their own access, a three-stage review
 * advances stage by stage, and a decision once the run has closed is rejected with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewCampaign, ReviewItem } from '../../core/index.js';
import { DEMO_ENTRA_GROUPS, DEMO_ENTRA_ROLES, DEMO_USERS } from '../../sync-server/demo/directory.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { conversionProfileId } from '../../sync-server/commands/standing-convert.js';
import { runItems } from '../../sync-server/reviews/docs.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const DAY = 86_400_000;
let graph: GraphStandin;
let srv: TestServer;
let clock: number;

const entraIdOf = (username: string) => DEMO_USERS.find((u) => u.username === username)?.entraId as string;
const scheduler = () => srv.server.scheduler!;
const send = async (username: string, type: string, payload: Record<string, unknown>) =>
  http<{ status: string; code?: string; message?: string; error?: { code: string; message: string } }>('POST', `${srv.url}/api/v1/commands`, { token: await srv.login(username), body: { type, payload } });
const campaign = (id: string) => srv.store.get('reviews', id) as ReviewCampaign;
const items = (id: string) => runItems(srv.store, id, campaign(id).run);
const itemOf = (id: string, userId: string, resourceId: string) => items(id).find((i) => i.subject.userId === userId && i.subject.resourceId === resourceId) as ReviewItem;
/** Scheduler passes on the advancing clock until the condition holds (revocation, read-back, review pass). */
async function until(condition: () => boolean, stepMs = 2000): Promise<void> {
  for (let i = 0; i < 60 && !condition(); i++) {
    clock += stepMs;
    await scheduler().runOnce();
  }
  expect(condition()).toBe(true);
}

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 14, replicationLag: { minMs: 5, maxMs: 20 } });
  seedEntraTenant(graph);
  clock = Date.parse('2027-03-20T10:00:00.000Z');
  srv = await startTestServer({
    seedDemo: true,
    now: () => new Date(clock),
    connectors: [{ id: 'entra-demo', ...standinEntraSettings(graph), verifyReadIntervalMs: 25, maxRetryWaitMs: 0 }, { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
  clock += 1000;
  await scheduler().runOnce();
  // Standing: Frank holds User Administrator permanently and has not signed in for 200 days; Carol, who owns SG-Security-Readers, was put in it by hand.
  graph.addRoleAssignment({ principalId: entraIdOf('frank'), roleDefinitionId: DEMO_ENTRA_ROLES.userAdministrator.id, directoryScopeId: '/', endDateTime: null });
  graph.setSignIn(entraIdOf('frank'), new Date(clock - 200 * DAY).toISOString());
  if (!graph.state.isMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('carol'))) graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('carol'));
  graph.setSignIn(entraIdOf('carol'), new Date(clock - 2 * DAY).toISOString());
  // Orphaned: Judy, a member by hand, is disabled in the console.
  const judy = srv.store.get('users', 'u-judy')!;
  srv.store.tx(() => srv.store.put('users', { ...judy, disabled: true, updatedAt: new Date(clock).toISOString() }));
  if (!graph.state.isMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('judy'))) graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('judy'));
  await http('POST', `${srv.url}/api/v1/standing-access/discover`, { token: await srv.login('admin'), body: {} });
  await scheduler().runDiscovery();
});
afterAll(async () => {
  await srv?.close();
  await graph?.close();
});

describe('a quarterly campaign over standing access', () => {
  const id = 'rc-quarterly';
  it('is defined by a reviewer and booked for the first Monday of the next quarter', async () => {
    // User Administrator must keep every member it has: the lockout guard (a control shown is a control enforced).
    const userAdmin = srv.store.get('resources', 'res-entra-user-admin')!;
    const holders = srv.store.db.prepare("SELECT COUNT(*) FROM discovered_holdings WHERE resource_id = ?").pluck().get(userAdmin.id) as number;
    const { changedBy: _c, updatedAt: _u, ...resource } = userAdmin;
    const guarded = await send('admin', 'resource.upsert', { resource: { ...resource, keepAtLeast: holders } });
    expect(guarded.status, guarded.text).toBe(200);
    const res = await send('carol', 'review.campaign_upsert', {
      campaign: {
        id,
        name: 'Quarterly standing access',
        scope: { type: 'standing', resourceIds: ['res-entra-security-readers', 'res-entra-user-admin'] },
        stages: [{ name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'person', userId: 'u-alice' } }],
        schedule: { type: 'recurring', rule: { frequency: 'quarterly', week: 1, weekday: 'mon', time: '09:00', timeZone: 'UTC' } },
        durationDays: 14,
        reminderEveryDays: 3,
      },
    });
    expect(res.status, res.text).toBe(200);
    // 2027-04-05 is the first Monday of the second quarter.
    expect(campaign(id)).toMatchObject({ status: 'scheduled', ownerId: 'u-carol', defaultDecision: 'flag', nextOpensAt: '2027-04-05T09:00:00.000Z' });
  });

  it('opens on schedule with a snapshot, recommendations and reviewers that are never the reviewed person', async () => {
    await scheduler().runOnce();
    expect(campaign(id).status).toBe('scheduled');
    clock = Date.parse('2027-04-05T09:00:00.000Z');
    await scheduler().runOnce();
    expect(campaign(id)).toMatchObject({ status: 'open', run: 1, dueAt: '2027-04-19T09:00:00.000Z', nextOpensAt: '2027-07-05T09:00:00.000Z' });
    const frank = itemOf(id, 'u-frank', 'res-entra-user-admin');
    expect(frank.subject).toMatchObject({ type: 'standing', holderClass: 'standing' });
    expect(frank.recommendations.map((r) => r.code)).toEqual(expect.arrayContaining(['standing_no_grant', 'no_sign_in']));
    expect(frank.reviewerIds).toEqual(['u-alice']);
    // Carol owns the group she is reviewed in: the fallback reviews, and says why.
    const carol = itemOf(id, 'u-carol', 'res-entra-security-readers');
    expect(carol.reviewerIds).toEqual(['u-alice']);
    expect(carol.stageDecisions[0]!.fallbackReason).toContain('is the reviewed person');
    const judy = itemOf(id, 'u-judy', 'res-entra-security-readers');
    expect(judy.recommendations.map((r) => r.code)).toContain('account_disabled');
    expect([...srv.store.auditEvents()].some((e) => e.type === 'review.opened' && e.subjectId === id)).toBe(true);
    // The snapshot does not move: someone added later is not an item of this run.
    const count = items(id).length;
    graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('oscar'));
    await http('POST', `${srv.url}/api/v1/standing-access/discover`, { token: await srv.login('admin'), body: {} });
    expect((await scheduler().runDiscovery()).runs).toBeGreaterThan(0);
    expect(items(id).length).toBe(count);
  });

  it('refuses a decision on one\'s own access', async () => {
    const carol = itemOf(id, 'u-carol', 'res-entra-security-readers');
    const res = await send('carol', 'review.decide', { campaignId: id, decisions: [{ itemId: carol.id, decision: 'keep', reason: 'mine' }] });
    expect(res.status).toBe(403);
    expect(res.body.error?.message).toContain('nobody reviews their own access');
    expect(itemOf(id, 'u-carol', 'res-entra-security-readers').decision).toBeNull();
  });

  it('takes decisions in bulk and records reminders for what is left', async () => {
    const carol = itemOf(id, 'u-carol', 'res-entra-security-readers');
    const frank = itemOf(id, 'u-frank', 'res-entra-user-admin');
    const res = await send('alice', 'review.decide', { campaignId: id, decisions: [{ itemId: carol.id, decision: 'remove', reason: 'added by hand, no need' }, { itemId: frank.id, decision: 'remove', reason: 'stale admin' }] });
    expect(res.status, res.text).toBe(200);
    expect(campaign(id).counts.decided).toBe(2);
    clock += 3 * DAY;
    await scheduler().runOnce();
    const reminded = [...srv.store.auditEvents()].filter((e) => e.type === 'review.reminded' && e.subjectId === id);
    expect(reminded.length).toBeGreaterThan(0);
    expect(itemOf(id, 'u-judy', 'res-entra-security-readers')).toMatchObject({ reminders: 1 });
    expect(itemOf(id, 'u-carol', 'res-entra-security-readers').reminders).toBe(0);
  });

  it('at the deadline flags what nobody decided, keeps the last admins and removes the rest, verified gone', async () => {
    clock = Date.parse('2027-04-19T09:00:01.000Z');
    await scheduler().runOnce();
    const judy = itemOf(id, 'u-judy', 'res-entra-security-readers');
    expect(judy).toMatchObject({ decision: 'keep', decisionSource: 'default', flagged: true });
    const frank = itemOf(id, 'u-frank', 'res-entra-user-admin');
    expect(frank.apply).toMatchObject({ state: 'refused', message: expect.stringContaining('must keep at least') });
    await until(() => campaign(id).status === 'closed');
    const carol = itemOf(id, 'u-carol', 'res-entra-security-readers');
    expect(carol.apply.state).toBe('verified');
    expect(carol.apply.receiptIds.length).toBeGreaterThan(0);
    expect(srv.store.get('verifications', carol.apply.receiptIds[0]!)).toMatchObject({ result: 'gone', purpose: 'revocation' });
    expect(graph.state.isMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('carol'))).toBe(false);
    const types = [...srv.store.auditEvents()].map((e) => e.type);
    for (const t of ['review.default_applied', 'review.removal_refused', 'review.closed', 'review.applied'] as const) expect(types).toContain(t);
  });

  it('rejects a decision once the run has closed, with the reason', async () => {
    const judy = itemOf(id, 'u-judy', 'res-entra-security-readers');
    const res = await send('alice', 'review.decide', { campaignId: id, decisions: [{ itemId: judy.id, decision: 'remove', reason: 'late' }] });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'campaign_closed', message: expect.stringContaining('closed to decisions') });
  });
});

describe('a three-stage review of JIT grants', () => {
  const id = 'rc-three-stage';
  it('advances stage by stage; the last stage decides, and a removal revokes the grant with reason review', async () => {
    const person = (userId: string) => ({ type: 'person', userId });
    // Dave asks for Global Reader's low-risk neighbour and gets it at once: a live JIT grant to review.
    const asked = await send('dave', 'request.create', { requestId: 'req-dave-review', resourceId: 'res-entra-security-readers', justification: 'dashboards' });
    expect(asked.status, asked.text).toBe(200);
    await until(() => srv.store.get('grants', 'g-req-dave-review')?.status === 'active');
    const created = await send('carol', 'review.campaign_upsert', {
      campaign: {
        id,
        name: 'Security readers grants',
        scope: { type: 'resources', resourceIds: ['res-entra-security-readers'] },
        reviewed: { standingMembers: false, jitGrants: true, eligibility: false },
        stages: [
          { name: 'Operations', reviewer: person('u-alice'), fallback: person('u-mallory') },
          { name: 'Security', reviewer: person('u-carol'), fallback: person('u-mallory') },
          { name: 'Policy', reviewer: person('u-mallory'), fallback: person('u-alice') },
        ],
        schedule: { type: 'once' },
        durationDays: 7,
      },
    });
    expect(created.status, created.text).toBe(200);
    expect((await send('carol', 'review.open', { campaignId: id })).status).toBe(200);
    const dave = items(id).find((i) => i.subject.grantId === 'g-req-dave-review')!;
    expect(dave).toMatchObject({ stage: 1, stageCount: 3, reviewerIds: ['u-alice'] });
    // Carol reviews stage 2, not stage 1.
    expect((await send('carol', 'review.decide', { campaignId: id, decisions: [{ itemId: dave.id, decision: 'keep', reason: '' }] })).status).toBe(403);
    expect((await send('alice', 'review.decide', { campaignId: id, decisions: [{ itemId: dave.id, decision: 'keep', reason: 'still on call' }] })).status).toBe(200);
    expect(items(id).find((i) => i.subject.grantId === 'g-req-dave-review')!).toMatchObject({ stage: 2, reviewerIds: ['u-carol'], decision: null });
    expect((await send('carol', 'review.decide', { campaignId: id, decisions: [{ itemId: dave.id, decision: 'keep', reason: 'fine' }] })).status).toBe(200);
    expect((await send('mallory', 'review.decide', { campaignId: id, decisions: [{ itemId: dave.id, decision: 'remove', reason: 'project ended' }] })).status).toBe(200);
    const decided = items(id).find((i) => i.subject.grantId === 'g-req-dave-review')!;
    expect(decided).toMatchObject({ stage: 3, decision: 'remove', decidedBy: 'u-mallory' });
    expect(decided.stageDecisions.map((s) => s.decision)).toEqual(['keep', 'keep', 'remove']);
    expect((await send('carol', 'review.close', { campaignId: id, reason: 'all decided' })).status).toBe(200);
    const grant = srv.store.get('grants', decided.subject.grantId!)!;
    expect(grant.endedReason).toMatch(/^review: project ended/);
    await until(() => campaign(id).status === 'closed');
    expect(items(id).find((i) => i.subject.grantId === 'g-req-dave-review')!.apply.state).toBe('verified');
    expect(srv.store.get('grants', decided.subject.grantId!)!.status).toBe('verified');
  });
});

describe('standing.convert under the same guards', () => {
  it('refuses a conversion that would leave a resource below the members it must keep', async () => {
    const res = await send('admin', 'standing.convert', { resourceId: 'res-entra-user-admin', userId: 'u-frank', reason: 'make eligible' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'below_minimum_members', message: expect.stringContaining('must keep at least') });
  });

  it('never turns a disabled conversion profile back on: it refuses and names it', async () => {
    const profileId = conversionProfileId('res-entra-security-readers');
    const disabled = await send('admin', 'profile.upsert', { profile: { id: profileId, name: 'Converted: SG-Security-Readers', resourceIds: ['res-entra-security-readers'], userIds: ['u-grace'], enabled: false } });
    expect(disabled.status, disabled.text).toBe(200);
    // Oscar was added to the group by hand during the campaign: standing, and convertible.
    const res = await send('admin', 'standing.convert', { resourceId: 'res-entra-security-readers', userId: 'u-oscar', reason: 'make eligible' });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error?.message).toContain(`(${profileId}) is disabled`);
    expect(srv.store.get('profiles', profileId)).toMatchObject({ enabled: false, userIds: ['u-grace'] });
    expect(graph.state.isMember(DEMO_ENTRA_GROUPS.securityReaders.id, entraIdOf('oscar'))).toBe(true);
  });
});
