/**
 * Single sign-on against a real OpenID Connect provider on loopback (tests/standins/oidc:
 * oidc-provider): code + PKCE through its login form, the server's code exchange and the library's
 * ID token validation, the person matched by `oid`, and every refusal audited with its reason. Tokens
 * the provider would never issue (another audience, expired, another sign-in's nonce, an unknown key)
 * reach the console through the real token endpoint, re-signed by the stand-in.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../../core/index.js';
import { resolveSsoSettings } from '../../sync-server/sso/settings.js';
import { signInAtProvider } from '../standins/oidc/login-agent.js';
import { startOidcStandIn, STAND_IN_USERS, type OidcStandIn } from '../standins/oidc/provider.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const DESKTOP_REDIRECT = 'http://127.0.0.1:49152/callback';
const WEB_REDIRECT = 'http://127.0.0.1:8787/signin-oidc';
const PASSWORD = 'sso-test-console-password-3';
const [MIA, NOAH, STRANGER] = STAND_IN_USERS as [(typeof STAND_IN_USERS)[0], (typeof STAND_IN_USERS)[0], (typeof STAND_IN_USERS)[0]];

let idp: OidcStandIn;
let srv: TestServer;

beforeAll(async () => {
  // The stand-in registers the loopback redirects without a port: any port matches, as RFC 8252 asks.
  idp = await startOidcStandIn({ redirectUris: ['http://127.0.0.1/callback', 'http://127.0.0.1/signin-oidc'] });
  srv = await startTestServer({
    sso: resolveSsoSettings({ name: 'Stand-in IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, redirectUris: [WEB_REDIRECT], breakGlassUsernames: ['admin'] }),
  });
  for (const [id, username, roles] of [
    ['u-mia', 'mia', ['requester']],
    ['u-noah', 'noah', ['requester']],
  ] as const) {
    const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id, username, password: PASSWORD, displayName: username, roles } });
    expect(res.status).toBe(201);
  }
  // What directory sync writes: each person's Entra object id.
  for (const [id, oid] of [
    ['u-mia', MIA.id.toUpperCase()],
    ['u-noah', NOAH.id],
  ] as const) {
    const user = srv.store.get('users', id);
    srv.store.put('users', { ...user!, externalIds: { entra: oid }, updatedAt: new Date().toISOString() });
  }
  let n = 0;
  const apply = (type: string, payload: Record<string, unknown>) => {
    const result = srv.processor.apply({ id: `sso-setup-${++n}`, type, actorId: 'u-admin', payload, createdAt: new Date().toISOString() }, { bootstrap: true });
    if (result.status !== 'applied') throw new Error(`${type}: ${result.message}`);
  };
  apply('policy.upsert', {
    policy: { id: 'pol-sso-mfa', name: 'Step-up', maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, requireMfa: true, requireApproverMfa: false, mfaFreshMinutes: 15, maxExtensions: 3, approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['admin'] }] },
  });
  apply('resource.upsert', { resource: { id: 'res-sso-mfa', name: 'Key Vault Secrets Officer', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'kv:secrets' }, ownerId: 'u-admin', sensitivity: 'high', policyIds: ['pol-sso-mfa'] } });
  apply('profile.upsert', { profile: { id: 'prof-sso', name: 'SSO people', resourceIds: ['res-sso-mfa'], userIds: ['u-mia', 'u-noah'] } });
});
afterAll(async () => {
  vi.useRealTimers();
  await srv?.close();
  await idp?.close();
});

type Started = { authorizationUrl: string; flow: string };
const start = async (redirectUri = DESKTOP_REDIRECT) => {
  const res = await http<Started>('POST', `${srv.url}/api/v1/auth/oidc/start`, { body: { redirectUri } });
  expect(res.status).toBe(200);
  return res.body;
};
const complete = (flow: string, callback: URL) => http('POST', `${srv.url}/api/v1/auth/oidc/complete`, { body: { flow, callback: callback.search } });
/** Starts a sign-in, signs in at the provider as `user`, and sends the provider's answer back. */
async function signIn(user = MIA, redirectUri = DESKTOP_REDIRECT) {
  const started = await start(redirectUri);
  const callback = await signInAtProvider(started.authorizationUrl, user, redirectUri);
  return { started, callback, res: await complete(started.flow, callback) };
}
const lastAudit = (type: string): AuditEvent => [...srv.store.auditEvents()].filter((e) => e.type === type).at(-1) as AuditEvent;
let requests = 0;
const ask = (token: string) => http('POST', `${srv.url}/api/v1/requests`, { token, body: { requestId: `req-sso-${++requests}`, resourceId: 'res-sso-mfa', durationMinutes: 60 } });

describe('sign-in through the provider', () => {
  it('the server says how it signs people in, for the sign-in screen', async () => {
    const res = await http('GET', `${srv.url}/api/v1/auth/methods`);
    expect(res.body).toEqual({ password: 'break_glass_only', sso: { name: 'Stand-in IdP' } });
  });

  it('code + PKCE gives a console session for the person whose Entra object id is the token’s oid', async () => {
    const { started, res } = await signIn(MIA);
    const url = new URL(started.authorizationUrl);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: 'u-mia', displayName: 'mia', roles: ['requester'] });
    const me = await http('GET', `${srv.url}/api/v1/me`, { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user?.id ?? me.body.id).toBe('u-mia');
    const event = lastAudit('auth.login_succeeded');
    expect(event).toMatchObject({ actorId: 'u-mia', data: { method: 'oidc', issuer: idp.issuer, claim: 'oid', amr: ['pwd', 'mfa'] } });
  });

  it('the web console’s configured redirect URI works the same way', async () => {
    const { res } = await signIn(NOAH, WEB_REDIRECT);
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe('u-noah');
  });

  it('a redirect URI the server does not know is refused before anything is sent to the provider', async () => {
    const res = await http('POST', `${srv.url}/api/v1/auth/oidc/start`, { body: { redirectUri: 'https://evil.example/callback' } });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('redirectUri');
  });

  it('a person the console does not know is refused, and the refusal is audited', async () => {
    const { res } = await signIn(STRANGER);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/no console account is linked to you/);
    expect(lastAudit('auth.login_failed')).toMatchObject({ actorId: 'anonymous', data: { method: 'oidc', reason: 'unknown_person', claim: 'oid', value: STRANGER.id } });
  });
});

describe('tokens the library refuses', () => {
  it('an ID token for another audience', async () => {
    idp.tamperIdToken((claims) => ({ ...claims, aud: 'another-application' }));
    const { res } = await signIn(MIA);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/issued for another application/);
    expect(lastAudit('auth.login_failed').data).toMatchObject({ method: 'oidc', reason: 'wrong_audience' });
  });

  it('an expired ID token', async () => {
    const now = Math.floor(Date.now() / 1000);
    idp.tamperIdToken((claims) => ({ ...claims, iat: now - 600, exp: now - 300 }));
    const { res } = await signIn(MIA);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
    expect(lastAudit('auth.login_failed').data).toMatchObject({ reason: 'expired' });
  });

  it('an ID token carrying another sign-in’s nonce', async () => {
    idp.tamperIdToken((claims) => ({ ...claims, nonce: 'nonce-of-another-sign-in' }));
    const { res } = await signIn(MIA);
    expect(res.status).toBe(401);
    expect(lastAudit('auth.login_failed').data).toMatchObject({ reason: 'bad_nonce' });
  });

  it('a replayed answer: the same state and code a second time', async () => {
    const { started, callback, res } = await signIn(MIA);
    expect(res.status).toBe(200);
    const again = await complete(started.flow, callback);
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/belongs to no sign-in under way/);
    expect(lastAudit('auth.login_failed').data).toMatchObject({ reason: 'bad_state' });
  });

  it('an answer sent without the secret of the flow that started it (a code caught on the way back)', async () => {
    const started = await start();
    const callback = await signInAtProvider(started.authorizationUrl, MIA, DESKTOP_REDIRECT);
    const res = await complete('someone-elses-flow-secret', callback);
    expect(res.status).toBe(401);
    expect(lastAudit('auth.login_failed').data).toMatchObject({ reason: 'wrong_flow_secret' });
    // And the flow is spent: its owner cannot finish it either now.
    expect((await complete(started.flow, callback)).status).toBe(401);
  });
});

describe('a policy that requires MFA', () => {
  it('is met by an ID token whose amr holds mfa, without a code', async () => {
    const { res } = await signIn(MIA);
    expect(res.body.secondFactorAt).toEqual(expect.any(String));
    const mfa = await http('GET', `${srv.url}/api/v1/auth/mfa`, { token: res.body.token });
    expect(mfa.body).toMatchObject({ secondFactorMethod: 'idp_mfa', secondFactorAt: res.body.secondFactorAt });
    const created = await ask(res.body.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending_approval', policy: { requireMfa: true } });
  });

  it('without mfa in amr the step-up is asked: mfa_required', async () => {
    const { res } = await signIn(NOAH);
    expect(res.body.secondFactorAt).toBeNull();
    const refused = await ask(res.body.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('mfa_required');
  });
});

describe('passwords while single sign-on is on', () => {
  it('are refused for an account outside the break-glass set, with the way to sign in, and audited', async () => {
    const res = await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'mia', password: PASSWORD } });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('sign in with Stand-in IdP: password sign-in is kept for the break-glass admins while single sign-on is on');
    expect(lastAudit('auth.login_failed')).toMatchObject({ actorId: 'u-mia', data: { method: 'password', reason: 'sso_required' } });
  });

  it('still work for a break-glass admin', async () => {
    const res = await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'admin', password: srv.adminPassword } });
    expect(res.status).toBe(200);
  });
});

describe('signing keys', () => {
  it('a token signed with a key the provider never published is refused', async () => {
    idp.tamperIdToken((claims) => claims, { key: 'stranger' });
    const { res } = await signIn(MIA);
    expect(res.status).toBe(401);
    expect(lastAudit('auth.login_failed').data).toMatchObject({ reason: 'unknown_key' });
  });

  it('a token whose signature does not verify under the published key it names is refused', async () => {
    idp.tamperIdToken((claims) => claims, { key: 'forged' });
    const { res } = await signIn(MIA);
    expect(res.status).toBe(401);
    expect(lastAudit('auth.login_failed').data).toMatchObject({ reason: 'bad_signature' });
  });

  it('after a rotation the new key verifies', async () => {
    const before = idp.publishedKids();
    await idp.rotateKeys();
    expect(idp.publishedKids()).toEqual([expect.not.stringMatching(before[0] as string), before[0]]);
    // The library fetches the JWKS again for an unknown key once its copy is a minute old (a guard
    // against floods of made-up key ids): a minute passes, on the clock it reads.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: Date.now() + 61_000 });
    const { res } = await signIn(MIA);
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe('u-mia');
  });
});
