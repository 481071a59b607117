/**
 * Policies that require MFA, enforced over REST and over the sync push: a request (and more time on
 * a grant) needs the requester's fresh second factor, an approval the approver's; without one the
 * command is rejected with mfa_required, with a step-up it applies, and once the factor is older
 * than the policy's freshness it is refused again. The factor is the session's, read on the server:
 * a pushed command cannot claim one. Real TOTP codes, an injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncPath, type CommandResult } from '../../core/index.js';
import { SecretKey } from '../../sync-server/secrets/index.js';
import { enrolMfa, MFA_PASSWORD, mfaOrganisation, STEP_MS, stepUp, testClock, totpCode, type Enrolled } from './helpers/mfa.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';

const clock = testClock();
const MINUTE = 60_000;
let srv: TestServer;
let rita: { token: string; mfa: Enrolled };
let alice: { token: string; mfa: Enrolled };

beforeAll(async () => {
  srv = await startTestServer({ now: clock.now, secretKey: SecretKey.generate() });
  let n = 0;
  await mfaOrganisation(srv.url, srv.adminToken, (type, payload) => {
    const result = srv.processor.apply({ id: `setup-${++n}`, type, actorId: 'u-admin', payload, createdAt: clock.now().toISOString() }, { bootstrap: true });
    if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
  });
  const enrolled = async (username: string) => {
    const token = await login(srv.url, username, MFA_PASSWORD);
    return { token, mfa: await enrolMfa(srv.url, token, clock.ms()) };
  };
  rita = await enrolled('rita');
  alice = await enrolled('alice');
});
afterAll(() => srv?.close());

let counter = 0;
const ask = (token: string) => http('POST', `${srv.url}/api/v1/requests`, { token, body: { requestId: `req-mfa-${++counter}`, resourceId: 'res-mfa', durationMinutes: 60 } });
const command = (token: string, type: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type, payload } });
/** A new session for the person: signed in again, so it has no second factor yet. */
const newSession = (username: string) => login(srv.url, username, MFA_PASSWORD);
const nextStep = () => clock.advance(STEP_MS);

/** Pushes commands the way a replica does and returns their results. */
async function push(token: string, docs: Record<string, unknown>[]): Promise<CommandResult[]> {
  const res = await http('POST', `${srv.url}${syncPath('commands', 'push')}`, { token, body: docs.map((doc) => ({ assumedMasterState: null, newDocumentState: doc })) });
  expect(res.status).toBe(200);
  return docs.map((doc) => srv.store.get('commandResults', doc.id as string) as CommandResult);
}

describe('a request under a policy that requires MFA, over REST', () => {
  it('is refused with mfa_required (403) in a session without a second factor, and applies after a step-up', async () => {
    const token = await newSession('rita');
    const refused = await ask(token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('mfa_required');
    expect(refused.body.result).toMatchObject({ status: 'rejected', code: 'mfa_required' });
    expect(refused.body.error.message).toMatch(/needs a second factor within the last 15 minutes/);

    nextStep();
    expect((await stepUp(srv.url, token, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    const created = await ask(token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending_approval', policy: { requireMfa: true, requireApproverMfa: true, mfaFreshMinutes: 15 } });
  });

  it('the factor counts for the policy’s freshness only: 15 minutes later yes, a minute more no, until the next step-up', async () => {
    const token = await newSession('rita');
    nextStep();
    expect((await stepUp(srv.url, token, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    clock.advance(15 * MINUTE);
    expect((await ask(token)).status).toBe(201);
    clock.advance(MINUTE);
    const stale = await ask(token);
    expect(stale.status).toBe(403);
    expect(stale.body.error.message).toMatch(/yours was 16 minutes ago/);
    expect((await stepUp(srv.url, token, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    expect((await ask(token)).status).toBe(201);
  });

  it('a second factor in one session does not count for another session of the same person', async () => {
    const stepped = await newSession('rita');
    const other = await newSession('rita');
    nextStep();
    expect((await stepUp(srv.url, stepped, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    expect((await ask(stepped)).status).toBe(201);
    expect((await ask(other)).body.error.code).toBe('mfa_required');
  });
});

describe('approvals and more time under a policy that requires MFA', () => {
  let requestId: string;

  beforeAll(async () => {
    nextStep();
    expect((await stepUp(srv.url, rita.token, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    const created = await ask(rita.token);
    requestId = created.body.id;
  });

  it('an approval needs the approver’s own fresh factor (the requester’s does not count); a denial needs none', async () => {
    const token = await newSession('alice');
    const refused = await command(token, 'request.approve', { requestId, reason: 'ok' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('mfa_required');
    expect(refused.body.error.message).toMatch(/approving this request needs a second factor/);
    expect(srv.store.get('requests', requestId)?.status).toBe('pending_approval');

    nextStep();
    expect((await stepUp(srv.url, token, totpCode(alice.mfa.secret, clock.ms()))).status).toBe(200);
    const approved = await command(token, 'request.approve', { requestId, reason: 'ok' });
    expect(approved.status).toBe(200);
    expect(srv.store.get('requests', requestId)?.status).toBe('approved');

    const another = (await ask(rita.token)).body.id as string;
    const denied = await command(await newSession('alice'), 'request.deny', { requestId: another, reason: 'not now' });
    expect(denied.status).toBe(200);
  });

  it('asking for more time on the grant is held to the requester’s rule too', async () => {
    const grantId = srv.store.get('requests', requestId)?.grantId as string;
    // Seeded as live: this server runs no connectors to provision it.
    srv.store.put('grants', { ...srv.store.get('grants', grantId)!, status: 'active' });
    const token = await newSession('rita');
    const refused = await command(token, 'grant.extend', { grantId, minutes: 30, reason: 'the migration runs late' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('mfa_required');
    nextStep();
    expect((await stepUp(srv.url, token, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    const asked = await command(token, 'grant.extend', { grantId, minutes: 30, reason: 'the migration runs late' });
    expect(asked.status).toBe(200);
  });
});

describe('over the sync push', () => {
  const doc = (id: string, type: string, actorId: string, payload: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id,
    type,
    actorId,
    payload,
    createdAt: clock.now().toISOString(),
    baseRevision: null,
    ...extra,
  });

  it('pushed commands are held to the pushing session’s factor; a secondFactorAt in the command claims nothing', async () => {
    const token = await newSession('rita');
    const [claimed] = await push(token, [doc('cmd-mfa-push-1', 'request.create', 'u-rita', { requestId: 'req-mfa-push-1', resourceId: 'res-mfa', durationMinutes: 60 }, { secondFactorAt: clock.now().toISOString() })]);
    expect(claimed).toMatchObject({ status: 'rejected', code: 'mfa_required' });
    expect(srv.store.get('requests', 'req-mfa-push-1')).toBeNull();

    nextStep();
    expect((await stepUp(srv.url, token, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    const [applied] = await push(token, [doc('cmd-mfa-push-2', 'request.create', 'u-rita', { requestId: 'req-mfa-push-2', resourceId: 'res-mfa', durationMinutes: 60 })]);
    expect(applied).toMatchObject({ status: 'applied' });

    // The approver pushes from the console: refused without a factor, applied after one.
    const approver = await newSession('alice');
    const [first] = await push(approver, [doc('cmd-mfa-push-3', 'request.approve', 'u-alice', { requestId: 'req-mfa-push-2', reason: 'ok' })]);
    expect(first).toMatchObject({ status: 'rejected', code: 'mfa_required' });
    nextStep();
    expect((await stepUp(srv.url, approver, totpCode(alice.mfa.secret, clock.ms()))).status).toBe(200);
    // The console sends the decision again as a new command: a command id's first result stands.
    const [again] = await push(approver, [doc('cmd-mfa-push-4', 'request.approve', 'u-alice', { requestId: 'req-mfa-push-2', reason: 'ok' })]);
    expect(again).toMatchObject({ status: 'applied' });
    expect(srv.store.get('requests', 'req-mfa-push-2')?.status).toBe('approved');
  });

  it('a command queued while the factor was fresh is judged when it reaches the server', async () => {
    const token = await newSession('rita');
    nextStep();
    expect((await stepUp(srv.url, token, totpCode(rita.mfa.secret, clock.ms()))).status).toBe(200);
    const queued = doc('cmd-mfa-push-5', 'request.create', 'u-rita', { requestId: 'req-mfa-push-5', resourceId: 'res-mfa', durationMinutes: 60 });
    // Offline for 20 minutes, then the replica pushes.
    clock.advance(20 * MINUTE);
    const [late] = await push(token, [queued]);
    expect(late).toMatchObject({ status: 'rejected', code: 'mfa_required' });
  });
});
