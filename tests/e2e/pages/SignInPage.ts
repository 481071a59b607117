import { expect, type Page } from '@playwright/test';

export class SignInPage {
  constructor(readonly page: Page) {}

  readonly server = () => this.page.getByLabel('Server');
  readonly username = () => this.page.getByLabel('Username');
  readonly password = () => this.page.getByLabel('Password');
  readonly submit = () => this.page.getByRole('button', { name: 'Sign in' });

  async open(baseUrl: string): Promise<void> {
    await this.page.goto(baseUrl);
    await expect(this.page.getByRole('heading', { name: 'Sign in to the access console' })).toBeVisible();
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.username().fill(username);
    await this.password().fill(password);
    await this.submit().click();
  }

  async expectError(text: string | RegExp): Promise<void> {
    await expect(this.page.getByRole('alert')).toContainText(text);
  }
}
