/**
 * Every type in the closed list of audit events (core/audit/events.ts) is produced by some flow:
 * real flows through the real server (SQLite file, HTTP on 127.0.0.1, the scheduler with the Graph
 * stand-in and the manual connector), then one check per type of the list itself, so a type added
 * there and emitted nowhere fails here. Flows run in order on one server and one injected clock;
 * the long jumps of the clock (deadlines, reminders, expiry) come last, then a restart.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEventType } from '../../core/audit/events.js';
import type { AccessPolicy, AccessRequest, AuditEvent, CommandResult, ReviewCampaign } from '../../core/index.js';
import { runItems } from '../../sync-server/reviews/docs.js';
import { DEMO_ENTRA_GROUPS, DEMO_USERS } from '../../sync-server/demo/directory.js';
import { seedEntraTenant } from '../../sync-server/demo/graph-tenant.js';
import { deleteOffboardWebhookSecret, setOffboardWebhookSecret } from '../../sync-server/offboarding/webhook-secret.js';
import { SecretKey } from '../../sync-server/secrets/index.js';
import { signedHeaders } from '../../sync-server/signing/signature.js';
import { deleteTicketHookSecret, setTicketHookSecret } from '../../sync-server/ticket-check/secret-store.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { dropGuards, withFile } from './helpers/audit-tamper.js';
import { secondAdminToken } from './helpers/configure.js';
import { standinEntraSettings } from './helpers/entra.js';
import { enrolMfa, STEP_MS, stepUp, totpCode } from './helpers/mfa.js';
import { http, makeTempDataDir, startTestServer, type StartTestServerOptions, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Types whose flows are at HEAD but not driven here yet: work still to do in this file (each names
 * where the flow is tested today). An entry is removed when its flow is driven above.
 */
const FLOW_NOT_DRIVEN_HERE_YET: Record<string, string> = {
  'audit.archived': 'npm run audit:archive, an offline step run with the server stopped (audit-retention.test.ts)',
  'grant.shortened': 'grant.shorten after a lowered maximum (grant-shorten.test.ts)',
  'grant.revoke_failed': 'a revocation the directory keeps refusing (scheduler.test.ts)',
  'grant.revoke_escalated': 'a revocation the directory keeps refusing (scheduler.test.ts)',
  'grant.revocation_not_verified': 'a removal the directory reads back as still there (scheduler.test.ts)',
  'connector.configured': 'a connector config stored encrypted (secrets-at-rest.test.ts)',
  'standing.converted': 'standing.convert (standing-access.test.ts)',
  'directory.synced': 'a directory sync run (directory-sync.test.ts)',
  'person.directory_disabled': 'a directory sync seeing a person disabled (offboarding-signals.test.ts)',
  'review.stage_advanced': 'a multi-stage campaign (review-campaigns.test.ts)',
  'review.removal_refused': 'a removal the lockout guard refuses (review-campaigns.test.ts)',
  'review.escalated': 'a break-glass follow-up review past its deadline (review-campaigns.test.ts)',
};

let graph: GraphStandin;
let srv: TestServer;
let clock = Date.parse('2026-03-02T09:00:00.000Z');
const dataDir = makeTempDataDir('audit-coverage-');
// Two-step verification seals its secrets with the server's secrets key.
const secretKey = SecretKey.generate();
/** Every event seen, across the restart (the store is read before it closes). */
const seen: AuditEvent[] = [];

function serverOptions(graphStandin: GraphStandin): StartTestServerOptions {
  return {
    dataDir,
    keepDataDir: true,
    secretKey,
    seedDemo: true,
    now: () => new Date(clock),
    connectors: [{ id: 'entra-demo', ...standinEntraSettings(graphStandin), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5, driftCheckAfterMs: [DAY, 3 * DAY] },
  };
}

const collect = () => {
  const known = new Set(seen.map((e) => e.seq));
  for (const e of srv.store.auditEvents()) if (!known.has(e.seq)) seen.push(e);
};
const ofType = (type: string) => seen.filter((e) => e.type === type);
const post = (path: string, token: string, body: unknown = {}) => http('POST', `${srv.url}${path}`, { token, body });
async function command(token: string, type: string, payload: Record<string, unknown>): Promise<CommandResult> {
  const res = await post('/api/v1/commands', token, { type, payload });
  return res.body as CommandResult;
}
async function ask(token: string, body: Record<string, unknown>): Promise<AccessRequest> {
  const res = await post('/api/v1/requests', token, body);
  if (res.status !== 201) throw new Error(`request ${JSON.stringify(body)}: ${res.status} ${res.text}`);
  return res.body as AccessRequest;
}
const runScheduler = async () => {
  await srv.server.scheduler?.runOnce();
};
const policyOf = (id: string) => {
  const { updatedAt: _u, changedBy: _c, ...policy } = srv.store.get('policies', id) as AccessPolicy & { changedBy?: unknown };
  return policy;
};

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 11 });
  seedEntraTenant(graph);
  srv = await startTestServer(serverOptions(graph));
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await graph?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('flows that produce the audit trail', () => {
  it('sign-in, failed sign-in, sign-out, accounts and their roles', async () => {
    expect((await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'bob', password: 'not-bobs-password-1' } })).status).toBe(401);
    const throwaway = await srv.login('oscar');
    expect((await post('/api/v1/auth/logout', throwaway)).status).toBe(204);
    const admin = srv.adminToken;
    // With a second admin on the server, making someone an admin waits for them.
    await secondAdminToken(srv);
    const created = await post('/api/v1/accounts', admin, { username: 'trail-person', password: 'a-long-enough-password-9', displayName: 'Trail Person', roles: ['requester'] });
    expect(created.status).toBe(201);
    const id = (created.body as { user: { id: string } }).user.id;
    expect((await post(`/api/v1/accounts/${id}/roles`, admin, { roles: ['auditor'], reason: 'moved to audit' })).status).toBe(200);
    // Cancelled here by its proposer.
    const promote = await post(`/api/v1/accounts/${id}/roles`, admin, { roles: ['admin'] });
    const pendingId = (promote.body as { pending: { id: string } }).pending.id;
    expect((await post(`/api/v1/accounts/role-changes/${pendingId}/cancel`, admin)).status).toBe(200);
    expect((await post(`/api/v1/accounts/${id}/password`, admin, { password: 'chosen-by-the-admin-7' })).status).toBe(200);
    const own = await srv.login('trail-person', 'chosen-by-the-admin-7');
    expect((await post('/api/v1/auth/password', own, { currentPassword: 'chosen-by-the-admin-7', newPassword: 'plenty-of-characters-3' })).status).toBe(200);
    expect((await post(`/api/v1/accounts/${id}/unlock`, admin)).status).toBe(200);
    expect((await post(`/api/v1/accounts/${id}/sign-out-everywhere`, admin)).status).toBe(200);
    expect((await post(`/api/v1/accounts/${id}/disable`, admin, { reason: 'left the audit team' })).status).toBe(200);
    expect((await post(`/api/v1/accounts/${id}/enable`, admin, { reason: 'back' })).status).toBe(200);
    collect();
    expect(ofType('auth.signed_out').at(-1)).toMatchObject({ subjectId: 'u-oscar', data: { username: 'oscar' } });
  });

  it('two-step verification: enrolment, step-up, a wrong code, removal', async () => {
    const carol = await srv.login('carol');
    const enrolled = await enrolMfa(srv.url, carol, clock);
    // A code is taken once: the next one is the next period's.
    clock += STEP_MS;
    expect((await stepUp(srv.url, carol, totpCode(enrolled.secret, clock))).status).toBe(200);
    clock += MINUTE;
    expect((await stepUp(srv.url, carol, '000000')).status).not.toBe(200);
    clock += STEP_MS;
    expect((await post('/api/v1/auth/mfa/disenrol', carol, { code: totpCode(enrolled.secret, clock) })).status).toBe(200);
    collect();
  });

  it('requests: eligibility checked or refused with the reason, approvals, denial, break-glass, cancel, rejected commands', async () => {
    const bob = await srv.login('bob');
    const alice = await srv.login('alice');
    const judy = await srv.login('judy');
    const asked = await ask(bob, { resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'Read sign-in logs for INC-7001' });
    expect((await command(alice, 'request.approve', { requestId: asked.id, reason: 'incident open' })).status).toBe('applied');
    const denied = await ask(bob, { resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'Reset a password for INC-7002' });
    expect((await command(alice, 'request.deny', { requestId: denied.id, reason: 'use the helpdesk queue' })).status).toBe('applied');
    const cancelled = await ask(bob, { resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'Reset again for INC-7003' });
    expect((await command(bob, 'request.cancel', { requestId: cancelled.id, reason: 'not needed' })).status).toBe('applied');
    expect((await command(bob, 'request.approve', { requestId: 'req-demo-bob-server-admins', breakGlass: true, reason: 'Production outage, on-call approvers unreachable' })).status).toBe('applied');
    // Judy is named by no profile for this resource: refused, with the reason on the request's trail.
    const refused = await post('/api/v1/requests', judy, { requestId: 'req-trail-ineligible', resourceId: 'res-entra-user-admin', durationMinutes: 60, justification: 'curious' });
    expect(refused.status).toBe(422);
    collect();
    expect(ofType('request.eligibility_checked').find((e) => e.subjectId === asked.id)?.data).toMatchObject({ resourceId: 'res-entra-global-reader', profileIds: expect.arrayContaining([expect.any(String)]) });
    expect(ofType('request.ineligible').find((e) => e.subjectId === 'req-trail-ineligible')).toMatchObject({ actorId: 'u-judy', data: { resourceId: 'res-entra-user-admin', reason: expect.stringContaining('not eligible') } });
    expect(ofType('command.rejected').some((e) => e.actorId === 'u-judy')).toBe(true);
  });

  it('grants: provisioned and verified, extended, revoked and verified gone; a manual grant is a task, closed by its owner', async () => {
    const frank = await srv.login('frank');
    const auto = await ask(frank, { resourceId: 'res-entra-security-readers', durationMinutes: 60 });
    expect(auto.status).toBe('approved');
    clock += 1000;
    await runScheduler();
    expect(srv.store.get('grants', auto.grantId as string)).toMatchObject({ status: 'active', verification: 'effective' });
    expect((await command(frank, 'grant.extend', { grantId: auto.grantId, minutes: 30, reason: 'still on it' })).status).toBe('applied');
    expect((await command(frank, 'grant.revoke', { grantId: auto.grantId, reason: 'done early' })).status).toBe('applied');
    clock += 1000;
    await runScheduler();
    expect(srv.store.get('grants', auto.grantId as string)).toMatchObject({ status: 'verified', verification: 'gone' });

    // An approved AD request goes to the group's owner as a task (the AD connector is manual here).
    const judy = await srv.login('judy');
    const eve = await srv.login('eve');
    const share = await ask(judy, { resourceId: 'res-ad-finance-share', durationMinutes: 60, justification: 'payroll' });
    expect((await command(eve, 'request.approve', { requestId: share.id, reason: 'ok' })).status).toBe('applied');
    await runScheduler();
    const task = srv.store.list('tasks').find((t) => t.resourceId === 'res-ad-finance-share' && t.status === 'open');
    expect(task).toBeDefined();
    expect((await command(eve, 'task.close', { taskId: task?.id, outcome: 'done', note: 'added to the share' })).status).toBe('applied');
    collect();
  });

  it('configuration: a widening change is a proposal, applied, rejected or withdrawn; other changes apply at once', async () => {
    // Proposed by a policy admin no profile names (so no change benefits them), decided by an admin.
    const made = await post('/api/v1/accounts', srv.adminToken, { username: 'trail-policy-admin', password: 'a-long-enough-password-8', displayName: 'Trail Policy Admin', roles: ['policy_admin'] });
    expect(made.status).toBe(201);
    const second = await secondAdminToken(srv);
    // policy_admin is one of the roles a second admin confirms.
    const held = (made.body as { pendingRoleChange: { id: string } | null }).pendingRoleChange;
    if (held) expect((await post(`/api/v1/accounts/role-changes/${held.id}/confirm`, second)).status).toBe(200);
    const proposer = await srv.login('trail-policy-admin', 'a-long-enough-password-8');
    // A step that escalates to Frank (no approver yet) after an hour (the deadline flow below relies on it).
    const policy = policyOf('pol-single-approver');
    const steps = policy.approvalSteps.map((step) => ({ ...step, timeoutMinutes: 60, escalateToIds: ['u-frank'] }));
    const stepChange = await command(proposer, 'policy.upsert', { policy: { ...policy, approvalSteps: steps } });
    const proposalOf = (r: CommandResult) => r.subjectIds.find((id) => id.startsWith('prop-'));
    const decide = async (r: CommandResult) => {
      const id = proposalOf(r);
      if (id) expect((await command(second, 'proposal.approve', { proposalId: id })).status).toBe('applied');
    };
    expect(stepChange.status).toBe('applied');
    await decide(stepChange);
    // Naming more people on a profile widens access: each is a proposal.
    const profile = srv.store.list('profiles').find((p) => p.enabled && p.resourceIds.includes('res-entra-global-reader'));
    if (!profile) throw new Error('the demo has no profile for the global reader role');
    const { updatedAt: _u, changedBy: _c, ...fields } = profile as typeof profile & { changedBy?: unknown };
    const widen = (userId: string) => command(proposer, 'profile.upsert', { profile: { ...fields, userIds: [...fields.userIds, userId] } });
    const applied = await widen('u-oscar');
    expect(proposalOf(applied)).toBeDefined();
    await decide(applied);
    const rejected = await widen('u-grace');
    expect((await command(second, 'proposal.reject', { proposalId: proposalOf(rejected), reason: 'not in scope' })).status).toBe('applied');
    const withdrawn = await widen('u-judy');
    expect((await command(proposer, 'proposal.reject', { proposalId: proposalOf(withdrawn), reason: 'changed my mind' })).status).toBe('applied');
    collect();
  });

  it('people: a directory link set and removed by hand, standing access discovered, a person offboarded to a fallback', async () => {
    const admin = srv.adminToken;
    const objectId = randomUUID();
    const link = (id: string | null) => http('PATCH', `${srv.url}/api/v1/accounts/u-trail-person`, { token: admin, body: { externalIds: { 'entra-demo': id }, reason: 'contractor tenant object' } });
    expect((await link(objectId)).status).toBe(200);
    expect((await link(null)).status).toBe(200);
    expect((await post('/api/v1/standing-access/discover', admin)).status).toBe(202);
    await srv.server.scheduler?.runDiscovery();
    const offboarded = await command(admin, 'person.offboard', { personId: 'u-alice', fallbackId: 'u-carol', reason: 'left the company' });
    expect(offboarded.status, offboarded.message).toBe('applied');
    collect();
    expect(ofType('person.offboarded').at(-1)).toMatchObject({ subjectId: 'u-alice' });
  });

  it('secrets set and removed as the secrets CLI does, and a stale signed webhook call refused', async () => {
    const at = { source: 'test', now: () => new Date(clock) };
    setTicketHookSecret(srv.store, secretKey, 'jira', 'ticket-hook-secret-0123456789abcdef', at);
    expect(deleteTicketHookSecret(srv.store, 'jira', at)).toBe(true);
    setOffboardWebhookSecret(srv.store, secretKey, 'offboard-webhook-secret-0123456789abcdef', at);
    // Wrongly signed calls are refused without a write (anyone can send them); a stale well-signed one is audited.
    const raw = JSON.stringify({ mail: 'bob@example.test', reason: 'left' });
    const stale = await http('POST', `${srv.url}/api/v1/webhooks/offboard`, { rawBody: raw, headers: { 'content-type': 'application/json', ...signedHeaders('offboard-webhook-secret-0123456789abcdef', raw, new Date(clock - 10 * MINUTE)) } });
    expect(stale.status).toBe(401);
    expect(deleteOffboardWebhookSecret(srv.store, at)).toBe(true);
    collect();
  });

  it('access reviews: one defined, opened with its snapshot, an item decided, closed; one left open to its deadline', async () => {
    const id = 'rc-trail';
    const upsert = await command(await srv.login('carol'), 'review.campaign_upsert', {
      campaign: { id, name: 'Trail review', scope: { type: 'resources', resourceIds: ['res-entra-global-reader', 'res-entra-security-readers'] }, stages: [{ name: 'Security', reviewer: { type: 'person', userId: 'u-mallory' }, fallback: { type: 'person', userId: 'u-eve' } }], schedule: { type: 'once' }, durationDays: 14 },
    });
    expect(upsert.status, upsert.message).toBe('applied');
    const carol = await srv.login('carol');
    const opened = await command(carol, 'review.open', { campaignId: id, reason: 'quarter end' });
    expect(opened.status, opened.message).toBe('applied');
    const campaign = srv.store.get('reviews', id) as ReviewCampaign;
    const item = runItems(srv.store, id, campaign.run).find((i) => i.reviewerIds.includes('u-mallory'));
    if (item) {
      const decided = await command(await srv.login('mallory'), 'review.decide', { campaignId: id, decisions: [{ itemId: item.id, decision: 'keep', reason: 'still needed' }] });
      expect(decided.status, decided.message).toBe('applied');
    }
    const closed = await command(carol, 'review.close', { campaignId: id, reason: 'closed for the trail' });
    expect(closed.status, closed.message).toBe('applied');
    // One left undecided: reminded, then its default applies at the deadline (the clock jumps below).
    const late = await command(carol, 'review.campaign_upsert', {
      campaign: { id: 'rc-trail-late', name: 'Trail review left open', scope: { type: 'resources', resourceIds: ['res-entra-global-reader', 'res-entra-security-readers'] }, stages: [{ name: 'Security', reviewer: { type: 'person', userId: 'u-mallory' }, fallback: { type: 'person', userId: 'u-eve' } }], schedule: { type: 'once' }, durationDays: 3, reminderEveryDays: 1, defaultDecision: 'remove' },
    });
    expect(late.status, late.message).toBe('applied');
    expect((await command(carol, 'review.open', { campaignId: 'rc-trail-late', reason: 'left open' })).status).toBe('applied');
    await runScheduler();
    collect();
  });

  it('deadlines and reminders: a step undecided escalates, then the request expires; an open task is reminded', async () => {
    // Frank's ended grant put back by hand in the directory (after the reviews snapshotted): a re-check finds the drift.
    graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, DEMO_USERS.find((u) => u.username === 'frank')?.entraId as string);
    const dave = await srv.login('dave');
    const waiting = await ask(dave, { resourceId: 'res-entra-global-reader', durationMinutes: 60, justification: 'Read audit logs for INC-7004' });
    // A manual grant whose task nobody closes.
    const grace = await srv.login('grace');
    const eve = await srv.login('eve');
    const erp = await ask(grace, { resourceId: 'res-manual-erp-payments', durationMinutes: 60, justification: 'month end' });
    await command(eve, 'request.approve', { requestId: erp.id, reason: 'month end' });
    await runScheduler();
    for (let i = 0; i < 4; i++) {
      clock += 2 * DAY;
      await runScheduler();
    }
    collect();
    expect(ofType('request.escalated').some((e) => e.subjectId === waiting.id) || ofType('request.expired').some((e) => e.subjectId === waiting.id)).toBe(true);
  });

  it('a guard removed while the server was down is restored at start and raised as an integrity alert', async () => {
    collect();
    await srv.close();
    withFile(dataDir, dropGuards);
    srv = await startTestServer(serverOptions(graph));
    collect();
    expect(ofType('audit.integrity_alert').length).toBeGreaterThan(0);
  });
});

describe('every type in the closed list is produced by some flow', () => {
  for (const type of AuditEventType.options) {
    const why = FLOW_NOT_DRIVEN_HERE_YET[type];
    it.skipIf(why !== undefined)(`${type}${why ? ` (not driven: ${why})` : ''}`, () => {
      expect(ofType(type).length, `no flow produced ${type}`).toBeGreaterThan(0);
    });
  }
});
