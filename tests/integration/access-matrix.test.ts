/**
 * The authorisation matrix (core/engine/access-matrix.ts), cell by cell, against a real server:
 * every command for every relation and role, every REST endpoint and every sync operation on every
 * collection for every role. Each cell builds a subject in that relation to a person holding only
 * that role, tries the call over HTTP, and the test fails listing every cell where the server's
 * answer differs from the table (allowed: 2xx; refused: 403, or 404 where a refusal hides the subject).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_ROLES,
  COLLECTIONS,
  changeEffect,
  changeWidenings,
  COMMAND_MATRIX,
  configOf,
  CONSOLE_ROLES,
  createRequest,
  DEFAULT_SEPARATION,
  ENDPOINT_ACCESS,
  allowedRoles,
  grantFromRequest,
  readRules,
  syncAccess,
  syncPath,
  syncStreamPath,
  type AccountRole,
  type CollectionName,
  type CommandType,
  type Endpoint,
  type Relation,
  type SyncOperation,
} from '../../core/index.js';
import { configToYaml } from '../../core/config/yaml.js';
import { changeRoles } from '../../sync-server/accounts/manage.js';
import { ManualConnector } from '../../sync-server/connectors/manual.js';
import { principalKey } from '../../core/engine/standing-access.js';
import { standingAccessTables } from '../../sync-server/standing-access/view.js';
import { SecretKey } from '../../sync-server/secrets/crypto.js';
import { ReviewCampaign, ReviewItem } from '../../core/schema/review.js';
import { setOffboardWebhookSecret } from '../../sync-server/offboarding/index.js';
import { signedHeaders } from '../../sync-server/signing/signature.js';
import { STEP_MS, totpCode } from './helpers/mfa.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';
import { SSO_ENDPOINTS } from './helpers/sso-endpoints.js';

const PASSWORD = 'matrix-cell-password-9';
const OWNER = 'u-m-owner';
const OTHER_APPROVER = 'u-m-other-approver';
const actorOf = (role: AccountRole) => `u-m-${role.replace('_', '-')}`;

let srv: TestServer;
const tokens = new Map<string, string>();
/** Each actor's authenticator secret, from the enrolment cell to the cells that confirm and step up with it. */
const mfaSecrets = new Map<string, string>();
let n = 0;
const next = (prefix: string) => `${prefix}-${++n}`;

function setup(type: CommandType, payload: Record<string, unknown>) {
  const result = srv.processor.apply({ id: next('setup'), type, actorId: 'u-admin', payload, createdAt: new Date().toISOString() }, { bootstrap: true });
  if (result.status !== 'applied') throw new Error(`setup ${type}: ${result.message}`);
}

/** A pending request by this person, written as the engine makes it (whatever roles they hold). */
function pendingRequest(requesterId: string, resourceId: string): string {
  const id = next('mreq');
  const requester = srv.store.get('users', requesterId);
  const resource = srv.store.get('resources', resourceId);
  if (!requester || !resource) throw new Error('setup: missing user or resource');
  const created = createRequest(
    { id, requester, resource, durationMinutes: 60, justification: 'matrix', ticket: '' },
    { profiles: srv.store.list('profiles'), policies: srv.store.list('policies'), separation: DEFAULT_SEPARATION },
    { now: new Date() },
  );
  if (!created.ok) throw new Error(`setup request: ${created.message}`);
  srv.store.put('requests', created.value);
  return id;
}

/** A standing holder, as discovery found them: an Entra group's member the console never granted it to. */
function standingHolder(): { resourceId: string; userId: string; reason: string } {
  if (!srv.store.get('resources', 'rm-entra')) {
    setup('resource.upsert', { resource: { id: 'rm-entra', name: 'rm-entra', kind: 'entra_group', connector: 'entra', connectorId: 'entra-m', target: { externalId: '0f0f0f0f-0000-4000-8000-000000000001' }, ownerId: OWNER, sensitivity: 'low', policyIds: ['pm-mine'] } });
  }
  const userId = next('u-standing');
  const entra = `0e0e0e0e-0000-4000-8000-${String(n).padStart(12, '0')}`;
  srv.store.tx(() => srv.store.put('users', { id: userId, username: userId, displayName: userId, externalIds: { entra }, updatedAt: new Date().toISOString() }));
  standingAccessTables(srv.store).replaceHoldings('rm-entra', 'entra-m', [{ principalKey: principalKey('entra', entra), principalId: entra, detail: '#microsoft.graph.user', directoryEnabled: true, lastSignInAt: null, signInReadable: false }], new Date().toISOString());
  return { resourceId: 'rm-entra', userId, reason: 'matrix' };
}

/** An active grant of this person's, from an approved request. */
function activeGrant(userId: string): string {
  const requestId = pendingRequest(userId, 'rm-mine');
  const request = srv.store.get('requests', requestId);
  const resource = srv.store.get('resources', 'rm-mine');
  if (!request || !resource) throw new Error('setup grant');
  const approved = { ...request, status: 'approved' as const, decidedAt: new Date().toISOString(), grantId: `g-${requestId}` };
  srv.store.put('requests', approved);
  const grant = grantFromRequest(approved, resource, `g-${requestId}`, { now: new Date() });
  if (!grant.ok) throw new Error(grant.message);
  srv.store.put('grants', { ...grant.value, status: 'active' });
  return grant.value.id;
}

/** An active grant of this person's that runs past its policy's maximum (8 h): one grant.shorten may end sooner. */
function overlongGrant(userId: string): string {
  const id = activeGrant(userId);
  const grant = srv.store.get('grants', id);
  if (!grant) throw new Error('setup overlong grant');
  srv.store.put('grants', { ...grant, expiresAt: new Date(Date.parse(grant.startsAt) + 10 * 3_600_000).toISOString() });
  return id;
}

function task(assigneeId: string, grantOwner: string): string {
  const id = next('mtask');
  const at = new Date().toISOString();
  srv.store.put('tasks', { id, kind: 'manual_revoke', title: 'Remove by hand', assigneeId, grantId: activeGrant(grantOwner), status: 'open', createdAt: at, updatedAt: at });
  return id;
}

/** A pending proposal by this person that widens a policy bound to a resource nobody is eligible for (so it benefits nobody). */
function proposal(proposedBy: string): string {
  const id = next('mprop');
  const at = new Date();
  const policyId = next('pm-wide');
  setup('policy.upsert', { policy: { id: policyId, name: 'Wide', maxDurationMinutes: 60, defaultDurationMinutes: 30, approvalSteps: [{ name: 'A', mode: 'any', approverRoles: ['approver'] }] } });
  setup('resource.upsert', { resource: { id: next('rm-wide'), name: 'Wide', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'app:wide' }, ownerId: OWNER, sensitivity: 'low', policyIds: [policyId] } });
  const before = srv.store.get('policies', policyId);
  if (!before) throw new Error('setup proposal');
  const change = { kind: 'policy' as const, before, after: { ...before, maxDurationMinutes: 120 } };
  const world = { policies: srv.store.list('policies'), profiles: srv.store.list('profiles'), resources: srv.store.list('resources'), users: srv.store.list('users') };
  srv.store.put('proposals', {
    id,
    kind: 'policy',
    subjectId: policyId,
    subjectName: before.name,
    change,
    widenings: changeWidenings(change, world),
    effect: changeEffect(change, world),
    status: 'pending',
    proposedBy,
    proposedAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + 86_400_000).toISOString(),
    updatedAt: at.toISOString(),
    revision: 1,
  });
  return id;
}

const EMPTY_COUNTS = { items: 0, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 };
const campaignDefinition = (id: string) => ({ id, name: 'Matrix review', scope: { type: 'resources', resourceIds: ['rm-mine'] }, stages: [{ name: 'Owner', reviewer: { type: 'resource_owner' }, fallback: { type: 'person', userId: OWNER } }], schedule: { type: 'once' }, durationDays: 7 });

/** A campaign owned by this person, in this state. */
function campaign(ownerId: string, status: 'scheduled' | 'open' = 'scheduled'): string {
  const id = next('rc-matrix');
  const at = new Date().toISOString();
  srv.store.put('reviews', ReviewCampaign.parse({ ...campaignDefinition(id), kind: 'campaign', campaignId: id, ownerId, status, run: status === 'open' ? 1 : 0, counts: EMPTY_COUNTS, createdAt: at, updatedAt: at, revision: 0 }) as never);
  return id;
}

/** An item of an open campaign, reviewed by this person, about this person's access. */
function reviewItem(reviewerId: string, subjectUserId: string): { campaignId: string; itemId: string } {
  const campaignId = campaign(OWNER, 'open');
  const id = next('ri-matrix');
  const at = new Date().toISOString();
  const subject = { type: 'grant', userId: subjectUserId, displayName: subjectUserId, resourceId: 'rm-mine', resourceName: 'Mine', connectorId: 'manual', sensitivity: 'low' };
  const stage = { stage: 1, reviewerIds: [reviewerId] };
  srv.store.put('reviews', ReviewItem.parse({ kind: 'item', id, campaignId, run: 1, subject, stage: 1, stageCount: 1, reviewerIds: [reviewerId], stageDecisions: [stage], dueAt: at, apply: { state: 'none' }, createdAt: at, updatedAt: at, revision: 0 }) as never);
  return { campaignId, itemId: id };
}

const SECRETS_KEY = SecretKey.generate();
const WEBHOOK_SECRET = 'matrix-offboard-webhook-secret-0123456789';

/** An account nobody signs in to, for the cells that change or end one. */
function throwaway(disabled = false): string {
  const id = next('u-m-throwaway');
  const at = new Date().toISOString();
  srv.store.createAccount({ id, username: id, passwordHash: 'unused', roles: ['requester'], createdAt: at, disabledAt: disabled ? at : null });
  srv.store.put('users', { id, username: id, displayName: id, roles: ['requester'], disabled, updatedAt: at });
  return id;
}

/** The whole configuration as stored, with one new disabled profile: an import that widens nothing applies at once. */
function importedConfig() {
  const { policies, resources, profiles } = configOf({ policies: srv.store.list('policies'), resources: srv.store.list('resources'), profiles: srv.store.list('profiles') });
  return { policies, resources, profiles: [...profiles, { id: next('prof-imported'), name: 'Imported', description: '', resourceIds: ['rm-mine'], userIds: [], departments: [], roles: [], maxDurationMinutes: null, enabled: false }] };
}

/** The command's payload for a subject in this relation to the actor. */
function cellPayload(type: CommandType, relation: Relation, actor: string): Record<string, unknown> {
  const subjectOwner = relation === 'own' ? actor : OWNER;
  switch (type) {
    case 'request.create':
      return { resourceId: 'rm-mine', durationMinutes: 60, justification: 'matrix' };
    case 'request.approve':
    case 'request.deny':
    case 'request.cancel':
      return { requestId: pendingRequest(subjectOwner, relation === 'other' ? 'rm-other' : 'rm-mine'), reason: 'matrix' };
    case 'grant.revoke':
      return { grantId: activeGrant(subjectOwner), reason: 'matrix' };
    case 'grant.extend':
      return { grantId: activeGrant(subjectOwner), minutes: 30, reason: 'matrix' };
    case 'grant.shorten':
      return { grantIds: [overlongGrant(subjectOwner)], reason: 'matrix' };
    case 'task.close':
      return { taskId: relation === 'own' ? task(actor, actor) : relation === 'assignee' ? task(actor, OWNER) : task(OTHER_APPROVER, OWNER), outcome: 'done', note: '' };
    case 'proposal.approve':
    case 'proposal.reject':
      return { proposalId: proposal(relation === 'own' ? actor : OTHER_APPROVER), reason: 'matrix' };
    case 'policy.upsert':
      return { policy: { id: next('pm-new'), name: 'New', maxDurationMinutes: 60, defaultDurationMinutes: 30, approvalSteps: [{ name: 'A', mode: 'any', approverRoles: ['approver'] }] } };
    case 'profile.upsert':
      // Disabled: a change that widens nothing applies at once.
      return { profile: { id: next('prof-new'), name: 'New', resourceIds: ['rm-mine'], enabled: false } };
    case 'resource.upsert':
      return { resource: { id: next('rm-new'), name: 'New', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'app:new' }, ownerId: OWNER, sensitivity: 'low', policyIds: ['pm-mine'] } };
    case 'config.import':
      return { config: importedConfig() };
    case 'standing.convert':
      return standingHolder();
    case 'person.offboard':
      return { personId: throwaway(), reason: 'matrix' };
    case 'review.campaign_upsert':
      return { campaign: campaignDefinition(relation === 'own' ? next('rc-new') : campaign(OWNER)) };
    case 'review.open':
      return { campaignId: campaign(subjectOwner), reason: 'matrix' };
    case 'review.close':
      return { campaignId: campaign(subjectOwner, 'open'), reason: 'matrix' };
    case 'review.decide': {
      const { campaignId, itemId } = relation === 'own' ? reviewItem(actor, actor) : relation === 'assignee' ? reviewItem(actor, OWNER) : reviewItem(OTHER_APPROVER, OWNER);
      return { campaignId, decisions: [{ itemId, decision: 'keep', reason: 'matrix' }] };
    }
    case 'export.record':
      return { kind: 'requests_csv', fileName: 'requests.csv', madeAt: new Date(Date.now() - 60_000).toISOString(), rows: 3, sha256: 'a'.repeat(64) };
  }
}

/**
 * allowed: 2xx. refused: 403; or 404 where the refusal hides the subject from someone who may not see
 * it (`hides`), so a cell whose setup quietly failed (a 404 of a missing subject) cannot pass as refused.
 */
const SUBJECT_COLLECTIONS: Partial<Record<string, CollectionName>> = { request: 'requests', grant: 'grants', task: 'tasks' };
/** The role's replica does not hold every document of the command's subject collection. */
const hiddenFrom = (role: AccountRole, subject: string) => {
  const collection = SUBJECT_COLLECTIONS[subject];
  return collection !== undefined && !readRules([role], collection).includes('all');
};
const verdict = (status: number, hides = false) =>
  status >= 200 && status < 300 ? 'allowed' : status === 403 || (status === 404 && hides) ? 'refused' : `unexpected ${status}`;

beforeAll(async () => {
  // With a secrets key, so the two-step verification cells can enrol.
  // A directory sync source whose connector is configured elsewhere: a started run fails in the background, the cells read the routes.
  srv = await startTestServer({ secretKey: SECRETS_KEY, directorySync: { intervalMs: 0, sources: [{ connectorId: 'm-directory' }] } });
  setOffboardWebhookSecret(srv.store, SECRETS_KEY, WEBHOOK_SECRET, { source: 'matrix' });
  const people: [string, string, AccountRole[]][] = [
    ...ALL_ROLES.map((role): [string, string, AccountRole[]] => [actorOf(role), `m-${role.replace('_', '-')}`, [role]]),
    [OWNER, 'm-owner', ['requester']],
    [OTHER_APPROVER, 'm-other-approver', ['approver']],
  ];
  for (const [id, username, roles] of people) {
    const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id, username, password: PASSWORD, displayName: username, roles } });
    if (res.status !== 201) throw new Error(`account ${username}: ${res.status} ${res.text}`);
    tokens.set(id, await login(srv.url, username, PASSWORD));
  }
  const actors = ALL_ROLES.map(actorOf);
  const step = (approverIds: string[]) => [{ name: 'Named', mode: 'any', approverIds }];
  setup('policy.upsert', { policy: { id: 'pm-mine', name: 'Actors decide', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, maxExtensions: 5, approvalSteps: step(actors) } });
  setup('policy.upsert', { policy: { id: 'pm-other', name: 'Someone else decides', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, maxExtensions: 5, approvalSteps: step([OTHER_APPROVER]) } });
  for (const [id, policyId] of [['rm-mine', 'pm-mine'], ['rm-other', 'pm-other']]) {
    setup('resource.upsert', { resource: { id, name: id, kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: `app:${id}` }, ownerId: OWNER, sensitivity: 'low', policyIds: [policyId] } });
  }
  setup('profile.upsert', { profile: { id: 'prof-matrix', name: 'Everyone', resourceIds: ['rm-mine', 'rm-other'], userIds: [...actors, OWNER, OTHER_APPROVER] } });
});
afterAll(() => srv?.close());

describe('the authorisation matrix, cell by cell against a real server', () => {
  it('every command, for every relation and role, is allowed or refused exactly as the table says', async () => {
    const differences: string[] = [];
    let cells = 0;
    for (const [type, access] of Object.entries(COMMAND_MATRIX) as [CommandType, (typeof COMMAND_MATRIX)[CommandType]][]) {
      for (const [relation, allowed] of Object.entries(access.cells) as [Relation, readonly AccountRole[]][]) {
        for (const role of ALL_ROLES) {
          cells++;
          const actor = actorOf(role);
          const res = await http('POST', `${srv.url}/api/v1/commands`, { token: tokens.get(actor), body: { type, payload: cellPayload(type, relation, actor) } });
          const expected = allowed.includes(role) ? 'allowed' : 'refused';
          // Someone without a console role, or whose replica does not hold another person's subject
          // (sync-server/commands/unseen-subject.ts), is told it does not exist.
          const hides = relation !== 'own' && (!CONSOLE_ROLES.includes(role) || hiddenFrom(role, access.subject));
          if (verdict(res.status, hides) !== expected) differences.push(`${type} / ${relation} / ${role}: table says ${expected}, server answered ${res.status} ${res.text.slice(0, 160)}`);
        }
      }
    }
    expect(differences).toEqual([]);
    expect(cells).toBe(Object.values(COMMAND_MATRIX).reduce((sum, access) => sum + Object.keys(access.cells).length, 0) * ALL_ROLES.length);
  });

  it('every REST endpoint, for every role, own and others’ subjects, is open or closed exactly as the table says', async () => {
    const differences: string[] = [];
    const othersRequest = pendingRequest(OWNER, 'rm-mine');
    // Someone else's grant exists, so leaving it out of a list is a refusal, not an empty table.
    activeGrant(OWNER);
    const call = async (endpoint: Endpoint, actor: string | null, subject: 'own' | 'other'): Promise<number> => {
      const token = actor ? tokens.get(actor) : undefined;
      const base = { ...(token ? { token } : {}) };
      switch (endpoint) {
        case 'GET /healthz':
          return (await http('GET', `${srv.url}/healthz`)).status;
        case 'POST /api/v1/auth/login':
          return (await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: srv.store.getAccount(actor ?? '')?.username ?? 'm-owner', password: PASSWORD } })).status;
        case 'POST /api/v1/auth/logout': {
          const fresh = await login(srv.url, srv.store.getAccount(actor ?? '')?.username ?? '', PASSWORD);
          return (await http('POST', `${srv.url}/api/v1/auth/logout`, { token: fresh })).status;
        }
        case 'POST /api/v1/commands': {
          // Open to everyone signed in; what each role may send is the command matrix's business. A
          // command with a misspelt field reaches the processor, which records it as invalid (400), not forbidden.
          const res = await http<{ error: { code: string } }>('POST', `${srv.url}/api/v1/commands`, { ...base, body: { type: 'request.cancel', payload: { requestId: 'nope', reasn: 'typo' } } });
          return res.status === 400 && res.body.error.code === 'invalid_input' ? 200 : res.status;
        }
        case 'POST /api/v1/requests':
          return (await http('POST', `${srv.url}/api/v1/requests`, { ...base, body: { resourceId: 'rm-mine', durationMinutes: 30, justification: 'matrix' } })).status;
        case 'GET /api/v1/requests/:id':
          return (await http('GET', `${srv.url}/api/v1/requests/${subject === 'own' ? pendingRequest(actor ?? OWNER, 'rm-mine') : othersRequest}`, base)).status;
        case 'GET /api/v1/requests': {
          // Someone else's requests are simply left out for those who may not see them.
          const res = await http<{ requests: { requesterId: string }[] }>('GET', `${srv.url}/api/v1/requests${subject === 'own' ? '?mine=1' : ''}`, base);
          return res.status === 200 && subject === 'other' && !res.body.requests.some((r) => r.requesterId !== actor) ? 404 : res.status;
        }
        case 'GET /api/v1/grants': {
          // Like requests: someone else's grants are left out for those who may not see them.
          if (subject === 'own' && actor) activeGrant(actor);
          const res = await http<{ grants: { userId: string }[] }>('GET', `${srv.url}/api/v1/grants${subject === 'own' ? '?mine=1' : ''}`, base);
          if (res.status === 200 && subject === 'own' && !res.body.grants.some((g) => g.userId === actor)) return 404;
          return res.status === 200 && subject === 'other' && !res.body.grants.some((g) => g.userId !== actor) ? 404 : res.status;
        }
        case 'POST /api/v1/accounts':
          return (await http('POST', `${srv.url}/api/v1/accounts`, { ...base, body: { username: next('m-new'), password: PASSWORD, displayName: 'New', roles: ['requester'] } })).status;
        case 'POST /api/v1/accounts/:id/unlock':
          return (await http('POST', `${srv.url}/api/v1/accounts/${OWNER}/unlock`, base)).status;
        case 'POST /api/v1/accounts/:id/roles':
          return (await http('POST', `${srv.url}/api/v1/accounts/${throwaway()}/roles`, { ...base, body: { roles: ['requester', 'auditor'] } })).status;
        case 'POST /api/v1/accounts/:id/password':
          return (await http('POST', `${srv.url}/api/v1/accounts/${throwaway()}/password`, { ...base, body: { password: 'reset-by-matrix-cell-3' } })).status;
        case 'POST /api/v1/accounts/:id/disable':
        case 'POST /api/v1/accounts/:id/sign-out-everywhere':
          return (await http('POST', `${srv.url}/api/v1/accounts/${throwaway()}/${endpoint.split('/').at(-1) as string}`, base)).status;
        case 'POST /api/v1/accounts/:id/mfa/reset': {
          // Someone else's authenticator, half set up: what a reset removes.
          const owner = throwaway();
          srv.store.db.prepare("INSERT INTO mfa_authenticators (account_id, status, secret, created_at) VALUES (?, 'pending', 'sealed', ?)").run(owner, new Date().toISOString());
          return (await http('POST', `${srv.url}/api/v1/accounts/${owner}/mfa/reset`, { ...base, body: { reason: 'matrix' } })).status;
        }
        case 'PATCH /api/v1/accounts/:id':
          return (await http('PATCH', `${srv.url}/api/v1/accounts/${throwaway()}`, { ...base, body: { externalIds: { entra: null }, reason: 'matrix' } })).status;
        case 'POST /api/v1/directory-sync/:id/run':
          return (await http('POST', `${srv.url}/api/v1/directory-sync/m-directory/run`, base)).status;
        case 'GET /api/v1/directory-sync/runs/:id': {
          const at = new Date().toISOString();
          srv.store.db.prepare("INSERT OR IGNORE INTO directory_sync_runs (id, connector_id, started_at, finished_at, status, report) VALUES ('dsr-matrix', 'm-directory', ?, ?, 'completed', '{}')").run(at, at);
          return (await http('GET', `${srv.url}/api/v1/directory-sync/runs/dsr-matrix`, base)).status;
        }
        case 'POST /api/v1/accounts/:id/enable':
          return (await http('POST', `${srv.url}/api/v1/accounts/${throwaway(true)}/enable`, base)).status;
        case 'POST /api/v1/accounts/role-changes/:id/confirm':
        case 'POST /api/v1/accounts/role-changes/:id/cancel': {
          // Proposed by the server's own admin, so the matrix's admin is the second person.
          const pending = srv.store.tx(() => changeRoles(srv.store, { actorId: 'u-admin', accountId: throwaway(), roles: ['admin'], reason: 'matrix', at: new Date().toISOString() }).pending);
          return (await http('POST', `${srv.url}/api/v1/accounts/role-changes/${pending?.id ?? 'none'}/${endpoint.split('/').at(-1) as string}`, base)).status;
        }
        case 'POST /api/v1/auth/password': {
          // There and back, in the actor's own session (which stays).
          const username = srv.store.getAccount(actor ?? '')?.username ?? '';
          const there = await http('POST', `${srv.url}/api/v1/auth/password`, { ...base, body: { currentPassword: PASSWORD, newPassword: 'matrix-cell-changed-6' } });
          if (there.status === 200) await http('POST', `${srv.url}/api/v1/auth/password`, { ...base, body: { currentPassword: 'matrix-cell-changed-6', newPassword: PASSWORD } });
          return username ? there.status : 0;
        }
        case 'POST /api/v1/auth/sign-out-everywhere': {
          const username = srv.store.getAccount(actor ?? '')?.username ?? '';
          const status = (await http('POST', `${srv.url}/api/v1/auth/sign-out-everywhere`, base)).status;
          // Every session of the actor ended: sign in again for the cells that follow.
          if (actor) tokens.set(actor, await login(srv.url, username, PASSWORD));
          return status;
        }
        case 'POST /api/v1/auth/mfa/enrol': {
          const res = await http<{ secret: string }>('POST', `${srv.url}/api/v1/auth/mfa/enrol`, { ...base, body: {} });
          if (res.status === 200 && actor) mfaSecrets.set(actor, res.body.secret);
          return res.status;
        }
        case 'POST /api/v1/auth/mfa/confirm':
          return (await http('POST', `${srv.url}/api/v1/auth/mfa/confirm`, { ...base, body: { code: totpCode(mfaSecrets.get(actor ?? '') ?? 'AAAAAAAA') } })).status;
        case 'POST /api/v1/auth/step-up':
          // The next step's code: the current one was spent confirming.
          return (await http('POST', `${srv.url}/api/v1/auth/step-up`, { ...base, body: { code: totpCode(mfaSecrets.get(actor ?? '') ?? 'AAAAAAAA', Date.now() + STEP_MS) } })).status;
        case 'POST /api/v1/config/diff':
        case 'POST /api/v1/config/import': {
          const file = configToYaml({ format: 1, ...importedConfig() }, { server: srv.url, asOf: null });
          return (await http('POST', `${srv.url}${endpoint.split(' ')[1] as string}`, { ...base, rawBody: file, headers: { 'content-type': 'text/yaml' } })).status;
        }
        case 'POST /api/v1/connectors/:id/test': {
          // A configured connector to test (a manual one answers with its health as the one step).
          if (!srv.server.registry.get('m-conn')) srv.server.registry.register(new ManualConnector({ id: 'm-conn', kind: 'manual' }));
          return (await http('POST', `${srv.url}/api/v1/connectors/m-conn/test`, base)).status;
        }
        case 'GET /api/v1/people/:id/offboarding':
          return (await http('GET', `${srv.url}/api/v1/people/${OWNER}/offboarding`, base)).status;
        case 'POST /api/v1/webhooks/offboard': {
          // No session: the shared secret's signature is what lets it in.
          const body = JSON.stringify({ username: throwaway(), reason: 'matrix' });
          return (await http('POST', `${srv.url}/api/v1/webhooks/offboard`, { rawBody: body, headers: { 'content-type': 'application/json', ...signedHeaders(WEBHOOK_SECRET, body, new Date()) } })).status;
        }
        case 'POST /api/v1/auth/mfa/disenrol':
          return (await http('POST', `${srv.url}/api/v1/auth/mfa/disenrol`, { ...base, body: { password: PASSWORD } })).status;
        default: {
          const [method, path] = endpoint.split(' ') as [string, string];
          return (await http(method, `${srv.url}${path}`, base)).status;
        }
      }
    };
    for (const [endpoint, access] of Object.entries(ENDPOINT_ACCESS) as [Endpoint, (typeof ENDPOINT_ACCESS)[Endpoint]][]) {
      // Served only with a provider configured: access-matrix-sso.test.ts holds them to the table.
      if (SSO_ENDPOINTS.includes(endpoint)) continue;
      const open = allowedRoles(access);
      for (const role of ALL_ROLES) {
        const own = await call(endpoint, actorOf(role), 'own');
        if (verdict(own) !== (open.includes(role) ? 'allowed' : 'refused')) differences.push(`${endpoint} / ${role}: table says ${open.includes(role) ? 'allowed' : 'refused'}, server answered ${own}`);
        if ('others' in access) {
          const others = await call(endpoint, actorOf(role), 'other');
          const expected = access.others.includes(role) ? 'allowed' : 'refused';
          if (verdict(others, true) !== expected) differences.push(`${endpoint} (someone else's) / ${role}: table says ${expected}, server answered ${others}`);
        }
      }
      if (access.roles !== 'public') {
        const anonymous = await http(endpoint.split(' ')[0] as string, `${srv.url}${(endpoint.split(' ')[1] as string).replace(':id', OWNER)}`);
        if (anonymous.status !== 401) differences.push(`${endpoint} without a token: expected 401, got ${anonymous.status}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it('every sync operation on every collection, for every role, is open or closed exactly as the table says', async () => {
    const differences: string[] = [];
    const status = async (collection: CollectionName, operation: SyncOperation, token: string): Promise<number> => {
      if (operation === 'pull') return (await http('GET', `${srv.url}${syncPath(collection, 'pull')}`, { token })).status;
      if (operation === 'push') return (await http('POST', `${srv.url}${syncPath(collection, 'push')}`, { token, body: [] })).status;
      // Streams answer headers, then stay open: read the status and hang up.
      const statuses: number[] = [];
      for (const path of [syncPath(collection, 'stream'), syncStreamPath([collection])]) {
        const abort = new AbortController();
        const res = await fetch(`${srv.url}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
        statuses.push(res.status);
        abort.abort();
      }
      return statuses[0] === statuses[1] ? (statuses[0] as number) : -1;
    };
    for (const collection of Object.keys(COLLECTIONS) as CollectionName[]) {
      for (const operation of ['pull', 'push', 'stream'] as const) {
        const allowed = syncAccess(collection, operation);
        for (const role of ALL_ROLES) {
          const answered = await status(collection, operation, tokens.get(actorOf(role)) as string);
          const expected = allowed.includes(role) ? 'allowed' : 'refused';
          if (verdict(answered) !== expected) differences.push(`${operation} ${collection} / ${role}: table says ${expected}, server answered ${answered}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });
});
