import { APPROVERS, DEMO_PASSWORD, REQUESTERS } from './support/accounts.js';
import { getRequest, login, sendCommand, serverUrl, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { approveWhileOffline, expect, openConsoleAs, test } from './fixtures.js';
import { SignInPage } from './pages/SignInPage.js';

test('signs in, shows the queue with the signed-in user and sync state', async ({ page, context }, testInfo) => {
  const signIn = new SignInPage(page);
  await signIn.open(serverUrl());
  await signIn.signIn('alice', 'not-the-password');
  await signIn.expectError(/invalid|incorrect|username or password/i);
  await saveScreenshot(page, testInfo, '01-sign-in-error');
  await page.close();

  const { page: consolePage, console, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await expect(queue.count()).toContainText('yours to decide');
  await expect(console.syncState()).toContainText('Online');
  await expect(queue.detail()).toContainText('Access policy');
  await saveScreenshot(consolePage, testInfo, '01-queue-signed-in');

  // The session survives a reload: the token and the replica are kept.
  await consolePage.reload();
  await console.expectSignedInAs(APPROVERS.alice.displayName);
  await queue.expectLoaded();
  // Evaluated in the page, which has IndexedDB; this file is typechecked without DOM types.
  const replicaNames = () => consolePage.evaluate('indexedDB.databases().then((dbs) => dbs.map((d) => d.name || "").filter((n) => n.includes("jit-")))') as Promise<string[]>;
  expect((await replicaNames()).length).toBeGreaterThan(0);

  // Signing out removes the local replica and the token.
  await console.go('Settings');
  await consolePage.getByTestId('sign-out').click();
  await consolePage.getByTestId('confirm-sign-out').click();
  await expect(consolePage.getByRole('heading', { name: 'Sign in to the access console' })).toBeVisible();
  await expect.poll(replicaNames).toEqual([]);
  expect(await consolePage.evaluate('localStorage.getItem("jit.session")')).toBeNull();
  await consolePage.reload();
  await expect(consolePage.getByRole('heading', { name: 'Sign in to the access console' })).toBeVisible();
  await expect(consolePage.getByLabel('Username')).toHaveValue('alice');
});

test('a request submitted through the API appears in the queue within a second, without reload', async ({ context }, testInfo) => {
  const { page, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  const navigations: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });
  const submittedAt = Date.now();
  const created = await submitRequest(REQUESTERS.dave.username, REQUESTERS.dave.resourceId);
  // The product target is 1 s (measured and printed, and benchmarked); the assertion leaves room
  // for a loaded two-core CI machine so the test checks liveness, not the machine's speed.
  await expect(queue.row(created.id)).toBeVisible({ timeout: 3_000 });
  const latencyMs = Date.now() - submittedAt;
  testInfo.annotations.push({ type: 'submit-to-visible-ms', description: String(latencyMs) });
  console.log(`request visible in the queue ${latencyMs} ms after submission (target 1000 ms)`);
  await expect(queue.row(created.id)).toContainText(REQUESTERS.dave.displayName);
  expect(navigations).toEqual([]);
  await saveScreenshot(page, testInfo, '02-live-new-request');
});

test('keeps the selection while new requests stream in above it', async ({ context }, testInfo) => {
  const { page, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await page.getByRole('combobox', { name: 'Sort' }).selectOption('newest');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  const selected = page.locator('[role="option"][aria-selected="true"]');
  const selectedId = await selected.getAttribute('data-request-id');
  expect(selectedId).toBeTruthy();
  const created = await submitRequest(REQUESTERS.dave.username, REQUESTERS.dave.resourceId);
  await expect(queue.row(created.id)).toBeVisible();
  await expect(page.locator('[role="option"]').first()).toHaveAttribute('data-request-id', created.id);
  await expect(selected).toHaveAttribute('data-request-id', selectedId!);
  await saveScreenshot(page, testInfo, '02-selection-kept');
});

test('selects with x and approves the selection with shift+a', async ({ context }, testInfo) => {
  const marker = `bulk ${Date.now().toString(36)}`;
  const first = await submitRequest(REQUESTERS.frank.username, REQUESTERS.frank.resourceId, { justification: `${marker} one` });
  const second = await submitRequest(REQUESTERS.judy.username, REQUESTERS.judy.resourceId, { justification: `${marker} two` });
  const { page, console, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await queue.focusRequest(first.id, marker);
  await page.keyboard.press('x');
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  await expect(page.getByText('2 selected')).toBeVisible();
  await expect(queue.row(first.id)).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Shift+A');
  const confirm = page.getByRole('dialog', { name: 'Approve 2 requests?' });
  await expect(confirm).toBeVisible();
  await saveScreenshot(page, testInfo, '07-bulk-confirm');
  await expect(confirm.getByRole('button', { name: 'Approve 2' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(queue.row(first.id)).toHaveCount(0, { timeout: 15_000 });
  await expect(queue.row(second.id)).toHaveCount(0, { timeout: 15_000 });
  await console.expectNothingWaiting();
  expect((await getRequest(first.id)).status).toBe('approved');
  expect((await getRequest(second.id)).status).toBe('approved');
});

test('approves by keyboard and the grant becomes active, verified in the directory', async ({ context }, testInfo) => {
  // An Entra resource: the scheduler provisions it in the demo tenant and reads it back.
  const created = await submitRequest(REQUESTERS.dave.username, REQUESTERS.dave.resourceId);
  const { page, console, queue, grants } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await queue.focusRequest(created.id, created.justification);
  await expect(queue.detail()).toContainText(created.justification);
  await queue.approveByKeyboard();
  await expect(queue.row(created.id)).toHaveCount(0, { timeout: 15_000 });
  await console.expectNothingWaiting();

  const decided = await getRequest(created.id);
  expect(decided.status).toBe('approved');
  await console.go('Active grants');
  await grants.expectLoaded();
  const row = grants.rowForRequest(created.id);
  await expect(row).toBeVisible({ timeout: 15_000 });
  await expect(row).toContainText('Active', { timeout: 15_000 });
  await expect(row).toContainText('Verified effective', { timeout: 15_000 });
  await expect(row).toContainText(/left/);
  await saveScreenshot(page, testInfo, '03-approved-grant');
});

test('approves while offline; the decision waits and applies on reconnect', async ({ context }, testInfo) => {
  const created = await submitRequest(REQUESTERS.judy.username, REQUESTERS.judy.resourceId);
  const session = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  const { page, console, queue } = session;
  await approveWhileOffline(session, created);
  await expect(queue.row(created.id)).toContainText('Approval waiting to sync');
  await saveScreenshot(page, testInfo, '04-offline-waiting');
  expect((await getRequest(created.id)).status).toBe('pending_approval');

  await console.goOnline();
  await console.expectNothingWaiting();
  await expect(queue.row(created.id)).toHaveCount(0, { timeout: 15_000 });
  expect((await getRequest(created.id)).status).toBe('approved');
  await saveScreenshot(page, testInfo, '04-offline-applied');
});

test('two approvers decide the same request: the second sees the rejection and its reason', async ({ browser }, testInfo) => {
  const created = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId);
  const aliceContext = await browser.newContext();
  const carolContext = await browser.newContext();
  try {
    const alice = await openConsoleAs(aliceContext, APPROVERS.alice.username, APPROVERS.alice.displayName);
    const carol = await openConsoleAs(carolContext, APPROVERS.carol.username, APPROVERS.carol.displayName);
    await expect(alice.queue.row(created.id)).toBeVisible({ timeout: 10_000 });
    await expect(carol.queue.row(created.id)).toBeVisible({ timeout: 10_000 });

    // Carol decides on what she saw while her connection was down; Alice decides first for real.
    await carol.console.goOffline();
    await carol.queue.focusRequest(created.id, created.justification);
    await carol.queue.denyByKeyboard('Not covered by the change calendar');
    await carol.console.expectChangesWaiting(1);

    await alice.queue.approveRequest(created.id, created.justification);
    await expect(alice.queue.row(created.id)).toHaveCount(0, { timeout: 15_000 });

    await carolContext.setOffline(false);
    await carol.console.expectNothingWaiting();
    const toast = carol.page.getByRole('alert').filter({ hasText: 'not applied' });
    await expect(toast).toContainText(/already approved by Alice Moreau/, { timeout: 15_000 });
    await saveScreenshot(carol.page, testInfo, '05-rejected-toast');

    await carol.console.go('Rejected');
    await carol.rejected.expectRejection(/already approved by Alice Moreau/);
    // It says which request it was about, and the code as words, not `already_decided`.
    await carol.rejected.expectRejection(`Denial of ${REQUESTERS.grace.resourceName} for ${REQUESTERS.grace.displayName} not applied`);
    await carol.rejected.expectRejection('Someone decided it first');
    await expect(carol.rejected.list()).not.toContainText('already_decided');
    await saveScreenshot(carol.page, testInfo, '05-rejected-list');
    expect((await getRequest(created.id)).status).toBe('approved');
  } finally {
    await aliceContext.close();
    await carolContext.close();
  }
});

test('revokes a grant from the active list', async ({ context }, testInfo) => {
  const created = await submitRequest(REQUESTERS.bob.username, REQUESTERS.bob.resourceId);
  const { page, console, queue, grants } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await queue.approveRequest(created.id, created.justification);
  await expect(queue.row(created.id)).toHaveCount(0, { timeout: 15_000 });

  await console.go('Active grants');
  const row = grants.rowForRequest(created.id);
  await expect(row).toBeVisible({ timeout: 15_000 });
  await saveScreenshot(page, testInfo, '06-grants-before-revoke');
  await grants.revoke(row, 'Incident closed; access no longer needed');
  // Revoking (the connector is removing it) or gone from the list once revoked.
  await expect(async () => {
    const count = await row.count();
    if (count > 0) await expect(row).toContainText('Revoking', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await console.expectNothingWaiting();
  const grantId = (await getRequest(created.id)).grantId;
  expect(grantId).toBeTruthy();
  await saveScreenshot(page, testInfo, '06-grant-revoked');
});

test('a session that expires keeps unsent decisions and sends them after signing in again', async ({ context }, testInfo) => {
  const created = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId);
  const session = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  const { page, console } = session;
  await approveWhileOffline(session, created);

  // The server ends the session while the console is offline (an admin revoked it, or it timed out).
  const token = (await page.evaluate('localStorage.getItem("jit.session")')) as string;
  const ended = await fetch(`${serverUrl()}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
  expect(ended.ok).toBe(true);
  await context.setOffline(false);

  const signIn = new SignInPage(page);
  await expect(page.getByRole('status').filter({ hasText: 'session has expired' })).toBeVisible({ timeout: 20_000 });
  await saveScreenshot(page, testInfo, '08-session-expired');
  expect((await getRequest(created.id)).status).toBe('pending_approval');
  await signIn.signIn(APPROVERS.alice.username, DEMO_PASSWORD);
  await console.expectSignedInAs(APPROVERS.alice.displayName);
  await console.expectNothingWaiting();
  await expect.poll(async () => (await getRequest(created.id)).status, { timeout: 15_000 }).toBe('approved');
});

test('the detail pane warns that the requester already holds the access, or asked for it twice, and says why the risk is what it is', async ({ context }, testInfo) => {
  const dave = REQUESTERS.dave;
  const first = await submitRequest(dave.username, dave.resourceId);
  const twin = await submitRequest(dave.username, dave.resourceId);
  const { page, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await queue.focusRequest(twin.id, twin.justification);
  const context_ = queue.detail().getByTestId('decision-context');
  await expect(context_).toContainText('in another request, still pending');
  // Other specs may have left more of Dave's asks pending: this one is among them.
  await expect(context_.locator(`a[href="#/requests/${first.id}"]`)).toHaveText('Open it');
  // The risk score comes with its reasons.
  await expect(queue.detail().getByTestId('risk-factors')).toContainText('medium sensitivity +20');
  await saveScreenshot(page, testInfo, '12-decision-context');
});

test('the top bar finds a decided request by its ticket, which the queue’s filter does not show', async ({ context }, testInfo) => {
  const ticket = `INC${String(Date.now()).slice(-7)}`;
  const denied = await submitRequest(REQUESTERS.dave.username, REQUESTERS.dave.resourceId, { ticket });
  expect((await sendCommand(await login('carol'), 'request.deny', { requestId: denied.id, reason: 'Use the read-only dashboard' })).status).toBe('applied');
  const { page, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await page.keyboard.press('/');
  await page.keyboard.type(ticket);
  await expect(queue.row(denied.id)).toHaveCount(0);
  await page.keyboard.press('Shift+Enter');
  await expect(page.getByRole('heading', { name: 'Search', level: 1 })).toBeVisible();
  const found = page.getByRole('region', { name: 'Requests' }).getByRole('listitem').filter({ hasText: ticket });
  await expect(found).toContainText('Denied', { timeout: 15_000 });
  await found.getByRole('link').click();
  await expect(page.getByRole('heading', { name: new RegExp(`Request ${denied.id}`) })).toBeVisible();
  await saveScreenshot(page, testInfo, '13-search-decided-ticket');
});
