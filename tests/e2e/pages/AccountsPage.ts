import { expect, type Locator, type Page } from '@playwright/test';

export type AccountAction = 'roles' | 'password' | 'disable' | 'enable' | 'sign-out-everywhere' | 'mfa-reset';

/** The Accounts screen (admin): the accounts table, role changes waiting for a second admin, the action dialogs. */
export class AccountsPage {
  constructor(readonly page: Page) {}

  readonly navLink = () => this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Accounts/ });
  readonly table = () => this.page.getByTestId('accounts-table');
  readonly notice = () => this.page.getByTestId('accounts-notice');
  readonly pending = () => this.page.getByTestId('pending-role-change');
  readonly dialog = () => this.page.locator('dialog[open]');

  async open(): Promise<void> {
    await this.navLink().click();
    await expect(this.page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
    await expect(this.table().locator('tbody tr').first()).toBeVisible({ timeout: 15_000 });
  }

  row(username: string): Locator {
    return this.page.getByTestId(`account-${username}`);
  }

  actionButton(username: string, action: AccountAction): Locator {
    return this.row(username).locator(`button[data-action="${action}"]`);
  }

  pendingFor(displayName: string): Locator {
    return this.pending().filter({ hasText: displayName });
  }

  async startCreate(account: { username: string; displayName: string; password: string; roles: string[] }): Promise<Locator> {
    await this.page.getByRole('button', { name: 'Create account' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Create account' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Username').fill(account.username);
    await dialog.getByLabel('Display name').fill(account.displayName);
    await dialog.getByLabel('Password').fill(account.password);
    await this.setRoles(dialog, account.roles);
    return dialog;
  }

  /** Ticks exactly these roles (by their labels, "Policy admin"). */
  async setRoles(dialog: Locator, roles: string[]): Promise<void> {
    for (const box of await dialog.locator('.acc-role').all()) {
      const label = (await box.locator('span').first().textContent()) ?? '';
      await box.getByRole('checkbox').setChecked(roles.includes(label));
    }
  }

  async startAction(username: string, action: AccountAction, title: string): Promise<Locator> {
    await this.actionButton(username, action).click();
    const dialog = this.page.getByRole('dialog', { name: title });
    await expect(dialog).toBeVisible();
    return dialog;
  }

  /** Sends the open dialog and waits for the screen's notice. */
  async submit(dialog: Locator, notice: string | RegExp): Promise<void> {
    await dialog.getByTestId('confirm-action').click();
    await expect(dialog).toBeHidden();
    await expect(this.notice()).toContainText(notice);
  }
}
