import { expect, type Page } from '@playwright/test';

/** The frame around every screen: navigation, search, sync state, signed-in user. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  readonly syncState = () => this.page.getByTestId('sync-state');
  readonly waiting = () => this.page.getByTestId('sync-waiting');
  readonly signedInUser = () => this.page.getByTestId('signed-in-user');
  readonly search = () => this.page.getByTestId('search');

  async go(section: 'Queue' | 'Requests' | 'Active grants' | 'Policies' | 'Resources' | 'Proposals' | 'Rejected' | 'Audit' | 'Settings'): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${section}`) }).click();
  }

  navLink(section: string) {
    return this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${section}`) });
  }

  async expectSignedInAs(displayName: string): Promise<void> {
    await expect(this.signedInUser()).toContainText(displayName);
  }

  async expectOnline(): Promise<void> {
    await expect(this.syncState()).toContainText('Online', { timeout: 20_000 });
  }

  async expectOffline(): Promise<void> {
    await expect(this.syncState()).toContainText('Offline', { timeout: 20_000 });
  }

  /** Cuts this console's network (its whole browser context) and waits until it says it is offline. */
  async goOffline(): Promise<void> {
    await this.page.context().setOffline(true);
    await this.expectOffline();
  }

  async goOnline(): Promise<void> {
    await this.page.context().setOffline(false);
    await this.expectOnline();
  }

  async expectChangesWaiting(count: number): Promise<void> {
    await expect(this.waiting()).toHaveText(`${count} ${count === 1 ? 'change' : 'changes'} waiting`);
  }

  async expectNothingWaiting(timeout = 30_000): Promise<void> {
    await expect(this.waiting()).toHaveCount(0, { timeout });
  }
}
