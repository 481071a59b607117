/**
 * The policy editor: Mallory (policy admin) tightens a policy in the console (one more step, a
 * lower maximum, a ticket in Jira's form), reads the what-if her replica computes, and saves; the
 * change applies at once and the next request is decided under it. Widening it again becomes a
 * proposal the admin approves. Alice (approver) finds nothing to edit.
 *
 * The spec works on a policy of its own, bound to Helpdesk Administrator (which no other spec
 * asks for), so the demo's shared policies keep what the other specs expect.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import type { AccessPolicy, Resource } from '../../core/index.js';
import { APPROVERS, CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { approveRequest, getPolicy, getReplicated, login, sendCommand, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { EditorPage } from './pages/EditorPage.js';
import { ProposalsPage } from './pages/ProposalsPage.js';

const POLICY_ID = 'pol-e2e-helpdesk';
const POLICY_NAME = 'Helpdesk: one approver';
const HELPDESK = 'res-entra-helpdesk-admin';

/** A policy like the demo's "One approver", and Helpdesk Administrator bound to it: both apply at once (nothing widens). */
async function setUp(): Promise<void> {
  const mallory = await login(CONFIGURERS.mallory.username);
  const created = await sendCommand(mallory, 'policy.upsert', {
    policy: {
      id: POLICY_ID,
      name: POLICY_NAME,
      description: 'Helpdesk roles: any approver decides.',
      maxDurationMinutes: 480,
      defaultDurationMinutes: 120,
      requireJustification: true,
      approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }],
      maxExtensions: 1,
    },
  });
  expect(created.status, created.message).toBe('applied');
  const resource = await getReplicated<Resource>(mallory, 'resources', HELPDESK);
  const moved = await sendCommand(mallory, 'resource.upsert', { resource: { ...resource, policyIds: [POLICY_ID] } });
  expect(moved.status, moved.message).toBe('applied');
  expect(moved.message).not.toMatch(/widens access/);
}

async function consoleAs(browser: Browser, who: 'mallory' | 'admin') {
  const account = CONFIGURERS[who];
  return openConsoleAs(await browser.newContext(), account.username, account.displayName, who === 'admin' ? E2E_ADMIN_PASSWORD : DEMO_PASSWORD);
}

/** Critical or serious axe findings inside the editor, in the theme shown now. */
async function axeFindings(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('main').setLegacyMode().analyze();
  return results.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}: ${v.nodes[0]?.failureSummary ?? ''}`);
}

test('a policy admin tightens a policy in the editor, reads the what-if, and the next request is decided under the new rule; widening it again waits for the admin', async ({ browser }, testInfo) => {
  test.setTimeout(180_000);
  await setUp();
  // History for the what-if: Oscar holds a 4-hour grant (past the new maximum); Ivan's demo request asked for 2 h without a ticket.
  const long = await submitRequest('oscar', HELPDESK, { minutes: 240, ticket: '' });
  expect((await approveRequest(APPROVERS.alice.username, long.id)).status).toBe('applied');

  const mallory = await consoleAs(browser, 'mallory');
  const admin = await consoleAs(browser, 'admin');
  const editor = new EditorPage(mallory.page);
  try {
    await mallory.console.go('Policies');
    await expect(mallory.page.getByRole('link', { name: 'New policy' })).toBeVisible();
    await mallory.page.getByRole('link', { name: `Edit ${POLICY_NAME}` }).click();
    await editor.expectOpen(`Edit ${POLICY_NAME}`);
    await expect(editor.verdict()).toContainText('Saving applies at once');
    await expect(editor.requests()).toContainText('decided the same way');

    // Inline validation from the schema and the server's rules, on the field.
    await editor.fill('maxDurationMinutes', '2 hours');
    await expect(editor.problem('maxDurationMinutes')).toContainText('is not a duration');
    await expect(editor.whatIf()).toContainText('Fix the fields marked in the form');
    await editor.fill('maxDurationMinutes', '1h');
    await expect(editor.problem('defaultDurationMinutes')).toHaveText('must not exceed maxDurationMinutes (60)');

    // The tightening: 2 h at most, a ticket in Jira's form, a security step after the approver.
    await editor.fill('maxDurationMinutes', '2h');
    await editor.fill('defaultDurationMinutes', '1h');
    await editor.field('requireTicket').check();
    await editor.field('ticketSystem').selectOption('jira');
    await editor.addStep('Security', 'Carol Diaz');
    await expect(editor.steps()).toHaveCount(2);

    await expect(editor.verdict()).toContainText('Saving applies at once');
    await expect(editor.eligibility()).toContainText('Only access profiles decide who is eligible');
    await expect(editor.eligibility()).toContainText('unchanged');
    const ivan = editor.requests().locator('li', { hasText: 'Ivan Petrov' });
    await expect(ivan).toContainText('Refused: a ticket reference is required for Helpdesk Administrator');
    await expect(editor.requests().locator('li', { hasText: 'Oscar Silva' })).toContainText('exceeds the maximum of 120 minutes');
    await expect(editor.grants()).toContainText('Oscar Silva');
    await expect(editor.grants()).toContainText('4 h, 2 h past the new maximum of 2 h');
    await saveScreenshot(mallory.page, testInfo, '10-policy-editor-what-if');
    await mallory.page.getByTestId('approval-chain').scrollIntoViewIfNeeded();
    await saveScreenshot(mallory.page, testInfo, '10-policy-editor-chain');
    expect(await axeFindings(mallory.page), 'axe, light theme').toEqual([]);
    await mallory.page.emulateMedia({ colorScheme: 'dark' });
    await expect(mallory.page.locator('html')).toHaveAttribute('data-theme', 'dark');
    await saveScreenshot(mallory.page, testInfo, '10-policy-editor-chain-dark');
    await editor.whatIf().scrollIntoViewIfNeeded();
    await mallory.page.locator('main .page').evaluate((el) => el.scrollTo(0, 0));
    await saveScreenshot(mallory.page, testInfo, '10-policy-editor-what-if-dark');
    expect(await axeFindings(mallory.page), 'axe, dark theme').toEqual([]);
    await mallory.page.emulateMedia({ colorScheme: 'light' });

    await editor.save();
    await expect(editor.outcome()).toContainText('Applied: Access policy "Helpdesk: one approver" updated', { timeout: 15_000 });
    await mallory.console.expectNothingWaiting();
    const tightened = await getPolicy(await login(CONFIGURERS.mallory.username), POLICY_ID);
    expect(tightened).toMatchObject({ maxDurationMinutes: 120, requireTicket: true, ticketSystem: 'jira' });
    expect(tightened.approvalSteps.map((s) => s.name)).toEqual(['Approver', 'Security']);

    // The next requests are decided under the new rule.
    await expect(submitRequest('ivan', HELPDESK, { minutes: 240, ticket: 'OPS-1' })).rejects.toThrow(/exceeds the maximum of 120 minutes/);
    await expect(submitRequest('ivan', HELPDESK, { minutes: 60, ticket: '' })).rejects.toThrow(/a ticket reference is required/);
    await expect(submitRequest('ivan', HELPDESK, { minutes: 60, ticket: 'lol' })).rejects.toThrow(/does not have the expected form: a Jira issue key/);
    const next = (await submitRequest('ivan', HELPDESK, { minutes: 60, ticket: 'OPS-12' })) as unknown as { status: string; policy: { approvalSteps: { name: string }[] } };
    expect(next.status).toBe('pending_approval');
    expect(next.policy.approvalSteps.map((s) => s.name)).toEqual(['Approver', 'Security']);

    // Widening it again (a longer maximum) is proposed, not applied.
    await editor.fill('maxDurationMinutes', '8h');
    await expect(editor.verdict()).toContainText('Saving proposes this change to a second person');
    await expect(editor.verdict()).toContainText('Maximum duration 2 h → 8 h');
    await editor.save();
    await expect(editor.outcome()).toContainText('Proposed for a second person', { timeout: 15_000 });
    expect((await getPolicy(await login(CONFIGURERS.mallory.username), POLICY_ID)).maxDurationMinutes).toBe(120);
    await saveScreenshot(mallory.page, testInfo, '10-policy-editor-proposed');
    await editor.outcome().getByRole('link', { name: 'Follow it in Proposals' }).click();
    const proposals = new ProposalsPage(mallory.page);
    await expect(proposals.detail()).toContainText(POLICY_NAME);
    await expect(proposals.actions().getByRole('button')).toHaveText(['Withdraw']);
    const proposalId = await proposals.detail().locator('[data-proposal-id]').getAttribute('data-proposal-id');

    const second = new ProposalsPage(admin.page);
    await second.open();
    await second.select(proposalId!);
    await expect(second.diffRow('maxDurationMinutes').locator('.pr-after')).toHaveText('8 h');
    // The second person reads the replay too, from their own replica.
    await expect(second.detail().getByTestId('proposal-replay')).toContainText('Last 90 days’ requests');
    await expect(second.detail().getByTestId('what-if-grants')).toContainText('active grant');
    await second.detail().getByTestId('proposal-replay').scrollIntoViewIfNeeded();
    await saveScreenshot(admin.page, testInfo, '10-proposal-replay');
    await second.approve('Back to a working day for the helpdesk');
    await expect(second.stateNotice()).toContainText('Approved by Administrator', { timeout: 15_000 });
    await expect.poll(async () => (await getPolicy(await login(CONFIGURERS.mallory.username), POLICY_ID)).maxDurationMinutes, { timeout: 15_000 }).toBe(480);
    // The rest of the tightening stays.
    const after = await getPolicy(await login(CONFIGURERS.mallory.username), POLICY_ID);
    expect(after).toMatchObject({ requireTicket: true, ticketSystem: 'jira' } satisfies Partial<AccessPolicy>);

    // The history: each version, who changed it, the fields against the one before; an earlier one restores into the form.
    await mallory.page.evaluate(`window.location.hash = "#/policies/${POLICY_ID}"`);
    await editor.expectOpen(`Edit ${POLICY_NAME}`);
    const history = mallory.page.getByTestId('history');
    const versions = history.locator(':scope > li');
    await expect(versions).toHaveCount(3, { timeout: 15_000 });
    await expect(versions.nth(0)).toContainText(/changed by (Mallory Reyes and Administrator|Administrator and Mallory Reyes) through a proposal/);
    await expect(versions.nth(0).locator('tr[data-field="maxDurationMinutes"] .pr-after')).toHaveText('8 h');
    await expect(versions.nth(1).locator('tr[data-field="maxDurationMinutes"] .pr-before')).toHaveText('8 h');
    await expect(versions.nth(1).locator('tr[data-field="maxDurationMinutes"] .pr-after')).toHaveText('2 h');
    await expect(versions.nth(1)).toContainText('changed by Mallory Reyes');
    await expect(versions.nth(1).locator('tr[data-field="approvalSteps.1"]')).toContainText('Carol Diaz');
    await expect(versions.nth(2)).toContainText('Created');
    await versions.nth(1).scrollIntoViewIfNeeded();
    await saveScreenshot(mallory.page, testInfo, '10-policy-history');
    await versions.nth(2).locator('summary').click();
    await versions.nth(2).getByRole('button', { name: 'Restore this version' }).click();
    await expect(mallory.page.getByTestId('restored')).toContainText('is in the form');
    await expect(editor.field('requireTicket')).not.toBeChecked();
    await expect(editor.steps()).toHaveCount(1);
    await expect(editor.verdict()).toContainText('Saving proposes this change to a second person');
  } finally {
    await mallory.context.close();
    await admin.context.close();
  }
});

test('a new policy is created from the list (saved offline, applied on reconnect); a widening of one’s own access is refused with its reason on the form', async ({ browser }, testInfo) => {
  const mallory = await consoleAs(browser, 'mallory');
  const editor = new EditorPage(mallory.page);
  try {
    await mallory.console.go('Policies');
    await mallory.page.getByRole('link', { name: 'New policy' }).click();
    await editor.expectOpen('New access policy');
    await editor.save();
    await expect(editor.problem('name')).toHaveText('is required');
    await editor.fill('name', 'Night operations');
    await expect(editor.verdict()).toContainText('Saving creates it at once');
    await editor.pickPerson(editor.step(0).getByTestId('step-0-escalate-people'), 'Dave Okafor');
    await mallory.console.goOffline();
    await editor.save();
    await expect(editor.outcome()).toContainText('saved on this device');
    await mallory.console.goOnline();
    await expect(editor.outcome()).toContainText('Applied: Access policy "Night operations" created', { timeout: 20_000 });
    await expect(mallory.page).toHaveURL(/#\/policies\/pol-night-operations$/);
    await expect(mallory.page.getByRole('heading', { level: 1 })).toHaveText('Edit Night operations');
    const created = await getPolicy(await login(CONFIGURERS.mallory.username), 'pol-night-operations');
    expect(created.approvalSteps[0]).toMatchObject({ name: 'Approver', approverRoles: ['approver'], escalateToIds: ['u-dave'] });

    // A pattern the server refuses for safety is refused inline first, from the same schema.
    await editor.field('ticketSystem').selectOption('custom');
    await editor.fill('ticketPattern', '(a+)+');
    await expect(editor.problem('ticketPattern')).toContainText('must not repeat without bound a group');

    // Mallory holds the approver role, which makes her eligible for Global Reader under "One approver":
    // the what-if says the server will refuse a widening of it, and the server does, with its reason.
    await mallory.console.go('Policies');
    await mallory.page.getByRole('link', { name: 'Edit One approver' }).click();
    await editor.expectOpen('Edit One approver');
    await editor.fill('maxDurationMinutes', '12h');
    await expect(editor.verdict()).toContainText('The server will refuse this change: it widens your own access');
    await editor.save();
    await expect(editor.outcome()).toContainText('Not saved: This change widens your own access', { timeout: 15_000 });
    await saveScreenshot(mallory.page, testInfo, '10-policy-editor-refused');
    expect((await getPolicy(await login(CONFIGURERS.mallory.username), 'pol-single-approver')).maxDurationMinutes).toBe(480);
  } finally {
    await mallory.context.close();
  }
});

test('the resource and profile editors: a resource tightened applies at once; a profile’s what-if names who would lose eligibility', async ({ browser }, testInfo) => {
  const mallory = await consoleAs(browser, 'mallory');
  const editor = new EditorPage(mallory.page);
  try {
    await mallory.console.go('Resources');
    await mallory.page.getByRole('link', { name: 'Edit Helpdesk Administrator' }).click();
    await editor.expectOpen('Edit Helpdesk Administrator');
    await editor.field('sensitivity').selectOption('high');
    await editor.fill('target.externalId', '../elsewhere');
    await expect(editor.problem('target.externalId')).toContainText('an Entra object id has only letters, digits and hyphens');
    await editor.fill('target.externalId', '729827e3-9c14-49f7-bb1b-9608f156bbb8');
    await expect(editor.verdict()).toContainText('Saving applies at once');
    await saveScreenshot(mallory.page, testInfo, '10-resource-editor');
    await editor.save();
    await expect(editor.outcome()).toContainText('Applied: Resource "Helpdesk Administrator" updated', { timeout: 15_000 });
    expect((await getReplicated<Resource>(await login(CONFIGURERS.mallory.username), 'resources', HELPDESK)).sensitivity).toBe('high');

    // Profiles: read, and what dropping a department would do (not saved: other specs ask under it).
    await mallory.console.navLink('Profiles').click();
    await expect(mallory.page.getByRole('heading', { name: 'Access profiles', level: 1 })).toBeVisible();
    await mallory.page.getByRole('link', { name: 'Edit IT operations and support' }).click();
    await editor.expectOpen('Edit IT operations and support');
    await editor.form().getByRole('button', { name: 'Remove Support' }).click();
    await expect(editor.eligibility()).toContainText('Lose');
    await expect(editor.eligibility()).toContainText('Oscar Silva');
    await expect(editor.verdict()).toContainText('Saving applies at once');
    await saveScreenshot(mallory.page, testInfo, '10-profile-editor-what-if');
    await mallory.page.getByRole('link', { name: 'Cancel' }).click();
    await expect(mallory.page.getByRole('heading', { name: 'Access profiles', level: 1 })).toBeVisible();
  } finally {
    await mallory.context.close();
  }
});

test('an approver sees no way to edit a policy', async ({ browser }) => {
  const alice = await openConsoleAs(await browser.newContext(), APPROVERS.alice.username, APPROVERS.alice.displayName);
  try {
    await alice.console.go('Policies');
    await expect(alice.page.locator('[data-policy-id]').first()).toBeVisible();
    await expect(alice.page.getByText(/read-only/).first()).toBeVisible();
    await expect(alice.page.getByRole('link', { name: /^(New policy|Edit)/ })).toHaveCount(0);
    // Typed by hand, the editor's address says why instead.
    await alice.page.evaluate(`window.location.hash = "#/policies/${POLICY_ID}"`);
    await expect(alice.page.getByRole('heading', { name: 'Read-only' })).toBeVisible();
    await expect(alice.page.locator('.editor-form')).toHaveCount(0);
  } finally {
    await alice.context.close();
  }
});
