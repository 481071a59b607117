/**
 * An admin resets someone else's authenticator, over REST with real TOTP codes computed in the test
 * and an injected clock: admins only, never their own, with the admin's own fresh second factor
 * once they have an authenticator; the person's authenticator, recovery codes, step-up marks and
 * wrong-code lock-out go, the reset is audited, and they enrol again at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretKey } from '../../sync-server/secrets/index.js';
import { enrolMfa, MFA_PASSWORD, mfaOrganisation, STEP_MS, stepUp, testClock, totpCode, type Enrolled } from './helpers/mfa.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';

const MINUTE = 60_000;
const clock = testClock();
let srv: TestServer;
let rita: string;
let rita2: string;
let enrolled: Enrolled;

beforeAll(async () => {
  srv = await startTestServer({ now: clock.now, secretKey: SecretKey.generate() });
  let n = 0;
  await mfaOrganisation(srv.url, srv.adminToken, (type, payload) => {
    const result = srv.processor.apply({ id: `setup-${++n}`, type, actorId: 'u-admin', payload, createdAt: clock.now().toISOString() }, { bootstrap: true });
    if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
  });
  rita = await login(srv.url, 'rita', MFA_PASSWORD);
  rita2 = await login(srv.url, 'rita', MFA_PASSWORD);
  enrolled = await enrolMfa(srv.url, rita, clock.ms());
});
afterAll(() => srv?.close());

const reset = (token: string, accountId: string, reason = 'lost her phone') => http('POST', `${srv.url}/api/v1/accounts/${accountId}/mfa/reset`, { token, body: { reason } });
const state = (token: string) => http('GET', `${srv.url}/api/v1/auth/mfa`, { token });
const mfaOf = async (accountId: string) => (await http<{ accounts: { id: string; mfa: string }[] }>('GET', `${srv.url}/api/v1/accounts`, { token: srv.adminToken })).body.accounts.find((a) => a.id === accountId)?.mfa;
const removals = (accountId: string) => srv.store.list('audit').filter((e) => e.type === 'account.mfa_removed' && e.subjectId === accountId);
const nextStep = () => clock.advance(STEP_MS);

describe("an admin resets someone else's authenticator", () => {
  it('the accounts list says who has one; anyone but an admin is refused, and an admin cannot reset their own this way', async () => {
    expect(await mfaOf('u-rita')).toBe('active');
    expect(await mfaOf('u-alice')).toBe('none');
    const alice = await login(srv.url, 'alice', MFA_PASSWORD);
    expect((await reset(alice, 'u-rita')).status).toBe(403);
    expect((await reset(rita, 'u-rita')).status).toBe(403);
    const own = await reset(srv.adminToken, 'u-admin');
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/your own authenticator is removed in Settings/);
    expect((await reset(srv.adminToken, 'u-nobody')).status).toBe(404);
    expect(removals('u-rita')).toHaveLength(0);
  });

  it('removes it, with its recovery codes, step-up marks and lock-out, audited; the person must enrol again and can at once', async () => {
    // Rita's sessions proved a factor; then a run of wrong codes locks her out.
    nextStep();
    expect((await stepUp(srv.url, rita2, totpCode(enrolled.secret, clock.ms()))).status).toBe(200);
    for (let i = 0; i < 6; i++) await stepUp(srv.url, rita, '000000');
    expect((await state(rita)).body.lockedUntil).not.toBeNull();

    // The admin has no authenticator of their own: nothing to prove first.
    const done = await reset(srv.adminToken, 'u-rita');
    expect(done.status, done.text).toBe(200);
    expect(done.body).toEqual({ id: 'u-rita', username: 'rita', removed: 'active' });
    expect(await mfaOf('u-rita')).toBe('none');
    expect(removals('u-rita').map((e) => [e.actorId, e.data])).toEqual([['u-admin', expect.objectContaining({ by: 'admin', with: 'admin_reset', was: 'active', reason: 'lost her phone' })]]);
    expect((await state(rita2)).body).toMatchObject({ status: 'none', secondFactorAt: null, recoveryCodesLeft: 0, lockedUntil: null });

    // The old authenticator and its recovery codes prove nothing any more.
    nextStep();
    expect((await stepUp(srv.url, rita, totpCode(enrolled.secret, clock.ms()))).status).toBe(409);
    expect((await stepUp(srv.url, rita, enrolled.recoveryCodes[0]!)).status).toBe(409);
    // Nothing left to reset.
    expect((await reset(srv.adminToken, 'u-rita')).status).toBe(409);

    // A new one at once (no wait, no lock-out left over).
    enrolled = await enrolMfa(srv.url, rita, clock.ms());
    expect(await mfaOf('u-rita')).toBe('active');
  });

  it('needs the admin’s own fresh second factor once the admin has an authenticator', async () => {
    nextStep();
    const admin = await enrolMfa(srv.url, srv.adminToken, clock.ms());
    clock.advance(16 * MINUTE);
    const stale = await reset(srv.adminToken, 'u-rita');
    expect(stale.status).toBe(403);
    expect(stale.body.error).toMatchObject({ code: 'mfa_required' });
    expect(stale.body.error.message).toMatch(/^resetting rita's authenticator needs a second factor within the last 15 minutes; yours was 16 minutes ago/);
    expect(await mfaOf('u-rita')).toBe('active');

    expect((await stepUp(srv.url, srv.adminToken, totpCode(admin.secret, clock.ms()))).status).toBe(200);
    const done = await reset(srv.adminToken, 'u-rita', '');
    expect(done.status, done.text).toBe(200);
    expect(await mfaOf('u-rita')).toBe('none');
    expect(removals('u-rita')).toHaveLength(2);
    expect((await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken })).body.ok).toBe(true);
  });
});
