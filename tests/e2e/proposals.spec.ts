/**
 * Four eyes on configuration: a change that widens access waits as a proposal until a second
 * policy admin or admin approves it. Here Mallory proposes through the REST API, as an admin tool
 * would; policy-editor.spec.ts proposes through the console's editor.
 */
import type { Browser } from '@playwright/test';
import { APPROVERS, CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { getPolicy, login, sendCommand } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { ProposalsPage } from './pages/ProposalsPage.js';

/** Mallory widens a policy; the server answers with the proposal it created instead of applying it. */
async function propose(policyId: string, change: Record<string, unknown>): Promise<string> {
  const token = await login(CONFIGURERS.mallory.username);
  const policy = await getPolicy(token, policyId);
  const result = await sendCommand(token, 'policy.upsert', { policy: { ...policy, ...change } });
  expect(result.status, result.message).toBe('applied');
  expect(result.message).toMatch(/widens access/);
  const proposalId = result.subjectIds[0];
  expect(proposalId).toMatch(/^prop-/);
  return proposalId!;
}

async function consoleAs(browser: Browser, who: 'mallory' | 'admin' | 'heidi') {
  const context = await browser.newContext();
  const account = CONFIGURERS[who];
  const session = await openConsoleAs(context, account.username, account.displayName, who === 'admin' ? E2E_ADMIN_PASSWORD : DEMO_PASSWORD);
  return { ...session, proposals: new ProposalsPage(session.page) };
}

test('a widening policy change waits for a second person: the proposer can only withdraw, an admin approves it', async ({ browser }, testInfo) => {
  const proposalId = await propose('pol-two-step', { maxDurationMinutes: 480 });
  const mallory = await consoleAs(browser, 'mallory');
  const admin = await consoleAs(browser, 'admin');
  try {
    // The proposer: the change with its reason and diff, and only Withdraw.
    await expect(mallory.proposals.navBadge()).toHaveText(/^\d+$/);
    await mallory.proposals.open();
    await mallory.proposals.select(proposalId);
    await expect(mallory.proposals.detail()).toContainText('Owner and security');
    await expect(mallory.proposals.detail().getByTestId('proposal-byline')).toContainText('Mallory Reyes');
    await expect(mallory.proposals.widenings()).toContainText('Maximum duration 4 h → 8 h');
    await expect(mallory.proposals.diffRow('maxDurationMinutes')).toContainText('Longest grant');
    await expect(mallory.proposals.diffRow('maxDurationMinutes').locator('.pr-before')).toHaveText('4 h');
    await expect(mallory.proposals.diffRow('maxDurationMinutes').locator('.pr-after')).toHaveText('8 h');
    // Only the field that changed is listed.
    await expect(mallory.proposals.diff().locator('tbody tr')).toHaveCount(1);
    await expect(mallory.proposals.effect()).toContainText('User Administrator');
    await expect(mallory.proposals.actions().getByRole('button')).toHaveText(['Withdraw']);
    await expect(mallory.proposals.stateNotice()).toContainText('You proposed this change');
    await saveScreenshot(mallory.page, testInfo, '09-proposal-as-proposer');

    // The second person approves it.
    await admin.proposals.open();
    await admin.proposals.select(proposalId);
    await expect(admin.proposals.actions().getByRole('button')).toHaveText(['Reject', 'Approve']);
    await saveScreenshot(admin.page, testInfo, '09-proposal-as-admin');
    await admin.proposals.approve('Longer maintenance windows agreed in CAB-77');
    await expect(admin.proposals.stateNotice()).toContainText('Approved by Administrator', { timeout: 15_000 });
    await expect(admin.proposals.stateNotice()).toContainText('Longer maintenance windows agreed in CAB-77');
    await expect(admin.proposals.actions().getByRole('button')).toHaveCount(0);
    await admin.console.expectNothingWaiting();
    await saveScreenshot(admin.page, testInfo, '09-proposal-applied');

    // Applied on the server, and shown so on both consoles.
    expect((await getPolicy(await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD), 'pol-two-step')).maxDurationMinutes).toBe(480);
    await expect(mallory.proposals.row(proposalId)).toContainText('Applied', { timeout: 15_000 });
    await expect(mallory.proposals.actions().getByRole('button')).toHaveCount(0);
    await admin.console.go('Policies');
    const row = admin.page.locator('[data-policy-id="pol-two-step"]');
    await expect(row).toContainText('up to 8 h');
    await expect(row.getByTestId('changed-by')).toContainText(/changed by (Mallory Reyes and Administrator|Administrator and Mallory Reyes)/);
    await saveScreenshot(admin.page, testInfo, '09-policies-changed-by');
  } finally {
    await mallory.context.close();
    await admin.context.close();
  }
});

test('a second person rejects a proposal with a reason, the proposer withdraws another, an auditor only reads', async ({ browser }, testInfo) => {
  const rejectedId = await propose('pol-two-step-break-glass', { maxExtensions: 2 });
  const withdrawnId = await propose('pol-two-step-break-glass', { requireTicket: false });
  const mallory = await consoleAs(browser, 'mallory');
  const admin = await consoleAs(browser, 'admin');
  const heidi = await consoleAs(browser, 'heidi');
  const alice = await openConsoleAs(await browser.newContext(), APPROVERS.alice.username, APPROVERS.alice.displayName);
  try {
    await admin.proposals.open();
    await admin.proposals.select(rejectedId);
    await expect(admin.proposals.widenings()).toContainText('Extensions 0 → 2');
    await admin.proposals.reject('Extensions on Server-Admins stay off');
    await expect(admin.proposals.stateNotice()).toContainText('Rejected by Administrator', { timeout: 15_000 });
    await expect(admin.proposals.stateNotice()).toContainText('Extensions on Server-Admins stay off');

    await mallory.proposals.open();
    await mallory.proposals.select(withdrawnId);
    await mallory.proposals.actions().getByRole('button', { name: 'Withdraw' }).click();
    const confirm = mallory.page.getByRole('dialog', { name: 'Withdraw this proposal?' });
    await confirm.getByRole('button', { name: 'Withdraw' }).click();
    await expect(mallory.proposals.stateNotice()).toContainText('Withdrawn by Mallory Reyes', { timeout: 15_000 });
    await expect(mallory.proposals.row(rejectedId)).toContainText('Rejected');

    // Decided ones are listed after the pending ones, and nobody can act on them any more.
    await heidi.proposals.open();
    await heidi.proposals.select(withdrawnId);
    await expect(heidi.proposals.actions().getByRole('button')).toHaveCount(0);
    await expect(heidi.proposals.row(withdrawnId)).toContainText('Withdrawn');
    await saveScreenshot(heidi.page, testInfo, '09-proposals-as-auditor');

    // An approver without a configuration role has no Proposals screen.
    await expect(alice.console.navLink('Queue')).toBeVisible();
    await expect(alice.console.navLink('Proposals')).toHaveCount(0);
    expect((await getPolicy(await login(CONFIGURERS.mallory.username), 'pol-two-step-break-glass')).maxExtensions).toBe(0);
  } finally {
    await mallory.context.close();
    await admin.context.close();
    await heidi.context.close();
    await alice.context.close();
  }
});

test('an approval the server refuses comes back with its reason: the proposer withdrew it meanwhile', async ({ browser }, testInfo) => {
  const proposalId = await propose('pol-two-step', { breakGlass: true });
  const admin = await consoleAs(browser, 'admin');
  try {
    await admin.proposals.open();
    await admin.proposals.select(proposalId);
    await expect(admin.proposals.widenings()).toContainText('Requesters may approve themselves under break-glass');
    await admin.console.goOffline();
    await admin.proposals.approve();
    await expect(admin.proposals.outcome()).toContainText('saved on this device');
    await admin.console.expectChangesWaiting(1);

    const withdrawn = await sendCommand(await login(CONFIGURERS.mallory.username), 'proposal.reject', { proposalId, reason: '' });
    expect(withdrawn.status, withdrawn.message).toBe('applied');

    await admin.context.setOffline(false);
    await admin.console.expectNothingWaiting();
    await expect(admin.proposals.outcome()).toContainText(/Not applied: .*already withdrawn by Mallory Reyes/, { timeout: 15_000 });
    await expect(admin.proposals.stateNotice()).toContainText('Withdrawn by Mallory Reyes');
    await expect(admin.page.getByRole('alert').filter({ hasText: /Approval of a change .*not applied/ })).toBeVisible();
    await saveScreenshot(admin.page, testInfo, '09-proposal-approval-refused');
    expect((await getPolicy(await login(CONFIGURERS.mallory.username), 'pol-two-step')).breakGlass).toBe(false);
  } finally {
    await admin.context.close();
  }
});
