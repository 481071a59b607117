/**
 * Offboarding from the Accounts screen in Chromium against the real server: the confirmation names
 * what will happen (no grant, no pending request, an approval step that moves to the chosen
 * fallback), the progress says everything is done, the person's token no longer works and the
 * policy step names the fallback. Grants revoked through connectors are covered by
 * tests/integration/offboarding*.test.ts; the people here are the spec's own, so other specs' demo
 * data is untouched.
 */
import { CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { login, serverUrl } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { AccountsPage } from './pages/AccountsPage.js';

const stamp = () => Date.now().toString(36);

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(serverUrl() + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('an admin offboards a person from Accounts: the confirmation says what will happen, then the progress says it is done', async ({ browser }, testInfo) => {
  const adminToken = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
  const id = stamp();
  const leaver = { username: `leaver-${id}`, displayName: `Lee Leaver ${id}` };
  const fallback = { username: `cover-${id}`, displayName: `Casey Cover ${id}` };
  const ids: Record<string, string> = {};
  for (const person of [leaver, fallback]) {
    const created = await call(adminToken, 'POST', '/api/v1/accounts', { ...person, password: DEMO_PASSWORD, roles: ['requester', 'approver'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ids[person.username] = (created.body.user as { id: string }).id;
  }
  const leaverId = ids[leaver.username] as string;
  const fallbackId = ids[fallback.username] as string;
  const leaverToken = await login(leaver.username, DEMO_PASSWORD);
  // A policy (bound to nothing yet) whose step names the leaver: a duty for the fallback.
  const policyId = `p-e2e-offboard-${id}`;
  const policy = await call(adminToken, 'POST', '/api/v1/commands', {
    type: 'policy.upsert',
    payload: { policy: { id: policyId, name: `Night shift ${id}`, maxDurationMinutes: 60, defaultDurationMinutes: 30, approvalSteps: [{ name: 'Shift lead', mode: 'any', approverIds: [leaverId] }] } },
  });
  expect(policy.status, JSON.stringify(policy.body)).toBe(200);

  const context = await browser.newContext();
  const session = await openConsoleAs(context, CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  const accounts = new AccountsPage(session.page);
  await accounts.open();
  await expect(accounts.row(CONFIGURERS.admin.username).locator('button[data-action="offboard"]')).toHaveCount(0);
  await accounts.row(leaver.username).locator('button[data-action="offboard"]').click();
  const dialog = session.page.getByRole('dialog', { name: `Offboard ${leaver.displayName}` });
  await expect(dialog).toBeVisible();
  const preview = dialog.getByTestId('offboard-preview');
  await expect(preview).toContainText(`${leaver.displayName}'s account is disabled and every session ends at once.`);
  await expect(preview).toContainText('They hold no live grant.');
  await expect(preview).toContainText('They have no pending request.');
  await dialog.getByTestId('offboard-fallback').selectOption(fallbackId);
  await expect(preview).toContainText(`1 duty moves to ${fallback.displayName}: Shift lead in policy Night shift ${id}.`);
  await dialog.getByLabel('Reason (kept in the audit log)').fill('left the company');
  await saveScreenshot(session.page, testInfo, '40-offboard-confirm');

  await dialog.getByTestId('confirm-offboard').click();
  const progress = session.page.getByRole('dialog', { name: `Offboarding ${leaver.displayName}` }).getByTestId('offboarding-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText('They held no grant: nothing to revoke.');
  await expect(progress.getByTestId('offboard-duties')).toHaveText(`Shift lead in policy Night shift ${id}`);
  // Nothing is left for an admin: the leaver owned no service identity and decided no review item.
  await expect(progress.getByTestId('offboard-follow-ups')).toHaveText('nothing');
  await expect(progress.getByRole('progressbar', { name: 'Grants verified gone' })).toHaveAttribute('aria-valuenow', '1');
  await saveScreenshot(session.page, testInfo, '40-offboard-progress');
  await session.page.getByRole('dialog', { name: `Offboarding ${leaver.displayName}` }).getByRole('button', { name: 'Close', exact: true }).last().click();
  await expect(accounts.notice()).toContainText(`${leaver.displayName} offboarded: account disabled`);
  await expect(accounts.row(leaver.username)).toContainText('Disabled');

  expect((await fetch(`${serverUrl()}/api/v1/me`, { headers: { authorization: `Bearer ${leaverToken}` } })).status).toBe(401);
  const after = await call(adminToken, 'GET', `/api/v1/people/${leaverId}/offboarding`);
  expect(after.body).toMatchObject({ state: 'done', record: { fallbackId } });
  const policies = await call(adminToken, 'GET', `/api/v1/people/${leaverId}/offboarding`);
  expect((policies.body.record as { reassigned: { kind: string }[] }).reassigned.map((d) => d.kind)).toEqual(['policy_step']);
  await context.close();
});
