import { expect, type Locator, type Page } from '@playwright/test';

type TileName = 'due' | 'revoking' | 'failed' | 'drift' | 'verified';
type ChartName = 'lateness' | 'effective' | 'over-time';
type ListName = 'failures' | 'escalations' | 'drift' | 'in-progress' | 'verified';

/** The Revocations screen and the receipt drawer it (and the Active grants list) opens. */
export class RevocationsPage {
  constructor(readonly page: Page) {}

  readonly root = () => this.page.getByTestId('revocations-page');
  readonly drawer = () => this.page.getByTestId('receipt-drawer');
  readonly connectorStrip = () => this.page.getByTestId('connector-strip');

  async open(): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Revocations/ }).click();
    await expect(this.page.getByRole('heading', { name: 'Revocations', level: 1 })).toBeVisible();
  }

  tile(name: TileName): Locator {
    return this.page.getByTestId(`tile-${name}`);
  }

  async tileValue(name: TileName): Promise<number> {
    return Number((await this.tile(name).locator('.rv-tile-value').innerText()).replace(/[^\d]/g, ''));
  }

  chart(name: ChartName): Locator {
    return this.page.getByTestId(`chart-${name}`);
  }

  /** The drawn picture: present only when the chart has data (otherwise it says what will appear). */
  chartImage(name: ChartName): Locator {
    return this.chart(name).getByRole('img');
  }

  list(name: ListName): Locator {
    return this.page.getByTestId(`list-${name}`);
  }

  row(list: ListName, grantId: string): Locator {
    return this.list(list).locator(`tr[data-grant-id="${grantId}"]`);
  }

  /** The "Last re-verified" cell of a row of the verified list: the latest drift check's time and finding. */
  lastReverified(row: Locator): Locator {
    return row.getByTestId('last-reverified');
  }

  /** Opens the grant's receipts from a list row, as an admin clicks the resource. */
  async openReceipts(row: Locator): Promise<void> {
    await row.getByTestId('receipt-link').first().click();
    await expect(this.drawer()).toBeVisible();
  }

  receipt(purpose: 'provision' | 'revocation' | 'drift_check', result: string): Locator {
    return this.drawer().locator(`[data-testid="receipt"][data-purpose="${purpose}"][data-result="${result}"]`);
  }

  /** The rows of a receipt's reads table: [#, read at, access, detail]. */
  reads(receipt: Locator): Locator {
    return receipt.locator('table.reads-table tbody tr');
  }

  /** The closing run of reads that agreed, on which the result rests. */
  agreeingReads(receipt: Locator): Locator {
    return receipt.locator('table.reads-table tbody tr.consistent');
  }

  fact(scope: Locator, term: string): Locator {
    return scope.locator('dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');
  }

  async closeDrawer(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await expect(this.drawer()).toBeHidden();
  }
}

/** The connector health and configuration view. */
export class ConnectorsPage {
  constructor(readonly page: Page) {}

  readonly root = () => this.page.getByTestId('connectors-page');

  card(connectorId: string): Locator {
    return this.page.locator(`[data-testid="connector-card"][data-connector-id="${connectorId}"]`);
  }

  setting(connectorId: string, key: string): Locator {
    return this.card(connectorId).locator(`dd[data-setting="${key}"]`);
  }

  async expectLoaded(): Promise<void> {
    await expect(this.page.getByRole('heading', { name: 'Connectors', level: 1 })).toBeVisible();
    await expect(this.page.locator('[data-testid="connector-card"]').first()).toBeVisible({ timeout: 20_000 });
  }
}
