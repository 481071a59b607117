import { expect, type Locator, type Page } from '@playwright/test';

/** A configuration editor (policy, profile, resource): its form, its approval chain and the what-if beside it. */
export class EditorPage {
  constructor(readonly page: Page) {}

  readonly form = () => this.page.locator('.editor-form');
  readonly whatIf = () => this.page.getByTestId('what-if');
  readonly verdict = () => this.whatIf().getByTestId('save-verdict');
  readonly requests = () => this.whatIf().getByTestId('what-if-requests');
  readonly grants = () => this.whatIf().getByTestId('what-if-grants');
  readonly eligibility = () => this.whatIf().getByTestId('what-if-eligibility');
  readonly outcome = () => this.page.getByTestId('save-outcome');
  readonly steps = () => this.page.getByTestId('approval-chain').locator('.step-card');

  /** The input, select or checkbox of a field by its path in the entity ("maxDurationMinutes"). */
  field(path: string): Locator {
    return this.form().locator(`:is(input, select, textarea)[data-field="${path}"]`);
  }

  /** The message shown under a field. */
  problem(path: string): Locator {
    return this.form().locator(`.field:has(:is(input, select, textarea)[data-field="${path}"]) .field-error`);
  }

  async expectOpen(title: RegExp | string): Promise<void> {
    await expect(this.page.getByRole('heading', { level: 1 })).toHaveText(title);
    await expect(this.whatIf()).toBeVisible();
  }

  async fill(path: string, value: string): Promise<void> {
    await this.field(path).fill(value);
  }

  step(index: number): Locator {
    return this.steps().nth(index);
  }

  async addStep(name: string, approver: string): Promise<void> {
    const before = await this.steps().count();
    await this.page.getByRole('button', { name: 'Add a step' }).click();
    await expect(this.steps()).toHaveCount(before + 1);
    await this.fill(`approvalSteps.${before}.name`, name);
    await this.pickPerson(this.step(before).getByTestId(`step-${before}-approvers`), approver);
  }

  async pickPerson(picker: Locator, name: string): Promise<void> {
    await picker.getByRole('searchbox').fill(name.split(' ')[0]!);
    await picker.getByRole('button', { name: new RegExp(name) }).click();
    await expect(picker.getByRole('list', { name: /chosen/ })).toContainText(name);
  }

  async save(): Promise<void> {
    await this.page.getByTestId('save').click();
  }
}
