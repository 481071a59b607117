/**
 * The desktop app's single sign-on (main/sso-loopback.ts), in Node: a loopback listener on a random
 * port, the system browser (here a scripted one signing in at the stand-in provider's form), and the
 * server's code exchange. The Electron shell only passes shell.openExternal; its e2e needs an Electron
 * binary (tests/electron skips without one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInThroughSystemBrowser, SsoSignInError } from '../../main/sso-loopback.js';
import { resolveSsoSettings } from '../../sync-server/sso/settings.js';
import { signInAtProvider } from '../standins/oidc/login-agent.js';
import { startOidcStandIn, STAND_IN_USERS, type OidcStandIn } from '../standins/oidc/provider.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const MIA = STAND_IN_USERS[0] as (typeof STAND_IN_USERS)[0];
let idp: OidcStandIn;
let srv: TestServer;

beforeAll(async () => {
  idp = await startOidcStandIn({ redirectUris: ['http://127.0.0.1/callback'] });
  srv = await startTestServer({ sso: resolveSsoSettings({ name: 'Stand-in IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret }) });
  const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id: 'u-mia', username: 'mia', password: 'sso-desktop-password-9', displayName: 'Mia', roles: ['requester'] } });
  expect(res.status).toBe(201);
  srv.store.put('users', { ...srv.store.get('users', 'u-mia')!, externalIds: { entra: MIA.id }, updatedAt: new Date().toISOString() });
});
afterAll(async () => {
  await srv?.close();
  await idp?.close();
});

/** The system browser: signs in at the provider, then follows its redirect to the app's loopback address. */
function scriptedBrowser(opened: string[], before?: (callback: URL) => Promise<void>) {
  return async (url: string) => {
    opened.push(url);
    const redirectUri = new URL(url).searchParams.get('redirect_uri') as string;
    const callback = await signInAtProvider(url, MIA, redirectUri);
    await before?.(callback);
    const page = await fetch(callback);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/You can close this tab/);
  };
}

describe('desktop sign-in through the system browser', () => {
  it('opens the provider in the browser with a loopback redirect on a random port, and answers a console session', async () => {
    const opened: string[] = [];
    const answer = await signInThroughSystemBrowser({ serverUrl: srv.url, openBrowser: scriptedBrowser(opened) });
    expect(answer.user.id).toBe('u-mia');
    expect(answer.secondFactorAt).toEqual(expect.any(String));
    const redirect = new URL(new URL(opened[0] as string).searchParams.get('redirect_uri') as string);
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(redirect.pathname).toBe('/callback');
    expect(Number(redirect.port)).toBeGreaterThan(0);
    expect((await http('GET', `${srv.url}/api/v1/me`, { token: answer.token })).status).toBe(200);
    // The listener is gone once the sign-in is over.
    await expect(fetch(redirect)).rejects.toThrow();
  });

  it('turns away requests to the listener that are not this flow’s callback, and still finishes', async () => {
    const answer = await signInThroughSystemBrowser({
      serverUrl: srv.url,
      openBrowser: scriptedBrowser([], async (callback) => {
        const guess = new URL(callback);
        guess.searchParams.set('state', 'a-guessed-state');
        expect((await fetch(guess)).status).toBe(404);
      }),
    });
    expect(answer.user.id).toBe('u-mia');
  });

  it('says so when the provider sends the browser back with an error (the person cancelled)', async () => {
    const signIn = signInThroughSystemBrowser({
      serverUrl: srv.url,
      openBrowser: async (url) => {
        const target = new URL(new URL(url).searchParams.get('redirect_uri') as string);
        target.search = new URLSearchParams({ error: 'access_denied', error_description: 'the user cancelled', state: new URL(url).searchParams.get('state') as string }).toString();
        expect((await fetch(target)).status).toBe(200);
      },
    });
    await expect(signIn).rejects.toMatchObject({ code: 'cancelled', message: expect.stringMatching(/the user cancelled/) });
  });

  it('gives up when nobody comes back from the browser', async () => {
    await expect(signInThroughSystemBrowser({ serverUrl: srv.url, timeoutMs: 200, openBrowser: async () => undefined })).rejects.toMatchObject({ code: 'timed_out' });
  });

  it('never opens anything but a web address, whatever the server answers', async () => {
    const opened: string[] = [];
    const fakeServer = (async () => new Response(JSON.stringify({ authorizationUrl: 'file:///etc/passwd?state=x', flow: 'f' }), { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch;
    const signIn = signInThroughSystemBrowser({ serverUrl: 'https://jit.example.test', fetch: fakeServer, openBrowser: async (url) => void opened.push(url) });
    await expect(signIn).rejects.toBeInstanceOf(SsoSignInError);
    await expect(signIn).rejects.toMatchObject({ code: 'bad_provider_url' });
    expect(opened).toEqual([]);
  });
});
