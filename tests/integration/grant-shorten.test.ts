/**
 * "Shorten them" over REST against the demo organisation, a real SQLite file and the Graph
 * stand-in: a policy admin lowers a policy's maximum, then shortens the live grants past it with
 * grant.shorten. Each ends at its start plus the new maximum (at once when that has passed), its
 * revocation is booked earlier by the scheduler (on the injected clock) and verified gone, each is
 * audited, and its holder reads why on the grant. Grants within the maximum are refused, naming
 * them, and nothing is shortened; a requester may not send it at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessPolicy, AccessRequest, Grant } from '../../core/index.js';
import { DEMO_ENTRA_ROLES, DEMO_USERS } from '../../sync-server/demo/directory.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let graph: GraphStandin;
let srv: TestServer;
let clock: number;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 11, replicationLag: { minMs: 5, maxMs: 20 } });
  seedEntraTenant(graph);
  clock = Date.now();
  srv = await startTestServer({
    seedDemo: true,
    now: () => new Date(clock),
    connectors: [{ id: 'entra-demo', ...standinEntraSettings(graph), verifyReadIntervalMs: 25, maxRetryWaitMs: 0 }, { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5 },
  });
});
afterAll(async () => {
  await srv?.close();
  await graph?.close();
});

const runScheduler = async () => {
  if (!srv.server.scheduler) throw new Error('no scheduler');
  return srv.server.scheduler.runOnce();
};
const entraIdOf = (username: string) => DEMO_USERS.find((u) => u.username === username)?.entraId as string;
const holdsRole = (username: string, roleId: string) => graph.state.roleInstances().some((i) => i.principalId === entraIdOf(username) && i.roleDefinitionId === roleId);
const command = async (username: string, type: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token: await srv.login(username), body: { type, payload } });
const grantOf = (id: string) => srv.store.get('grants', id) as Grant;

/** A request approved by Alice, provisioned through the scheduler: its grant id. */
async function activeGrant(username: string, resourceId: string, minutes: number): Promise<string> {
  const created = await http<AccessRequest>('POST', `${srv.url}/api/v1/requests`, { token: await srv.login(username), body: { resourceId, durationMinutes: minutes, justification: 'on-call work INC-7001' } });
  expect(created.status, created.text).toBe(201);
  expect((await command('alice', 'request.approve', { requestId: created.body.id, reason: 'ok' })).status).toBe(200);
  const grantId = srv.store.get('requests', created.body.id)?.grantId as string;
  clock += 1000;
  await runScheduler();
  expect(grantOf(grantId).status).toBe('active');
  return grantId;
}

describe('grant.shorten', () => {
  let bob: string;
  let ivan: string;
  let dave: string;

  it('is refused for a grant within the new maximum, naming it, and shortens nothing; a requester may not send it', async () => {
    bob = await activeGrant('bob', 'res-entra-global-reader', 4 * 60);
    clock += 150 * MINUTE;
    ivan = await activeGrant('ivan', 'res-entra-helpdesk-admin', 6 * 60);
    dave = await activeGrant('dave', 'res-entra-global-reader', 90);

    // Lowering the maximum only tightens: it applies at once, and the grants keep their ends.
    const policy = srv.store.get('policies', 'pol-single-approver') as AccessPolicy;
    const { updatedAt: _u, changedBy: _c, ...sent } = policy;
    const lowered = await command('mallory', 'policy.upsert', { policy: { ...sent, maxDurationMinutes: 120, defaultDurationMinutes: 60 } });
    expect(lowered.status, lowered.text).toBe(200);
    expect(grantOf(bob).expiresAt).toBe(new Date(Date.parse(grantOf(bob).startsAt) + 4 * HOUR).toISOString());

    const byRequester = await command('bob', 'grant.shorten', { grantIds: [bob] });
    expect(byRequester.status).toBe(403);

    const before = grantOf(bob);
    const mixed = await command('mallory', 'grant.shorten', { grantIds: [bob, dave] });
    expect(mixed.status).toBe(422);
    expect(mixed.body.error.message).toMatch(new RegExp(`grant ${dave} runs 1 h 30 min, within the maximum of 2 h: there is nothing to shorten; nothing was shortened`));
    expect(grantOf(bob)).toEqual(before);
    expect([...srv.store.auditEvents()].some((e) => e.type === 'grant.shortened')).toBe(false);
  });

  it('ends each grant at its start plus the new maximum, at once when that has passed, audited and told to its holder', async () => {
    const shortened = await command('mallory', 'grant.shorten', { grantIds: [bob, ivan], reason: 'Global Reader and Helpdesk now at most 2 h' });
    expect(shortened.status, shortened.text).toBe(200);
    expect(shortened.body.message).toBe('2 grants shortened to the maximum; 1 already past it ends now; their revocations are rescheduled and their holders told');

    const now = new Date(clock).toISOString();
    // Bob's started 2 h 30 min ago: past the new maximum already, it ends now.
    expect(grantOf(bob)).toMatchObject({ status: 'active', expiresAt: now, maxDurationMinutes: 120, shortened: { by: 'u-mallory', byName: 'Mallory Reyes', maxMinutes: 120, previousExpiresAt: new Date(Date.parse(grantOf(bob).startsAt) + 4 * HOUR).toISOString(), reason: 'Global Reader and Helpdesk now at most 2 h' } });
    const ivanEnd = new Date(Date.parse(grantOf(ivan).startsAt) + 2 * HOUR).toISOString();
    expect(grantOf(ivan)).toMatchObject({ expiresAt: ivanEnd, maxDurationMinutes: 120, shortened: { at: now } });

    const events = [...srv.store.auditEvents()].filter((e) => e.type === 'grant.shortened');
    expect(events.map((e) => [e.subjectId, e.actorId])).toEqual([
      [bob, 'u-mallory'],
      [ivan, 'u-mallory'],
    ]);
    expect(events[1]!.data).toMatchObject({ userId: 'u-ivan', resourceId: 'res-entra-helpdesk-admin', expiresAt: ivanEnd, maxMinutes: 120 });

    // The holder reads it on their own grant (My access shows it from their replica's copy).
    const mine = await http<{ grants: Grant[] }>('GET', `${srv.url}/api/v1/grants?mine=1`, { token: await srv.login('bob') });
    expect(mine.body.grants.find((g) => g.id === bob)?.shortened?.previousExpiresAt).toBe(grantOf(bob).shortened?.previousExpiresAt);

    // Shortened once, a grant is within its maximum.
    const again = await command('mallory', 'grant.shorten', { grantIds: [ivan] });
    expect(again.status).toBe(422);
    expect(again.body.error.message).toMatch(/runs 2 h, within the maximum of 2 h/);
  });

  it('has the scheduler revoke each at its new end, not its old one, and verify it gone', async () => {
    // One second on: the shortened grant's revocation was booked when the command committed (no full rescan yet).
    clock += 1000;
    await runScheduler();
    expect(grantOf(bob)).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(holdsRole('bob', DEMO_ENTRA_ROLES.globalReader.id)).toBe(false);
    expect(grantOf(ivan).status).toBe('active');
    expect(holdsRole('ivan', DEMO_ENTRA_ROLES.helpdeskAdministrator.id)).toBe(true);

    // Past Ivan's new end (4 h before the old one).
    clock = Date.parse(grantOf(ivan).expiresAt) + MINUTE;
    await runScheduler();
    expect(grantOf(ivan)).toMatchObject({ status: 'verified', verification: 'gone' });
    expect(holdsRole('ivan', DEMO_ENTRA_ROLES.helpdeskAdministrator.id)).toBe(false);
    expect(grantOf(ivan).latenessMs).toBeLessThan(2 * MINUTE);
    // Dave's, within the maximum, kept its own end.
    expect(grantOf(dave).shortened).toBeUndefined();
    expect((await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken })).body.ok).toBe(true);
  });
});
