import { expect, type Locator, type Page } from '@playwright/test';

/** The Proposals screen: configuration changes that widen access, waiting for a second person. */
export class ProposalsPage {
  constructor(readonly page: Page) {}

  readonly table = () => this.page.getByTestId('proposals-table');
  readonly detail = () => this.page.getByTestId('proposal-detail');
  readonly actions = () => this.detail().getByTestId('proposal-actions');
  readonly widenings = () => this.detail().getByTestId('proposal-widenings');
  readonly effect = () => this.detail().getByTestId('proposal-effect');
  readonly diff = () => this.detail().getByTestId('proposal-diff');
  readonly stateNotice = () => this.detail().getByTestId('proposal-state');
  readonly outcome = () => this.detail().getByTestId('proposal-outcome');
  readonly navBadge = () => this.page.getByRole('navigation', { name: 'Main' }).getByTestId('proposals-badge');

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Proposals/ }).click();
    await expect(this.page.getByRole('heading', { name: 'Proposals', level: 1 })).toBeVisible();
  }

  row(proposalId: string): Locator {
    return this.table().locator(`tr[data-proposal-id="${proposalId}"]`);
  }

  async select(proposalId: string): Promise<void> {
    await expect(this.row(proposalId)).toBeVisible({ timeout: 15_000 });
    await this.row(proposalId).click();
    await expect(this.row(proposalId)).toHaveAttribute('aria-selected', 'true');
    await expect(this.detail().locator(`[data-proposal-id="${proposalId}"]`)).toBeVisible();
  }

  /** The before and after of one field in the diff, e.g. the policy's longest grant. */
  diffRow(field: string): Locator {
    return this.diff().locator(`tr[data-field="${field}"]`);
  }

  async approve(note = ''): Promise<void> {
    await this.actions().getByRole('button', { name: 'Approve' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Approve and apply the change?' });
    await expect(dialog).toBeVisible();
    if (note) await dialog.getByLabel('Note (optional)').fill(note);
    await dialog.getByRole('button', { name: /^Approve and apply/ }).click();
    await expect(dialog).toBeHidden();
  }

  async reject(reason: string): Promise<void> {
    await this.actions().getByRole('button', { name: 'Reject' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Reject the change' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Reason').fill(reason);
    await dialog.getByRole('button', { name: /^Reject/ }).click();
    await expect(dialog).toBeHidden();
  }
}
