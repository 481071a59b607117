/**
 * More time on a grant: only the person holding it asks, and the ask is an extension request the
 * resource's approvers decide in the queue like any other, marked so it is not taken for new access.
 */
import { APPROVERS, REQUESTERS } from './support/accounts.js';
import { approveRequest, getRequest, login, sendCommand, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

/** A live grant of Global Reader for Dave, approved by Carol so Alice may decide what follows. */
async function daveHoldsGlobalReader(): Promise<{ requestId: string; grantId: string }> {
  const created = await submitRequest(REQUESTERS.dave.username, REQUESTERS.dave.resourceId);
  const approved = await approveRequest(APPROVERS.carol.username, created.id);
  expect(approved.status, approved.message).toBe('applied');
  const { grantId } = await getRequest(created.id);
  expect(grantId).toBeTruthy();
  return { requestId: created.id, grantId: grantId! };
}

test('asks for more time on one’s own grant; someone else’s grant offers no such action', async ({ context }, testInfo) => {
  // Security readers: Alice is eligible, and its policy approves automatically (up to 2 extensions).
  const own = await submitRequest(APPROVERS.alice.username, 'res-entra-security-readers', { minutes: 60 });
  expect(own.status).toBe('approved');
  const dave = await daveHoldsGlobalReader();

  const { page, console, grants } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await console.go('Active grants');
  await grants.expectLoaded();
  const mine = grants.rowForRequest(own.id);
  const theirs = grants.rowForRequest(dave.requestId);
  await expect(mine).toBeVisible({ timeout: 15_000 });
  await expect(theirs).toBeVisible({ timeout: 15_000 });
  await expect(theirs.getByRole('button', { name: 'Ask for more time' })).toHaveCount(0);
  await expect(theirs.getByRole('button', { name: /extend/i })).toHaveCount(0);
  await expect(mine).toContainText('0 of 2');

  await grants.askForMoreTime(mine, '30 min', 'The rollout review runs over');
  await expect(page.getByRole('status').filter({ hasText: 'Request for 30 min more sent' })).toBeVisible();
  await console.expectNothingWaiting();
  // Its policy approves automatically: the grant is lengthened at once.
  await expect(mine).toContainText('1 of 2', { timeout: 15_000 });
  await saveScreenshot(page, testInfo, '10-more-time-asked');
});

test('an extension request waits in the queue, marked as more time on a grant held now', async ({ context }, testInfo) => {
  const dave = await daveHoldsGlobalReader();
  const asked = await sendCommand(await login(REQUESTERS.dave.username), 'grant.extend', { grantId: dave.grantId, minutes: 120, reason: 'The audit of conditional access takes longer' });
  expect(asked.status, asked.message).toBe('applied');
  expect(asked.message).toMatch(/waiting for approval/);
  const extensionId = asked.subjectIds[0]!;

  const { page, console, queue, grants } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await expect(queue.row(extensionId)).toBeVisible({ timeout: 10_000 });
  await expect(queue.row(extensionId)).toContainText('More time +2 h');
  await queue.focusRequest(extensionId, 'audit of conditional access');
  const notice = queue.detail().getByTestId('extension-notice');
  await expect(notice).toContainText(/More time: \+2 h on Global Reader for Dave Okafor, grant ends at .+; approved, it ends at /);
  await expect(notice).toContainText(dave.grantId);
  await expect(queue.detail()).toContainText('More time asked by Dave Okafor');
  await saveScreenshot(page, testInfo, '10-extension-in-queue');

  await queue.approveByKeyboard();
  await expect(queue.row(extensionId)).toHaveCount(0, { timeout: 15_000 });
  await console.expectNothingWaiting();
  expect((await getRequest(extensionId)).status).toBe('approved');
  await console.go('Active grants');
  await expect(grants.rowForRequest(dave.requestId)).toContainText('1 of 1', { timeout: 15_000 });
});
