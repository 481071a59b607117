/**
 * Manual connectors hand the work to a person: the application's owner finds the task in My
 * tasks with its steps and due time, signs it off, and the grant becomes active, verified by that
 * sign-off. The requester meanwhile sees their grant waiting to be provisioned.
 */
import { approveRequest, myGrants, submitRequest } from './support/api.js';
import { REQUESTERS } from './support/accounts.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

const ERP = 'res-manual-erp-payments';

test('the owner of a manual application signs off the grant in My tasks, and it becomes active', async ({ context }, testInfo) => {
  test.setTimeout(90_000);
  const judy = REQUESTERS.judy;
  const created = await submitRequest(judy.username, ERP, { minutes: 120 });
  expect((await approveRequest('alice', created.id)).status).toBe('applied');

  // Eve owns the ERP role: the task is hers.
  const { page } = await openConsoleAs(context, 'eve', 'Eve Laurent');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: /^My tasks/ }).click();
  await expect(page.getByRole('heading', { name: 'My tasks', level: 1 })).toBeVisible();
  // Other specs leave Eve more tasks (Judy's Finance share grant among them): this one is the ERP role's.
  const card = page.getByRole('listitem').filter({ hasText: judy.displayName }).filter({ hasText: 'Grant by hand' }).filter({ hasText: 'ERP payment approver' }).first();
  await expect(card).toBeVisible({ timeout: 20_000 });
  await expect(card).toContainText('ERP payment approver');
  await expect(card).toContainText(/due /);
  await expect(nav.getByTestId('tasks-badge')).toBeVisible();
  await saveScreenshot(page, testInfo, 'tasks-01-open');

  await card.getByRole('button', { name: 'Done' }).click();
  const dialog = page.getByRole('dialog', { name: 'Mark the task done' });
  await expect(dialog).toContainText('the grant becomes active');
  await dialog.getByLabel('Reason').fill('Added Judy to the payment approvers in the ERP');
  await dialog.getByRole('button', { name: /^Done/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Marked done' })).toBeVisible();
  await expect(card).toHaveCount(0, { timeout: 20_000 });

  // Closed tasks keep who closed them.
  await page.getByText('Closed, last 30 days').click();
  await expect(page.getByRole('listitem').filter({ hasText: judy.displayName }).filter({ hasText: 'ERP payment approver' }).first()).toContainText('closed by you');
  await saveScreenshot(page, testInfo, 'tasks-02-closed');

  // The grant is active, its effect verified by the sign-off.
  await expect
    .poll(async () => (await myGrants(judy.username)).find((g) => g.requestId === created.id), { timeout: 20_000 })
    .toMatchObject({ status: 'active', verification: 'effective' });
});
