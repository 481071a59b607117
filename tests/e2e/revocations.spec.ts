/**
 * The revocation views against the real server, whose scheduler provisions, revokes and verifies
 * against the in-process Microsoft Graph stand-in (JIT_DEMO=1). Mallory is a policy admin and an
 * approver: she may revoke and may see connector configuration.
 */
import type { Page } from '@playwright/test';
import { login, serverUrl, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { ConnectorsPage, RevocationsPage } from './pages/revocations.js';

const ADMIN_VIEWER = { username: 'mallory', displayName: 'Mallory Reyes' };

type Task = { id: string; kind: string; status: string; grantId: string | null };

async function call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(serverUrl() + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** A decision through the REST API, as another approver's console would send it; fails unless applied. */
async function command(username: string, type: string, payload: Record<string, unknown>): Promise<void> {
  const result = await call<{ status: string; message: string }>('POST', '/api/v1/commands', await login(username), { type, payload });
  if (result.status !== 'applied') throw new Error(`${type} by ${username} was ${result.status}: ${result.message}`);
}

async function openTask(grantId: string, kind: string): Promise<Task> {
  const token = await login(ADMIN_VIEWER.username);
  let found: Task | undefined;
  await expect
    .poll(
      async () => {
        const { documents } = await call<{ documents: Task[] }>('GET', '/sync/v1/tasks/pull?seq=0&id=&batchSize=5000', token);
        found = documents.find((t) => t.grantId === grantId && t.kind === kind && t.status === 'open');
        return Boolean(found);
      },
      { timeout: 20_000, message: `an open ${kind} task for ${grantId}` },
    )
    .toBe(true);
  return found!;
}

async function grantStatus(grantId: string): Promise<string | undefined> {
  const { documents } = await call<{ documents: { id: string; status: string }[] }>('GET', '/sync/v1/grants/pull?seq=0&id=&batchSize=5000', await login(ADMIN_VIEWER.username));
  return documents.filter((g) => g.id === grantId).at(-1)?.status;
}

/** Grants that expire a minute after approval, so the scheduler removes them at expiry (lateness). */
async function shortGrants(): Promise<string[]> {
  const ids: string[] = [];
  for (const username of ['bob', 'dave', 'bob']) {
    // SG-Security-Readers is approved automatically (pol-auto-low).
    const request = await submitRequest(username, 'res-entra-security-readers', { minutes: 1, ticket: '' });
    ids.push(`g-${request.id}`);
  }
  return ids;
}

/** Provisioned by hand (the owner signs off), then the owner dismisses the removal task: an escalation. */
async function escalatedManualGrant(): Promise<string> {
  const request = await submitRequest('judy', 'res-manual-erp-payments', { minutes: 60 });
  await command('alice', 'request.approve', { requestId: request.id });
  const grantId = `g-${request.id}`;
  const provision = await openTask(grantId, 'manual_provision');
  await command('eve', 'task.close', { taskId: provision.id, outcome: 'done', note: 'added to the ERP role by hand' });
  // The sign-off is settled on the scheduler's next pass: wait for the grant to be active, then revoke.
  await expect.poll(() => grantStatus(grantId), { timeout: 20_000, message: `grant ${grantId} active after sign-off` }).toBe('active');
  await command('alice', 'grant.revoke', { grantId, reason: 'contractor left' });
  const removal = await openTask(grantId, 'manual_revoke');
  await command('eve', 'task.close', { taskId: removal.id, outcome: 'dismissed', note: 'not mine to remove' });
  await openTask(grantId, 'revocation_escalation');
  return grantId;
}

/** Tall enough to hold the whole screen in one picture. */
async function fullScreenshot(page: Page, testInfo: Parameters<typeof saveScreenshot>[1], name: string): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1440, height: 1900 });
  await saveScreenshot(page, testInfo, name);
  if (size) await page.setViewportSize(size);
}

// Asked for before the first test, so that their minute runs while it does: the page test sees them
// in progress, then waits only for what is left of the minute.
let expiring: string[] = [];
let expiringSince = 0;
test.beforeAll(async () => {
  expiringSince = Date.now();
  expiring = await shortGrants();
});

test('a revoked grant ends up verified gone, with the receipt of what was read back', async ({ context }, testInfo) => {
  test.setTimeout(180_000);
  const request = await submitRequest('bob', 'res-entra-global-reader', { minutes: 120 });
  await command('alice', 'request.approve', { requestId: request.id });
  const grantId = `g-${request.id}`;

  const { page, console, grants } = await openConsoleAs(context, ADMIN_VIEWER.username, ADMIN_VIEWER.displayName);
  const revocations = new RevocationsPage(page);
  await console.go('Active grants');
  const row = grants.rowForRequest(request.id);
  // Provisioned in the stand-in tenant, then read back until several reads agree.
  await expect(row.getByTestId('verification-badge')).toHaveText('Verified effective', { timeout: 30_000 });

  await row.getByTestId('verification-badge').click();
  const provision = revocations.receipt('provision', 'effective');
  await expect(provision).toBeVisible();
  await expect(revocations.fact(provision, 'Endpoint')).toContainText('https://');
  await expect(revocations.fact(provision, 'Consistent reads')).toHaveText(/^[1-9]\d* of [1-9]\d*$/);
  await expect(revocations.fact(provision, 'Time to effective')).toContainText('from approval');
  await expect(revocations.fact(provision, 'Started')).not.toBeEmpty();
  await expect(revocations.fact(provision, 'Finished')).toContainText('took');
  await expect(revocations.fact(provision, 'Nested groups')).toContainText(/Checked|Not checked/);
  // Early reads may still miss the access (replication lag); the closing run of agreeing reads shows it.
  const provisionReads = revocations.agreeingReads(provision);
  expect(await provisionReads.count()).toBeGreaterThan(0);
  for (const read of await provisionReads.all()) await expect(read.locator('td').nth(2)).toHaveText('Present');
  await saveScreenshot(page, testInfo, 'revocations-01-provision-receipt');
  await revocations.closeDrawer();

  await grants.revoke(row, 'e2e: access no longer needed');
  await revocations.open();
  const verified = revocations.row('verified', grantId);
  await expect(verified).toBeVisible({ timeout: 30_000 });
  await expect(verified.getByTestId('verification-badge')).toHaveText('Verified gone');
  expect(await revocations.tileValue('verified')).toBeGreaterThanOrEqual(1);
  // Ended grants keep being read back: the first drift re-check (15 s after verification here, see
  // global-setup) shows in the row, with what it found.
  await expect(revocations.list('verified').locator('th', { hasText: 'Last re-verified' })).toBeVisible();
  const reverified = revocations.lastReverified(verified);
  await expect(reverified).toContainText(/Not yet|still gone/);
  await expect(reverified).toContainText('drift check: still gone', { timeout: 45_000 });
  await expect(reverified.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T/);
  await fullScreenshot(page, testInfo, 'revocations-02a-last-reverified');

  await revocations.openReceipts(verified);
  await expect(page).toHaveURL(new RegExp(`#/revocations/${grantId}$`));
  const removal = revocations.receipt('revocation', 'gone');
  await expect(removal).toBeVisible();
  await expect(revocations.receipt('drift_check', 'gone')).toBeVisible();
  await expect(removal).toContainText('found no access');
  const removalReads = revocations.agreeingReads(removal);
  expect(await removalReads.count()).toBeGreaterThan(0);
  for (const read of await removalReads.all()) await expect(read.locator('td').nth(2)).toHaveText('Not present');
  // Revoked by hand before expiry: no lateness to report.
  await expect(revocations.fact(revocations.drawer(), 'Removed')).toContainText('ended early on request');
  await saveScreenshot(page, testInfo, 'revocations-02-verified-gone-receipt');

  // The receipt is a link: it opens again after a reload, from the replica on this device.
  await page.reload();
  await expect(revocations.receipt('revocation', 'gone')).toBeVisible({ timeout: 20_000 });
  await revocations.closeDrawer();
  await expect(page).toHaveURL(/#\/revocations$/);
});

test('the revocations page: summary, lateness and time-to-effective charts, failures and escalations, connectors without secrets', async ({ context }, testInfo) => {
  test.setTimeout(200_000);
  const startedAt = expiringSince;
  const escalated = await escalatedManualGrant();

  const { page } = await openConsoleAs(context, ADMIN_VIEWER.username, ADMIN_VIEWER.displayName);
  const revocations = new RevocationsPage(page);
  await revocations.open();

  // Failures and escalations, from the replica's grants and tasks.
  const failure = revocations.row('failures', escalated);
  await expect(failure).toBeVisible({ timeout: 30_000 });
  await expect(failure).toContainText('Revoke failed');
  await expect(failure).toContainText('manual_task_dismissed');
  await expect(revocations.row('escalations', escalated)).toContainText('Critical');
  await expect(revocations.tile('failed')).toContainText('needs attention');
  expect(await revocations.tileValue('failed')).toBeGreaterThanOrEqual(1);
  await expect(revocations.connectorStrip()).toContainText('Healthy');

  // The short grants are due within the hour, then removed at expiry and verified gone.
  await expect(revocations.row('in-progress', expiring[0]!)).toBeVisible({ timeout: 30_000 });
  await expect(revocations.chartImage('effective')).toBeVisible({ timeout: 30_000 });
  for (const id of expiring) await expect(revocations.row('verified', id)).toBeVisible({ timeout: Math.max(30_000, 150_000 - (Date.now() - startedAt)) });
  await expect(revocations.chartImage('lateness')).toBeVisible();
  await expect(revocations.chart('lateness')).toContainText(/\d+ revocations? at expiry: half were removed within/);
  await expect(revocations.chart('lateness')).toContainText(/p50 /);
  await expect(revocations.chartImage('over-time')).toBeVisible();
  expect(await revocations.tileValue('verified')).toBeGreaterThanOrEqual(3);

  // Every chart also reads as a table.
  await revocations.chart('lateness').getByText('Show the data as a table').click();
  await expect(revocations.chart('lateness').locator('table tbody tr').first()).toBeVisible();
  await fullScreenshot(page, testInfo, 'revocations-03-page');
  await page.emulateMedia({ colorScheme: 'dark' });
  await fullScreenshot(page, testInfo, 'revocations-04-page-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Connector health and configuration: secrets only as set / not set.
  await page.getByRole('link', { name: 'Connector health' }).click();
  const connectors = new ConnectorsPage(page);
  await connectors.expectLoaded();
  await expect(connectors.card('entra-demo')).toContainText('Healthy');
  await expect(connectors.setting('entra-demo', 'clientSecret')).toHaveText(/^Set/);
  await expect(connectors.setting('entra-demo', 'tenantId')).not.toBeEmpty();
  await expect(connectors.root()).not.toContainText('redacted');
  await expect(page.getByRole('heading', { name: 'Revocation scheduler' })).toBeVisible();
  await saveScreenshot(page, testInfo, 'revocations-05-connectors');

  // Offline the screen still reads the replica; only connector health needs the server.
  await context.setOffline(true);
  await page.getByRole('link', { name: '← Revocations' }).click();
  await expect(revocations.root()).toContainText('offline: showing what is on this device', { timeout: 20_000 });
  await expect(revocations.chartImage('lateness')).toBeVisible();
  await expect(revocations.row('escalations', escalated)).toBeVisible();
  await revocations.openReceipts(revocations.row('verified', expiring[0]!));
  await expect(revocations.receipt('revocation', 'gone')).toBeVisible();
  await expect(revocations.fact(revocations.drawer(), 'Removed')).toContainText('after expiry');
  await saveScreenshot(page, testInfo, 'revocations-06-offline-receipt');
  await context.setOffline(false);
});
