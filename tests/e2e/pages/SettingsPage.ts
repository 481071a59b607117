import { expect, type Page } from '@playwright/test';

/** Settings: the signed-in account, changing one's own password, server, appearance, sign out. */
export class SettingsPage {
  constructor(readonly page: Page) {}

  readonly passwordCard = () => this.page.getByTestId('change-password');
  readonly current = () => this.passwordCard().getByLabel('Current password');
  readonly next = () => this.passwordCard().getByLabel('New password', { exact: true });
  readonly repeat = () => this.passwordCard().getByLabel('Repeat new password');
  readonly alert = () => this.passwordCard().getByRole('alert');
  readonly status = () => this.passwordCard().getByRole('status');

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Settings/ }).click();
    await expect(this.page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  }

  async changePassword(current: string, next: string, repeat = next): Promise<void> {
    await this.current().fill(current);
    await this.next().fill(next);
    await this.repeat().fill(repeat);
    await this.passwordCard().getByRole('button', { name: 'Change password' }).click();
  }
}
