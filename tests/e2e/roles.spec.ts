/**
 * A control shown is a control enforced, and the reverse: the console offers a decision only to
 * roles (and relations) the authorisation matrix lets send it. An auditor finds no decision button
 * anywhere and its shortcuts only say "read-only"; a requester sees their own requests and grants
 * and may cancel and give back only those; an approver decides only steps that name them.
 */
import type { Page } from '@playwright/test';
import { APPROVERS, CONFIGURERS, REQUESTERS } from './support/accounts.js';
import { getPolicy, getRequest, login, sendCommand, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

/** Every button that sends a command, whatever screen it is on. */
const DECISION_BUTTON = /^(Approve|Deny|Reject|Withdraw|Revoke|Give back|Ask for more time|Cancel request)\b/;

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

async function navLabels(page: Page): Promise<string[]> {
  return (await nav(page).getByRole('link').allInnerTexts()).map((text) => text.replace(/\s*\d[\d,]*$/, '').trim());
}

async function expectNoDecisionButton(page: Page, where: string): Promise<void> {
  await expect(page.getByRole('button', { name: DECISION_BUTTON }), `${where}: a decision button`).toHaveCount(0);
}

test('an auditor finds no decision button on any screen, and the decision keys only say read-only', async ({ context }, testInfo) => {
  test.setTimeout(120_000);
  // Something to decide on every kind of screen: a pending request and a change proposal.
  const pending = await submitRequest(REQUESTERS.dave.username, REQUESTERS.dave.resourceId);
  const mallory = await login(CONFIGURERS.mallory.username);
  const policy = await getPolicy(mallory, 'pol-two-step-break-glass');
  const proposed = await sendCommand(mallory, 'policy.upsert', { policy: { ...policy, maxDurationMinutes: policy.maxDurationMinutes + 60 } });
  expect(proposed.status, proposed.message).toBe('applied');
  const proposalId = proposed.subjectIds[0]!;

  try {
    const { page, console } = await openConsoleAs(context, CONFIGURERS.heidi.username, CONFIGURERS.heidi.displayName);
    await expect(page.getByTestId('read-only')).toBeVisible();
    const screens = await navLabels(page);
    expect(screens).not.toContain('Queue');
    expect(screens).toContain('Requests');
    for (const label of screens) {
      await console.navLink(label).click();
      await expect(page.locator('main h1').first()).toBeVisible();
      await page.waitForTimeout(300); // lists fill from the replica
      await expectNoDecisionButton(page, label);
      // The decision keys send nothing: they say read-only, and nothing waits to sync.
      await page.keyboard.press('a');
      await expect(page.getByRole('status').filter({ hasText: 'Read-only' }).first()).toBeVisible();
      await expect(console.waiting()).toHaveCount(0);
    }

    // A pending request's own page, and a proposal waiting for a second person.
    await page.evaluate(`window.location.hash = "#/requests/${encodeURIComponent(pending.id)}"`);
    await expect(page.getByRole('heading', { name: new RegExp(`Request ${pending.id}`) })).toBeVisible({ timeout: 15_000 });
    await expectNoDecisionButton(page, 'request detail');
    await page.keyboard.press('d');
    await expect(console.waiting()).toHaveCount(0);

    await console.navLink('Proposals').click();
    const row = page.locator(`tr[data-proposal-id="${proposalId}"]`);
    await expect(row).toBeVisible({ timeout: 15_000 });
    await row.click();
    await expect(page.getByTestId('proposal-detail').locator(`[data-proposal-id="${proposalId}"]`)).toBeVisible();
    await expectNoDecisionButton(page, 'proposal detail');
    await page.keyboard.press('a');
    await expect(console.waiting()).toHaveCount(0);
    await console.expectOnline();

    await console.navLink('Active grants').click();
    await expect(page.getByRole('heading', { name: 'Active grants', level: 1 })).toBeVisible();
    await saveScreenshot(page, testInfo, 'roles-01-auditor-grants');
    await console.navLink('Requests').click();
    await page.keyboard.press('a');
    await expect(page.getByRole('status').filter({ hasText: 'Read-only' }).first()).toBeVisible();
    await saveScreenshot(page, testInfo, 'roles-02-auditor-read-only-key');
    expect((await getRequest(pending.id)).status).toBe('pending_approval');
  } finally {
    // Leave no proposal behind for the flows that follow.
    await sendCommand(mallory, 'proposal.reject', { proposalId, reason: '' }).catch(() => undefined);
  }
});

test('a requester lands on My access, sees only their own requests and grants, cancels their pending request and gives back a grant', async ({ context }, testInfo) => {
  test.setTimeout(120_000);
  const bob = REQUESTERS.bob;
  const pending = await submitRequest(bob.username, bob.resourceId);
  expect(pending.status).toBe('pending_approval');
  // Security readers are approved automatically: Bob holds a live grant at once.
  const granted = await submitRequest(bob.username, 'res-entra-security-readers', { minutes: 60 });
  expect(granted.status).toBe('approved');
  // Someone else's grant and request, which Bob must not see.
  const dave = await submitRequest(REQUESTERS.dave.username, 'res-entra-security-readers', { minutes: 60 });
  expect(dave.status).toBe('approved');

  const { page, console } = await openConsoleAs(context, bob.username, bob.displayName);
  await expect(page.locator('main h1').first()).toHaveText('My access');
  const screens = await navLabels(page);
  for (const hidden of ['Queue', 'Requests', 'Active grants', 'Revocations', 'Proposals', 'Accounts']) expect(screens).not.toContain(hidden);
  await expect(page.getByRole('link', { name: 'Request access' }).first()).toBeVisible();
  await expect(page.getByRole('button', { name: /^(Approve|Deny|Revoke now)\b/ })).toHaveCount(0);
  await expect(page.getByTestId('read-only')).toHaveCount(0);

  // My access: his own requests and grants only.
  const waiting = page.getByRole('list', { name: 'Waiting for approval' });
  const held = page.getByRole('list', { name: 'Held now' });
  await expect(waiting.locator(`[data-request-id="${pending.id}"]`)).toBeVisible({ timeout: 15_000 });
  await expect(held.locator(`[data-request-id="${granted.id}"]`)).toBeVisible({ timeout: 15_000 });
  await expect(page.locator(`[data-request-id="${dave.id}"]`)).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'roles-03-requester-my-access');

  // Cancels his pending request from its page, opened from My access (a page not in his navigation).
  await waiting.locator(`[data-request-id="${pending.id}"]`).getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: new RegExp(`Request ${pending.id}`) })).toBeVisible();
  await expect(page.getByRole('button', { name: /^(Approve|Deny)\b/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Cancel request' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this request' });
  await dialog.getByLabel('Reason').fill('Solved without the access');
  await dialog.getByRole('button', { name: /^Withdraw/ }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('main .pane-title .pill').first()).toHaveText('Cancelled', { timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Cancel request' })).toHaveCount(0);
  expect((await getRequest(pending.id)).status).toBe('cancelled');
  await saveScreenshot(page, testInfo, 'roles-04-requester-cancelled');

  // Back in My access: the cancellation is in his history, and his grant offers more time and give back.
  await console.navLink('My access').click();
  await expect(page.getByRole('table', { name: 'History' }).locator(`[data-request-id="${pending.id}"]`)).toContainText('Cancelled');
  const mine = held.locator(`[data-request-id="${granted.id}"]`);
  await expect(mine.getByRole('button', { name: 'Ask for more time' })).toBeEnabled();
  await saveScreenshot(page, testInfo, 'roles-05-requester-grants');
  await mine.getByRole('button', { name: 'Give back' }).click();
  const giveBack = page.getByRole('dialog', { name: 'Give back access' });
  await giveBack.getByLabel('Reason').fill('Done with the dashboards');
  await giveBack.getByRole('button', { name: /^Give back/ }).click();
  await expect(giveBack).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Access given back' })).toBeVisible();
  await console.expectNothingWaiting();
  // Revoking, then gone from what he holds.
  await expect(mine).toHaveCount(0, { timeout: 30_000 });
});

test('an approver decides only the requests whose current step names them', async ({ context }, testInfo) => {
  // User Administrator: its owner Alice approves the first step, then the security step names Carol and Mallory.
  const request = await submitRequest('oscar', 'res-entra-user-admin', { minutes: 60 });
  const first = await sendCommand(await login(APPROVERS.alice.username), 'request.approve', { requestId: request.id });
  expect(first.status, first.message).toBe('applied');

  const { page, console, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  // Not in her queue: it waits on the security step. It is under "Waiting on others", saying who is expected.
  await expect(page.getByTestId('queue-views')).toContainText('Mine (');
  await page.keyboard.press('/');
  await page.keyboard.type(request.justification);
  await page.keyboard.press('Enter');
  await expect(queue.list().or(page.getByText('No request matches these filters'))).toBeVisible();
  await expect(queue.row(request.id)).toHaveCount(0);
  await page.getByTestId('queue-views').getByText(/^Waiting on others/).click();
  await expect(queue.row(request.id)).toBeVisible({ timeout: 15_000 });
  await expect(queue.row(request.id)).toContainText('Waiting for Security: Carol Diaz or Mallory Reyes');
  // Not selectable: the row carries no checked state and no selection mark.
  await expect(queue.row(request.id)).not.toHaveAttribute('aria-checked');
  await expect(queue.row(request.id).locator('.row-check')).toHaveCount(0);
  await queue.focusRequest(request.id, request.justification);
  await expect(queue.detail().getByRole('button', { name: /^(Approve|Deny)\b/ })).toHaveCount(0);
  await expect(queue.detail().getByTestId('not-yours')).toContainText('step “Security”');
  await page.keyboard.press('a');
  await expect(page.getByRole('status').filter({ hasText: 'Not yours to decide' })).toBeVisible();
  await expect(console.waiting()).toHaveCount(0);
  await saveScreenshot(page, testInfo, 'roles-06-approver-not-named');
  expect((await getRequest(request.id)).status).toBe('pending_approval');
});
