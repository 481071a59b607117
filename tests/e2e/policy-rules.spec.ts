/**
 * Auto-approval rules and access windows in the policy editor: Mallory (policy admin) gives the
 * Server-Admins policy a maintenance window, each part of it checked on its field as she types (the
 * hours, an IANA zone), with the window's next opening in words and the what-if replaying the demo's
 * request at the time it was asked; a rule's threshold is checked too, and a rule is a widening
 * (a second person) while a window only tightens. Saved, the window refuses Dave's request naming
 * the next opening, and Dave's request form says the window is closed before he sends anything.
 *
 * The spec moves Server-Admins (which no other spec asks for) to a copy of its policy, so the demo's
 * shared policies keep what the other specs expect. Times are real: the window opens on a day three
 * days ahead, in UTC, so it is closed whenever the spec runs.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import type { AccessPolicy, Resource } from '../../core/index.js';
import { CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD, REQUESTERS } from './support/accounts.js';
import { getPolicy, getReplicated, login, sendCommand, submitRequest } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { expect, openConsoleAs, test } from './fixtures.js';
import { EditorPage } from './pages/EditorPage.js';

const POLICY_ID = 'pol-e2e-maintenance';
const POLICY_NAME = 'Server admins: maintenance window';
const SERVER_ADMINS = 'res-ad-server-admins';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_WORD = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_WORD = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The day three days from now in UTC, and how its 10:00 opening reads. */
function windowDay(): { day: (typeof DAYS)[number]; words: string; opening: string } {
  const d = new Date(Date.now() + 3 * 86_400_000);
  const index = d.getUTCDay();
  return { day: DAYS[index]!, words: `${DAY_WORD[index]} 10:00-11:00 UTC`, opening: `${DAY_WORD[index]} ${d.getUTCDate()} ${MONTH_WORD[d.getUTCMonth()]} 10:00 UTC` };
}

/** A copy of Server-Admins' policy, and the resource moved to it: the same rules, so nothing widens. */
async function setUp(): Promise<void> {
  const mallory = await login(CONFIGURERS.mallory.username);
  const { changedBy: _c, updatedAt: _u, ...base } = await getPolicy(mallory, 'pol-two-step-break-glass');
  const created = await sendCommand(mallory, 'policy.upsert', { policy: { ...base, id: POLICY_ID, name: POLICY_NAME } satisfies Partial<AccessPolicy> });
  expect(created.status, created.message).toBe('applied');
  const resource = await getReplicated<Resource>(mallory, 'resources', SERVER_ADMINS);
  const moved = await sendCommand(mallory, 'resource.upsert', { resource: { ...resource, policyIds: [POLICY_ID] } });
  expect(moved.status, moved.message).toBe('applied');
  expect(moved.message).not.toMatch(/widens access/);
}

/**
 * Server-Admins back under its demo policy, as the other specs expect it (the proposals and roles
 * specs widen that policy, which is judged only while a resource names it). The move is judged like
 * any change: where it widens (the copy now has a window the original lacks), the admin approves it.
 */
test.afterAll(async () => {
  const mallory = await login(CONFIGURERS.mallory.username);
  const resource = await getReplicated<Resource>(mallory, 'resources', SERVER_ADMINS);
  if (resource.policyIds.join() === 'pol-two-step-break-glass') return;
  const moved = await sendCommand(mallory, 'resource.upsert', { resource: { ...resource, policyIds: ['pol-two-step-break-glass'] } });
  expect(moved.status, moved.message).toBe('applied');
  if (/widens access/.test(moved.message)) {
    const admin = await login(CONFIGURERS.admin.username, E2E_ADMIN_PASSWORD);
    const approved = await sendCommand(admin, 'proposal.approve', { proposalId: moved.subjectIds[0], reason: 'e2e: Server-Admins back under its demo policy' });
    expect(approved.status, approved.message).toBe('applied');
  }
  expect((await getReplicated<Resource>(mallory, 'resources', SERVER_ADMINS)).policyIds).toEqual(['pol-two-step-break-glass']);
});

/** Critical or serious axe findings inside the editor. */
async function axeFindings(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include('main').setLegacyMode().analyze();
  return results.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}: ${v.nodes[0]?.failureSummary ?? ''}`);
}

async function consoleAs(browser: Browser, username: string, displayName: string) {
  return openConsoleAs(await browser.newContext(), username, displayName, DEMO_PASSWORD);
}

test('a policy admin sets an access window and a rule with inline checks; saved, the window refuses a request naming its next opening', async ({ browser }, testInfo) => {
  test.setTimeout(180_000);
  await setUp();
  const when = windowDay();
  const mallory = await consoleAs(browser, CONFIGURERS.mallory.username, CONFIGURERS.mallory.displayName);
  const editor = new EditorPage(mallory.page);
  try {
    await mallory.console.go('Policies');
    await mallory.page.getByRole('link', { name: `Edit ${POLICY_NAME}` }).click();
    await editor.expectOpen(`Edit ${POLICY_NAME}`);
    await expect(mallory.page.getByTestId('access-windows')).toContainText('No window: access may start at any time.');

    // A window: one day, 10:00-11:00 UTC, each part checked on its field.
    await mallory.page.getByRole('button', { name: 'Add a window' }).click();
    for (const day of DAYS) {
      const box = editor.field(`accessWindows.0.days.${day}`);
      if (day === when.day) await box.check();
      else await box.uncheck();
    }
    await editor.fill('accessWindows.0.start', '10:00');
    await editor.fill('accessWindows.0.end', '25:00');
    await expect(editor.problem('accessWindows.0.end')).toContainText('must be a time such as 18:00');
    await editor.fill('accessWindows.0.end', '11:00');
    await editor.fill('accessWindows.0.timeZone', 'Mars/Olympus_Mons');
    await expect(editor.problem('accessWindows.0.timeZone')).toContainText('is not a known IANA time zone');
    await expect(editor.whatIf()).toContainText('Fix the fields marked in the form');
    await editor.fill('accessWindows.0.timeZone', 'utc');
    await expect(editor.problem('accessWindows.0.timeZone')).toHaveText('write it UTC');
    await editor.fill('accessWindows.0.timeZone', 'UTC');
    await expect(mallory.page.getByTestId('access-windows').getByTestId('window-preview')).toHaveText(`${when.words} · next opens ${when.opening}`);

    // A window only tightens; the what-if replays Bob's demo request at the hour he asked, outside it.
    await expect(editor.verdict()).toContainText('Saving applies at once');
    await expect(editor.requests().locator('li', { hasText: 'Bob Nguyen' })).toContainText(`outside the access windows of "${POLICY_NAME}" (${when.words})`);

    // A rule: its threshold checked on its field; adding one widens access, so it would wait for a second person.
    await mallory.page.getByRole('button', { name: 'Add a rule' }).click();
    await editor.fill('autoApprovalRules.0.riskBelow', 'low');
    await expect(editor.problem('autoApprovalRules.0.riskBelow')).toHaveText('a whole number from 1 to 100');
    await editor.fill('autoApprovalRules.0.riskBelow', '101');
    await expect(editor.problem('autoApprovalRules.0.riskBelow')).toHaveText('must be at most 100');
    await editor.fill('autoApprovalRules.0.riskBelow', '40');
    await expect(editor.verdict()).toContainText('Saving proposes this change to a second person');
    await expect(editor.verdict()).toContainText('its risk score is below 40');
    await mallory.page.getByTestId('auto-approval-rules').scrollIntoViewIfNeeded();
    await mallory.page.getByTestId('auto-approval-rules').getByText('Asked within a time window').click();
    await expect(mallory.page.getByTestId('window-preview')).toHaveCount(2);
    await saveScreenshot(mallory.page, testInfo, '11-policy-rules-and-windows');
    expect(await axeFindings(mallory.page), 'axe, with a rule and a window').toEqual([]);
    await mallory.page.getByRole('button', { name: 'Remove rule 1' }).click();
    await expect(editor.verdict()).toContainText('Saving applies at once');

    await editor.save();
    await expect(editor.outcome()).toContainText(`Applied: Access policy "${POLICY_NAME}" updated`, { timeout: 15_000 });
    const saved = await getPolicy(await login(CONFIGURERS.mallory.username), POLICY_ID);
    expect(saved.accessWindows).toEqual([{ days: [when.day], start: '10:00', end: '11:00', timeZone: 'UTC' }]);
    expect(saved.autoApprovalRules).toEqual([]);
  } finally {
    await mallory.context.close();
  }

  // Enforced: Dave's request is refused now, naming the next opening.
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect(submitRequest('dave', SERVER_ADMINS, { minutes: 30, ticket: 'CHG-1301' })).rejects.toThrow(new RegExp(`answered 422: .*"code":"outside_window".*\\(${escaped(when.words)}\\); next opens ${escaped(when.opening)}`));

  // And his request form says so before he sends anything.
  const dave = await consoleAs(browser, REQUESTERS.dave.username, REQUESTERS.dave.displayName);
  try {
    const page = dave.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Request access/ }).click();
    await expect(page.getByRole('heading', { name: 'Request access', level: 1 })).toBeVisible();
    await page.getByRole('list', { name: 'Resources you may request' }).getByRole('link', { name: /Server-Admins/ }).click();
    const policy = page.getByRole('region', { name: 'The policy that applies' });
    await expect(policy).toContainText(`A request can be made only within ${when.words}`);
    await expect(policy.getByTestId('window-notice')).toContainText(`Outside the access window now: the next one opens ${when.opening}`);
    await saveScreenshot(page, testInfo, '11-request-window-closed');
  } finally {
    await dave.context.close();
  }
});
