/**
 * Single sign-on in the desktop app: "Sign in with <provider>" opens the system browser (here main's
 * shell.openExternal is replaced so the test can play the browser) on the stand-in provider, with a
 * loopback redirect; signing in there and following the redirect to the app's listener signs the app
 * in. Its own server with SSO (in this process). Skipped, saying why, where the Electron binary is
 * not installed; the loopback flow itself is tested in Node (tests/integration/sso-desktop.test.ts).
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer, type JitServer } from '../../sync-server/app.js';
import { resolveSsoSettings } from '../../sync-server/sso/settings.js';
import { signInAtProvider } from '../standins/oidc/login-agent.js';
import { startOidcStandIn, STAND_IN_USERS, type OidcStandIn } from '../standins/oidc/provider.js';
import { ConsolePage } from '../e2e/pages/ConsolePage.js';
import { REPO_ROOT } from '../e2e/support/build.js';
import { findElectronBinary } from './electron-binary.js';

const binary = findElectronBinary();
if ('missing' in binary) console.log(`[electron] desktop single sign-on skipped: ${binary.missing}`);
test.skip('missing' in binary, `Electron binary not available: ${'missing' in binary ? binary.missing : ''}`);

const MIA = STAND_IN_USERS[0] as (typeof STAND_IN_USERS)[0];
let idp: OidcStandIn;
let server: JitServer;
let url: string;
const dirs: string[] = [];

test.beforeAll(async () => {
  idp = await startOidcStandIn({ redirectUris: ['http://127.0.0.1/callback'] });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'jit-electron-sso-'));
  dirs.push(dataDir);
  server = await createServer({ dataDir, adminPassword: 'sso-electron-console-secret-4', logLevel: 'silent', allowedOrigins: ['app://console'], sso: resolveSsoSettings({ name: 'Stand-in IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret }) });
  url = await server.listen(0, '127.0.0.1');
  const at = new Date().toISOString();
  server.store.tx(() => {
    server.store.createAccount({ id: 'u-mia', username: 'mia', passwordHash: 'scrypt$unused', roles: ['requester'], createdAt: at });
    server.store.put('users', { id: 'u-mia', username: 'mia', displayName: MIA.name, email: MIA.email, roles: ['requester'], externalIds: { entra: MIA.id }, updatedAt: at });
  });
});

test.afterAll(async () => {
  await server?.close();
  await idp?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('signs in through the system browser with a loopback redirect', async () => {
  if ('missing' in binary) throw new Error(binary.missing);
  const profile = mkdtempSync(path.join(tmpdir(), 'jit-electron-'));
  dirs.push(profile);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const app = await electron.launch({ executablePath: binary.path, args: [REPO_ROOT], cwd: REPO_ROOT, env: { ...env, ELECTRON_RENDERER_URL: '', JIT_SERVER_URL: url, JIT_USER_DATA_DIR: profile } });
  try {
    // The system browser, played by the test: main records the address it would open.
    await app.evaluate(({ shell }) => {
      const opened: string[] = [];
      (globalThis as { openedUrls?: string[] }).openedUrls = opened;
      shell.openExternal = async (address: string) => void opened.push(address);
    });
    const page = await app.firstWindow();
    await page.getByRole('button', { name: 'Sign in with Stand-in IdP', exact: true }).click();
    await expect.poll(() => app.evaluate(() => (globalThis as { openedUrls?: string[] }).openedUrls?.length ?? 0)).toBe(1);
    const authorizationUrl = await app.evaluate(() => (globalThis as { openedUrls?: string[] }).openedUrls?.[0] as string);
    const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri') as string;
    expect(redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const callback = await signInAtProvider(authorizationUrl, MIA, redirectUri);
    expect((await fetch(callback)).status).toBe(200);
    await new ConsolePage(page).expectSignedInAs(MIA.name);
  } finally {
    await app.close();
  }
});
