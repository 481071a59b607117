/**
 * The audit explorer as an auditor uses it: Heidi opens Audit, every event her replica holds is
 * indexed (the counts say when it is complete), she filters by a person and by words, opens a
 * person's and a grant's timeline, and does it all again offline. axe checks the screen. While the
 * index's worker has not started, the page says how far indexing is and stays usable; an approver
 * on a server of its own (a log longer than the recent blocks a console holds) loads older history.
 */
import AxeBuilder from '@axe-core/playwright';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_BLOCK_SIZE } from '../../core/index.js';
import { createServer, type JitServer } from '../../sync-server/app.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { APPROVERS, CONFIGURERS, REQUESTERS } from './support/accounts.js';
import { submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';

test('heidi filters the audit trail by person and words, opens timelines, offline too', async ({ context }, testInfo) => {
  const asked = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId);
  const { page, console } = await openConsoleAs(context, CONFIGURERS.heidi.username, CONFIGURERS.heidi.displayName);
  await console.navLink('Audit').click();
  await expect(page.getByRole('heading', { name: 'Audit', level: 1 })).toBeVisible();
  const counts = page.getByTestId('explorer-counts');
  await expect(counts).toContainText(/Showing all [\d,]+ events on this device/, { timeout: 30_000 });
  await expect(page.getByTestId(`event-${1}`).or(page.getByTestId('explorer-table'))).toBeVisible();

  // A person, by name: only events Grace did or that are about her.
  await page.getByTestId('explorer-person').selectOption({ label: REQUESTERS.grace.displayName });
  await expect(counts).toContainText(/Showing [\d,]+ of [\d,]+ events/);
  const rows = page.getByTestId('explorer-table').locator('tbody tr[data-testid^="event-"]');
  await expect(rows.first()).toBeVisible();
  // Retried until the list shows the filter's result, not the rows from before it.
  await expect(rows.filter({ hasNotText: REQUESTERS.grace.displayName })).toHaveCount(0);

  // Words: the id of the request just made finds its events.
  await page.getByTestId('explorer-text').fill(asked.id);
  await expect(rows.filter({ hasText: 'Request submitted' })).toHaveCount(1);
  await expect(rows.filter({ hasNotText: asked.id })).toHaveCount(0);
  await rows.filter({ hasText: 'Request submitted' }).click();
  const detail = page.getByTestId('explorer-detail');
  await expect(detail).toContainText(asked.id);
  await expect(detail).toContainText(REQUESTERS.grace.resourceId);
  await saveScreenshot(page, testInfo, 'audit-explorer-filtered');

  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('main').setLegacyMode().analyze();
  expect(axe.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`)).toEqual([]);

  // Her timeline, from the selected event.
  await detail.getByTestId('open-person-timeline').click();
  await expect(page.getByTestId('timeline-title')).toHaveText(`Timeline of ${REQUESTERS.grace.displayName}`);
  await expect(page.getByTestId('explorer-table')).toContainText('Request submitted');

  // Offline: the index is the replica's, nothing is asked of the server.
  await console.goOffline();
  await page.getByRole('link', { name: 'Back to every event' }).click();
  await page.getByTestId('explorer-text').fill('');
  await page.getByTestId('explorer-person').selectOption('');
  await page.getByTestId('explorer-type').selectOption({ label: 'Grant created' });
  await expect(rows.first()).toBeVisible();
  await expect(rows.filter({ hasNotText: 'Grant created' })).toHaveCount(0);
  // The keyboard: focus the table, move down, Enter opens the grant's timeline.
  await page.getByTestId('explorer-table').click({ position: { x: 10, y: 50 } });
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('timeline-title')).toContainText('Timeline of grant');
  await expect(page.getByTestId('explorer-table')).toContainText('Grant created');
  await console.expectOffline();
  await saveScreenshot(page, testInfo, 'audit-explorer-grant-timeline-offline');
});

test("heidi checks this device's copy of the log offline: re-hashed from its first event", async ({ context }, testInfo) => {
  const { page, console } = await openConsoleAs(context, CONFIGURERS.heidi.username, CONFIGURERS.heidi.displayName);
  await console.navLink('Audit').click();
  await expect(page.getByTestId('explorer-counts')).toContainText(/Showing all [\d,]+ events on this device/, { timeout: 30_000 });
  await context.setOffline(true);
  await page.getByTestId('check-local-chain').click();
  const verdict = page.getByTestId('local-chain');
  await expect(verdict).toContainText(/^Complete and unaltered up to event [\d,]+ \([\d,]+ events re-hashed on this device\)/, { timeout: 30_000 });
  // Signed when a checkpoint has reached this device; otherwise it says nothing ties it to the key yet.
  await expect(verdict).toContainText(/signed by the server up to event [\d,]+ at |no signed checkpoint covering it has reached this device yet/);
  await saveScreenshot(page, testInfo, 'audit-local-chain');
  await context.setOffline(false);
});

test.describe('while the explorer index is built', () => {
  // The worker's script must come from the network (not the offline cache) for the test to hold it back.
  test.use({ serviceWorkers: 'block' });

  test('heidi sees how far indexing is and the page stays usable; the index worker then completes it', async ({ context }, testInfo) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await context.route(/\/assets\/index\.worker-[\w-]+\.js$/, async (route) => {
      await released;
      await route.continue();
    });
    const { page, console } = await openConsoleAs(context, CONFIGURERS.heidi.username, CONFIGURERS.heidi.displayName);
    await console.navLink('Audit').click();
    const progress = page.getByTestId('index-progress');
    await expect(progress).toContainText(/^Indexing 0 of [1-9][\d,]* events/);
    await expect(progress.getByRole('progressbar', { name: 'Indexing audit events' })).toHaveAttribute('aria-valuenow', '0');
    const counts = page.getByTestId('explorer-counts');
    await expect(counts).toContainText('events indexed so far');
    // The page answers meanwhile: the filters take input, and other screens open and come back.
    await page.getByTestId('explorer-text').fill('grant');
    await expect(page.getByTestId('explorer-text')).toHaveValue('grant');
    await saveScreenshot(page, testInfo, 'audit-explorer-indexing');

    release();
    await expect(progress).toBeHidden({ timeout: 30_000 });
    await expect(counts).toContainText(/Showing [1-9][\d,]* of [\d,]+ events/);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(counts).toContainText(/Showing all [\d,]+ events on this device/);
  });
});

test.describe('older history on demand', () => {
  // A server of its own: a log of three sealed blocks and a tail, of which an approver's console holds one recent block.
  let own: JitServer;
  let dataDir: string;
  const before = { url: process.env.JIT_E2E_URL, recent: process.env.JIT_AUDIT_RECENT_BLOCKS };
  test.beforeAll(async () => {
    process.env.JIT_AUDIT_RECENT_BLOCKS = '1';
    dataDir = mkdtempSync(join(tmpdir(), 'jit-e2e-older-'));
    own = await createServer({ dataDir, adminPassword: 'e2e-older-history-1', seedDemo: true, logLevel: 'silent', webRoot: join(process.cwd(), 'out/renderer') });
    const url = await own.listen(0, '127.0.0.1');
    const request = (own.store.pull('requests', { seq: 0, id: '' }, 1_000).documents as Array<{ id: string }>)[0]!;
    const at = new Date().toISOString();
    own.store.tx(() => {
      for (let i = 0; own.store.auditHead().seq < 3 * AUDIT_BLOCK_SIZE + 200; i++) {
        const older = own.store.auditHead().seq < 2 * AUDIT_BLOCK_SIZE - 10;
        own.store.appendAudit({ type: 'request.approval_recorded', actorId: 'system', subjectType: 'request', subjectId: request.id, data: { reason: older ? `archived quarter note ${i}` : `recent note ${i}` }, at });
      }
    });
    process.env.JIT_E2E_URL = url;
  });
  test.afterAll(async () => {
    process.env.JIT_E2E_URL = before.url;
    if (before.recent === undefined) delete process.env.JIT_AUDIT_RECENT_BLOCKS;
    else process.env.JIT_AUDIT_RECENT_BLOCKS = before.recent;
    await own?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('alice, an approver, holds recent history and loads older blocks, each checked against the chain', async ({ context }, testInfo) => {
    const { page, console } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
    await console.navLink('Audit').click();
    const counts = page.getByTestId('explorer-counts');
    await expect(counts).toContainText(/Showing all [\d,]+ events on this device/, { timeout: 30_000 });
    const older = page.getByTestId('older-history');
    await expect(older).toContainText(`This device holds the events you may see after event ${(2 * AUDIT_BLOCK_SIZE).toLocaleString('en-US')}; 2 older blocks are on the server.`);
    await page.getByTestId('explorer-text').fill('archived quarter');
    await expect(page.getByText('No event matches')).toBeVisible();

    await page.getByTestId('load-older-history').click();
    await expect(older).toContainText(/Older history loaded: [\d,]+ events from 2 blocks, each checked against the chain/, { timeout: 30_000 });
    await expect(counts).toContainText(/Showing [1-9][\d,]* of [\d,]+ events/);
    await expect(page.getByTestId('explorer-table').locator('tbody tr[data-testid^="event-"]').first()).toContainText('Approval recorded');
    await saveScreenshot(page, testInfo, 'audit-explorer-older-history');
  });
});
