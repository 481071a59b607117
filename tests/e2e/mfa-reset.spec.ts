/**
 * An admin resets someone's authenticator from the Accounts screen: the row says who has one, the
 * action is offered for them (not for the admin's own row), the dialog says what happens, and once
 * confirmed the server has removed it, so the person sets up a new one.
 */
import { Secret, TOTP } from 'otpauth';
import { expect, openConsoleAs, test } from './fixtures.js';
import { AccountsPage } from './pages/AccountsPage.js';
import { CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { login, serverUrl } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';

const codeAt = (secret: string, atMs: number) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: atMs });

async function call(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- reads arbitrary JSON
  const response = await fetch(serverUrl() + path, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("an admin resets someone else's authenticator from the Accounts screen", async ({ context }, testInfo) => {
  const admin = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
  const stamp = Date.now().toString(36);
  const person = { username: `lena-${stamp}`, displayName: `Lena Park ${stamp}` };
  expect((await call(admin, 'POST', '/api/v1/accounts', { ...person, password: DEMO_PASSWORD, roles: ['requester'] })).status).toBe(201);
  const theirs = await login(person.username);
  const enrolled = await call(theirs, 'POST', '/api/v1/auth/mfa/enrol', {});
  expect((await call(theirs, 'POST', '/api/v1/auth/mfa/confirm', { code: codeAt(enrolled.body.secret as string, Date.now()) })).status).toBe(200);

  const { page } = await openConsoleAs(context, CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  const accounts = new AccountsPage(page);
  await accounts.open();
  await expect(accounts.row(person.username).getByTestId('has-authenticator')).toBeVisible();
  // Never the admin's own: that is in Settings.
  await expect(accounts.actionButton('admin', 'mfa-reset')).toBeDisabled();

  await accounts.actionButton(person.username, 'mfa-reset').click();
  const dialog = page.getByRole('dialog', { name: 'Reset authenticator' });
  await expect(dialog).toContainText('Their authenticator and recovery codes are removed');
  await dialog.getByLabel(/Reason/).fill('lost her phone');
  await saveScreenshot(page, testInfo, 'mfa-reset-dialog');
  await dialog.getByTestId('confirm-action').click();
  await expect(accounts.notice()).toContainText('Authenticator reset');
  await expect(accounts.row(person.username).getByTestId('has-authenticator')).toHaveCount(0);
  await expect(accounts.actionButton(person.username, 'mfa-reset')).toBeDisabled();
  expect((await call(theirs, 'GET', '/api/v1/auth/mfa')).body.status).toBe('none');
});
