/**
 * The console's flows in the desktop app, driven through Playwright's Electron support. Each app
 * gets its own profile folder (settings, encrypted token, IndexedDB replica). Skipped, saying why,
 * where the Electron binary is not installed.
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConsolePage } from '../e2e/pages/ConsolePage.js';
import { GrantsPage } from '../e2e/pages/GrantsPage.js';
import { QueuePage } from '../e2e/pages/QueuePage.js';
import { RejectedPage } from '../e2e/pages/RejectedPage.js';
import { SignInPage } from '../e2e/pages/SignInPage.js';
import { APPROVERS, DEMO_PASSWORD, REQUESTERS } from '../e2e/support/accounts.js';
import { getRequest, serverUrl, submitRequest } from '../e2e/support/api.js';
import { saveScreenshot } from '../e2e/support/screenshot.js';
import { findElectronBinary } from './electron-binary.js';

const binary = findElectronBinary();
if ('missing' in binary) console.log(`[electron] desktop flows skipped: ${binary.missing}`);
test.skip('missing' in binary, `Electron binary not available: ${'missing' in binary ? binary.missing : ''}`);

type DesktopSession = { app: ElectronApplication; page: Page; console: ConsolePage; queue: QueuePage; grants: GrantsPage; rejected: RejectedPage; close(): Promise<void> };

async function launchSignedIn(username: string, displayName: string): Promise<DesktopSession> {
  if ('missing' in binary) throw new Error(binary.missing);
  const profile = mkdtempSync(path.join(tmpdir(), 'jit-electron-'));
  const app = await electron.launch({
    executablePath: binary.path,
    args: [path.resolve('out/main/index.js')],
    env: { ...process.env, JIT_SERVER_URL: serverUrl(), JIT_USER_DATA_DIR: profile },
  });
  const page = await app.firstWindow();
  const signIn = new SignInPage(page);
  await expect(signIn.server()).toHaveValue(serverUrl());
  await signIn.signIn(username, DEMO_PASSWORD);
  const session: DesktopSession = {
    app,
    page,
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
    // Navigation away from the console is refused.
    await session.page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await expect(session.page).toHaveURL(/^app:\/\/console\//);
  } finally {
    await session.close();
  }
});

test('desktop: live request, keyboard approval, grant appears', async ({ browserName: _browserName }, testInfo) => {
  const session = await launchSignedIn(APPROVERS.alice.username, APPROVERS.alice.displayName);
  try {
    const created = await submitRequest(REQUESTERS.frank.username, REQUESTERS.frank.resourceId);
    await expect(session.queue.row(created.id)).toBeVisible({ timeout: 1_000 });
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
    await carol.queue.focusRequest(created.id, created.justification);
    await carol.queue.denyByKeyboard('Not covered by the change calendar');
    await alice.queue.focusRequest(created.id, created.justification);
    await alice.queue.approveByKeyboard();
    await expect(alice.queue.row(created.id)).toHaveCount(0, { timeout: 15_000 });
    await carol.app.context().setOffline(false);
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
