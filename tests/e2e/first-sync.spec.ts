/**
 * The first sync on a slow link: while the requests are still arriving the queue says so, with a
 * progress bar, and never shows its empty state ("Nothing for you to decide", "0 pending") as if
 * the queue were empty; once they are in, the rows and the real count replace it.
 */
import { expect, test } from './fixtures.js';
import { SignInPage } from './pages/SignInPage.js';
import { ConsolePage } from './pages/ConsolePage.js';
import { QueuePage } from './pages/QueuePage.js';
import { APPROVERS, DEMO_PASSWORD, REQUESTERS } from './support/accounts.js';
import { serverUrl, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';

test('a throttled first sync shows its progress, never a false empty queue', async ({ context }, testInfo) => {
  const created = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId);
  // Every pull of the requests collection waits until released: the link is that slow.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await context.route(/\/sync\/v\d+\/requests\/pull/, async (route) => {
    await released;
    await route.continue();
  });

  const page = await context.newPage();
  const signIn = new SignInPage(page);
  await signIn.open(serverUrl());
  await signIn.signIn(APPROVERS.alice.username, DEMO_PASSWORD);
  const console = new ConsolePage(page);
  await console.expectSignedInAs(APPROVERS.alice.displayName);

  const pane = page.getByTestId('queue-pane');
  await expect(pane.getByTestId('load-progress')).toBeVisible({ timeout: 20_000 });
  await expect(pane.getByRole('progressbar', { name: 'Loading requests' })).toBeVisible();
  await expect(pane.getByTestId('queue-count')).toHaveAttribute('data-loading', 'true');
  // Held for a while: still loading, still no empty state.
  await page.waitForTimeout(1_500);
  await expect(pane.getByText('Nothing for you to decide')).toHaveCount(0);
  await expect(pane.getByText(/^0 pending/)).toHaveCount(0);
  await expect(pane.getByTestId('load-progress')).toBeVisible();
  await saveScreenshot(page, testInfo, 'first-sync-01-loading');

  release();
  const queue = new QueuePage(page);
  await queue.expectLoaded();
  await expect(queue.row(created.id)).toBeVisible({ timeout: 20_000 });
  await expect(pane.getByTestId('load-progress')).toHaveCount(0);
  await expect(pane.getByTestId('queue-count')).not.toHaveAttribute('data-loading', 'true');
  await saveScreenshot(page, testInfo, 'first-sync-02-loaded');
});
