/**
 * Single sign-on in the web console, in Chromium: "Sign in with <provider>" leaves for the stand-in
 * OpenID Connect provider (tests/standins/oidc, oidc-provider on loopback), its login form is filled
 * in, and the console comes back to /signin-oidc signed in as the person whose Entra object id is the
 * token's oid. A password is refused for that person while SSO is on. Its own server (in this
 * process) with SSO configured, beside the global demo server.
 */
import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type JitServer } from '../../sync-server/app.js';
import { resolveSsoSettings } from '../../sync-server/sso/settings.js';
import { startOidcStandIn, STAND_IN_USERS, type OidcStandIn } from '../standins/oidc/provider.js';
import { ConsolePage } from './pages/ConsolePage.js';
import { SignInPage } from './pages/SignInPage.js';
import { saveScreenshot } from './support/screenshot.js';

const MIA = STAND_IN_USERS[0] as (typeof STAND_IN_USERS)[0];
const PASSWORD = 'sso-e2e-console-password-5';
let idp: OidcStandIn;
let server: JitServer;
let url: string;
let dataDir: string;

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test.beforeAll(async () => {
  idp = await startOidcStandIn({ redirectUris: ['http://127.0.0.1/signin-oidc', 'http://127.0.0.1/callback'] });
  const port = await freePort();
  dataDir = mkdtempSync(path.join(tmpdir(), 'jit-e2e-sso-'));
  server = await createServer({
    dataDir,
    adminPassword: 'sso-e2e-console-secret-8',
    logLevel: 'silent',
    webRoot: path.resolve('out/renderer'),
    sso: resolveSsoSettings({ name: 'Stand-in IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, redirectUris: [`http://127.0.0.1:${port}/signin-oidc`] }),
  });
  url = await server.listen(port, '127.0.0.1');
  const at = new Date().toISOString();
  server.store.tx(() => {
    server.store.createAccount({ id: 'u-mia', username: 'mia', passwordHash: 'scrypt$unused', roles: ['requester'], createdAt: at });
    server.store.put('users', { id: 'u-mia', username: 'mia', displayName: MIA.name, email: MIA.email, roles: ['requester'], externalIds: { entra: MIA.id }, updatedAt: at });
  });
});

test.afterAll(async () => {
  await server?.close();
  await idp?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('signs in through the provider’s login form and comes back signed in', async ({ page }, testInfo) => {
  const signIn = new SignInPage(page);
  await signIn.open(url);
  const viaProvider = page.getByRole('button', { name: 'Sign in with Stand-in IdP', exact: true });
  await expect(viaProvider).toBeVisible();
  await expect(page.getByText('Password sign-in is kept for break-glass admins.')).toBeVisible();
  await saveScreenshot(page, testInfo, 'sso-sign-in-screen');

  await viaProvider.click();
  await expect(page.getByRole('heading', { name: 'Sign in to the stand-in identity provider' })).toBeVisible();
  expect(new URL(page.url()).origin).toBe(idp.issuer);
  await page.getByLabel('Username').fill(MIA.username);
  await page.getByLabel('Password').fill(MIA.password);
  await saveScreenshot(page, testInfo, 'sso-provider-login');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  const consolePage = new ConsolePage(page);
  await consolePage.expectSignedInAs(MIA.name);
  // Back on the console, with the provider's answer gone from the address bar.
  expect(new URL(page.url()).pathname).toBe('/');
  expect(page.url()).not.toContain('code=');
  await expect(page.locator('main h1').first()).toBeVisible({ timeout: 20_000 });
  await saveScreenshot(page, testInfo, 'sso-signed-in');
});

test('a password is refused for someone who signs in through the provider', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open(url);
  await signIn.username().fill('mia');
  await signIn.password().fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signIn.expectError('sign in with Stand-in IdP: password sign-in is kept for the break-glass admins while single sign-on is on');
});
