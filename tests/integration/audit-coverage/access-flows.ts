/** Flows of the audit coverage test: requests and their decisions, grants from provisioning to verified gone, configuration changes. */
import { expect } from 'vitest';
import type { CommandResult } from '../../../core/index.js';
import { DEMO_ENTRA_GROUPS, DEMO_USERS } from '../../../sync-server/demo/directory.js';
import { secondAdminToken } from '../helpers/configure.js';
import { http } from '../helpers/server.js';
import { ask, collect, command, MINUTE, ofType, policyOf, post, runScheduler, trail, withoutStamps } from './trail.js';

export async function requests(): Promise<void> {
  const { srv } = trail;
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
}

export async function grants(): Promise<void> {
  const { srv } = trail;
  const frank = await srv.login('frank');
  const auto = await ask(frank, { resourceId: 'res-entra-security-readers', durationMinutes: 60 });
  expect(auto.status).toBe('approved');
  trail.clock += 1000;
  await runScheduler();
  expect(srv.store.get('grants', auto.grantId as string)).toMatchObject({ status: 'active', verification: 'effective' });
  expect((await command(frank, 'grant.extend', { grantId: auto.grantId, minutes: 30, reason: 'still on it' })).status).toBe('applied');
  expect((await command(frank, 'grant.revoke', { grantId: auto.grantId, reason: 'done early' })).status).toBe('applied');
  trail.clock += 1000;
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
}

/** Grace's removal first meets a directory that fails, then reads back as still there (the group is also hers through a group nested in it): retried, failed, escalated. */
export async function revocationThatDoesNotTakeHold(): Promise<void> {
  const { srv, graph } = trail;
  const grace = await srv.login('grace');
  const asked = await ask(grace, { resourceId: 'res-entra-security-readers', durationMinutes: 60 });
  trail.clock += 1000;
  await runScheduler();
  expect(srv.store.get('grants', asked.grantId as string)).toMatchObject({ status: 'active' });
  const side = graph.addGroup({ displayName: 'Trail side door' });
  graph.addMember(DEMO_ENTRA_GROUPS.securityReaders.id, side.id);
  graph.addMember(side.id, DEMO_USERS.find((u) => u.username === 'grace')?.entraId as string);
  // The first removal meets a directory that answers 500.
  graph.failNext(1, '500', { method: 'DELETE' });
  expect((await command(grace, 'grant.revoke', { grantId: asked.grantId, reason: 'done' })).status).toBe('applied');
  for (let i = 0; i < 20 && ofType('grant.revoke_escalated').length === 0; i++) {
    trail.clock += 10 * MINUTE;
    await runScheduler();
    collect();
  }
  const events = (type: string) => ofType(type).filter((e) => e.subjectId === asked.grantId);
  expect(events('grant.revocation_not_verified').length).toBeGreaterThan(0);
  expect(events('grant.revoke_failed').length).toBeGreaterThan(0);
  expect(events('grant.revoke_escalated').length).toBe(1);
  // The side door closed: the next attempt takes hold.
  graph.removeMember(DEMO_ENTRA_GROUPS.securityReaders.id, side.id);
}

export async function configuration(): Promise<void> {
  const { srv } = trail;
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
  const fields = withoutStamps(profile);
  const widen = (userId: string) => command(proposer, 'profile.upsert', { profile: { ...fields, userIds: [...fields.userIds, userId] } });
  const applied = await widen('u-oscar');
  expect(proposalOf(applied)).toBeDefined();
  await decide(applied);
  const rejected = await widen('u-grace');
  expect((await command(second, 'proposal.reject', { proposalId: proposalOf(rejected), reason: 'not in scope' })).status).toBe('applied');
  const withdrawn = await widen('u-judy');
  expect((await command(proposer, 'proposal.reject', { proposalId: proposalOf(withdrawn), reason: 'changed my mind' })).status).toBe('applied');
  collect();
}

/** A lowered maximum applies at once (it narrows access); the live grants past it are shortened to it. */
export async function maximumLowered(): Promise<void> {
  const { srv } = trail;
  const ivan = await srv.login('ivan');
  const carol = await srv.login('carol');
  const mallory = await srv.login('mallory');
  const long = await ask(ivan, { resourceId: 'res-entra-helpdesk-admin', durationMinutes: 240, justification: 'Password reset backlog' });
  expect((await command(carol, 'request.approve', { requestId: long.id, reason: 'backlog' })).status).toBe('applied');
  const grantId = srv.store.get('requests', long.id)?.grantId as string;
  const lowered = await command(mallory, 'policy.upsert', { policy: { ...policyOf('pol-single-approver'), maxDurationMinutes: 120 } });
  expect(lowered.status, lowered.message).toBe('applied');
  expect(lowered.subjectIds.some((id) => id.startsWith('prop-'))).toBe(false);
  const shortened = await http('POST', `${srv.url}/api/v1/commands`, { token: mallory, body: { type: 'grant.shorten', payload: { grantIds: [grantId], reason: 'helpdesk now at most 2 h' } } });
  expect(shortened.status, shortened.text).toBe(200);
  collect();
  expect(ofType('grant.shortened').at(-1)).toMatchObject({ subjectId: grantId, actorId: 'u-mallory', data: { maxMinutes: 120, reason: 'helpdesk now at most 2 h' } });
}

/** An auditor's evidence pack and an approver's requests CSV, recorded as the console records them when they sync. */
export async function exportsRecorded(): Promise<void> {
  const { srv } = trail;
  const made = new Date(trail.clock - MINUTE).toISOString();
  const pack = { kind: 'evidence_pack', fileName: 'evidence-trail.zip', madeAt: made, rows: 40, sha256: 'a'.repeat(64), manifestSha256: 'b'.repeat(64), period: { from: '2026-01-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' } };
  expect((await command(await srv.login('heidi'), 'export.record', pack)).status).toBe('applied');
  expect((await command(await srv.login('carol'), 'export.record', { kind: 'requests_csv', fileName: 'requests.csv', madeAt: made, rows: 12, sha256: 'c'.repeat(64), filter: 'status: All statuses' })).status).toBe('applied');
  collect();
  expect(ofType('export.made').map((e) => [e.actorId, e.data.kind])).toEqual([['u-heidi', 'evidence_pack'], ['u-carol', 'requests_csv']]);
}
