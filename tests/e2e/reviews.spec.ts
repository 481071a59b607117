/**
 * Access reviews in Chromium against the demo server. The admin owns a campaign over Global Reader
 * (the period's live grants, two of them made here for Bob and Dave); Carol reviews it by keyboard
 * in her inbox, most decisions while offline, and they sync; the admin's campaign page shows the
 * progress bar move without a reload; a keep Carol makes offline after the admin closed the
 * campaign comes back refused with a sentence naming the item and the reason; Bob's removal is
 * applied and verified, and the evidence page shows its receipt. Heidi (auditor) reads it all with
 * no decision buttons. Only this spec's own grants are removed; every other item is kept.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { nextRecurrence, syncPath } from '../../core/index.js';
import { APPROVERS, CONFIGURERS, E2E_ADMIN_PASSWORD, REQUESTERS } from './support/accounts.js';
import { approveRequest, getRequest, login, sendCommand, serverUrl, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';

type Item = { kind: string; id: string; campaignId: string; subject: { grantId: string | null; displayName: string } };

/** Every review document the token's holder replicates, read the way a replica pulls them. */
async function reviewDocs(token: string): Promise<Item[]> {
  const out: Item[] = [];
  let checkpoint = { seq: 0, id: '' };
  for (;;) {
    const response = await fetch(`${serverUrl()}${syncPath('reviews', 'pull')}?seq=${checkpoint.seq}&id=${encodeURIComponent(checkpoint.id)}&batchSize=500`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await response.json()) as { documents: Item[]; checkpoint: { seq: number; id: string } };
    if (page.documents.length === 0) return out;
    out.push(...page.documents);
    checkpoint = page.checkpoint;
  }
}

/** A live grant of Global Reader for the requester, approved by Alice. */
async function liveGrant(username: string): Promise<string> {
  const request = await submitRequest(username, REQUESTERS.bob.resourceId, { minutes: 240 });
  await approveRequest(APPROVERS.alice.username, request.id);
  let grantId: string | null = null;
  await expect.poll(async () => (grantId = (await getRequest(request.id)).grantId), { timeout: 20_000 }).not.toBeNull();
  return grantId!;
}

const selected = (page: Page) => page.locator('[data-testid="inbox-list"] [role="option"][aria-selected="true"]');

test('a reviewer works through an inbox by keyboard, partly offline; the owner sees progress live; the evidence shows the receipts', async ({ browser }, testInfo) => {
  test.setTimeout(180_000);
  const bobGrant = await liveGrant(REQUESTERS.bob.username);
  const daveGrant = await liveGrant(REQUESTERS.dave.username);
  const adminToken = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
  const campaignId = `c-e2e-${Date.now().toString(36)}`;
  const name = 'Global Reader quarterly review';
  const created = await sendCommand(adminToken, 'review.campaign_upsert', {
    campaign: {
      id: campaignId,
      name,
      description: 'Who holds Global Reader through the console this quarter.',
      scope: { type: 'resources', resourceIds: [REQUESTERS.bob.resourceId] },
      reviewed: { standingMembers: false, jitGrants: true, eligibility: false },
      lookBackDays: 0,
      stages: [{ name: 'Security review', reviewer: { type: 'person', userId: 'u-carol' }, fallback: { type: 'person', userId: 'u-admin' } }],
      schedule: { type: 'once' },
      durationDays: 7,
      defaultDecision: 'flag',
    },
  });
  expect(created.status, created.message).toBe('applied');
  const opened = await sendCommand(adminToken, 'review.open', { campaignId, reason: '' });
  expect(opened.status, opened.message).toBe('applied');
  const items = (await reviewDocs(adminToken)).filter((d) => d.kind === 'item' && d.campaignId === campaignId);
  const bobItem = items.find((i) => i.subject.grantId === bobGrant)!;
  const daveItem = items.find((i) => i.subject.grantId === daveGrant)!;
  expect(bobItem, 'the snapshot holds Bob’s grant').toBeTruthy();
  expect(daveItem, 'the snapshot holds Dave’s grant').toBeTruthy();
  const total = items.length;

  // The owner watches the campaign page; it is never reloaded below.
  const owner = await openConsoleAs(await browser.newContext(), CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  await owner.page.getByRole('link', { name: /^Reviews/ }).click();
  const row = owner.page.getByTestId(`campaign-${campaignId}`);
  await expect(row).toContainText(`0 of ${total} decided`);
  await saveScreenshot(owner.page, testInfo, 'reviews-owner-campaigns');
  await row.getByRole('link', { name }).click();
  const progress = owner.page.getByTestId('campaign-progress');
  await expect(progress).toContainText(`0 of ${total} decided`);

  const carol = await openConsoleAs(await browser.newContext(), APPROVERS.carol.username, APPROVERS.carol.displayName);
  const page = carol.page;
  await page.getByRole('link', { name: /^Reviews/ }).click();
  await expect(page.getByTestId(`campaign-${campaignId}`)).toContainText(`${total} to decide`);
  await page.getByTestId(`campaign-${campaignId}`).getByRole('link', { name: `${total} to decide` }).click();
  await expect(page.getByRole('heading', { name: 'Review inbox', level: 1 })).toBeVisible();
  await expect(page.getByTestId('inbox-count')).toHaveText(`${total} to decide`);
  await expect(page.getByTestId('recommendations').or(page.locator('.rv-no-recommendation'))).toBeVisible();
  await saveScreenshot(page, testInfo, 'reviews-reviewer-inbox');

  // Online, the first decision; then offline for the rest, all but Dave's.
  let decided = 0;
  const decideCurrent = async () => {
    const id = await selected(page).getAttribute('data-item-id');
    const state = await selected(page).getAttribute('data-state');
    if (id === daveItem.id || state !== 'open') {
      // Step past Dave's item (left for later) and decided ones: down while an open one is below, else up.
      const rows = await page.locator('[data-testid="inbox-list"] [role="option"]').all();
      const info = await Promise.all(rows.map(async (r) => ({ id: await r.getAttribute('data-item-id'), state: await r.getAttribute('data-state'), at: await r.getAttribute('aria-selected') })));
      const here = info.findIndex((r) => r.at === 'true');
      await page.keyboard.press(info.slice(here + 1).some((r) => r.state === 'open' && r.id !== daveItem.id) ? 'j' : 'ArrowUp');
      return;
    }
    if (id === bobItem.id) {
      await page.keyboard.press('r');
      const dialog = page.getByRole('dialog', { name: 'Remove access' });
      await expect(dialog).toBeVisible();
      await dialog.getByLabel('Reason').fill('Bob no longer reads the tenant for his team');
      await page.keyboard.press('Enter');
      await expect(dialog).toBeHidden();
    } else await page.keyboard.press('k');
    // Marked as sent (offline, or not answered yet), or already gone from "to decide" once applied.
    await expect(page.locator(`[data-item-id="${id}"][data-state="open"]`)).toHaveCount(0);
    decided += 1;
  };
  await decideCurrent();
  if (decided === 0) await decideCurrent();
  await carol.console.expectNothingWaiting();
  await expect(progress).toContainText(`1 of ${total} decided`);
  await carol.console.goOffline();
  for (let i = 0; i < 4 * total && decided < total - 1; i++) await decideCurrent();
  expect(decided).toBe(total - 1);
  await carol.console.expectChangesWaiting(total - 2);
  await expect(page.getByTestId('inbox-count')).toContainText(`${total - 2} waiting to sync`);
  await expect(page.getByTestId('decision-waiting').or(page.getByTestId('keep'))).toBeVisible();
  await saveScreenshot(page, testInfo, 'reviews-reviewer-offline');
  await carol.console.goOnline();
  await carol.console.expectNothingWaiting();
  // The owner's page moved as the decisions synced, without a reload.
  await expect(progress).toContainText(`${total - 1} of ${total} decided`);
  await expect(owner.page.getByTestId('reviewer-u-carol')).toContainText(`${total - 1} of ${total} decided`);
  await saveScreenshot(owner.page, testInfo, 'reviews-owner-progress');

  // Carol keeps Dave's item offline; meanwhile the owner closes the campaign.
  await page.locator(`[data-item-id="${daveItem.id}"]`).click();
  await carol.console.goOffline();
  await page.keyboard.press('k');
  await carol.console.expectChangesWaiting(1);
  await owner.page.getByTestId('close-run').click();
  const closeDialog = owner.page.getByRole('dialog');
  await closeDialog.getByLabel('Reason').fill('Quarter closed early for the audit');
  await closeDialog.getByRole('button', { name: 'Close the campaign' }).click();
  await expect(owner.page.getByTestId('campaign-page')).toContainText(/Applying removals|Closed/, { timeout: 20_000 });
  await carol.console.goOnline();
  const refused = page.getByTestId('decision-refused');
  await expect(refused).toBeVisible({ timeout: 20_000 });
  await expect(refused).toContainText(`Your keep of ${REQUESTERS.dave.displayName}’s Global Reader was not applied`);
  await expect(refused).toContainText(/closed to decisions/);
  await saveScreenshot(page, testInfo, 'reviews-reviewer-refused');

  // Bob's removal is revoked through Entra and read back gone: its receipt is on the evidence page.
  await owner.page.getByTestId('open-evidence').click();
  const bobRow = owner.page.locator(`.rv-ev-row[data-item-id="${bobItem.id}"]`);
  await expect(bobRow).toContainText('Verified gone', { timeout: 60_000 });
  await expect(bobRow.getByTestId('evidence-receipt').first()).toContainText('gone');
  await expect(bobRow).toContainText('Bob no longer reads the tenant');
  await saveScreenshot(owner.page, testInfo, 'reviews-owner-evidence');
  const download = owner.page.waitForEvent('download');
  await owner.page.getByTestId('export-csv').click();
  const csv = await (await download).path();
  expect(csv).toBeTruthy();

  // The auditor reads the same, with no decision buttons.
  const heidi = await openConsoleAs(await browser.newContext(), CONFIGURERS.heidi.username, CONFIGURERS.heidi.displayName);
  await heidi.page.goto(`${heidi.page.url().split('#')[0]}#/reviews/campaign/${encodeURIComponent(campaignId)}`);
  await expect(heidi.page.getByTestId('campaign-progress')).toBeVisible();
  await expect(heidi.page.getByTestId('close-run')).toHaveCount(0);
  await heidi.page.goto(`${heidi.page.url().split('#')[0]}#/reviews/inbox/${encodeURIComponent(campaignId)}`);
  await heidi.page.getByLabel('Show').selectOption('all');
  await expect(heidi.page.getByTestId('inbox-list')).toBeVisible();
  await expect(heidi.page.getByTestId('keep')).toHaveCount(0);
  await expect(heidi.page.getByTestId('remove')).toHaveCount(0);
  await saveScreenshot(heidi.page, testInfo, 'reviews-auditor-inbox');

  // axe over the reviews screens, as the accessibility spec does: no critical or serious finding.
  for (const [who, target] of [
    [owner.page, 'campaign list'],
    [heidi.page, 'inbox'],
  ] as const) {
    if (target === 'campaign list') await who.goto(`${who.url().split('#')[0]}#/reviews`);
    const results = await new AxeBuilder({ page: who }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).setLegacyMode().analyze();
    const bad = results.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`);
    expect(bad, `axe on the ${target}`).toEqual([]);
  }
});

test('an admin defines a quarterly campaign through the form; a bad value reads as a sentence; it is listed with its next opening', async ({ browser }, testInfo) => {
  test.setTimeout(120_000);
  const admin = await openConsoleAs(await browser.newContext({ viewport: { width: 1280, height: 900 } }), CONFIGURERS.admin.username, CONFIGURERS.admin.displayName, E2E_ADMIN_PASSWORD);
  const { page } = admin;
  const name = `Quarterly privileged access ${Date.now().toString(36)}`;
  await page.goto(`${page.url().split('#')[0]}#/reviews`);
  await page.getByTestId('new-campaign').click();
  const form = page.getByTestId('campaign-form');
  await expect(form.getByRole('heading', { name: 'New review campaign' })).toBeVisible();
  await saveScreenshot(page, testInfo, 'reviews-form-new');

  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Description').fill('Who holds Global Reader, standing or through the console, each quarter.');
  const resources = form.getByLabel('Resources', { exact: true });
  await resources.fill(REQUESTERS.bob.resourceName);
  await resources.press('Enter');
  await expect(form.getByRole('list', { name: 'Resources: chosen' })).toContainText(REQUESTERS.bob.resourceName);
  // Stage 1: the resource owner, Carol when the owner cannot; a second stage by the person's manager.
  await form.getByLabel('Fallback reviewer', { exact: true }).first().selectOption('person');
  const fallbackPerson = form.getByLabel('Fallback reviewer: person').first();
  await fallbackPerson.fill('Carol');
  await fallbackPerson.press('Enter');
  await form.getByTestId('add-stage').click();
  await expect(form.locator('[data-stage-index]')).toHaveCount(2);
  await form.getByLabel('Time zone').fill('UTC');
  await expect(form.getByLabel('Every', { exact: true })).toHaveValue('quarterly');

  // Remove as the default says what it does before it is chosen; flag stays the default.
  await form.locator('[data-field="defaultDecision"] label', { hasText: 'Remove' }).click();
  await expect(form.getByTestId('remove-warning')).toContainText('This removes access automatically.');
  await form.getByTestId('remove-warning').scrollIntoViewIfNeeded();
  await saveScreenshot(page, testInfo, 'reviews-form-remove-warning');
  await form.locator('[data-field="defaultDecision"] label', { hasText: 'Flag for follow-up' }).click();
  await expect(form.getByTestId('remove-warning')).toHaveCount(0);

  // A bad value reads as a sentence on its field, and nothing is sent.
  const duration = form.getByLabel('Open for (days)');
  await duration.fill('120');
  await page.getByTestId('save').click();
  await expect(page.getByTestId('save-outcome')).toHaveText(/Not saved: one field needs fixing, marked below\./);
  await expect(duration).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText('must be a whole number from 1 to 90 days')).toBeVisible();
  await duration.scrollIntoViewIfNeeded();
  await saveScreenshot(page, testInfo, 'reviews-form-bad-value');

  // The openings beside the form are the ones the server books: the first Monday of each quarter, 09:00 UTC.
  const first = nextRecurrence({ frequency: 'quarterly', week: 1, weekday: 'mon', time: '09:00', timeZone: 'UTC', startMonth: 1 }, new Date());
  await duration.fill('14');
  const openings = page.getByTestId('next-openings').locator('li');
  await expect(openings).toHaveCount(3);
  await expect(page.getByTestId('campaign-summary')).toContainText('Quarterly, on the first Monday at 09:00 (UTC)');
  await page.getByTestId('save').click();
  await expect(page.getByTestId('save-outcome')).toContainText('Saved. The next run opens', { timeout: 20_000 });
  await page.locator('.editor-page').evaluate((el) => el.scrollTo({ top: 0 }));
  await saveScreenshot(page, testInfo, 'reviews-form-saved');

  // It is listed, scheduled, with its next opening.
  await page.goto(`${page.url().split('#')[0]}#/reviews`);
  const row = page.locator('[data-campaign-id]').filter({ hasText: name });
  await expect(row).toContainText('Scheduled');
  const id = await row.getAttribute('data-campaign-id');
  await expect(row.getByTestId(`next-opening-${id}`).locator('time')).toHaveAttribute('datetime', first.toISOString());
  await saveScreenshot(page, testInfo, 'reviews-form-listed');

  // Its definition opens again for editing from the campaign page, as it was saved.
  await row.getByRole('link', { name }).click();
  await page.getByTestId('edit-campaign').click();
  await expect(page.getByTestId('campaign-form').getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(page.getByTestId('campaign-form').locator('[data-stage-index]')).toHaveCount(2);
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).setLegacyMode().analyze();
  expect(axe.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`), 'axe on the campaign form').toEqual([]);

  // On the inbox, ? lists the inbox's own keys: k keeps there, so ↑ or p moves up.
  await page.goto(`${page.url().split('#')[0]}#/reviews/inbox`);
  await expect(page.getByTestId('inbox-list').or(page.getByText(/Nothing for you to review|No item matches/)).first()).toBeVisible();
  await page.locator('body').press('?');
  const keys = page.getByTestId('inbox-shortcuts');
  await expect(keys).toContainText('Keep');
  await expect(keys.locator('tr', { hasText: 'Previous item' })).toContainText('↑');
  await expect(keys.locator('tr', { hasText: 'Keep every selected item' })).toContainText('Shift');
  await saveScreenshot(page, testInfo, 'reviews-inbox-shortcuts');
});
