/**
 * axe (WCAG 2.0 and 2.1, levels A and AA, plus axe's best practices such as heading order and
 * landmarks) over every screen each kind of person has, in the light and the dark theme: the
 * sign-in page, each screen their navigation offers, and the dialogs people work in (the deny
 * reason, the shortcuts). Any critical or serious finding fails the test, named by rule, screen,
 * theme and first target; moderate and minor ones are counted per screen and printed. Every node
 * axe found, and what it could not decide, is written to test-results/axe/PERSON.json.
 *
 * The theme follows the system preference until Settings sets one, so each pass emulates
 * `prefers-color-scheme` and checks that the console applied it.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { APPROVERS, CONFIGURERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD, REQUESTERS } from './support/accounts.js';
import { serverUrl } from './support/api.js';
import { saveScreenshot } from './support/screenshot.js';
import { SignInPage } from './pages/SignInPage.js';
import { expect, openConsoleAs, test } from './fixtures.js';

const REPORT_DIR = path.resolve('test-results/axe');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];
type Impact = 'critical' | 'serious' | 'moderate' | 'minor';

/** People whose consoles differ: everything (admin), deciding (alice), asking (bob), reading (heidi). */
const PEOPLE = [
  { username: CONFIGURERS.admin.username, displayName: CONFIGURERS.admin.displayName, password: E2E_ADMIN_PASSWORD },
  { username: APPROVERS.alice.username, displayName: APPROVERS.alice.displayName, password: DEMO_PASSWORD },
  { username: REQUESTERS.bob.username, displayName: REQUESTERS.bob.displayName, password: DEMO_PASSWORD },
  { username: CONFIGURERS.heidi.username, displayName: CONFIGURERS.heidi.displayName, password: DEMO_PASSWORD },
];

/** Screens pictured in each theme, for people to look at after a colour change. */
const PICTURES = ['Queue', 'My access', 'Request access', 'Requests', 'Audit', 'Settings'];

/** One rule's result on one screen: its nodes, the first one's selector and axe's sentence about it. */
type Finding = { rule: string; impact: Impact; screen: string; theme: Theme; nodes: number; target: string; summary: string };
type AxeResult = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

function finding(result: AxeResult, screen: string, theme: Theme): Finding {
  const first = result.nodes[0];
  return {
    rule: result.id,
    impact: (result.impact ?? 'minor') as Impact,
    screen,
    theme,
    nodes: result.nodes.length,
    target: first?.target.join(' ') ?? '(no target)',
    // e.g. the contrast ratio measured and the two colours.
    summary: (first?.failureSummary ?? result.help).replace(/^Fix (any|all) of the following:\s*/i, '').replace(/\s+/g, ' ').trim(),
  };
}

class Scan {
  readonly results: Array<{ screen: string; theme: Theme; violations: Finding[]; incomplete: Finding[] }> = [];

  constructor(
    readonly who: string,
    readonly testInfo: TestInfo,
  ) {}

  async check(page: Page, screen: string, theme: Theme, scope?: string): Promise<void> {
    // Legacy mode runs axe.run in the page itself; the default runs each frame partially and then
    // finishes in a new blank page, a page per scan. The console has no frames for it to miss.
    let builder = new AxeBuilder({ page }).withTags(TAGS).setLegacyMode();
    if (scope) builder = builder.include(scope);
    const results = await builder.analyze();
    this.results.push({
      screen,
      theme,
      violations: results.violations.map((r) => finding(r, screen, theme)),
      // What axe could not decide (a colour over a gradient, say): for people to look at, failing nothing.
      incomplete: results.incomplete.map((r) => finding(r, screen, theme)),
    });
  }

  /** Prints the counts and fails on any critical or serious finding, naming each. */
  async finish(): Promise<void> {
    const count = (findings: Finding[], impact: Impact) => findings.filter((f) => f.impact === impact).reduce((n, f) => n + f.nodes, 0);
    const lines = this.results.map(({ screen, theme, violations }) => {
      const rest = violations.filter((f) => f.impact === 'moderate' || f.impact === 'minor');
      const rules = rest.map((f) => `${f.rule} ${f.nodes}`).join(', ');
      return `  ${theme} · ${screen}: ${count(violations, 'moderate')} moderate, ${count(violations, 'minor')} minor${rules ? ` (${rules})` : ''}`;
    });
    for (const theme of THEMES) {
      const all = this.results.filter((r) => r.theme === theme).flatMap((r) => r.violations);
      lines.push(`  ${theme} theme: ${count(all, 'critical')} critical, ${count(all, 'serious')} serious, ${count(all, 'moderate')} moderate, ${count(all, 'minor')} minor`);
    }
    console.log(`[axe] ${this.who}\n${lines.join('\n')}`);

    mkdirSync(REPORT_DIR, { recursive: true });
    const file = path.join(REPORT_DIR, `${this.who.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(this.results, null, 2));
    await this.testInfo.attach(`axe-${this.who}`, { path: file, contentType: 'application/json' });

    const failing = this.results.flatMap((r) => r.violations).filter((f) => f.impact === 'critical' || f.impact === 'serious');
    const described = failing.map((f) => `${f.impact} ${f.rule} on ${f.screen} (${f.theme} theme): ${f.target}${f.nodes > 1 ? ` and ${f.nodes - 1} more` : ''}: ${f.summary}`);
    expect(described, `critical or serious axe findings for ${this.who}`).toEqual([]);
  }
}

async function useTheme(page: Page, theme: Theme): Promise<void> {
  await page.emulateMedia({ colorScheme: theme, reducedMotion: 'reduce' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
}

/** A screen has settled when its heading shows and nothing in it says it is still loading. */
async function settle(page: Page): Promise<void> {
  await expect(page.locator('main h1').first()).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('main [aria-busy="true"]')).toHaveCount(0, { timeout: 15_000 });
  await page.waitForTimeout(250); // lists fill from the replica
}

async function navLabels(page: Page): Promise<string[]> {
  const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  return (await links.allInnerTexts()).map((text) => text.replace(/\s*\d[\d,]*$/, '').trim());
}

test('the sign-in page has no critical or serious axe finding in either theme', async ({ page }, testInfo) => {
  const scan = new Scan('signed out', testInfo);
  const signIn = new SignInPage(page);
  await signIn.open(serverUrl());
  for (const theme of THEMES) {
    await useTheme(page, theme);
    await scan.check(page, 'Sign in', theme);
    // The error a wrong password leaves on the form.
    await signIn.signIn('nobody', 'not-the-password');
    await expect(page.getByRole('alert')).toBeVisible();
    await scan.check(page, 'Sign in, refused', theme);
    await page.reload();
    await expect(signIn.username()).toBeVisible();
  }
  await scan.finish();
});

for (const person of PEOPLE) {
  test(`every screen ${person.username} has passes axe in both themes`, async ({ context }, testInfo) => {
    test.setTimeout(90_000);
    const scan = new Scan(person.username, testInfo);
    const { page, console, queue } = await openConsoleAs(context, person.username, person.displayName, person.password);
    const screens = await navLabels(page);
    expect(screens.length).toBeGreaterThan(2);
    // Each screen is opened once and checked in both themes (a theme changes colours only), so a
    // run does not open every screen twice.
    for (const label of screens) {
      await console.navLink(label).click();
      await settle(page);
      for (const theme of THEMES) {
        await useTheme(page, theme);
        await scan.check(page, label, theme);

        if (label === 'Queue' && (await queue.list().getByRole('option').count()) > 0) {
          // The deny reason dialog, on the request the cursor is on.
          await queue.list().focus();
          await page.keyboard.press('d');
          const dialog = page.getByRole('dialog', { name: 'Deny request' });
          await expect(dialog).toBeVisible();
          await scan.check(page, 'Queue, deny dialog', theme, 'dialog[open]');
          await page.keyboard.press('Escape');
          await expect(dialog).toBeHidden();
          // A request selected with x: its mark and the bulk bar.
          await page.keyboard.press('x');
          await expect(page.getByText('1 selected')).toBeVisible();
          await scan.check(page, 'Queue, one selected', theme);
          await saveScreenshot(page, testInfo, `axe-${person.username}-${theme}-queue-selected`);
          await page.keyboard.press('x');
          await expect(page.getByText('1 selected')).toBeHidden();
        }
        if (PICTURES.includes(label)) await saveScreenshot(page, testInfo, `axe-${person.username}-${theme}-${label.toLowerCase().replace(/\W+/g, '-')}`);
      }
      if (label === 'Revocations') {
        // Connectors opens from Revocations, not from the navigation.
        await page.evaluate('window.location.hash = "#/connectors"');
        await settle(page);
        for (const theme of THEMES) {
          await useTheme(page, theme);
          await scan.check(page, 'Connectors', theme);
        }
      }
    }
    for (const theme of THEMES) {
      await useTheme(page, theme);
      await page.locator('main').focus();
      await page.keyboard.press('?');
      const shortcuts = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await expect(shortcuts).toBeVisible();
      await scan.check(page, 'Shortcuts dialog', theme, 'dialog[open]');
      await page.keyboard.press('Escape');
      await expect(shortcuts).toBeHidden();
    }
    await scan.finish();
  });
}
