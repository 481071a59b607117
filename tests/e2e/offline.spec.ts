/**
 * The web console offline, as the desktop app is: its service worker keeps the app shell, so a
 * reload without a network brings the console back (not the browser's offline page) with its
 * replica, and decisions made then wait and are sent on reconnect. Screens that read the server
 * over REST say they need it, with Retry, instead of spinning. A server that does not answer while
 * the network is up is told apart from a lost network.
 */
import type { Page } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, openConsoleAs, test } from './fixtures.js';
import { ConnectorsPage } from './pages/revocations.js';
import { APPROVERS, CONFIGURERS, E2E_ADMIN_PASSWORD, REQUESTERS } from './support/accounts.js';
import { getRequest, submitRequest } from './support/api.js';
import { REPO_ROOT } from './support/build.js';
import { saveScreenshot } from './support/screenshot.js';

/** Waits until the console's service worker is active and controls the page (its precache is complete by then). */
async function waitForWorker(page: Page): Promise<void> {
  // Polled from the test (page.evaluate is not subject to the page's CSP, which refuses the string
  // evaluation waitForFunction falls back to when the first look is not yet true).
  await expect.poll(() => page.evaluate(`navigator.serviceWorker?.controller?.state === 'activated'`), { timeout: 30_000 }).toBe(true);
}

/** Whether a new version of the worker is installed and waiting. */
const WAITING = 'navigator.serviceWorker.getRegistration().then((r) => Boolean(r?.waiting))';

/** What the worker keeps: only the app shell's URLs, never an API, sync, health or metrics answer. */
async function cachedUrls(page: Page): Promise<string[]> {
  return (await page.evaluate(`(async () => {
    const urls = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    return urls;
  })()`)) as string[];
}

test('reloaded offline, the console comes back from its worker and replica; a decision waits and is sent on reconnect', async ({ context }, testInfo) => {
  const created = await submitRequest(REQUESTERS.judy.username, REQUESTERS.judy.resourceId);
  const { page, console, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await expect(queue.row(created.id)).toBeVisible({ timeout: 15_000 });
  await waitForWorker(page);
  const cached = await cachedUrls(page);
  expect(cached).toContain('/index.html');
  expect(cached.some((url) => /^\/assets\/index-.*\.js$/.test(url))).toBe(true);
  expect(cached.filter((url) => /^\/(api|sync|healthz|metrics)\b/.test(url))).toEqual([]);

  await context.setOffline(true);
  const reloaded = await page.reload();
  // The page is the worker's copy, and it keeps the server's CSP.
  expect(reloaded?.fromServiceWorker()).toBe(true);
  expect(reloaded?.headers()['content-security-policy']).toContain("default-src 'none'");
  await console.expectSignedInAs(APPROVERS.alice.displayName);
  await console.expectOffline();
  await expect(console.syncState()).toContainText('Offline: this device has no network; decisions are kept and will be sent when it returns');
  await queue.expectLoaded();
  await expect(queue.row(created.id)).toBeVisible();

  await queue.approveRequest(created.id, created.justification);
  await console.expectChangesWaiting(1);
  await saveScreenshot(page, testInfo, 'offline-01-reloaded-decision-waiting');
  // Still there after another offline reload: the decision is on this device, not in the page.
  await page.reload();
  await console.expectChangesWaiting(1);
  expect((await getRequest(created.id)).status).toBe('pending_approval');

  await context.setOffline(false);
  await console.expectOnline();
  await console.expectNothingWaiting();
  expect((await getRequest(created.id)).status).toBe('approved');
  expect((await cachedUrls(page)).filter((url) => /^\/(api|sync|healthz|metrics)\b/.test(url))).toEqual([]);
});

test('offline, the screens that read the server say they need it and offer Retry, then show it once it answers', async ({ context }, testInfo) => {
  const { page } = await openConsoleAs(context, CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  await waitForWorker(page);
  await context.setOffline(true);
  await page.reload();
  await page.goto(`${new URL(page.url()).origin}/#/connectors`);

  const connectors = new ConnectorsPage(page);
  const needsServer = page.getByTestId('needs-server');
  await expect(needsServer).toContainText('Connector health needs the server: offline');
  const retry = needsServer.getByRole('button', { name: 'Retry' });
  await expect(retry).toBeEnabled();
  await expect(page.getByText('Checking the connectors…')).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'offline-02-connectors-needs-server');
  await retry.click();
  await expect(needsServer).toContainText('needs the server: offline');

  await page.goto(`${new URL(page.url()).origin}/#/accounts`);
  await expect(page.getByTestId('needs-server')).toContainText('The account list needs the server: offline');

  await context.setOffline(false);
  await page.goto(`${new URL(page.url()).origin}/#/connectors`);
  // Back online: Retry (or the refetch on reconnect) shows the connectors.
  const again = page.getByTestId('needs-server').getByRole('button', { name: 'Retry' });
  // The refetch on reconnect may win the race and take the button away between a look and a click.
  await again.click({ timeout: 2_000 }).catch(() => undefined);
  await connectors.expectLoaded();
  await expect(page.getByTestId('needs-server')).toHaveCount(0);
});

test('a server that does not answer while the network is up says so, and decisions wait for it', async ({ context }, testInfo) => {
  const created = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId);
  const { page, console, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await expect(queue.row(created.id)).toBeVisible({ timeout: 15_000 });
  await waitForWorker(page);

  // The server stops answering: every API and sync call is refused, the browser itself stays online.
  const refuse = /\/(api|sync)\//;
  await context.route(refuse, (route) => route.abort('connectionrefused'));
  await page.reload();
  await console.expectSignedInAs(APPROVERS.alice.displayName);
  await expect(console.syncState()).toContainText('Server not answering: decisions are kept and will be sent', { timeout: 20_000 });
  await expect(console.syncState()).not.toContainText('Offline');
  expect(await page.evaluate('navigator.onLine')).toBe(true);
  await queue.expectLoaded();
  await queue.approveRequest(created.id, created.justification);
  await console.expectChangesWaiting(1);
  // What is said about the waiting decision matches the pill: the server, not the network.
  await expect(page.getByText('when the server answers again').first()).toBeVisible();
  await expect(page.getByText('when the connection returns')).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'offline-03-server-not-answering');

  await context.unroute(refuse);
  await console.expectOnline();
  await console.expectNothingWaiting();
  expect((await getRequest(created.id)).status).toBe('approved');
});

test('a new version waits for the person: "A new version is ready" and Reload, never a silent swap', async ({ context }) => {
  const WORKER_FILE = path.join(REPO_ROOT, 'out/renderer/sw.js');
  const { page, console } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await waitForWorker(page);
  const first = await page.evaluate('navigator.serviceWorker.controller?.scriptURL');

  // Deploy a "new version": the worker script the server serves changes (the browser fetches it
  // itself for an update check, past the page's routes, so the file changes; restored below).
  const original = readFileSync(WORKER_FILE, 'utf8');
  writeFileSync(WORKER_FILE, `${original}\n// next version\n`);
  try {
    await page.evaluate('navigator.serviceWorker.getRegistration().then((r) => r?.update())');
  } finally {
    writeFileSync(WORKER_FILE, original);
  }
  const banner = page.getByTestId('update-banner');
  await expect(banner).toContainText('A new version is ready:', { timeout: 20_000 });
  // It waits: the open console is still run by the first worker, and its session is untouched.
  expect(await page.evaluate(WAITING)).toBe(true);
  await console.expectSignedInAs(APPROVERS.alice.displayName);

  await Promise.all([page.waitForEvent('load'), banner.getByRole('button', { name: 'Reload' }).click()]);
  await waitForWorker(page);
  expect(await page.evaluate(WAITING)).toBe(false);
  expect(await page.evaluate('navigator.serviceWorker.controller?.scriptURL')).toBe(first);
  await expect(page.getByTestId('update-banner')).toHaveCount(0);
  await console.expectSignedInAs(APPROVERS.alice.displayName);
});
