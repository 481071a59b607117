/**
 * Standing access in Chromium against the demo server: an admin asks for discovery, sees the
 * demo's standing member (Judy, put in SG-Security-Readers by hand, whom no other spec asks it for) and the explained holders by
 * resource with counts, and converts Judy to eligible; an auditor reads the same screen with no
 * Convert button; a requester has no such screen.
 */
import { CONFIGURERS, E2E_ADMIN_PASSWORD, REQUESTERS } from './support/accounts.js';
import { login, serverUrl } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

type Holder = { userId: string | null; class: string };
type Answer = { runs: { connectorId: string; lastRunAt: string | null; state: string }[]; resources: { resourceId: string; holders: Holder[] }[] };

async function standing(token: string): Promise<Answer> {
  const response = await fetch(`${serverUrl()}/api/v1/standing-access`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Answer;
}

test('an admin finds standing access, an auditor only reads it, and the admin converts it to eligible', async ({ browser }, testInfo) => {
  const adminToken = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
  const asked = await fetch(`${serverUrl()}/api/v1/standing-access/discover`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ connectorId: 'entra-demo' }) });
  expect(asked.status).toBe(202);
  // The server's scheduler reads the tenant on its own loop.
  await expect.poll(async () => (await standing(adminToken)).runs.find((r) => r.connectorId === 'entra-demo')?.state, { timeout: 30_000 }).toBe('done');

  const admin = await openConsoleAs(await browser.newContext(), CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  const page = admin.page;
  const nav = page.getByRole('link', { name: 'Standing access' });
  await expect(nav).toBeVisible();
  await nav.click();
  await expect(page.getByRole('heading', { name: 'Standing access', exact: true, level: 1 })).toBeVisible();
  await expect(page.getByTestId('standing-totals')).toContainText(/\d+ standing · \d+ orphaned · \d+ explained/);
  await expect(page.getByTestId('sa-resource-res-entra-security-readers')).toContainText('1 standing');
  const judy = page.getByTestId('holder-u-judy');
  await expect(judy).toHaveAttribute('data-class', 'standing');
  await expect(judy).toContainText('no grant explains it');
  // The tenant says when she last signed in (signInActivity): long enough ago to be stale.
  await expect(judy).toContainText('140 days ago · stale');
  // Explained holders are listed, never offered for conversion.
  const explained = page.locator('tr[data-class="explained"]').first();
  await expect(explained).toBeVisible();
  await expect(explained.getByTestId('convert')).toHaveCount(0);
  await expect(judy.getByTestId('convert')).toBeInViewport({ ratio: 1 });
  await saveScreenshot(page, testInfo, 'standing-access-admin');

  const auditor = await openConsoleAs(await browser.newContext(), CONFIGURERS.heidi.username, CONFIGURERS.heidi.displayName);
  await auditor.page.getByRole('link', { name: 'Standing access' }).click();
  await expect(auditor.page.getByTestId('standing-table')).toBeVisible();
  // The same standing holder, read only: no Convert button and no discovery run for an auditor.
  await expect(auditor.page.getByTestId('holder-u-judy')).toHaveAttribute('data-class', 'standing');
  await expect(auditor.page.getByTestId('convert')).toHaveCount(0);
  await expect(auditor.page.getByTestId('run-discovery')).toHaveCount(0);
  await saveScreenshot(auditor.page, testInfo, 'standing-access-auditor');

  await judy.getByTestId('convert').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('verified gone');
  await dialog.getByRole('textbox').fill('security readers are requested, not held');
  await dialog.getByRole('button', { name: 'Convert to eligible' }).click();
  await expect(page.getByText(/being removed in the directory/)).toBeVisible({ timeout: 20_000 });
  // Removed by the scheduler and verified gone: Judy leaves the list (while under way she is explained by the removal).
  await expect.poll(async () => (await standing(adminToken)).resources.flatMap((r) => r.holders).some((h) => h.userId === 'u-judy'), { timeout: 30_000 }).toBe(false);

  const requester = await openConsoleAs(await browser.newContext(), REQUESTERS.bob.username, REQUESTERS.bob.displayName);
  await expect(requester.page.getByRole('link', { name: 'Standing access' })).toHaveCount(0);
});
