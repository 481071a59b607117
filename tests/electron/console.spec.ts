/**
 * The console's flows in the desktop app, driven through Playwright's Electron support. Electron is
 * started on the repository folder, so it reads package.json "main" (out/main/index.js) as a
 * packaged app would. Each app gets its own profile folder (settings, encrypted token, IndexedDB
 * replica, single-instance lock) and the server the global setup started. Skipped, saying why, where
 * the Electron binary is not installed.
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConsolePage } from '../e2e/pages/ConsolePage.js';
import { GrantsPage } from '../e2e/pages/GrantsPage.js';
import { QueuePage } from '../e2e/pages/QueuePage.js';
import { RejectedPage } from '../e2e/pages/RejectedPage.js';
import { SignInPage } from '../e2e/pages/SignInPage.js';
import { APPROVERS, DEMO_PASSWORD, REQUESTERS } from '../e2e/support/accounts.js';
import { getRequest, serverUrl, submitRequest } from '../e2e/support/api.js';
import { REPO_ROOT } from '../e2e/support/build.js';
import { saveScreenshot } from '../e2e/support/screenshot.js';
import { findElectronBinary } from './electron-binary.js';

const binary = findElectronBinary();
if ('missing' in binary) console.log(`[electron] desktop flows skipped: ${binary.missing}`);
test.skip('missing' in binary, `Electron binary not available: ${'missing' in binary ? binary.missing : ''}`);

test.beforeAll(() => {
  // The global setup rebuilds when out/renderer is stale; the main and preload bundles must exist too.
  if (existsSync(path.join(REPO_ROOT, 'out/main/index.js')) && existsSync(path.join(REPO_ROOT, 'out/preload/index.cjs'))) return;
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`electron-vite build failed with status ${build.status}`);
});

type DesktopSession = {
  app: ElectronApplication;
  page: Page;
  profile: string;
  console: ConsolePage;
  queue: QueuePage;
  grants: GrantsPage;
  rejected: RejectedPage;
  close(): Promise<void>;
};

async function launchSignedIn(username: string, displayName: string): Promise<DesktopSession> {
  if ('missing' in binary) throw new Error(binary.missing);
  const profile = mkdtempSync(path.join(tmpdir(), 'jit-electron-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const app = await electron.launch({
    executablePath: binary.path,
    // The app folder, not a script: Electron reads package.json "main" like a packaged app.
    args: [REPO_ROOT],
    cwd: REPO_ROOT,
    // The built console, never a dev server that happens to be named in the environment.
    env: { ...env, ELECTRON_RENDERER_URL: '', JIT_SERVER_URL: serverUrl(), JIT_USER_DATA_DIR: profile },
  });
  const page = await app.firstWindow();
  const signIn = new SignInPage(page);
  await expect(signIn.server()).toHaveValue(serverUrl());
  await signIn.signIn(username, DEMO_PASSWORD);
  const session: DesktopSession = {
    app,
    page,
    profile,
    console: new ConsolePage(page),
    queue: new QueuePage(page),
    grants: new GrantsPage(page),
    rejected: new RejectedPage(page),
    async close() {
      await app.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
  await session.console.expectSignedInAs(displayName);
  await session.queue.expectLoaded();
  return session;
}

test('desktop: window is locked down', async () => {
  const session = await launchSignedIn(APPROVERS.alice.username, APPROVERS.alice.displayName);
  try {
    // Sandboxed, isolated, no Node: the page sees neither require nor process, only the declared bridge.
    const page = await session.page.evaluate(() => {
      const g = globalThis as unknown as { require?: unknown; process?: unknown; jitHost?: object };
      return { require: typeof g.require, process: typeof g.process, bridge: Object.keys(g.jitHost ?? {}).sort() };
    });
    expect(page).toEqual({ require: 'undefined', process: 'undefined', bridge: ['invoke', 'on', 'platform'] });

    // The bridge answers the console page and refuses names the contract does not declare.
    // (String expressions: this file is typechecked without DOM types.)
    const bridge = (await session.page.evaluate(`(async () => ({
      settings: await window.jitHost.invoke('settings.get', {}),
      undeclared: await window.jitHost.invoke('shell.openPath', { path: '/' }).then(() => 'answered', (e) => e.message),
    }))()`)) as { settings: { serverUrl: string | null }; undeclared: string };
    expect(bridge.settings.serverUrl).toBe(serverUrl());
    expect(bridge.undeclared).toMatch(/unknown host call/);

    // The CSP from the app:// response lets the page connect to its server and nowhere else.
    const violated = await session.page.evaluate(`new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
      fetch('https://example.invalid/exfiltrate').catch(() => undefined);
    })`);
    expect(violated).toBe('connect-src');

    // The session token is on disk only encrypted (or, without an OS keychain, not at all).
    const token = (await session.page.evaluate(`window.jitHost.invoke('token.get', {}).then((r) => r.token)`)) as string | null;
    expect(token).toBeTruthy();
    const storeFile = path.join(session.profile, 'jit-console.json');
    expect(existsSync(storeFile)).toBe(true);
    expect(readFileSync(storeFile, 'utf8')).not.toContain(token!);

    // Navigation away from the console is refused (http, so nothing is handed to the OS browser).
    await session.page.evaluate(`location.href = 'http://example.invalid/'`);
    await expect(session.page).toHaveURL(/^app:\/\/console\//);
  } finally {
    await session.close();
  }
});

test('desktop: live request, keyboard approval, grant appears', async ({ browserName: _browserName }, testInfo) => {
  const session = await launchSignedIn(APPROVERS.alice.username, APPROVERS.alice.displayName);
  try {
    const created = await submitRequest(REQUESTERS.frank.username, REQUESTERS.frank.resourceId);
    // Liveness, not speed: the 1 s target is measured by the web flow and the benchmarks.
    await expect(session.queue.row(created.id)).toBeVisible({ timeout: 10_000 });
    await session.queue.focusRequest(created.id, created.justification);
    await session.queue.approveByKeyboard();
    await expect(session.queue.row(created.id)).toHaveCount(0, { timeout: 15_000 });
    await session.console.go('Active grants');
    await expect(session.grants.rowForRequest(created.id)).toContainText(/Provisioning|Active/, { timeout: 15_000 });
    await saveScreenshot(session.page, testInfo, 'electron-approved-grant');
  } finally {
    await session.close();
  }
});

test('desktop: offline approval applies on reconnect', async ({ browserName: _browserName }, testInfo) => {
  const created = await submitRequest(REQUESTERS.judy.username, REQUESTERS.judy.resourceId);
  const session = await launchSignedIn(APPROVERS.alice.username, APPROVERS.alice.displayName);
  try {
    await expect(session.queue.row(created.id)).toBeVisible({ timeout: 10_000 });
    await session.app.context().setOffline(true);
    await session.console.expectOffline();
    await session.queue.focusRequest(created.id, created.justification);
    await session.queue.approveByKeyboard();
    await session.console.expectChangesWaiting(1);
    await session.app.context().setOffline(false);
    await session.console.expectNothingWaiting();
    expect((await getRequest(created.id)).status).toBe('approved');
    await saveScreenshot(session.page, testInfo, 'electron-offline-applied');
  } finally {
    await session.close();
  }
});

test('desktop: the second of two approvers sees the rejection', async ({ browserName: _browserName }, testInfo) => {
  const created = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId);
  const alice = await launchSignedIn(APPROVERS.alice.username, APPROVERS.alice.displayName);
  const carol = await launchSignedIn(APPROVERS.carol.username, APPROVERS.carol.displayName);
  try {
    await expect(carol.queue.row(created.id)).toBeVisible({ timeout: 10_000 });
    await carol.app.context().setOffline(true);
    await carol.console.expectOffline();
    await carol.queue.focusRequest(created.id, created.justification);
    await carol.queue.denyByKeyboard('Not covered by the change calendar');
    await carol.console.expectChangesWaiting(1);
    await alice.queue.focusRequest(created.id, created.justification);
    await alice.queue.approveByKeyboard();
    await expect(alice.queue.row(created.id)).toHaveCount(0, { timeout: 15_000 });
    await carol.app.context().setOffline(false);
    await carol.console.expectNothingWaiting();
    await carol.console.go('Rejected');
    await carol.rejected.expectRejection(/already approved by Alice Moreau/);
    await saveScreenshot(carol.page, testInfo, 'electron-rejected');
  } finally {
    await alice.close();
    await carol.close();
  }
});

test('desktop: revoke a grant', async ({ browserName: _browserName }, testInfo) => {
  const created = await submitRequest(REQUESTERS.bob.username, REQUESTERS.bob.resourceId);
  const session = await launchSignedIn(APPROVERS.alice.username, APPROVERS.alice.displayName);
  try {
    await session.queue.focusRequest(created.id, created.justification);
    await session.queue.approveByKeyboard();
    await session.console.go('Active grants');
    const row = session.grants.rowForRequest(created.id);
    await expect(row).toBeVisible({ timeout: 15_000 });
    await session.grants.revoke(row, 'Incident closed');
    await session.console.expectNothingWaiting();
    await saveScreenshot(session.page, testInfo, 'electron-revoked');
  } finally {
    await session.close();
  }
});
