/**
 * Scheduled start in the console: Grace asks for SG-Security-Readers (approved automatically) from
 * a later time picked in the request form; a time that has passed is refused inline first. My
 * access shows it approved and waiting for its start ("Starts ..."), with Cancel instead of Give
 * back; she cancels it before it starts and it ends with nothing provisioned.
 */
import type { Page } from '@playwright/test';
import { getReplicated, getRequest, login } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

const grace = { username: 'grace', displayName: 'Grace Kim' };
const RESOURCE = 'SG-Security-Readers';
const HOUR = 3_600_000;

/** A datetime-local value in the browser's zone. */
const localValue = (ms: number) => {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

async function chooseInCatalog(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Request access/ }).click();
  await expect(page.getByRole('heading', { name: 'Request access', level: 1 })).toBeVisible();
  const list = page.getByRole('list', { name: 'Resources you may request' });
  await list.getByRole('link', { name: new RegExp(name) }).click();
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
}

test('grace asks for access from a later time, sees it waiting for its start, and cancels it before it starts', async ({ context }, testInfo) => {
  test.setTimeout(90_000);
  const { page } = await openConsoleAs(context, grace.username, grace.displayName);
  await chooseInCatalog(page, RESOURCE);
  const form = page.getByRole('form', { name: `Request ${RESOURCE}` });

  const starts = form.getByRole('group', { name: 'Starts' });
  await expect(starts.getByLabel('When approved')).toBeChecked();
  await starts.getByLabel('Later, at').check();
  const time = starts.getByLabel('Start time');
  await expect(time).toBeEnabled();
  // A time that has passed is refused before anything is sent.
  await time.fill(localValue(Date.now() - 2 * HOUR));
  await expect(starts.getByRole('alert')).toHaveText('this time has passed: pick a later one, or start when approved');
  // Tomorrow at 22:00 in the browser's zone.
  const tomorrow = new Date(Date.now() + 24 * HOUR);
  tomorrow.setHours(22, 0, 0, 0);
  await time.fill(localValue(tomorrow.getTime()));
  await expect(starts.getByTestId('start-note')).toContainText('provisioned then');
  await form.getByLabel('Duration', { exact: true }).fill('2h');
  await form.getByLabel(/^Justification/).fill('Quarterly dashboard review on Saturday night');
  await saveScreenshot(page, testInfo, 'scheduled-01-form');
  await form.getByRole('button', { name: /^Request access/ }).click();

  await expect(page).toHaveURL(/#\/my-access\/req-/);
  const requestId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
  // Approved at once by its policy, its grant waits for the start: held, not provisioned.
  const card = page.getByRole('list', { name: 'Held now' }).locator(`[data-request-id="${requestId}"]`);
  await expect(card).toBeVisible({ timeout: 15_000 });
  await expect(card.getByTestId('starts-at')).toHaveText(/^Starts \S+/);
  await expect(card.getByTestId('scheduled-window')).toContainText('provisioned at its start');
  await expect(card.getByRole('button', { name: 'Give back' })).toHaveCount(0);
  const token = await login(grace.username);
  const stored = await getReplicated<{ id: string; status: string; startsAt?: string; grantId: string | null }>(token, 'requests', requestId);
  expect(stored).toMatchObject({ status: 'approved', startsAt: tomorrow.toISOString() });
  await saveScreenshot(page, testInfo, 'scheduled-02-waiting-for-start');

  await card.getByRole('button', { name: 'Cancel' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this request' });
  await expect(dialog).toContainText('cancelled before it starts; nothing is provisioned');
  await dialog.getByRole('textbox').fill('Review moved to Monday');
  await dialog.getByRole('button', { name: /^Withdraw/ }).click();

  const history = page.getByRole('table', { name: 'History' });
  // One row: the request, cancelled (its grant never began).
  await expect(history.locator(`[data-request-id="${requestId}"]`)).toHaveCount(1, { timeout: 15_000 });
  await expect(history.locator(`[data-request-id="${requestId}"]`)).toContainText('Cancelled');
  await expect(card).toHaveCount(0, { timeout: 15_000 });
  expect(await getRequest(requestId)).toMatchObject({ status: 'cancelled' });
  await saveScreenshot(page, testInfo, 'scheduled-03-cancelled');
});
