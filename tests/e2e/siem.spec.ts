/**
 * The admin sees on the Connectors page whether every audit event reaches the SIEM: the e2e server
 * forwards to a real HTTPS receiver (tests/e2e/support/siem-receiver.ts), and the card shows what
 * it acknowledged. Nobody else is shown the card or may read the state.
 */
import { CONFIGURERS, E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { login, serverUrl } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

test('the admin sees audit forwarding to the SIEM acknowledged on the Connectors page; others see no such card', async ({ context, browser }, testInfo) => {
  const { page } = await openConsoleAs(context, CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  await page.evaluate("window.location.hash = '#/connectors'");
  const card = page.getByTestId('siem-card');
  await expect(card.getByRole('heading', { name: 'Audit forwarding to a SIEM' })).toBeVisible({ timeout: 20_000 });
  const sink = card.getByTestId('siem-sink');
  await expect(sink).toContainText('HTTPS, JSON batches');
  await expect(sink).toContainText(/https:\/\/127\.0\.0\.1:\d+\/ingest/);
  // The sign-in itself is an event: forwarded and acknowledged by the receiver.
  await expect(sink).toContainText(/Up to date|Sending/, { timeout: 30_000 });
  await expect(sink).toContainText(/event [\d,]+ acknowledged/);
  await card.scrollIntoViewIfNeeded();
  await saveScreenshot(page, testInfo, 'siem-01-connectors');

  const other = await browser.newContext();
  try {
    const { page: auditor } = await openConsoleAs(other, 'heidi', 'Heidi Novak');
    await auditor.evaluate("window.location.hash = '#/connectors'");
    await expect(auditor.getByRole('heading', { name: 'Revocation scheduler' })).toBeVisible({ timeout: 20_000 });
    await expect(auditor.getByTestId('siem-card')).toHaveCount(0);
    const token = await login('heidi');
    expect((await fetch(`${serverUrl()}/api/v1/audit/siem`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  } finally {
    await other.close();
  }
});
