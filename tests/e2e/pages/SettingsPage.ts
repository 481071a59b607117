import { expect, type Page } from '@playwright/test';

/** Settings: the signed-in account, changing one's own password, two-step verification, server, appearance, sign out. */
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

  readonly twoStepCard = () => this.page.getByTestId('two-step');
  readonly recoveryCodes = () => this.twoStepCard().getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');

  /** Starts setting up an authenticator and returns the otpauth:// URI the QR code carries, as the page shows it. */
  async startTwoStep(): Promise<string> {
    await this.twoStepCard().getByRole('button', { name: 'Set up an authenticator app' }).click();
    await expect(this.twoStepCard().getByRole('img', { name: /^QR code for JIT access/ })).toBeVisible();
    await this.twoStepCard().getByText('Setup link (otpauth URI)').click();
    return (await this.twoStepCard().getByTestId('mfa-uri').textContent()) ?? '';
  }

  async confirmTwoStep(code: string): Promise<void> {
    await this.twoStepCard().getByLabel('Code from the app').fill(code);
    await this.twoStepCard().getByRole('button', { name: 'Turn on two-step verification' }).click();
  }

  async changePassword(current: string, next: string, repeat = next): Promise<void> {
    await this.current().fill(current);
    await this.next().fill(next);
    await this.repeat().fill(repeat);
    await this.passwordCard().getByRole('button', { name: 'Change password' }).click();
  }
}
