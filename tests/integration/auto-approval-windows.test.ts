/**
 * Auto-approval rules and access windows through the real server over REST, with an injected clock:
 * a rule (risk below 50, Mon-Fri 08:00-18:00 Europe/Paris, on-call group SRE) approves Rita's request
 * on a Monday morning and records why, provisioning the grant; Tom, not on call, and Rita on a
 * Saturday go to the approver, each told which condition failed. A maintenance policy (Sat
 * 22:00-04:00 Europe/Paris) refuses a request outside it naming the next opening, lets one in inside
 * it, and ends on the wall clock across the March DST change. The catalog says both in words; a
 * policy with a bad zone, a condition-less rule or an unknown on-call group is refused on its field;
 * adding a rule widens access, so it waits for a second person.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRequest, CatalogEntry } from '../../core/index.js';
import { testClock } from './helpers/mfa.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'window-test-password-9';
// Monday 2 March 2026, 10:00 in Paris.
const clock = testClock(Date.parse('2026-03-02T09:00:00.000Z'));
let srv: TestServer;
const tokens: Record<string, string> = {};
/** Moves the clock and signs everyone in again (sessions expire while days pass). */
async function setClock(iso: string): Promise<void> {
  clock.advance(Date.parse(iso) - clock.ms());
  for (const who of ['rita', 'tom', 'alice', 'paula']) tokens[who] = await login(srv.url, who, PASSWORD);
  tokens.admin = await login(srv.url, 'admin', srv.adminPassword);
}

const OFFICE = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timeZone: 'Europe/Paris' };
const MAINTENANCE = { days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Paris' };
const ON_CALL_POLICY = {
  id: 'pol-oncall',
  name: 'On call',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  requireJustification: false,
  approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }],
  autoApprovalRules: [{ name: 'On call, office hours', riskBelow: 50, window: OFFICE, onCallGroupId: 'grp-sre' }],
};

let counter = 0;
type Answer = AccessRequest & { error?: { code: string; message: string; field?: string } };
const ask = (who: string, resourceId: string, durationMinutes = 30) =>
  http<Answer>('POST', `${srv.url}/api/v1/requests`, { token: tokens[who]!, body: { requestId: `req-win-${++counter}`, resourceId, durationMinutes, ticket: 'OPS-1' } });
const command = (token: string, type: string, payload: Record<string, unknown>) =>
  http<{ status?: string; message?: string; error?: { code: string; message: string; field?: string }; result?: { status: string; message: string } }>('POST', `${srv.url}/api/v1/commands`, { token, body: { type, payload } });

beforeAll(async () => {
  srv = await startTestServer({ now: clock.now });
  for (const [id, username, roles] of [
    ['u-rita', 'rita', ['requester']],
    ['u-tom', 'tom', ['requester']],
    ['u-alice', 'alice', ['approver']],
    ['u-paula', 'paula', ['policy_admin']],
  ] as const) {
    const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id, username, password: PASSWORD, displayName: username[0]!.toUpperCase() + username.slice(1), roles } });
    if (res.status !== 201) throw new Error(`account ${username}: ${res.status} ${res.text}`);
  }
  // The directory's on-call rota, as the connector lists it.
  srv.store.tx(() => srv.store.put('groups', { id: 'grp-sre', displayName: 'SRE on-call', connector: 'entra', externalId: 'sre-oncall', memberUserIds: ['u-rita'], updatedAt: clock.now().toISOString() }));
  let n = 0;
  const apply = (type: string, payload: Record<string, unknown>) => {
    const result = srv.processor.apply({ id: `setup-${++n}`, type, actorId: 'u-admin', payload, createdAt: clock.now().toISOString() } as never, { bootstrap: true });
    if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
  };
  apply('policy.upsert', { policy: ON_CALL_POLICY });
  apply('policy.upsert', { policy: { ...ON_CALL_POLICY, id: 'pol-maint', name: 'Maintenance window', autoApprovalRules: [], accessWindows: [MAINTENANCE] } });
  const resource = (id: string, name: string, policyId: string) => ({ id, name, kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: id }, ownerId: 'u-alice', sensitivity: 'low', policyIds: [policyId] });
  apply('resource.upsert', { resource: resource('res-oncall', 'Production read', 'pol-oncall') });
  apply('resource.upsert', { resource: resource('res-maint', 'Database failover', 'pol-maint') });
  apply('profile.upsert', { profile: { id: 'prof-ops', name: 'Ops', resourceIds: ['res-oncall', 'res-maint'], userIds: ['u-rita', 'u-tom'] } });
  await setClock('2026-03-02T09:00:00.000Z');
});
afterAll(() => srv?.close());

describe('auto-approval rules', () => {
  it('approve a request for which every condition holds, record why on it, and provision the grant', async () => {
    await setClock('2026-03-02T09:00:00.000Z');
    const res = await ask('rita', 'res-oncall');
    expect(res.status).toBe(201);
    const reason = `auto-approved: rule "On call, office hours": risk ${res.body.riskScore} below 50, within Mon-Fri 08:00-18:00 Europe/Paris, on-call group SRE on-call`;
    expect(res.body).toMatchObject({ status: 'approved', autoApproval: { approved: true, reason }, outcomeReason: reason });
    expect(res.body.grantId).not.toBeNull();
    // What the approver and the requester read back is the same record.
    const stored = await http<AccessRequest>('GET', `${srv.url}/api/v1/requests/${res.body.id}`, { token: tokens.rita! });
    expect(stored.body.autoApproval?.reason).toBe(reason);
    expect(srv.store.get('grants', res.body.grantId!)).not.toBeNull();
  });

  it('someone not in the on-call group goes to the approver, told why', async () => {
    await setClock('2026-03-02T09:05:00.000Z');
    const res = await ask('tom', 'res-oncall');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending_approval', autoApproval: { approved: false, reason: 'not auto-approved: rule "On call, office hours": not in on-call group SRE on-call' } });
    expect(res.body.policy?.approvalSteps.map((s) => s.name)).toEqual(['Approver']);
  });

  it('outside the rule’s window (Saturday in Paris), the chain runs; a membership change counts at once', async () => {
    await setClock('2026-03-07T10:00:00.000Z');
    const weekend = await ask('rita', 'res-oncall');
    expect(weekend.body).toMatchObject({ status: 'pending_approval', autoApproval: { reason: 'not auto-approved: rule "On call, office hours": outside Mon-Fri 08:00-18:00 Europe/Paris' } });
    await setClock('2026-03-09T07:30:00.000Z'); // Monday 08:30 in Paris
    const group = srv.store.get('groups', 'grp-sre')!;
    srv.store.tx(() => srv.store.put('groups', { ...group, memberUserIds: ['u-tom'] }));
    expect((await ask('tom', 'res-oncall')).body.status).toBe('approved');
    expect((await ask('rita', 'res-oncall')).body.status).toBe('pending_approval');
    srv.store.tx(() => srv.store.put('groups', group));
  });
});

describe('access windows', () => {
  it('refuse a request outside every window, naming the next opening', async () => {
    await setClock('2026-03-07T14:00:00.000Z'); // Saturday 15:00 in Paris
    const res = await ask('rita', 'res-maint');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'outside_window', message: 'outside the access windows of "Maintenance window" (Sat 22:00-04:00 Europe/Paris); next opens Sat 7 Mar 22:00 Europe/Paris' });
    expect(srv.store.list('requests', { where: { requesterId: 'u-rita' } }).some((r) => r.resourceId === 'res-maint')).toBe(false);
  });

  it('let one in inside the window, Saturday night into Sunday morning', async () => {
    await setClock('2026-03-07T21:30:00.000Z'); // Saturday 22:30 in Paris
    expect((await ask('rita', 'res-maint')).body.status).toBe('pending_approval');
    await setClock('2026-03-08T02:59:00.000Z'); // Sunday 03:59
    expect((await ask('tom', 'res-maint')).status).toBe(201);
    await setClock('2026-03-08T03:00:00.000Z'); // Sunday 04:00: closed
    expect((await ask('tom', 'res-maint')).body.error?.message).toMatch(/next opens Sat 14 Mar 22:00 Europe\/Paris$/);
  });

  it('an approval after the window closed: access waits for the next opening, then lasts its duration', async () => {
    await setClock('2026-03-14T21:30:00.000Z'); // Saturday 14 March, 22:30 in Paris
    const asked = await ask('rita', 'res-maint', 60);
    expect(asked.body.status).toBe('pending_approval');
    await setClock('2026-03-15T09:00:00.000Z'); // Sunday 10:00: closed since 04:00
    const approved = await command(tokens.alice!, 'request.approve', { requestId: asked.body.id, reason: 'failover plan reviewed' });
    expect(approved.status).toBe(200);
    const grant = srv.store.get('grants', srv.store.get('requests', asked.body.id)!.grantId!)!;
    // Saturday 21 March 22:00 Paris (still winter time): 21:00 UTC, for the hour asked.
    expect({ startsAt: grant.startsAt, expiresAt: grant.expiresAt, status: grant.status }).toEqual({ startsAt: '2026-03-21T21:00:00.000Z', expiresAt: '2026-03-21T22:00:00.000Z', status: 'provisioning' });
    const created = srv.store.list('audit').find((e) => e.type === 'grant.created' && e.subjectId === grant.id);
    expect(created?.data).toMatchObject({ startsAt: '2026-03-21T21:00:00.000Z' });
  });

  it('keep the wall clock across the March DST change: the window ends at 04:00 summer time, 02:00 UTC', async () => {
    // Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST.
    await setClock('2026-03-29T01:59:00.000Z'); // 03:59 CEST
    expect((await ask('tom', 'res-maint')).status).toBe(201);
    await setClock('2026-03-29T02:00:00.000Z'); // 04:00 CEST
    expect((await ask('tom', 'res-maint')).body.error).toMatchObject({ code: 'outside_window', message: expect.stringMatching(/next opens Sat 4 Apr 22:00 Europe\/Paris$/) });
  });
});

describe('the catalog and the editor’s checks', () => {
  it('the catalog says the rule and the window in words, with the windows themselves', async () => {
    const res = await http<{ resources: CatalogEntry[] }>('GET', `${srv.url}/api/v1/catalog`, { token: tokens.rita! });
    const oncall = res.body.resources.find((r) => r.id === 'res-oncall')!;
    expect(oncall.policyInWords).toContain(
      'It is approved automatically when its risk score is below 50, it is asked and starts within Mon-Fri 08:00-18:00 Europe/Paris and you are in the on-call group SRE on-call for access now (On call, office hours); otherwise its approvers decide.',
    );
    const maint = res.body.resources.find((r) => r.id === 'res-maint')!;
    expect(maint.policy?.accessWindows).toEqual([MAINTENANCE]);
    expect(maint.policyInWords.some((l) => l.startsWith('A request can be made only within Sat 22:00-04:00 Europe/Paris (a later start must fall inside too)'))).toBe(true);
  });

  it('refuses a policy whose window names an unknown zone, a rule with no condition, and an on-call group that does not exist, each on its field', async () => {
    const badZone = await command(tokens.admin!, 'policy.upsert', { policy: { ...ON_CALL_POLICY, id: 'pol-bad', accessWindows: [{ ...MAINTENANCE, timeZone: 'Europe/Pariss' }] } });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error).toMatchObject({ code: 'invalid_input', field: 'payload.policy.accessWindows.0.timeZone' });
    const badHours = await command(tokens.admin!, 'policy.upsert', { policy: { ...ON_CALL_POLICY, id: 'pol-bad', accessWindows: [{ ...MAINTENANCE, start: '25:00' }] } });
    expect(badHours.status).toBe(400);
    expect(badHours.body.error?.message).toMatch(/accessWindows\.0\.start/);
    const empty = await command(tokens.admin!, 'policy.upsert', { policy: { ...ON_CALL_POLICY, id: 'pol-bad', autoApprovalRules: [{ name: 'Everything' }] } });
    expect(empty.status).toBe(400);
    expect(empty.body.error?.message).toMatch(/^payload\.policy\.autoApprovalRules\.0: a rule needs at least one condition/);
    const ghost = await command(tokens.admin!, 'policy.upsert', { policy: { ...ON_CALL_POLICY, id: 'pol-bad', autoApprovalRules: [{ onCallGroupId: 'grp-ghost' }] } });
    expect(ghost.status).toBe(404);
    expect(ghost.body.error?.message).toBe('payload.policy.autoApprovalRules.0.onCallGroupId: group grp-ghost does not exist');
  });

  it('adding a rule to a policy in use widens access: it waits for a second person; taking one away applies at once', async () => {
    const wider = { ...ON_CALL_POLICY, autoApprovalRules: [...ON_CALL_POLICY.autoApprovalRules, { name: 'Low risk', riskBelow: 20 }] };
    const proposed = await command(tokens.paula!, 'policy.upsert', { policy: wider });
    expect(proposed.status).toBe(200);
    expect(proposed.body.message).toMatch(/^access policy "On call" widens access/);
    expect(proposed.body.message).toContain("requests are approved automatically when its risk score is below 20");
    expect(srv.store.get('policies', 'pol-oncall')?.autoApprovalRules).toHaveLength(1);
    const narrower = await command(tokens.paula!, 'policy.upsert', { policy: { ...ON_CALL_POLICY, autoApprovalRules: [] } });
    expect(narrower.status).toBe(200);
    expect(srv.store.get('policies', 'pol-oncall')?.autoApprovalRules).toEqual([]);
  });
});
