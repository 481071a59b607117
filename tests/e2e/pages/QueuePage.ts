import { expect, type Locator, type Page } from '@playwright/test';

export class QueuePage {
  constructor(readonly page: Page) {}

  readonly list = () => this.page.getByTestId('queue-list');
  readonly detail = () => this.page.getByTestId('detail-pane');
  readonly count = () => this.page.getByTestId('queue-count');

  row(requestId: string): Locator {
    return this.page.locator(`[data-request-id="${requestId}"]`);
  }

  async expectLoaded(): Promise<void> {
    await expect(this.page.getByRole('heading', { name: 'Queue', level: 1 })).toBeVisible();
    await expect(this.list()).toBeVisible({ timeout: 20_000 });
  }

  /** Puts the keyboard cursor on a request by searching for it, the way an admin would. */
  async focusRequest(requestId: string, searchText: string): Promise<void> {
    await this.page.keyboard.press('/');
    await this.page.keyboard.type(searchText);
    await this.page.keyboard.press('Enter');
    await expect(this.row(requestId)).toHaveAttribute('aria-selected', 'true');
  }

  async clearSearch(): Promise<void> {
    await this.page.keyboard.press('/');
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.press('Backspace');
    await this.page.keyboard.press('Escape');
  }

  /** Finds a request by searching for it and approves it with the keyboard. */
  async approveRequest(requestId: string, searchText: string): Promise<void> {
    await this.focusRequest(requestId, searchText);
    await this.approveByKeyboard();
  }

  async approveByKeyboard(): Promise<void> {
    await this.page.keyboard.press('a');
  }

  async denyByKeyboard(reason: string): Promise<void> {
    await this.page.keyboard.press('d');
    const dialog = this.page.getByRole('dialog', { name: 'Deny request' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Reason').fill(reason);
    await this.page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
  }
}
