/**
 * `jit login --sso` as a child process: it prints the provider's address and opens the browser
 * ($BROWSER, here a command that does nothing, so the test plays the browser: the stand-in's login
 * form, then the redirect to the CLI's loopback listener), and keeps the console session. A password
 * sign-in for the same person is refused while single sign-on is on, with the way to sign in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSsoSettings } from '../../sync-server/sso/settings.js';
import { signInAtProvider } from '../standins/oidc/login-agent.js';
import { startOidcStandIn, STAND_IN_USERS, type OidcStandIn } from '../standins/oidc/provider.js';
import { jitIn } from './helpers/jit.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const MIA = STAND_IN_USERS[0] as (typeof STAND_IN_USERS)[0];
const PASSWORD = 'sso-cli-console-password-2';
let idp: OidcStandIn;
let srv: TestServer;
let home: string;
const cli = jitIn(() => home);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'jit-sso-cli-'));
  idp = await startOidcStandIn({ redirectUris: ['http://127.0.0.1/callback'] });
  srv = await startTestServer({ sso: resolveSsoSettings({ name: 'Stand-in IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret }) });
  const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id: 'u-mia', username: 'mia', password: PASSWORD, displayName: 'Mia Okafor', roles: ['requester'] } });
  expect(res.status).toBe(201);
  srv.store.put('users', { ...srv.store.get('users', 'u-mia')!, externalIds: { entra: MIA.id }, updatedAt: new Date().toISOString() });
});
afterAll(async () => {
  await srv?.close();
  await idp?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('jit login with single sign-on', () => {
  it('--sso signs in through the browser and keeps the session for the next commands', async () => {
    const running = cli.start(['login', '--sso', '--server', srv.url], { BROWSER: 'true' });
    const [, address] = (await running.waitFor(/go to:\n\s+(\S+)/)) as RegExpMatchArray;
    const redirectUri = new URL(address as string).searchParams.get('redirect_uri') as string;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const callback = await signInAtProvider(address as string, MIA, redirectUri);
    expect((await fetch(callback)).status).toBe(200);
    const run = await running.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Signed in to .* as Mia Okafor \(mia\) through single sign-on until .*the provider’s multi-factor sign-in counts as your second factor/);
    const grants = await cli.jit(['grants']);
    expect(grants.code).toBe(0);
  });

  it('a password for someone who signs in through the provider is refused, naming the way in', async () => {
    const run = await cli.jit(['login', '--server', srv.url, '--user', 'mia'], { JIT_PASSWORD: PASSWORD });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/sign in with Stand-in IdP: password sign-in is kept for the break-glass admins/);
  });
});
