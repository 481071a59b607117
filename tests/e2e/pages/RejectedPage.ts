import { expect, type Page } from '@playwright/test';

export class RejectedPage {
  constructor(readonly page: Page) {}

  readonly list = () => this.page.getByTestId('rejections');

  async expectRejection(text: string | RegExp): Promise<void> {
    await expect(this.page.getByRole('heading', { name: 'Rejected decisions' })).toBeVisible();
    await expect(this.list()).toContainText(text);
  }
}
