/**
 * Policy as code and "shorten them" in the console, as Mallory (policy admin):
 * - Export downloads the whole configuration as YAML (offline it says it needs the server, and
 *   Retry works once the connection is back); Import reads a file, shows the server's diff field
 *   by field and what importing would do, then applies a tightening at once, turns a widening into
 *   one proposal for a second person, and shows a refusal with its field and line.
 * - After she saves a lower maximum, the editor offers to shorten the grant past it; its holder
 *   reads on My access that it was shortened, and why.
 * The spec works on policies, a resource and a profile of its own, so the demo's shared
 * configuration keeps what the other specs expect; the widening proposal is withdrawn at the end.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { configToYaml, parseConfigYaml } from '../../core/config/yaml.js';
import type { ConfigDocument } from '../../core/index.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { EditorPage } from './pages/EditorPage.js';
import { CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD, REQUESTERS } from './support/accounts.js';
import { login, myGrants, sendCommand, serverUrl, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';

const CONFIG_POLICY = 'pol-e2e-config';
const SHORTEN_POLICY = 'pol-e2e-shorten';
const SHORTEN_RESOURCE = 'res-e2e-shorten';

const mallorySession = (context: Parameters<typeof openConsoleAs>[0]) => openConsoleAs(context, CONFIGURERS.mallory.username, CONFIGURERS.mallory.displayName, DEMO_PASSWORD);

/** Picks a file in the Import dialog, as if chosen from disk. */
async function importFile(page: Page, name: string, text: string): Promise<void> {
  await page.getByTestId('config-import-file').setInputFiles({ name, mimeType: 'text/yaml', buffer: Buffer.from(text) });
  await expect(page.getByRole('dialog', { name: `Import ${name}` })).toBeVisible();
}

const withDoc = (text: string, change: (doc: ConfigDocument) => void): string => {
  const parsed = parseConfigYaml(text);
  if (!parsed.ok) throw new Error(`the exported file does not read back: ${JSON.stringify(parsed.problems)}`);
  change(parsed.value);
  return configToYaml(parsed.value, { server: serverUrl(), asOf: null });
};

test('Export downloads the configuration; Import shows the diff, applies a tightening, proposes a widening and shows a refusal with its line', async ({ context }, testInfo) => {
  test.setTimeout(120_000);
  const token = await login(CONFIGURERS.mallory.username);
  const created = await sendCommand(token, 'policy.upsert', {
    policy: { id: CONFIG_POLICY, name: 'Config as code (e2e)', maxDurationMinutes: 480, defaultDurationMinutes: 60, approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }] },
  });
  expect(created.status, created.message).toBe('applied');

  const { page, console } = await mallorySession(context);
  await console.go('Policies');
  await expect(page.getByRole('button', { name: 'Import…' })).toBeVisible();

  // Offline: the file comes from the server, so the screen says so and offers Retry.
  await console.goOffline();
  await page.getByRole('button', { name: 'Export' }).click();
  await expect(page.getByTestId('config-file-problem')).toContainText('Exporting needs the server: offline');
  await saveScreenshot(page, testInfo, 'config-export-offline');
  await console.goOnline();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('config-file-problem').getByRole('button', { name: 'Retry' }).click()]);
  expect(download.suggestedFilename()).toBe('jit-config.yaml');
  const exported = readFileSync((await download.path())!, 'utf8');
  expect(exported).toContain(`id: ${CONFIG_POLICY}`);

  // A tightening: applies at once.
  const tighter = withDoc(exported, (doc) => {
    const policy = doc.policies.find((p) => p.id === CONFIG_POLICY)!;
    policy.maxDurationMinutes = 120;
    policy.description = 'At most two hours.';
  });
  await importFile(page, 'tighter.yaml', tighter);
  const dialog = page.getByRole('dialog', { name: 'Import tighter.yaml' });
  await expect(dialog.getByTestId('import-verdict')).toContainText('Importing applies at once');
  const row = dialog.locator(`[data-entity-id="${CONFIG_POLICY}"] tr[data-field="maxDurationMinutes"]`);
  await expect(row.locator('.pr-before')).toHaveText('8 h');
  await expect(row.locator('.pr-after')).toHaveText('2 h');
  await expect(dialog.locator(`[data-entity-id="${CONFIG_POLICY}"] tr[data-field="description"]`)).toContainText('At most two hours.');
  await saveScreenshot(page, testInfo, 'config-import-diff');
  await dialog.getByTestId('confirm-import').click();
  await expect(dialog.getByTestId('import-outcome')).toContainText('Imported: 1 changed');
  await dialog.locator('.dialog-footer').getByRole('button', { name: 'Close' }).click();
  await expect(page.locator(`[data-policy-id="${CONFIG_POLICY}"]`)).toContainText('up to 2 h');

  // A widening (Judy made eligible): the whole file becomes one proposal.
  const wider = withDoc(tighter, (doc) => {
    doc.profiles.push({ id: 'prof-e2e-config', name: 'Config as code (e2e)', description: '', resourceIds: [REQUESTERS.bob.resourceId], userIds: ['u-judy'], departments: [], roles: [], maxDurationMinutes: null, enabled: true });
  });
  await importFile(page, 'wider.yaml', wider);
  const widerDialog = page.getByRole('dialog', { name: 'Import wider.yaml' });
  await expect(widerDialog.getByTestId('import-verdict')).toContainText('proposes the whole file to a second person');
  await expect(widerDialog.getByTestId('import-diff')).toContainText('Added (1)');
  await widerDialog.getByTestId('confirm-import').click();
  const proposed = widerDialog.getByTestId('import-outcome');
  await expect(proposed).toContainText('Proposed for a second person');
  const proposalHref = await proposed.getByRole('link', { name: 'Follow it in Proposals' }).getAttribute('href');
  await widerDialog.locator('.dialog-footer').getByRole('button', { name: 'Close' }).click();

  // A file the server cannot read: the refusal names the field and its line.
  const broken = tighter.replace(/(id: pol-e2e-config[\s\S]*?maxDurationMinutes:) 120/, '$1 two hours');
  expect(broken).not.toBe(tighter);
  await importFile(page, 'broken.yaml', broken);
  const refused = page.getByRole('dialog', { name: 'Import broken.yaml' }).getByTestId('import-refused');
  await expect(refused).toContainText('The file was not read.');
  await expect(refused).toContainText(/maxDurationMinutes.*line \d+/);
  await saveScreenshot(page, testInfo, 'config-import-refused');

  // Leave the demo as it was: the proposal is withdrawn.
  const proposalId = decodeURIComponent(proposalHref?.split('/').pop() ?? '');
  expect((await sendCommand(token, 'proposal.reject', { proposalId, reason: 'e2e done' })).status).toBe('applied');
});

test('after a lower maximum is saved, the editor shortens the grant past it, and its holder is told on My access', async ({ browser }, testInfo) => {
  test.setTimeout(150_000);
  const mallory = await login(CONFIGURERS.mallory.username);
  const admin = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
  for (const [type, payload] of [
    ['policy.upsert', { policy: { id: SHORTEN_POLICY, name: 'Shorten them (e2e)', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true } }],
    ['resource.upsert', { resource: { id: SHORTEN_RESOURCE, name: 'Reporting app (e2e)', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'app:reporting' }, ownerId: CONFIGURERS.mallory.id, sensitivity: 'low', policyIds: [SHORTEN_POLICY] } }],
  ] as const) {
    const result = await sendCommand(mallory, type, payload);
    expect(result.status, result.message).toBe('applied');
  }
  // Judy made eligible: a widening, so the admin approves it.
  const proposal = await sendCommand(mallory, 'profile.upsert', { profile: { id: 'prof-e2e-shorten', name: 'Reporting (e2e)', resourceIds: [SHORTEN_RESOURCE], userIds: ['u-judy'] } });
  expect((await sendCommand(admin, 'proposal.approve', { proposalId: proposal.subjectIds[0], reason: 'e2e' })).status).toBe('applied');
  const asked = await submitRequest(REQUESTERS.judy.username, SHORTEN_RESOURCE, { minutes: 360 });
  expect(asked.status).toBe('approved');
  const grant = (await myGrants(REQUESTERS.judy.username)).find((g) => g.requestId === asked.id)!;

  const policyAdmin = await mallorySession(await browser.newContext());
  const judy = await openConsoleAs(await browser.newContext(), REQUESTERS.judy.username, REQUESTERS.judy.displayName);
  try {
    const editor = new EditorPage(policyAdmin.page);
    await policyAdmin.console.go('Policies');
    await policyAdmin.page.getByRole('link', { name: 'Edit Shorten them (e2e)' }).click();
    await editor.expectOpen('Edit Shorten them (e2e)');
    await editor.fill('maxDurationMinutes', '2h');
    await expect(editor.grants()).toContainText('1 of 1');
    // Nothing is offered before the lower maximum is saved.
    await expect(policyAdmin.page.getByTestId('shorten-offer')).toHaveCount(0);
    await editor.save();
    await expect(editor.outcome()).toContainText('Applied');
    const offer = policyAdmin.page.getByTestId('shorten-offer');
    await expect(offer).toContainText('1 active grant run past the maximum now in force (Judy Chen)');
    await offer.getByRole('button', { name: 'Shorten it' }).click();
    await expect(policyAdmin.page.getByTestId('shorten-outcome')).toContainText('1 grant shortened to the maximum; its revocation is rescheduled and its holder told');
    await saveScreenshot(policyAdmin.page, testInfo, 'shorten-offer-done');

    // Judy's console opened on My access; the shortened grant arrives there live.
    const notice = judy.page.locator(`[data-grant-id="${grant.id}"]`).getByTestId('grant-shortened');
    await expect(notice).toContainText('Shortened by Mallory Reyes');
    await expect(notice).toContainText('The maximum for Reporting app (e2e) is now 2 h.');
    await saveScreenshot(judy.page, testInfo, 'my-access-shortened');
  } finally {
    await policyAdmin.context.close();
    await judy.context.close();
  }
});
