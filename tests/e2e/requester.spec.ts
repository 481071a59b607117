/**
 * Where every grant starts: Bob finds a resource in his catalog, reads its policy in plain words,
 * asks with a ticket (by keyboard), follows it in My access while Alice approves it in another
 * browser, sees the grant with its countdown, and gives it back. Offline, the request waits on his
 * device and goes out when the connection returns. He sees no approver screen. For the nightly report
 * job, a service principal he owns, he asks on its behalf; once Alice approves, the grant is the
 * job's, under "Service identities I own", and he gives it back: verified gone from the stand-in.
 */
import type { Page } from '@playwright/test';
import { APPROVERS, REQUESTERS } from './support/accounts.js';
import { getRequest, myGrants } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

const bob = REQUESTERS.bob;
const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

async function chooseInCatalog(page: Page, name: string): Promise<void> {
  await nav(page).getByRole('link', { name: /^Request access/ }).click();
  await expect(page.getByRole('heading', { name: 'Request access', level: 1 })).toBeVisible();
  await page.keyboard.press('/');
  await page.keyboard.type(name);
  await page.keyboard.press('Enter');
  const list = page.getByRole('list', { name: 'Resources you may request' });
  await expect(list.getByRole('link')).toHaveCount(1);
  await list.getByRole('link', { name: new RegExp(name) }).click();
  await expect(page.getByRole('heading', { name, level: 2 })).toBeVisible();
}

/** The request id the console chose, from My access's address after sending. */
async function sentRequestId(page: Page): Promise<string> {
  await expect(page).toHaveURL(/#\/my-access\/req-/);
  return decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
}

test('bob requests access with a ticket, alice approves in another browser, bob sees the countdown and gives it back', async ({ browser, context }, testInfo) => {
  test.setTimeout(120_000);
  const { page, console } = await openConsoleAs(context, bob.username, bob.displayName);
  // A requester lands on his own access, and has no approver screens.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('My access');
  const screens = (await nav(page).getByRole('link').allInnerTexts()).map((t) => t.replace(/\s*\d[\d,]*$/, '').trim());
  expect(screens.slice(0, 2)).toEqual(['My access', 'Request access']);
  for (const hidden of ['Queue', 'Requests', 'Active grants', 'Revocations', 'Proposals', 'Accounts']) expect(screens).not.toContain(hidden);

  await chooseInCatalog(page, bob.resourceName);
  const form = page.getByRole('form', { name: `Request ${bob.resourceName}` });
  const policy = form.getByRole('region', { name: 'The policy that applies' });
  await expect(policy).toContainText('You may ask for up to 8 h; 2 h is recommended.');
  await expect(policy).toContainText('One approval: anyone who is an approver.');
  await expect(form.getByLabel('Duration', { exact: true })).toHaveValue('2h');

  // Inline validation names the field before anything is sent.
  await form.getByLabel('Duration', { exact: true }).fill('9h');
  await form.getByRole('button', { name: /^Request access/ }).click();
  await expect(form.getByText('At most 8 h for Global Reader')).toBeVisible();
  await expect(form.getByText('Say why you need this access: the approvers read it')).toBeVisible();
  await saveScreenshot(page, testInfo, 'requester-01-form-invalid');
  await form.getByLabel('Duration', { exact: true }).fill('90m');
  await expect(form.getByText('= 1 h 30 min')).toBeVisible();
  await form.getByLabel(/^Justification/).fill('Read the sign-in logs for the audit');
  await form.getByLabel(/^Ticket/).fill('INC0012345');
  await saveScreenshot(page, testInfo, 'requester-02-form');
  await form.getByLabel(/^Ticket/).press('Control+Enter');

  // My access: pending, with where it is in the chain.
  const requestId = await sentRequestId(page);
  const card = page.getByRole('list', { name: 'Waiting for approval' }).locator(`[data-request-id="${requestId}"]`);
  await expect(card).toBeVisible({ timeout: 15_000 });
  await expect(card.getByTestId('chain-summary')).toHaveText('Step 1 of 1 · Approver: waiting for anyone who is an approver', { timeout: 15_000 });
  await expect(card).toHaveAttribute('aria-current', 'true');
  expect(await getRequest(requestId)).toMatchObject({ status: 'pending_approval' });
  await saveScreenshot(page, testInfo, 'requester-03-pending');

  // Alice approves it from her queue in her own browser.
  const aliceContext = await browser.newContext();
  try {
    const alice = await openConsoleAs(aliceContext, APPROVERS.alice.username, APPROVERS.alice.displayName);
    await alice.queue.approveRequest(requestId, 'Read the sign-in logs');
    await alice.console.expectNothingWaiting();
  } finally {
    await aliceContext.close();
  }

  // Bob's My access turns it into a grant held now, live, with a countdown.
  const held = page.getByRole('list', { name: 'Held now' }).locator(`[data-request-id="${requestId}"]`);
  await expect(held).toBeVisible({ timeout: 20_000 });
  await expect(card).toHaveCount(0);
  await expect(held.getByTestId('grant-countdown')).toHaveText(/^1 h (29|30) min left$/);
  await expect(held.getByTestId('verification-badge')).toBeVisible();
  await saveScreenshot(page, testInfo, 'requester-04-held');

  // Gives it back by keyboard: b on the selected grant.
  await page.keyboard.press('b');
  const giveBack = page.getByRole('dialog', { name: 'Give back access' });
  await giveBack.getByLabel('Reason').fill('Audit done');
  await giveBack.getByRole('button', { name: /^Give back/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Access given back' })).toBeVisible();
  await console.expectNothingWaiting();
  await expect(held).toHaveCount(0, { timeout: 30_000 });
  const history = page.getByRole('table', { name: 'History' }).locator(`[data-request-id="${requestId}"]`);
  await expect(history).toContainText('Given back');
  await expect(history).toContainText('Audit done');
  await saveScreenshot(page, testInfo, 'requester-05-history');
});

test('offline, a request waits on the device and is sent when the connection returns', async ({ context }, testInfo) => {
  test.setTimeout(90_000);
  const { page, console } = await openConsoleAs(context, bob.username, bob.displayName);
  await chooseInCatalog(page, 'SG-Security-Readers');
  await console.goOffline();
  const form = page.getByRole('form', { name: 'Request SG-Security-Readers' });
  await expect(form.getByTestId('offline-note')).toBeVisible();
  await form.getByLabel(/^Justification/).fill('Check the alert rules');
  await form.getByRole('button', { name: /^Request access/ }).click();
  const requestId = await sentRequestId(page);
  await console.expectChangesWaiting(1);
  await expect(page.locator(`.ma-unsent[data-request-id="${requestId}"]`)).toContainText('Waiting to sync');
  await saveScreenshot(page, testInfo, 'requester-06-offline');
  await console.goOnline();
  await console.expectNothingWaiting();
  // Security readers are approved automatically: held at once.
  await expect(page.getByRole('list', { name: 'Held now' }).locator(`[data-request-id="${requestId}"]`)).toBeVisible({ timeout: 20_000 });
  expect((await getRequest(requestId)).status).toBe('approved');
});

test('bob asks for the service identity he owns, alice approves, bob sees the grant under the identity and gives it back', async ({ browser, context }, testInfo) => {
  test.setTimeout(150_000);
  const job = 'Nightly report job';
  const { page, console } = await openConsoleAs(context, bob.username, bob.displayName);
  await chooseInCatalog(page, bob.resourceName);
  const form = page.getByRole('form', { name: `Request ${bob.resourceName}` });
  // The picker offers him and the identities he owns, nothing else.
  const forWhom = form.getByLabel('For', { exact: true });
  await expect(forWhom.locator('option')).toHaveText([`Me (${bob.displayName})`, `${job} (service identity you own)`]);
  await forWhom.selectOption({ label: `${job} (service identity you own)` });
  await expect(form.getByText(`Granted to ${job} in the directory.`)).toBeVisible();
  await form.getByLabel('Duration', { exact: true }).fill('1h');
  await form.getByLabel(/^Justification/).fill('The nightly report reads the directory');
  await form.getByLabel(/^Ticket/).fill('INC0012399');
  await saveScreenshot(page, testInfo, 'requester-07-form-for-identity');
  await form.getByRole('button', { name: /^Request access/ }).click();

  const requestId = await sentRequestId(page);
  const card = page.getByRole('list', { name: 'Waiting for approval' }).locator(`[data-request-id="${requestId}"]`);
  await expect(card.getByTestId('on-behalf-of')).toHaveText(`For ${job}`, { timeout: 15_000 });
  expect(await getRequest(requestId)).toMatchObject({ status: 'pending_approval', requesterId: 'u-bob', onBehalfOf: 'sp-demo-nightly-reports' });

  const aliceContext = await browser.newContext();
  try {
    const alice = await openConsoleAs(aliceContext, APPROVERS.alice.username, APPROVERS.alice.displayName);
    await alice.queue.approveRequest(requestId, 'nightly report reads');
    await alice.console.expectNothingWaiting();
  } finally {
    await aliceContext.close();
  }

  // The grant is the job's: under the identity, not under what Bob holds.
  const section = page.getByRole('region', { name: 'Service identities I own' });
  const held = section.getByRole('list', { name: `Held by ${job}` }).locator(`[data-request-id="${requestId}"]`);
  await expect(held).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('list', { name: 'Held now' }).locator(`[data-request-id="${requestId}"]`)).toHaveCount(0);
  await expect(held.getByTestId('grant-countdown')).toHaveText(/^(59 min|1 h 0 min) left$/);
  await expect(held.getByRole('button', { name: 'Ask for more time' })).toBeVisible();
  await expect(held.getByTestId('verification-badge')).toHaveText('Verified effective', { timeout: 30_000 });
  await saveScreenshot(page, testInfo, 'requester-08-identity-held');

  await held.getByRole('button', { name: 'Give back' }).click();
  // The owner gives the identity's access back, as the holder would: no revocation category to pick.
  const dialog = page.getByRole('dialog', { name: 'Give back access' });
  await expect(dialog).toContainText(`${job} loses ${bob.resourceName} now`);
  await dialog.getByLabel('Reason').fill('Report moved to the new pipeline');
  await dialog.getByRole('button', { name: /^Give back/ }).click();
  await console.expectNothingWaiting();
  await expect(held).toHaveCount(0, { timeout: 30_000 });
  await expect(section.getByText(`It holds no access now.`)).toBeVisible();
  const history = page.getByRole('table', { name: 'History' }).locator(`[data-request-id="${requestId}"]`);
  await expect(history).toContainText(`${bob.resourceName} for ${job}`);
  await expect(history).toContainText('Given back');
  await expect(history).toContainText('Report moved to the new pipeline');

  // Removed from the service principal in the stand-in tenant, and read back gone.
  const grantId = (await getRequest(requestId)).grantId;
  await expect.poll(async () => (await myGrants(bob.username)).find((g) => g.id === grantId), { timeout: 60_000, intervals: [1000] }).toMatchObject({ status: 'verified', verification: 'gone' });
  await saveScreenshot(page, testInfo, 'requester-09-identity-given-back');
});
