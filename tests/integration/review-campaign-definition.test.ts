/**
 * review.campaign_upsert as the console's definition form sends it, over real HTTP and a real
 * SQLite file: who may create and change a campaign (reviewers and admins; a campaign is its
 * owner's, or any admin's; the server's own break-glass campaign is nobody's), the next opening it
 * books, and refusals that name the field they are about, the way the form puts them on the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewCampaign } from '../../core/index.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
const clock = Date.parse('2027-03-20T10:00:00.000Z');
const send = async (username: string, type: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token: await srv.login(username), body: { type, payload } });
const definition = (over: Record<string, unknown> = {}) => ({
  id: 'rc-def-quarterly',
  name: 'Quarterly Global Reader',
  scope: { type: 'resources', resourceIds: ['res-entra-global-reader'] },
  stages: [{ name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'person', userId: 'u-carol' } }],
  schedule: { type: 'recurring', rule: { frequency: 'quarterly', week: 1, weekday: 'mon', time: '09:00', timeZone: 'Europe/Paris' } },
  durationDays: 14,
  ...over,
});
const stored = (id: string) => srv.store.get('reviews', id) as ReviewCampaign | null;

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true, now: () => new Date(clock) });
});
afterAll(() => srv?.close());

describe('defining a campaign', () => {
  it('a reviewer creates one, owns it, and it is booked for its first opening with the default decision flag', async () => {
    const res = await send('carol', 'review.campaign_upsert', { campaign: definition() });
    expect(res.status, res.text).toBe(200);
    // The first Monday of April 2027 at 09:00 in Paris (summer time, UTC+2).
    expect(stored('rc-def-quarterly')).toMatchObject({ ownerId: 'u-carol', status: 'scheduled', defaultDecision: 'flag', nextOpensAt: '2027-04-05T07:00:00.000Z' });
    expect(res.body.message).toBe('campaign Quarterly Global Reader created; it opens 2027-04-05T07:00:00.000Z');
    expect([...srv.store.auditEvents()].some((e) => e.type === 'review.campaign_changed' && e.subjectId === 'rc-def-quarterly' && e.actorId === 'u-carol')).toBe(true);
  });

  it('roles without campaigns cannot create one: approvers, policy admins, auditors, requesters', async () => {
    for (const username of ['alice', 'mallory', 'heidi', 'bob']) {
      const res = await send(username, 'review.campaign_upsert', { campaign: definition({ id: `rc-def-${username}` }) });
      expect(res.status, `${username}: ${res.text}`).toBe(403);
      expect(stored(`rc-def-${username}`)).toBeNull();
    }
  });

  it('only its owner or an admin changes it; the break-glass campaign is the server’s', async () => {
    expect((await send('admin', 'review.campaign_upsert', { campaign: definition({ durationDays: 21 }) })).status).toBe(200);
    expect(stored('rc-def-quarterly')).toMatchObject({ ownerId: 'u-carol', durationDays: 21 });
    const admins = await send('admin', 'review.campaign_upsert', { campaign: definition({ id: 'rc-def-admins', name: 'Admins review' }) });
    expect(admins.status, admins.text).toBe(200);
    const byCarol = await send('carol', 'review.campaign_upsert', { campaign: definition({ id: 'rc-def-admins', name: 'Taken over' }) });
    expect(byCarol.status).toBe(403);
    expect(byCarol.body.error.message).toMatch(/belongs to Administrator; only they or an admin may change or run it/);
    expect(stored('rc-def-admins')?.name).toBe('Admins review');
    // A break-glass self-approval makes the server's follow-up campaign; nobody redefines it.
    expect((await send('bob', 'request.approve', { requestId: 'req-demo-bob-server-admins', breakGlass: true, reason: 'Production outage' })).status).toBe(200);
    const system = await send('admin', 'review.campaign_upsert', { campaign: definition({ id: 'rc-break-glass', name: 'Break-glass follow-up' }) });
    expect(system.status).toBe(403);
    expect(system.body.error.message).toMatch(/is kept by the server/);
    expect(stored('rc-break-glass')?.system).toBe('break_glass');
  });

  it('refuses a bad value with a sentence naming the field, as payload.campaign.<field> like the schema’s own', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ durationDays: 120 }, /^payload\.campaign\.durationDays: /],
      [{ stages: [{ name: 'Owner', reviewer: { type: 'person', userId: 'u-nobody' }, fallback: { type: 'resource_owner' } }] }, /^payload\.campaign\.stages\.0\.reviewer\.userId: nobody has the id u-nobody$/],
      [{ stages: [{ name: 'Manager', reviewer: { type: 'manager' }, fallback: { type: 'manager' } }] }, /^payload\.campaign\.stages\.0\.fallback: the fallback cannot be the manager again/],
      [{ scope: { type: 'resources', resourceIds: ['res-gone'] } }, /^payload\.campaign\.scope\.resourceIds\.0: resource res-gone does not exist$/],
      [{ schedule: { type: 'recurring', rule: { frequency: 'quarterly', week: 1, weekday: 'mon', timeZone: 'Mars/Olympus' } } }, /^payload\.campaign\.schedule\.rule\.timeZone: Mars\/Olympus is not a known IANA time zone/],
      [{ reviewed: { standingMembers: false, jitGrants: false, eligibility: false } }, /^payload\.campaign\.reviewed: review at least one of/],
      [{ stages: [1, 2, 3, 4].map((n) => ({ name: `Stage ${n}`, reviewer: { type: 'resource_owner' }, fallback: { type: 'person', userId: 'u-carol' } })) }, /^payload\.campaign\.stages: at most 3 stages$/],
    ];
    for (const [over, message] of cases) {
      const res = await send('carol', 'review.campaign_upsert', { campaign: definition({ id: 'rc-def-bad', ...over }) });
      expect(res.status, res.text).toBe(400);
      expect(res.body.result.message).toMatch(message);
      expect(stored('rc-def-bad')).toBeNull();
    }
  });
});
