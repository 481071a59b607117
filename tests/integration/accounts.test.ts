/**
 * Account management against a real server: roles (and the second admin for admin / policy_admin),
 * passwords, disabling and enabling, sign out everywhere; refusals by role, the last admin kept,
 * and a disabled person's live grants revoked through their connectors and verified gone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { grantFromRequest, type Grant, type Task } from '../../core/index.js';
import { DEMO_ENTRA_ROLES, DEMO_USERS } from '../../sync-server/demo/directory.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';

const PASSWORD = 'accounts-suite-password-4';
const post = (srv: TestServer, path: string, token: string | undefined, body?: unknown) => http('POST', `${srv.url}${path}`, { ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}) });

async function account(srv: TestServer, username: string, roles: string[], token = srv.adminToken) {
  const res = await post(srv, '/api/v1/accounts', token, { username, password: PASSWORD, displayName: username, roles });
  if (res.status !== 201) throw new Error(`creating ${username}: ${res.status} ${res.text}`);
  return res.body as { user: { id: string; roles: string[] }; pendingRoleChange: { id: string; rolesAfter: string[] } | null };
}

/** Opens the multiplexed live stream; `ended` resolves when the server ends it. */
async function openStream(srv: TestServer, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${srv.url}/sync/v1/stream?collections=requests`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toContain('RESYNC');
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return 'ended' as const;
  })().catch(() => 'ended' as const);
  return { ended, abort: () => controller.abort() };
}

const auditOf = (srv: TestServer, type: string, subjectId: string) => [...srv.store.auditEvents()].filter((e) => e.type === type && e.subjectId === subjectId);

describe('accounts: roles, passwords, disabling, sessions', () => {
  let srv: TestServer;
  beforeAll(async () => {
    // Streams are checked against their session only once an hour: ending them is the sign-out's own sweep.
    srv = await startTestServer({ sessionCheckMs: 3_600_000 });
  });
  afterAll(() => srv?.close());

  it('every account endpoint refuses non-admins and anonymous callers', async () => {
    const { user } = await account(srv, 'plain-approver', ['approver']);
    const approver = await login(srv.url, 'plain-approver', PASSWORD);
    for (const path of ['roles', 'password', 'disable', 'enable', 'sign-out-everywhere']) {
      const body = path === 'roles' ? { roles: ['requester'] } : path === 'password' ? { password: 'another-long-password-8' } : undefined;
      expect((await post(srv, `/api/v1/accounts/${user.id}/${path}`, approver, body)).status, path).toBe(403);
      expect((await post(srv, `/api/v1/accounts/${user.id}/${path}`, undefined, body)).status, path).toBe(401);
    }
    for (const path of ['confirm', 'cancel']) expect((await post(srv, `/api/v1/accounts/role-changes/rc-x/${path}`, approver)).status).toBe(403);
    expect((await http('GET', `${srv.url}/api/v1/accounts`, { token: approver })).status).toBe(403);
  });

  it('the last enabled admin cannot be demoted or disabled, nor can an admin disable themselves', async () => {
    const demote = await post(srv, '/api/v1/accounts/u-admin/roles', srv.adminToken, { roles: ['approver'] });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toMatch(/last enabled admin .* at least one enabled admin must remain/);
    expect((await post(srv, '/api/v1/accounts/u-admin/disable', srv.adminToken, { reason: 'test' })).status).toBe(403);
    expect(srv.store.getAccount('u-admin')?.roles).toContain('admin');
  });

  it('removing roles applies at once, in the account and its directory user, audited with before and after', async () => {
    const { user } = await account(srv, 'two-hats', ['approver', 'auditor']);
    const res = await post(srv, `/api/v1/accounts/${user.id}/roles`, srv.adminToken, { roles: ['auditor'], reason: 'moved to audit' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ account: { roles: ['auditor'] }, pending: null });
    expect(srv.store.get('users', user.id)?.roles).toEqual(['auditor']);
    expect(auditOf(srv, 'account.roles_changed', user.id).at(-1)?.data).toMatchObject({ before: ['approver', 'auditor'], after: ['auditor'], reason: 'moved to audit' });
  });

  it('admin and policy_admin wait for a second admin; the proposer cannot confirm; a stale change is refused', async () => {
    // The only admin has nobody to ask: their second admin applies alone (audited as any change).
    const second = await account(srv, 'second-admin', ['admin']);
    expect(second).toMatchObject({ user: { roles: ['admin'] }, pendingRoleChange: null });
    const secondToken = await login(srv.url, 'second-admin', PASSWORD);

    // Now there are two: creating a policy admin starts without the role, pending until the other confirms.
    const created = await account(srv, 'new-configurer', ['approver', 'policy_admin']);
    expect(created.user.roles).toEqual(['approver']);
    expect(created.pendingRoleChange).toMatchObject({ rolesAfter: ['approver', 'policy_admin'] });
    const changeId = created.pendingRoleChange?.id as string;
    const list = await http('GET', `${srv.url}/api/v1/accounts`, { token: srv.adminToken });
    expect(list.body.pendingRoleChanges.map((c: { id: string }) => c.id)).toContain(changeId);
    const own = await post(srv, `/api/v1/accounts/role-changes/${changeId}/confirm`, srv.adminToken);
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('self_approval_forbidden');
    const confirmed = await post(srv, `/api/v1/accounts/role-changes/${changeId}/confirm`, secondToken);
    expect(confirmed.status).toBe(200);
    expect(srv.store.getAccount(created.user.id)?.roles).toEqual(['approver', 'policy_admin']);
    expect(srv.store.get('users', created.user.id)?.roles).toEqual(['approver', 'policy_admin']);
    expect(auditOf(srv, 'account.roles_changed', created.user.id).at(-1)?.data).toMatchObject({ before: ['approver'], after: ['approver', 'policy_admin'], proposedBy: 'u-admin', confirmedBy: second.user.id });
    expect((await post(srv, `/api/v1/accounts/role-changes/${changeId}/confirm`, secondToken)).status).toBe(409);

    // Promoting to admin later: 202 and nothing changes yet.
    const promote = await post(srv, `/api/v1/accounts/${created.user.id}/roles`, secondToken, { roles: ['approver', 'policy_admin', 'admin'] });
    expect(promote.status).toBe(202);
    expect(srv.store.getAccount(created.user.id)?.roles).not.toContain('admin');
    // The roles change meanwhile: the pending change is stale when confirmed.
    srv.store.updateAccount(created.user.id, { roles: ['approver'] });
    const stale = await post(srv, `/api/v1/accounts/role-changes/${promote.body.pending.id}/confirm`, srv.adminToken);
    expect(stale.status).toBe(409);
    srv.store.updateAccount(created.user.id, { roles: ['approver', 'policy_admin'] });
    expect((await post(srv, `/api/v1/accounts/role-changes/${promote.body.pending.id}/cancel`, secondToken)).body.roleChange.status).toBe('cancelled');

    // Adding any role to oneself waits too.
    const self = await post(srv, '/api/v1/accounts/u-admin/roles', srv.adminToken, { roles: ['admin', 'approver', 'auditor', 'policy_admin', 'reviewer'] });
    expect(self.status).toBe(202);
    expect(srv.store.getAccount('u-admin')?.roles).not.toContain('reviewer');
    await post(srv, `/api/v1/accounts/role-changes/${self.body.pending.id}/cancel`, srv.adminToken);

    // With two admins, either may lose admin, but not both.
    expect((await post(srv, `/api/v1/accounts/${second.user.id}/roles`, srv.adminToken, { roles: ['auditor'] })).status).toBe(200);
    expect((await post(srv, '/api/v1/accounts/u-admin/roles', srv.adminToken, { roles: ['approver'] })).status).toBe(409);
  });

  it('an admin reset needs a policy-passing password and ends every session of the account', async () => {
    const { user } = await account(srv, 'forgetful', ['requester']);
    const token = await login(srv.url, 'forgetful', PASSWORD);
    const weak = await post(srv, `/api/v1/accounts/${user.id}/password`, srv.adminToken, { password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.field).toBe('password');
    const reset = await post(srv, `/api/v1/accounts/${user.id}/password`, srv.adminToken, { password: 'a-fresh-start-password-5' });
    expect(reset.body).toEqual({ id: user.id, sessionsEnded: 1 });
    expect((await http('GET', `${srv.url}/api/v1/me`, { token })).status).toBe(401);
    await login(srv.url, 'forgetful', 'a-fresh-start-password-5');
    expect(auditOf(srv, 'account.password_reset', user.id)).toHaveLength(1);
  });

  it('an admin cannot choose the password of an account that approves or configures, nor reset their own', async () => {
    const { user } = await account(srv, 'busy-approver', ['approver']);
    const refused = await post(srv, `/api/v1/accounts/${user.id}/password`, srv.adminToken, { password: 'chosen-by-the-admin-7' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/cannot choose their password; .*npm run admin:recover -- <data dir> --user busy-approver/);
    const own = await post(srv, '/api/v1/accounts/u-admin/password', srv.adminToken, { password: 'chosen-by-the-admin-7' });
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/change your own password with your current one/);
    await login(srv.url, 'busy-approver', PASSWORD);
  });

  it('disabling the other admins does not let one admin grant admin alone', async () => {
    const fresh = await startTestServer();
    try {
      // Alone at first, the admin makes a second one at once; once disabled, that one still counts.
      const second = await account(fresh, 'second-admin', ['admin']);
      expect(second.pendingRoleChange).toBeNull();
      expect((await post(fresh, `/api/v1/accounts/${second.user.id}/disable`, fresh.adminToken, { reason: 'on leave' })).status).toBe(200);
      const puppet = await account(fresh, 'new-admin', ['admin', 'policy_admin']);
      expect(puppet.pendingRoleChange?.rolesAfter.sort()).toEqual(['admin', 'policy_admin']);
      expect(fresh.store.getAccount(puppet.user.id)?.roles).not.toContain('admin');
    } finally {
      await fresh.close();
    }
  });

  it('a role change left waiting more than 14 days cannot be confirmed', async () => {
    let clock = new Date('2030-03-01T09:00:00.000Z');
    const fresh = await startTestServer({ now: () => clock });
    try {
      await account(fresh, 'second-admin', ['admin']);
      const waiting = await account(fresh, 'late-policy-admin', ['policy_admin']);
      expect(waiting.pendingRoleChange).not.toBeNull();
      clock = new Date(clock.getTime() + 15 * 86_400_000);
      // Sessions last hours: the second admin signs in again a fortnight later.
      const secondToken = await login(fresh.url, 'second-admin', PASSWORD);
      const late = await post(fresh, `/api/v1/accounts/role-changes/${waiting.pendingRoleChange?.id}/confirm`, secondToken);
      expect(late.status).toBe(409);
      expect(late.body.error.message).toMatch(/more than 14 days ago; propose it again/);
      expect(fresh.store.getAccount(waiting.user.id)?.roles).not.toContain('policy_admin');
    } finally {
      await fresh.close();
    }
  });

  it('a user changes their own password with the current one; their other sessions end, this one stays', async () => {
    await account(srv, 'careful', ['requester']);
    const here = await login(srv.url, 'careful', PASSWORD);
    const elsewhere = await login(srv.url, 'careful', PASSWORD);
    const wrong = await post(srv, '/api/v1/auth/password', here, { currentPassword: 'not-the-password-1', newPassword: 'plenty-of-characters-3' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.field).toBe('currentPassword');
    const weak = await post(srv, '/api/v1/auth/password', here, { currentPassword: PASSWORD, newPassword: 'careful' });
    expect(weak.body.error.field).toBe('newPassword');
    const changed = await post(srv, '/api/v1/auth/password', here, { currentPassword: PASSWORD, newPassword: 'plenty-of-characters-3' });
    expect(changed.status).toBe(200);
    expect(changed.body.sessionsEnded).toBe(1);
    expect((await http('GET', `${srv.url}/api/v1/me`, { token: here })).status).toBe(200);
    expect((await http('GET', `${srv.url}/api/v1/me`, { token: elsewhere })).status).toBe(401);
    await login(srv.url, 'careful', 'plenty-of-characters-3');
  });

  it('sign out everywhere ends every token of the account at once, live streams included', async () => {
    const { user } = await account(srv, 'many-laptops', ['approver']);
    const tokens = await Promise.all([1, 2, 3].map(() => login(srv.url, 'many-laptops', PASSWORD)));
    const streams = await Promise.all(tokens.slice(0, 2).map((t) => openStream(srv, t)));
    const bystander = await login(srv.url, 'plain-approver', PASSWORD);
    const res = await post(srv, `/api/v1/accounts/${user.id}/sign-out-everywhere`, srv.adminToken);
    expect(res.body).toEqual({ id: user.id, sessionsEnded: 3 });
    // The session check runs hourly here: the streams end because signing out swept them.
    expect(await Promise.all(streams.map((s) => s.ended))).toEqual(['ended', 'ended']);
    for (const token of tokens) expect((await http('GET', `${srv.url}/api/v1/me`, { token })).status).toBe(401);
    expect((await http('GET', `${srv.url}/api/v1/me`, { token: bystander })).status).toBe(200);
    expect(auditOf(srv, 'account.signed_out_everywhere', user.id)[0]?.data).toMatchObject({ sessionsEnded: 3 });

    // One's own, too.
    const mine = await login(srv.url, 'plain-approver', PASSWORD);
    // Its sessions: the first test's, the bystander's and this one.
    expect((await post(srv, '/api/v1/auth/sign-out-everywhere', mine)).body.sessionsEnded).toBe(3);
    expect((await http('GET', `${srv.url}/api/v1/me`, { token: mine })).status).toBe(401);
    expect((await http('GET', `${srv.url}/api/v1/me`, { token: bystander })).status).toBe(401);
  });

  it('a disabled account cannot sign in, its stream ends; enabled again it can', async () => {
    const { user } = await account(srv, 'leaver', ['approver']);
    const token = await login(srv.url, 'leaver', PASSWORD);
    const stream = await openStream(srv, token);
    const res = await post(srv, `/api/v1/accounts/${user.id}/disable`, srv.adminToken, { reason: 'left the company' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ account: { id: user.id }, sessionsEnded: 1 });
    expect(await stream.ended).toBe('ended');
    expect(srv.store.get('users', user.id)?.disabled).toBe(true);
    expect((await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'leaver', password: PASSWORD } })).status).toBe(401);
    expect((await post(srv, `/api/v1/accounts/${user.id}/disable`, srv.adminToken)).status).toBe(409);
    expect((await post(srv, `/api/v1/accounts/${user.id}/enable`, srv.adminToken, { reason: 'came back' })).status).toBe(200);
    expect(srv.store.get('users', user.id)?.disabled).toBe(false);
    await login(srv.url, 'leaver', PASSWORD);
    expect(auditOf(srv, 'account.disabled', user.id)[0]?.data).toMatchObject({ before: { disabled: false }, after: { disabled: true }, reason: 'left the company' });
    expect(auditOf(srv, 'account.enabled', user.id)).toHaveLength(1);
  });
});

describe('disabling a person with live Entra and manual grants', () => {
  let graph: GraphStandin;
  let srv: TestServer | undefined;
  let clock = Date.now();
  beforeAll(async () => {
    graph = await startGraphStandin({ seed: 9 });
  });
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });
  afterAll(() => graph.close());

  it('revokes both through their connectors (reason disabled), verifies them gone, and cancels pending requests, in one step', async () => {
    seedEntraTenant(graph);
    clock = Date.now();
    srv = await startTestServer({
      seedDemo: true,
      now: () => new Date(clock),
      connectors: [{ id: 'entra-demo', ...standinEntraSettings(graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
      scheduler: { intervalMs: 0, random: () => 0.5 },
    });
    const s = srv;
    const run = async () => {
      clock += 1000;
      await s.server.scheduler?.runOnce();
    };
    const dave = DEMO_USERS.find((u) => u.username === 'dave');
    const entraGrantId = s.store.get('requests', 'req-demo-dave-global-reader')?.grantId as string;
    const hasRole = () => graph.state.roleInstances().some((i) => i.principalId === dave?.entraId && i.roleDefinitionId === DEMO_ENTRA_ROLES.globalReader.id);
    await run();
    expect(s.store.get('grants', entraGrantId)?.status).toBe('active');
    expect(hasRole()).toBe(true);

    // A manual grant of Dave's, active (its owner granted it by hand).
    const resource = s.store.get('resources', 'res-manual-erp-payments');
    const frank = s.store.get('requests', 'req-demo-frank-erp-payments');
    if (!resource || !frank) throw new Error('demo organisation missing');
    const approved = { ...frank, id: 'req-dave-erp', requesterId: 'u-dave', grantId: 'g-dave-erp' };
    s.store.put('requests', approved);
    const manual = grantFromRequest(approved, resource, 'g-dave-erp', { now: new Date(clock) });
    if (!manual.ok) throw new Error(manual.message);
    s.store.put('grants', { ...manual.value, status: 'active', provisionedAt: new Date(clock).toISOString() });
    const pendingIds = s.store.list('requests', { where: { requesterId: 'u-dave' } }).filter((r) => ['requested', 'eligibility_checked', 'pending_approval'].includes(r.status)).map((r) => r.id);
    expect(pendingIds.length).toBeGreaterThan(0);

    const res = await post(s, '/api/v1/accounts/u-dave/disable', s.adminToken, { reason: 'left the company' });
    expect(res.status).toBe(200);
    expect(new Set(res.body.grantsRevoked)).toEqual(new Set([entraGrantId, 'g-dave-erp']));
    expect(new Set(res.body.requestsCancelled)).toEqual(new Set(pendingIds));
    for (const id of [entraGrantId, 'g-dave-erp']) expect(s.store.get('grants', id)).toMatchObject({ status: 'revoking', endedReason: 'disabled', endedBy: 'u-admin' });
    for (const id of pendingIds) expect(s.store.get('requests', id)).toMatchObject({ status: 'cancelled', outcomeReason: 'disabled' });

    await run();
    expect(hasRole()).toBe(false);
    expect(s.store.get('grants', entraGrantId)).toMatchObject({ status: 'verified', verification: 'gone' });
    // The manual one waits for its owner to remove it by hand and say so.
    const task = s.store.list('tasks').find((t: Task) => t.grantId === 'g-dave-erp' && t.kind === 'manual_revoke');
    expect(task).toMatchObject({ status: 'open', assigneeId: resource.ownerId });
    const closed = s.processor.apply({ id: 'close-dave-erp', type: 'task.close', actorId: resource.ownerId, payload: { taskId: task?.id, outcome: 'done', note: 'removed in the ERP' }, createdAt: new Date(clock).toISOString() });
    expect(closed.status).toBe('applied');
    await run();
    expect((s.store.get('grants', 'g-dave-erp') as Grant).status).toBe('verified');
    const trail = [...s.store.auditEvents()].filter((e) => e.subjectId === entraGrantId).map((e) => e.type);
    expect(trail).toEqual(expect.arrayContaining(['grant.revoke_requested', 'grant.revoked', 'grant.revocation_verified']));
    expect((await http('GET', `${s.url}/api/v1/audit/verify`, { token: s.adminToken })).body.ok).toBe(true);
  });
});
