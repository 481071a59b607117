/**
 * The built web console under the Content-Security-Policy the sync server sends with it
 * (sync-server/http/transport.ts): every screen is visited and no violation may occur, so a
 * renderer change that policy would block (an inline script or style, a fetch elsewhere) is caught.
 */
import { expect, test } from '@playwright/test';
import { ConsolePage } from './pages/ConsolePage.js';
import { QueuePage } from './pages/QueuePage.js';
import { SignInPage } from './pages/SignInPage.js';
import { CONFIGURERS, DEMO_PASSWORD } from './support/accounts.js';
import { serverUrl } from './support/api.js';

type Violation = { directive: string; blocked: string; source: string };

// Zod 4 probes once whether `new Function` is allowed and falls back when it is not; the probe is
// reported as an eval violation but nothing depends on it. Any other violation fails the test.
const ZOD_EVAL_PROBE = (violation: Violation) => violation.directive === 'script-src' && violation.blocked === 'eval';

test('web CSP: every screen of the built console runs without a violation', async ({ page }) => {
  const violations: Violation[] = [];
  const pageErrors: string[] = [];
  await page.exposeFunction('reportCspViolation', (violation: Violation) => violations.push(violation));
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
    window.reportCspViolation({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile + ':' + e.lineNumber }))`);
  page.on('pageerror', (error) => pageErrors.push(error.message));

  const signIn = new SignInPage(page);
  const response = await page.goto(`${serverUrl()}/`);
  const policy = response?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("default-src 'none'");
  expect(policy).not.toContain('unsafe-inline');
  await expect(signIn.server()).toHaveValue(serverUrl());
  // A policy admin who also approves sees every screen, Proposals included.
  await signIn.signIn(CONFIGURERS.mallory.username, DEMO_PASSWORD);
  const consolePage = new ConsolePage(page);
  await consolePage.expectSignedInAs(CONFIGURERS.mallory.displayName);
  await new QueuePage(page).expectLoaded();
  await consolePage.expectOnline();

  const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  const count = await links.count();
  expect(count).toBeGreaterThan(3);
  for (let index = 0; index < count; index += 1) {
    await links.nth(index).click();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  // The built stylesheet applied (style-src 'self' admits it).
  expect(await page.evaluate(`getComputedStyle(document.body).fontFamily`)).not.toBe('');

  expect(violations.filter((v) => !ZOD_EVAL_PROBE(v))).toEqual([]);
  expect(pageErrors).toEqual([]);
});
