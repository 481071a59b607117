/**
 * Two-step verification over REST with real TOTP codes computed in the test: enrolment and its
 * first code, recovery codes (each once), step-up, replayed and wrong codes, the lock-out and an
 * admin's unlock, removal, and what the database holds. The clock is injected, so codes and waits
 * are exact without sleeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEnvelope, rotateSecrets, SecretKey } from '../../sync-server/secrets/index.js';
import { MFA_PASSWORD, mfaOrganisation, secretOfUri, STEP_MS, stepUp, testClock, totpCode } from './helpers/mfa.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';

const clock = testClock();
const key = SecretKey.generate();
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ now: clock.now, secretKey: key });
  let n = 0;
  await mfaOrganisation(srv.url, srv.adminToken, (type, payload) => {
    const result = srv.processor.apply({ id: `setup-${++n}`, type, actorId: 'u-admin', payload, createdAt: clock.now().toISOString() }, { bootstrap: true });
    if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
  });
});
afterAll(() => srv?.close());

const state = (token: string) => http('GET', `${srv.url}/api/v1/auth/mfa`, { token });
const events = (type: string, accountId: string) => srv.store.list('audit').filter((e) => e.type === type && e.subjectId === accountId);
/** The next 30-second step: every code below is used once. */
const nextStep = () => clock.advance(STEP_MS);

describe('enrolling an authenticator', () => {
  let token: string;
  let secret: string;
  let recoveryCodes: string[];

  beforeAll(async () => {
    token = await login(srv.url, 'rita', MFA_PASSWORD);
  });

  it('starts with a secret as text and as an otpauth:// URI, pending until a first code confirms it', async () => {
    expect((await state(token)).body).toMatchObject({ available: true, status: 'none', recoveryCodesLeft: 0, secondFactorAt: null });
    const started = await http('POST', `${srv.url}/api/v1/auth/mfa/enrol`, { token, body: {} });
    expect(started.status).toBe(200);
    secret = started.body.secret;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(started.body).toMatchObject({ issuer: 'JIT access', accountName: 'rita', digits: 6, periodSeconds: 30 });
    expect(started.body.uri).toMatch(/^otpauth:\/\/totp\/JIT%20access:rita\?/);
    expect(secretOfUri(started.body.uri)).toBe(secret);
    expect((await state(token)).body.status).toBe('pending');
    expect(events('account.mfa_enrolment_started', 'u-rita')).toHaveLength(1);
  });

  it('a wrong first code is refused on the field and audited; the right one activates it and shows ten recovery codes once', async () => {
    const wrong = await http('POST', `${srv.url}/api/v1/auth/mfa/confirm`, { token, body: { code: totpCode(secret, clock.ms() + 10 * STEP_MS) } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'invalid_input', field: 'code' });
    expect(events('auth.step_up_failed', 'u-rita').at(-1)?.data).toMatchObject({ reason: 'wrong_code', during: 'confirm', failures: 1 });

    const confirmed = await http('POST', `${srv.url}/api/v1/auth/mfa/confirm`, { token, body: { code: totpCode(secret, clock.ms()) } });
    expect(confirmed.status).toBe(200);
    recoveryCodes = confirmed.body.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    // The first code is a second factor: this session counts as stepped up now.
    expect((await state(token)).body).toMatchObject({ status: 'active', recoveryCodesLeft: 10, secondFactorAt: clock.now().toISOString(), secondFactorMethod: 'totp' });
    expect(events('account.mfa_enrolled', 'u-rita')).toHaveLength(1);
    // Shown once: nothing answers them again, and a second enrolment is refused while this one stands.
    expect(JSON.stringify((await state(token)).body)).not.toContain(recoveryCodes[0]);
    const again = await http('POST', `${srv.url}/api/v1/auth/mfa/enrol`, { token, body: {} });
    expect(again.status).toBe(409);
  });

  it('the database holds the secret encrypted and the recovery codes only as keyed hashes', () => {
    const row = srv.store.db.prepare('SELECT secret FROM mfa_authenticators WHERE account_id = ?').get('u-rita') as { secret: string };
    expect(isEnvelope(row.secret)).toBe(true);
    expect(row.secret).not.toContain(secret);
    const hashes = srv.store.db.prepare('SELECT code_hash FROM mfa_recovery_codes WHERE account_id = ?').pluck().all('u-rita') as string[];
    expect(hashes).toHaveLength(10);
    const everything = JSON.stringify(srv.store.db.prepare('SELECT * FROM mfa_recovery_codes').all());
    for (const code of recoveryCodes) {
      expect(everything).not.toContain(code);
      expect(everything).not.toContain(code.replaceAll('-', ''));
    }
  });

  it('step-up marks a new session; the same code again is refused as replayed, as is an older one', async () => {
    const fresh = await login(srv.url, 'rita', MFA_PASSWORD);
    expect((await state(fresh)).body.secondFactorAt).toBeNull();
    nextStep();
    const code = totpCode(secret, clock.ms());
    const ok = await stepUp(srv.url, fresh, code);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ method: 'totp', secondFactorAt: clock.now().toISOString() });
    expect(events('auth.step_up_succeeded', 'u-rita').at(-1)?.data).toMatchObject({ method: 'totp' });

    const replay = await stepUp(srv.url, fresh, code);
    expect(replay.status).toBe(400);
    expect(replay.body.error.message).toMatch(/already used/);
    expect(events('auth.step_up_failed', 'u-rita').at(-1)?.data).toMatchObject({ reason: 'replayed', during: 'step_up' });
    // The previous step's code is still inside the window, but older than the one used: refused too.
    expect((await stepUp(srv.url, fresh, totpCode(secret, clock.ms() - STEP_MS))).status).toBe(400);
  });

  it('a recovery code works once, in any case and with or without its dashes', async () => {
    const [first, second] = recoveryCodes as [string, string];
    const used = await stepUp(srv.url, token, first.toUpperCase().replaceAll('-', ''));
    expect(used.status).toBe(200);
    expect(used.body).toMatchObject({ method: 'recovery_code', recoveryCodesLeft: 9 });
    expect(events('auth.step_up_succeeded', 'u-rita').at(-1)?.data).toMatchObject({ method: 'recovery_code', recoveryCodesLeft: 9 });
    expect((await stepUp(srv.url, token, first)).status).toBe(400);
    expect((await stepUp(srv.url, token, ` ${second} `)).status).toBe(200);
    expect((await state(token)).body.recoveryCodesLeft).toBe(8);
  });

  it('wrong codes lock the account: five are free, then waits that even the right code must sit out; an admin unlocks it', async () => {
    nextStep();
    // Start from a clean count (the refusals above counted too).
    expect((await http('POST', `${srv.url}/api/v1/accounts/u-rita/unlock`, { token: srv.adminToken })).status).toBe(200);
    for (let i = 1; i <= 5; i++) expect((await stepUp(srv.url, token, '000000')).status).toBe(400);
    const sixth = await stepUp(srv.url, token, '000000');
    expect(sixth.status).toBe(400);
    expect(sixth.body.error.message).toMatch(/next try waits 30 second/);
    const locked = await stepUp(srv.url, token, totpCode(secret, clock.ms()));
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('30');
    expect((await state(token)).body.lockedUntil).toBe(new Date(clock.ms() + 30_000).toISOString());
    // One audit event for the wait, however many tries it refuses.
    await stepUp(srv.url, token, totpCode(secret, clock.ms()));
    expect(events('auth.step_up_failed', 'u-rita').filter((e) => e.data.reason === 'locked')).toHaveLength(1);

    expect((await http('POST', `${srv.url}/api/v1/accounts/u-rita/unlock`, { token: srv.adminToken })).status).toBe(200);
    expect((await stepUp(srv.url, token, totpCode(secret, clock.ms()))).status).toBe(200);
  });

  it('removing it needs a current code or the password; afterwards step-up says nothing is set up', async () => {
    const both = await http('POST', `${srv.url}/api/v1/auth/mfa/disenrol`, { token, body: { code: '123456', password: MFA_PASSWORD } });
    expect(both.status).toBe(400);
    const wrongPassword = await http('POST', `${srv.url}/api/v1/auth/mfa/disenrol`, { token, body: { password: 'not-the-password-1' } });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.error.field).toBe('password');
    const removed = await http('POST', `${srv.url}/api/v1/auth/mfa/disenrol`, { token, body: { password: MFA_PASSWORD } });
    expect(removed.status).toBe(200);
    expect(events('account.mfa_removed', 'u-rita').at(-1)?.data).toMatchObject({ with: 'password' });
    // Every session loses its mark with the authenticator.
    expect((await state(token)).body).toMatchObject({ status: 'none', secondFactorAt: null, recoveryCodesLeft: 0 });
    expect(srv.store.db.prepare('SELECT COUNT(*) FROM mfa_recovery_codes WHERE account_id = ?').pluck().get('u-rita')).toBe(0);
    nextStep();
    const after = await stepUp(srv.url, token, totpCode(secret, clock.ms()));
    expect(after.status).toBe(409);
    expect(after.body.error.message).toMatch(/no authenticator is set up/);
  });

  it('after a removal with the password alone, a new authenticator waits a day, or for an admin’s unlock', async () => {
    const held = await http('POST', `${srv.url}/api/v1/auth/mfa/enrol`, { token, body: {} });
    expect(held.status).toBe(409);
    expect(held.body.error.message).toMatch(/removed with the password alone, so a new one can be set up from .*or sooner after an admin unlocks/);
    const removal = events('account.mfa_removed', 'u-rita').at(-1);
    expect(removal?.data.reenrolFrom).toBe(new Date(Date.parse(removal?.at ?? '') + 24 * 3_600_000).toISOString());
    expect((await http('POST', `${srv.url}/api/v1/accounts/u-rita/unlock`, { token: srv.adminToken })).status).toBe(200);
  });

  it('removing with a current code works too (no wait after it), and enrolling again gives a new secret', async () => {
    const enrolled = await http('POST', `${srv.url}/api/v1/auth/mfa/enrol`, { token, body: {} });
    expect(enrolled.body.secret).not.toBe(secret);
    nextStep();
    expect((await http('POST', `${srv.url}/api/v1/auth/mfa/confirm`, { token, body: { code: totpCode(enrolled.body.secret, clock.ms()) } })).status).toBe(200);
    nextStep();
    const removed = await http('POST', `${srv.url}/api/v1/auth/mfa/disenrol`, { token, body: { code: totpCode(enrolled.body.secret, clock.ms()) } });
    expect(removed.status).toBe(200);
    expect(events('account.mfa_removed', 'u-rita').at(-1)?.data).toMatchObject({ with: 'totp' });
    expect((await http('POST', `${srv.url}/api/v1/auth/mfa/enrol`, { token, body: {} })).status).toBe(200);
  });
});

describe('without a secrets key', () => {
  it('nobody can enrol, and the answer says what the server needs', async () => {
    const bare = await startTestServer();
    try {
      expect((await http('GET', `${bare.url}/api/v1/auth/mfa`, { token: bare.adminToken })).body).toMatchObject({ available: false, status: 'none' });
      const res = await http('POST', `${bare.url}/api/v1/auth/mfa/enrol`, { token: bare.adminToken, body: {} });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/JIT_SECRET_KEY_FILE/);
    } finally {
      await bare.close();
    }
  });
});

describe('key rotation', () => {
  it('re-seals authenticator secrets under the new key', async () => {
    const token = await login(srv.url, 'alice', MFA_PASSWORD);
    const enrolled = await http('POST', `${srv.url}/api/v1/auth/mfa/enrol`, { token, body: {} });
    expect(enrolled.status).toBe(200);
    const next = SecretKey.generate();
    const result = rotateSecrets(srv.store, key, next, { now: clock.now });
    expect(result.reencrypted).toBeGreaterThanOrEqual(1);
    const row = srv.store.db.prepare('SELECT secret FROM mfa_authenticators WHERE account_id = ?').get('u-alice') as { secret: string };
    expect(row.secret).toContain(`:${next.id}:`);
  });
});
