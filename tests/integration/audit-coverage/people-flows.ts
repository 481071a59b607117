/** Flows of the audit coverage test: sign-in and accounts, two-step verification, people and the directory, secrets. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { DEMO_ENTRA_ROLES, DEMO_USERS } from '../../../sync-server/demo/directory.js';
import { deleteOffboardWebhookSecret, setOffboardWebhookSecret } from '../../../sync-server/offboarding/webhook-secret.js';
import { deleteConnectorConfig, importConnectorConfigs } from '../../../sync-server/secrets/index.js';
import { signedHeaders } from '../../../sync-server/signing/signature.js';
import { deleteTicketHookSecret, setTicketHookSecret } from '../../../sync-server/ticket-check/secret-store.js';
import { secondAdminToken } from '../helpers/configure.js';
import { standinEntraSettings } from '../helpers/entra.js';
import { enrolMfa, STEP_MS, stepUp, totpCode } from '../helpers/mfa.js';
import { http } from '../helpers/server.js';
import { collect, command, MINUTE, ofType, post, trail } from './trail.js';

const entraIdOf = (username: string) => DEMO_USERS.find((u) => u.username === username)?.entraId as string;

export async function accountsAndSignIn(): Promise<void> {
  const { srv } = trail;
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
}

export async function twoStepVerification(): Promise<void> {
  const carol = await trail.srv.login('carol');
  const enrolled = await enrolMfa(trail.srv.url, carol, trail.clock);
  // A code is taken once: the next one is the next period's.
  trail.clock += STEP_MS;
  expect((await stepUp(trail.srv.url, carol, totpCode(enrolled.secret, trail.clock))).status).toBe(200);
  trail.clock += MINUTE;
  expect((await stepUp(trail.srv.url, carol, '000000')).status).not.toBe(200);
  trail.clock += STEP_MS;
  expect((await post('/api/v1/auth/mfa/disenrol', carol, { code: totpCode(enrolled.secret, trail.clock) })).status).toBe(200);
  collect();
}

export async function peopleAndStandingAccess(): Promise<void> {
  const { srv, graph } = trail;
  const admin = srv.adminToken;
  const objectId = randomUUID();
  const link = (id: string | null) => http('PATCH', `${srv.url}/api/v1/accounts/u-trail-person`, { token: admin, body: { externalIds: { 'entra-demo': id }, reason: 'contractor tenant object' } });
  expect((await link(objectId)).status).toBe(200);
  expect((await link(null)).status).toBe(200);
  // Ivan holds User Administrator permanently, given in the directory by hand: discovered, then made eligible instead.
  graph.addRoleAssignment({ principalId: entraIdOf('ivan'), roleDefinitionId: DEMO_ENTRA_ROLES.userAdministrator.id, directoryScopeId: '/', endDateTime: null });
  expect((await post('/api/v1/standing-access/discover', admin)).status).toBe(202);
  await srv.server.scheduler?.runDiscovery();
  const converted = await command(admin, 'standing.convert', { resourceId: 'res-entra-user-admin', userId: 'u-ivan', reason: 'no standing admins' });
  expect(converted.status, converted.message).toBe('applied');
  const offboarded = await command(admin, 'person.offboard', { personId: 'u-alice', fallbackId: 'u-carol', reason: 'left the company' });
  expect(offboarded.status, offboarded.message).toBe('applied');
  collect();
  expect(ofType('person.offboarded').at(-1)).toMatchObject({ subjectId: 'u-alice' });
  expect(ofType('standing.converted').at(-1)).toMatchObject({ actorId: 'u-admin', data: expect.objectContaining({ resourceId: 'res-entra-user-admin' }) });
  expect(srv.store.get('grants', ofType('standing.converted').at(-1)?.subjectId as string)?.endedCategory).toBe('standing_converted');
}

export async function directorySync(): Promise<void> {
  const { srv, graph } = trail;
  const run = () => http('POST', `${srv.url}/api/v1/directory-sync/entra-demo/run?wait=true`, { token: srv.adminToken });
  const first = await run();
  expect(first.status, first.text).toBe(200);
  // Heidi's account disabled in Entra: the next run sees it, and the person is flagged.
  graph.updateUser(entraIdOf('heidi'), { accountEnabled: false });
  expect((await run()).status).toBe(200);
  collect();
  expect(ofType('directory.synced').length).toBeGreaterThanOrEqual(2);
  expect(ofType('person.directory_disabled').at(-1)).toMatchObject({ subjectId: 'u-heidi', data: expect.objectContaining({ connectorId: 'entra-demo' }) });
}

export async function secrets(): Promise<void> {
  const { srv, secretKey } = trail;
  const at = { source: 'test', now: () => new Date(trail.clock) };
  setTicketHookSecret(srv.store, secretKey, 'jira', 'ticket-hook-secret-0123456789abcdef', at);
  expect(deleteTicketHookSecret(srv.store, 'jira', at)).toBe(true);
  setOffboardWebhookSecret(srv.store, secretKey, 'offboard-webhook-secret-0123456789abcdef', at);
  // Wrongly signed calls are refused without a write (anyone can send them); a stale well-signed one is audited.
  const raw = JSON.stringify({ mail: 'bob@example.test', reason: 'left' });
  const stale = await http('POST', `${srv.url}/api/v1/webhooks/offboard`, { rawBody: raw, headers: { 'content-type': 'application/json', ...signedHeaders('offboard-webhook-secret-0123456789abcdef', raw, new Date(trail.clock - 10 * MINUTE)) } });
  expect(stale.status).toBe(401);
  expect(deleteOffboardWebhookSecret(srv.store, at)).toBe(true);
  // A connector configuration stored encrypted, as `npm run connectors:import` does, then removed.
  const stored = importConnectorConfigs(srv.store, [{ id: 'entra-trail', ...standinEntraSettings(trail.graph) }], { key: secretKey, ...at });
  expect(stored.stored).toEqual(['entra-trail']);
  expect(deleteConnectorConfig(srv.store, 'entra-trail', at)).toBe(true);
  collect();
  expect(ofType('connector.configured').map((e) => e.data.change)).toEqual(['added', 'removed']);
}
