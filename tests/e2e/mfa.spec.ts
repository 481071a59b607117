/**
 * Step-up MFA in the console: a new approver sets up an authenticator in Settings (the test reads
 * the secret from the otpauth URI the page shows and computes codes with otpauth, as a phone app
 * would), then approves a request under the demo's step-up policy ("Vault secrets officer"): the
 * console asks for a code, checks it with the server and sends the approval, which applies.
 * The requester's side goes through the REST API with its own authenticator. Fresh accounts each
 * run, so a retry or another spec never meets an authenticator left behind.
 */
import { Secret, TOTP } from 'otpauth';
import { E2E_ADMIN_PASSWORD, DEMO_PASSWORD } from './support/accounts.js';
import { getRequest, login, serverUrl } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { SettingsPage } from './pages/SettingsPage.js';

const STEP_MS = 30_000;
const RESOURCE = 'res-manual-vault-secrets';

/** The code an authenticator app shows for this secret at a time. */
const codeAt = (secret: string, atMs: number) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: atMs });

async function post(token: string | null, path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- reads arbitrary JSON
  const response = await fetch(serverUrl() + path, { method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** An approver and a requester made for this run; the requester enrols through the API and asks for the vault role. */
async function approverAndRequest(stamp: string) {
  const admin = await login('admin', E2E_ADMIN_PASSWORD);
  const approver = { username: `nadia-${stamp}`, displayName: `Nadia Brooks ${stamp}` };
  const requester = { username: `sam-${stamp}`, displayName: `Sam Ortiz ${stamp}` };
  for (const [person, roles, department] of [
    [approver, ['approver'], 'IT Operations'],
    [requester, ['requester'], 'Security'],
  ] as const) {
    const created = await post(admin, '/api/v1/accounts', { ...person, password: DEMO_PASSWORD, roles, department });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }
  const samToken = await login(requester.username);
  const justification = `Rotate the payment gateway keys ${stamp}`;
  const ask = () => post(samToken, '/api/v1/requests', { resourceId: RESOURCE, durationMinutes: 60, justification });
  const refused = await ask();
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('mfa_required');
  const enrolled = await post(samToken, '/api/v1/auth/mfa/enrol', {});
  expect((await post(samToken, '/api/v1/auth/mfa/confirm', { code: codeAt(enrolled.body.secret as string, Date.now()) })).status).toBe(200);
  const asked = await ask();
  expect(asked.status, JSON.stringify(asked.body)).toBe(201);
  return { approver, requester, justification, requestId: asked.body.id as string };
}

test('two-step verification: set up in Settings, then an approval under a step-up policy asks for a code and goes through', async ({ browser }, testInfo) => {
  // The requester, through the API: refused without a second factor, then enrolled (its first code counts) and asking.
  const { approver, requester, justification, requestId } = await approverAndRequest(Date.now().toString(36));

  // The approver sets up an authenticator in Settings.
  const setupContext = await browser.newContext();
  // The QR code is drawn under the served console's strict CSP: nothing it does may be refused.
  const violations: string[] = [];
  await setupContext.exposeFunction('reportCspViolation', (directive: string) => violations.push(directive));
  await setupContext.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => e.blockedURI !== 'eval' && window.reportCspViolation(e.effectiveDirective + ' ' + e.blockedURI))`);
  let secret: string;
  try {
    const setup = await openConsoleAs(setupContext, approver.username, approver.displayName);
    const settings = new SettingsPage(setup.page);
    await settings.open();
    await expect(settings.twoStepCard()).toContainText('Set up an authenticator app');
    const uri = await settings.startTwoStep();
    secret = new URL(uri).searchParams.get('secret') ?? '';
    expect(uri).toMatch(new RegExp(`^otpauth://totp/JIT%20access:${approver.username}\\?`));
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await expect(settings.twoStepCard().getByTestId('mfa-secret')).toHaveText(secret.replace(/(.{4})/g, '$1 ').trim());
    await settings.twoStepCard().scrollIntoViewIfNeeded();
    await saveScreenshot(setup.page, testInfo, '20-mfa-settings-qr');

    await settings.confirmTwoStep(codeAt(secret, Date.now()));
    await expect(settings.recoveryCodes()).toHaveCount(10);
    await expect(settings.twoStepCard()).toContainText('They are shown only now');
    await saveScreenshot(setup.page, testInfo, '20-mfa-settings-recovery-codes');
    await settings.twoStepCard().getByRole('button', { name: 'I have saved them' }).click();
    await expect(settings.twoStepCard()).toContainText('10 of 10 left');
    await expect(settings.twoStepCard().getByText('On', { exact: true })).toBeVisible();
    expect(violations).toEqual([]);
  } finally {
    await setupContext.close();
  }

  // Another session of the approver (signed in afresh, so no second factor yet) approves from the queue.
  const context = await browser.newContext();
  try {
    const nadia = await openConsoleAs(context, approver.username, approver.displayName);
    await expect(nadia.queue.row(requestId)).toBeVisible({ timeout: 15_000 });
    await nadia.queue.focusRequest(requestId, justification);
    await nadia.queue.approveByKeyboard();
    const dialog = nadia.page.getByRole('dialog', { name: 'Confirm it’s you' });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText(`Approving ${requester.displayName}’s request for Vault secrets officer needs two-step verification`);
    await expect(dialog).toContainText('within the last 15 minutes');
    await saveScreenshot(nadia.page, testInfo, '20-mfa-step-up-prompt');

    // A wrong code is refused in the dialog; nothing is sent.
    await dialog.getByLabel('Authenticator code').fill('000000');
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await expect(dialog.getByRole('alert')).toContainText('This code is not the current code of your authenticator');
    expect((await getRequest(requestId)).status).toBe('pending_approval');
    await saveScreenshot(nadia.page, testInfo, '20-mfa-step-up-wrong-code');

    // The code of the next step: the current one was spent turning two-step verification on.
    await dialog.getByLabel('Authenticator code').fill(codeAt(secret, Date.now() + STEP_MS));
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await expect(dialog).toBeHidden();
    await expect.poll(async () => (await getRequest(requestId)).status, { timeout: 15_000 }).toBe('approved');
    await expect(nadia.queue.row(requestId)).toHaveCount(0, { timeout: 15_000 });
    await saveScreenshot(nadia.page, testInfo, '20-mfa-approved');
  } finally {
    await context.close();
  }
});

test('offline, an approval under the step-up policy waits on the device; refused for want of a code when it syncs, it is sent again once the code is given', async ({ browser }, testInfo) => {
  const { approver, requester, requestId, justification } = await approverAndRequest(`${Date.now().toString(36)}o`);
  // The approver's authenticator, set up through the API (the first test covers Settings).
  const setupToken = await login(approver.username);
  const enrolled = await post(setupToken, '/api/v1/auth/mfa/enrol', {});
  const secret = enrolled.body.secret as string;
  expect((await post(setupToken, '/api/v1/auth/mfa/confirm', { code: codeAt(secret, Date.now()) })).status).toBe(200);

  const context = await browser.newContext();
  try {
    const nadia = await openConsoleAs(context, approver.username, approver.displayName);
    await expect(nadia.queue.row(requestId)).toBeVisible({ timeout: 15_000 });
    await nadia.queue.focusRequest(requestId, justification);
    await nadia.console.goOffline();
    await nadia.queue.approveByKeyboard();
    const dialog = nadia.page.getByRole('dialog', { name: 'Confirm it’s you' });
    await dialog.getByLabel('Authenticator code').fill(codeAt(secret, Date.now() + STEP_MS));
    await dialog.getByRole('button', { name: 'Verify' }).click();
    // The server cannot check the code offline: the decision may wait on the device instead.
    await expect(dialog.getByRole('alert')).toContainText('codes are checked by the server');
    await dialog.getByRole('button', { name: 'Save on this device' }).click();
    await expect(dialog).toBeHidden();
    await nadia.console.expectChangesWaiting(1);

    // Back online the server refuses it (no second factor in this session); the console asks again and resends it.
    await nadia.console.goOnline();
    await expect(dialog).toBeVisible({ timeout: 15_000 });
    await expect(dialog).toContainText('The server refused one decision from this device');
    await expect(dialog).toContainText(`Approving ${requester.displayName}’s request for Vault secrets officer needs two-step verification`);
    await saveScreenshot(nadia.page, testInfo, '20-mfa-resend-prompt');
    expect((await getRequest(requestId)).status).toBe('pending_approval');
    await dialog.getByLabel('Authenticator code').fill(codeAt(secret, Date.now() + STEP_MS));
    await dialog.getByRole('button', { name: 'Verify and send again' }).click();
    await expect(dialog).toBeHidden();
    await expect.poll(async () => (await getRequest(requestId)).status, { timeout: 15_000 }).toBe('approved');
  } finally {
    await context.close();
  }
});
