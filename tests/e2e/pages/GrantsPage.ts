import { expect, type Locator, type Page } from '@playwright/test';

export class GrantsPage {
  constructor(readonly page: Page) {}

  readonly table = () => this.page.getByTestId('grants-table');

  rowForRequest(requestId: string): Locator {
    return this.page.locator(`[data-request-id="${requestId}"]`);
  }

  async expectLoaded(): Promise<void> {
    await expect(this.page.getByRole('heading', { name: 'Active grants', level: 1 })).toBeVisible();
  }

  /** Asks for more time on one's own grant: an extension request for its approvers. */
  async askForMoreTime(row: Locator, duration: string, reason: string): Promise<void> {
    await row.getByRole('button', { name: 'Ask for more time' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Ask for more time' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('More time').selectOption({ label: duration });
    await dialog.getByLabel('Reason').fill(reason);
    await dialog.getByRole('button', { name: /^Ask/ }).click();
    await expect(dialog).toBeHidden();
  }

  async revoke(row: Locator, reason: string): Promise<void> {
    await row.getByRole('button', { name: 'Revoke now' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Revoke access now' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Reason').fill(reason);
    await dialog.getByRole('button', { name: /^Revoke/ }).click();
    await expect(dialog).toBeHidden();
  }
}
