/**
 * Revocation categories over HTTP, on the demo with the Graph stand-in: the holder gives back, an
 * approver names admin or security_incident, the scheduler's expiry is expiry; each is on the grant,
 * on grant.revoke_requested and on grant.revoked. An unknown category, one of the other side's or
 * one the server sets is refused with a sentence naming it, and nothing changes. A grant ended
 * before categories were stored still reads, its category taken from its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationCategoryOf, type AccessRequest, type Grant } from '../../core/index.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let graph: GraphStandin;
let srv: TestServer;
let clock = Date.parse('2026-03-02T09:00:00.000Z');

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 5 });
  seedEntraTenant(graph);
  srv = await startTestServer({
    seedDemo: true,
    now: () => new Date(clock),
    connectors: [{ id: 'entra-demo', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await graph?.close();
});

const revoke = (token: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type: 'grant.revoke', payload } });
const grant = (id: string) => srv.store.get('grants', id) as Grant;
const events = (id: string, type: string) => [...srv.store.auditEvents()].filter((e) => e.subjectId === id && e.type === type);
async function liveGrant(username: string): Promise<string> {
  const token = await srv.login(username);
  const asked = await http('POST', `${srv.url}/api/v1/requests`, { token, body: { resourceId: 'res-entra-security-readers', durationMinutes: 60 } });
  expect(asked.status, asked.text).toBe(201);
  clock += 1000;
  await srv.server.scheduler?.runOnce();
  const id = (asked.body as AccessRequest).grantId as string;
  expect(grant(id).status).toBe('active');
  return id;
}

describe('grant.revoke with a category', () => {
  it('the holder gives back: give_back on the grant and both events, without a note; an admin-side category is refused', async () => {
    const frank = await srv.login('frank');
    const id = await liveGrant('frank');
    const wrongSide = await revoke(frank, { grantId: id, category: 'admin' });
    expect(wrongSide.status).toBe(400);
    expect(wrongSide.body.error.message).toBe('category "admin" is not one for ending your own access; ending your own access, the category is one of give_back');
    expect(grant(id).status).toBe('active');
    expect((await revoke(frank, { grantId: id })).status).toBe(200);
    expect(grant(id)).toMatchObject({ status: 'revoking', endedCategory: 'give_back', endedReason: '' });
    clock += 1000;
    await srv.server.scheduler?.runOnce();
    expect(events(id, 'grant.revoke_requested')[0]?.data).toMatchObject({ category: 'give_back' });
    expect(events(id, 'grant.revoked')[0]?.data).toMatchObject({ category: 'give_back' });
  });

  it('an approver names admin or security_incident with a note; an unknown one, or one the server sets, is refused naming it', async () => {
    const carol = await srv.login('carol');
    const id = await liveGrant('grace');
    const unknown = await revoke(carol, { grantId: id, category: 'bored', reason: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('category "bored" is not a revocation category; one of admin, security_incident');
    const system = await revoke(carol, { grantId: id, category: 'expiry' });
    expect(system.body.error.message).toBe('category "expiry" is set by the server, never sent; revoking someone else\'s access, the category is one of admin, security_incident');
    expect(grant(id).status).toBe('active');
    expect(events(id, 'grant.revoke_requested')).toEqual([]);
    expect((await revoke(carol, { grantId: id, category: 'security_incident', reason: 'token found in a paste site' })).status).toBe(200);
    clock += 1000;
    await srv.server.scheduler?.runOnce();
    expect(grant(id)).toMatchObject({ endedCategory: 'security_incident', endedReason: 'token found in a paste site', endedBy: 'u-carol' });
    expect(events(id, 'grant.revoked')[0]?.data).toMatchObject({ category: 'security_incident' });
  });

  it('the scheduler ends a grant at expiry with category expiry', async () => {
    const id = await liveGrant('judy');
    clock += 61 * 60_000;
    await srv.server.scheduler?.runOnce();
    clock += 1000;
    await srv.server.scheduler?.runOnce();
    expect(grant(id)).toMatchObject({ endedCategory: 'expiry', endedBy: 'system' });
    expect(events(id, 'grant.revoke_requested')[0]?.data).toMatchObject({ category: 'expiry', reason: 'expired' });
    expect(events(id, 'grant.revoked')[0]?.data).toMatchObject({ category: 'expiry' });
  });

  it('a grant ended before categories were stored still reads, over the API too; its reason gives the category', async () => {
    const ended = srv.store.list('grants').find((g) => g.endedCategory === 'expiry') as Grant;
    const { endedCategory: _c, ...legacy } = { ...ended, id: 'g-legacy-review', endedReason: 'review: no longer on the team', endedBy: 'u-alice' };
    srv.store.tx(() => srv.store.put('grants', legacy as Grant));
    expect(srv.store.get('grants', 'g-legacy-review')?.endedCategory).toBeUndefined();
    expect(revocationCategoryOf(grant('g-legacy-review'))).toBe('review');
    const listed = await http('GET', `${srv.url}/api/v1/grants?userId=${legacy.userId}`, { token: srv.adminToken });
    expect(listed.status, listed.text).toBe(200);
    expect(JSON.stringify(listed.body)).toContain('g-legacy-review');
  });
});
