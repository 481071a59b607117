/**
 * Accounts (admin) and one's own password. Adding policy_admin waits for a second admin, so the
 * flow first makes one through the API (applied at once while the admin is the only one) and
 * disables it again at the end, leaving the other specs a single enabled admin as before.
 */
import type { Browser } from '@playwright/test';
import { APPROVERS, CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { login, serverUrl } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { AccountsPage } from './pages/AccountsPage.js';
import { SettingsPage } from './pages/SettingsPage.js';
import { SignInPage } from './pages/SignInPage.js';

const stamp = () => Date.now().toString(36);

async function post(token: string, path: string, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(serverUrl() + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function signedIn(token: string): Promise<number> {
  return (await fetch(`${serverUrl()}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

async function createAccount(adminToken: string, username: string, displayName: string, roles: string[], password = DEMO_PASSWORD): Promise<string> {
  const created = await post(adminToken, '/api/v1/accounts', { username, displayName, password, roles });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return (created.body.user as { id: string }).id;
}

async function consoleAs(browser: Browser, username: string, displayName: string, password: string) {
  const context = await browser.newContext();
  const session = await openConsoleAs(context, username, displayName, password);
  return { ...session, accounts: new AccountsPage(session.page) };
}

test('an admin creates an account, changes its roles (policy admin waits for a second admin), disables, enables and signs it out', async ({ browser }, testInfo) => {
  const adminToken = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
  const id = stamp();
  const second = { username: `second-admin-${id}`, displayName: `Second Admin ${id}` };
  const secondId = await createAccount(adminToken, second.username, second.displayName, ['admin', 'approver']);
  const admin = await consoleAs(browser, CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  const other = await consoleAs(browser, second.username, second.displayName, DEMO_PASSWORD);
  const temp = { username: `temp-${id}`, displayName: `Temp Operator ${id}`, password: `a-long-temporary-phrase-${id}` };
  try {
    const { accounts } = admin;
    await accounts.open();
    await expect(accounts.navLink()).toHaveAttribute('aria-current', 'page');
    // Nobody disables their own account, nor resets their own password here (Settings does).
    await expect(accounts.actionButton(CONFIGURERS.admin.username, 'disable')).toBeDisabled();
    await expect(accounts.actionButton(CONFIGURERS.admin.username, 'disable')).toHaveAttribute('title', /your own account/);
    await expect(accounts.actionButton(CONFIGURERS.admin.username, 'password')).toBeDisabled();
    await saveScreenshot(admin.page, testInfo, '12-accounts-list');

    // Create.
    const create = await accounts.startCreate({ ...temp, roles: ['Requester', 'Approver'] });
    await saveScreenshot(admin.page, testInfo, '12-accounts-create-dialog');
    await accounts.submit(create, 'Account created.');
    await expect(accounts.row(temp.username)).toContainText(temp.displayName);
    await expect(accounts.row(temp.username)).toContainText('Approver');
    await expect(accounts.row(temp.username)).toContainText('Enabled');

    // Roles: dropping Requester applies at once; adding Policy admin waits for the second admin.
    const roles = await accounts.startAction(temp.username, 'roles', 'Change roles');
    await accounts.setRoles(roles, ['Approver', 'Policy admin']);
    await expect(roles.getByTestId('roles-effect')).toHaveText('Removes Requester at once. Adding Policy admin waits for another admin to confirm.');
    await saveScreenshot(admin.page, testInfo, '12-accounts-roles-dialog');
    await accounts.submit(roles, 'wait for another admin to confirm');
    const waiting = accounts.pendingFor(temp.displayName);
    await expect(waiting).toContainText('adds Policy admin');
    await expect(waiting).toContainText('You proposed this');
    await expect(waiting.getByRole('button')).toHaveText(['Withdraw']);
    await expect(accounts.row(temp.username)).toContainText('Policy admin (waiting)');
    await expect(accounts.row(temp.username)).not.toContainText('Requester');
    await admin.page.getByRole('heading', { name: 'Accounts', level: 1 }).scrollIntoViewIfNeeded();
    await saveScreenshot(admin.page, testInfo, '12-accounts-pending-role-change');

    // The second admin confirms it.
    await other.accounts.open();
    const theirs = other.accounts.pendingFor(temp.displayName);
    await expect(theirs.getByRole('button')).toHaveText(['Turn down', 'Confirm']);
    await theirs.getByRole('button', { name: 'Confirm' }).click();
    const confirm = other.page.getByRole('dialog', { name: 'Confirm role change' });
    await expect(confirm).toContainText('Approver, Policy admin');
    await saveScreenshot(other.page, testInfo, '12-accounts-confirm-dialog');
    await other.accounts.submit(confirm, 'Role change confirmed.');
    await expect(other.accounts.pending()).toHaveCount(0);
    await admin.page.reload();
    await expect(accounts.row(temp.username)).toContainText('Policy admin', { timeout: 15_000 });
    await expect(accounts.row(temp.username)).not.toContainText('waiting');

    // Disable and enable.
    const disable = await accounts.startAction(temp.username, 'disable', 'Disable account');
    await disable.getByLabel(/Reason/).fill('Left the on-call rota');
    await accounts.submit(disable, 'Account disabled');
    await expect(accounts.row(temp.username)).toContainText('Disabled');
    await expect(accounts.actionButton(temp.username, 'sign-out-everywhere')).toBeDisabled();
    const enable = await accounts.startAction(temp.username, 'enable', 'Enable account');
    await accounts.submit(enable, 'Account enabled.');
    await expect(accounts.row(temp.username)).toContainText('Enabled');

    // Sign out everywhere ends the session it has.
    const tempToken = await login(temp.username, temp.password);
    expect(await signedIn(tempToken)).toBe(200);
    const signOut = await accounts.startAction(temp.username, 'sign-out-everywhere', 'Sign out everywhere');
    await accounts.submit(signOut, 'Signed out everywhere. 1 session ended.');
    expect(await signedIn(tempToken)).toBe(401);

    // An admin does not choose the password of someone who approves: the button says why it is off.
    await expect(accounts.actionButton(temp.username, 'password')).toBeDisabled();
    // For a requester they may; a refusal is the server's sentence in the dialog.
    const requesterName = `e2e-plain-${Date.now().toString(36)}`;
    await createAccount(adminToken, requesterName, 'Plain Requester', ['requester']);
    await admin.page.reload();
    await accounts.open();
    await expect(accounts.row(requesterName)).toBeVisible();
    const reset = await accounts.startAction(requesterName, 'password', 'Reset password');
    await reset.getByLabel('New password').fill('short');
    await reset.getByTestId('confirm-action').click();
    await expect(reset.getByRole('alert')).toHaveText('Password: must be at least 12 characters, not counting spaces at either end.');
    await saveScreenshot(admin.page, testInfo, '12-accounts-reset-refused');
    await reset.getByRole('button', { name: 'Cancel' }).click();
  } finally {
    await admin.context.close();
    await other.context.close();
    // Back to one enabled admin, as the other specs expect.
    await post(adminToken, `/api/v1/accounts/${encodeURIComponent(secondId)}/disable`, { reason: 'e2e clean-up' });
  }
});

test('a non-admin has no Accounts entry, and the address alone does not open it', async ({ context }) => {
  const alice = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await expect(alice.console.navLink('Queue')).toBeVisible();
  await expect(alice.console.navLink('Accounts')).toHaveCount(0);
  await alice.page.evaluate("window.location.hash = '#/accounts'");
  await expect(alice.page.getByRole('heading', { name: 'Accounts', level: 1 })).toHaveCount(0);
  await expect(alice.page.getByRole('heading', { name: 'Queue', level: 1 })).toBeVisible();
});

test('anyone changes their own password in Settings; a refusal names the field', async ({ context }, testInfo) => {
  const adminToken = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
  const id = stamp();
  const me = { username: `pw-${id}`, displayName: `Password Changer ${id}` };
  await createAccount(adminToken, me.username, me.displayName, ['requester']);
  const elsewhere = await login(me.username, DEMO_PASSWORD);

  const page = await context.newPage();
  const signIn = new SignInPage(page);
  await signIn.open(serverUrl());
  await signIn.signIn(me.username, DEMO_PASSWORD);
  await expect(page.getByTestId('signed-in-user')).toContainText(me.displayName);
  const settings = new SettingsPage(page);
  await settings.open();

  await settings.changePassword('not-my-password-1', 'a-brand-new-passphrase-1');
  await expect(settings.alert()).toHaveText('Is not your current password.');
  await expect(settings.current()).toHaveAttribute('aria-invalid', 'true');
  await expect(settings.current()).toBeFocused();
  await saveScreenshot(page, testInfo, '12-settings-password-refused');

  await settings.changePassword(DEMO_PASSWORD, `my-${me.username}-forever`);
  await expect(settings.alert()).toHaveText('May not be or contain the username.');
  await expect(settings.next()).toHaveAttribute('aria-invalid', 'true');

  await settings.changePassword(DEMO_PASSWORD, 'a-brand-new-passphrase-1', 'a-brand-new-passphrase-2');
  await expect(settings.alert()).toHaveText('The new password and its repetition differ.');

  await settings.changePassword(DEMO_PASSWORD, 'a-brand-new-passphrase-1');
  await expect(settings.status()).toHaveText('Password changed. Your other session has been signed out.');
  await expect(settings.current()).toHaveValue('');
  await saveScreenshot(page, testInfo, '12-settings-password-changed');
  expect(await signedIn(elsewhere)).toBe(401);
  await login(me.username, 'a-brand-new-passphrase-1');
  // This session stays.
  await page.reload();
  await expect(page.getByTestId('signed-in-user')).toContainText(me.displayName);
});
