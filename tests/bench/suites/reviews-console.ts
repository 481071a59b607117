/**
 * The reviewer's inbox in Chromium against the real sync server (in this process) serving the built
 * console: one open campaign whose 10,000 review items (quick: 2,000) all name Carol on their only
 * stage, written straight into the store.
 *
 * - inbox_next_item_p95_ms / p50 (target p95 50 ms): a `j` keystroke until the next item is the
 *   selected row and the next animation frame has come (as the console suite's keystroke figure
 *   waits for the list to show the search), timed inside the page, over presses down the list
 *   (it scrolls under the cursor).
 */
import { chromium, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReviewCampaign, ReviewItem } from '../../../core/index.js';
import { createServer } from '../../../sync-server/app.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../playwright.config.js';
import { DEMO_PASSWORD } from '../../e2e/support/accounts.js';
import { buildConsoleIfStale, REPO_ROOT } from '../../e2e/support/build.js';
import type { BenchSuite } from '../types.js';

const CAMPAIGN = 'c-bench-inbox';
const PEOPLE = ['Bob Nguyen', 'Dave Okafor', 'Frank Schmidt', 'Grace Kim', 'Ivan Petrov', 'Oscar Silva', 'Judy Chen'];
const RESOURCES = ['Global Reader', 'Helpdesk Administrator', 'User Administrator', 'SG-Security-Readers', 'Server-Admins', 'Finance-Share-RW'];

function campaign(count: number, now: number): ReviewCampaign {
  const at = new Date(now - 3_600_000).toISOString();
  return {
    kind: 'campaign',
    id: CAMPAIGN,
    campaignId: CAMPAIGN,
    name: 'Quarterly privileged access review',
    description: '',
    scope: { type: 'sensitivity', sensitivities: ['high', 'critical'] },
    reviewed: { standingMembers: true, jitGrants: true, eligibility: false },
    lookBackDays: 90,
    stages: [{ name: 'Security review', reviewer: { type: 'person', userId: 'u-carol' }, fallback: { type: 'person', userId: 'u-admin' } }],
    schedule: { type: 'once' },
    durationDays: 14,
    reminderEveryDays: 3,
    defaultDecision: 'flag',
    enabled: true,
    ownerId: 'u-admin',
    status: 'open',
    run: 1,
    openedAt: at,
    dueAt: new Date(now + 13 * 86_400_000).toISOString(),
    closedAt: null,
    nextOpensAt: null,
    counts: { items: count, decided: 0, keep: 0, remove: 0, flagged: 0, applied: 0, verified: 0, refused: 0 },
    reviewerIds: ['u-carol'],
    history: [],
    createdAt: at,
    updatedAt: at,
    revision: 1,
  } as ReviewCampaign;
}

function item(i: number, now: number): ReviewItem {
  const at = new Date(now - 3_600_000).toISOString();
  const recommended = i % 3 === 0;
  return {
    kind: 'item',
    id: `ri-bench-${i}`,
    campaignId: CAMPAIGN,
    run: 1,
    subject: {
      type: i % 2 ? 'grant' : 'standing',
      userId: null,
      displayName: `${PEOPLE[i % PEOPLE.length]} ${i}`,
      principalId: `p-${i}`,
      resourceId: 'res-entra-global-reader',
      resourceName: RESOURCES[i % RESOURCES.length]!,
      connectorId: 'entra-demo',
      sensitivity: 'high',
      grantId: null,
      grantStatus: null,
      grantExpiresAt: null,
      grantedByBreakGlass: false,
      profileId: null,
      holderClass: i % 2 ? null : 'standing',
      detail: '',
      accountDisabled: false,
      lastSignInAt: null,
      signInReadable: true,
      lastJitUseAt: null,
    },
    stage: 1,
    stageCount: 1,
    reviewerIds: ['u-carol'],
    stageDecisions: [{ stage: 1, reviewerIds: ['u-carol'], fallbackReason: null, decision: null, reason: '', decidedBy: null, decidedAt: null }],
    recommendations: recommended ? [{ code: 'no_sign_in', reason: `no sign-in for ${90 + (i % 200)} days` }] : [],
    decision: null,
    decisionSource: null,
    reason: '',
    decidedBy: null,
    decidedAt: null,
    flagged: false,
    flagReason: '',
    dueAt: new Date(now + 13 * 86_400_000).toISOString(),
    remindedAt: null,
    reminders: 0,
    escalatedAt: null,
    escalatedToId: null,
    apply: { state: 'none', grantId: null, receiptIds: [], message: '', at: null },
    createdAt: at,
    updatedAt: at,
    revision: 1,
  } as ReviewItem;
}

/** One `j` from the current item until the next is selected and painted; source text (the bundler's helpers do not exist in the page). */
const NEXT_ITEM_PROBE = `() => new Promise((resolve, reject) => {
  const selected = () => document.querySelector('[data-testid="inbox-list"] [role="option"][aria-selected="true"]')?.getAttribute('data-item-id') ?? null;
  const before = selected();
  const started = performance.now();
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
  function check() {
    const now = selected();
    if (now && now !== before) requestAnimationFrame(() => resolve(performance.now() - started));
    else if (performance.now() - started > 5000) reject(new Error('the cursor never moved'));
    else requestAnimationFrame(check);
  }
  check();
})`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const suite: BenchSuite = {
  name: 'reviews-console',
  async run(ctx) {
    const count = ctx.quick ? 2_000 : 10_000;
    buildConsoleIfStale(ctx.log);
    const dataDir = mkdtempSync(join(tmpdir(), 'jit-bench-reviews-console-'));
    const server = await createServer({ dataDir, adminPassword: 'bench-reviews-password-1', seedDemo: true, logLevel: 'silent', webRoot: join(REPO_ROOT, 'out/renderer') });
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const url = await server.listen(0, '127.0.0.1');
      const { store } = server;
      const now = Date.now();
      ctx.log(`seeding ${count.toLocaleString()} review items for carol`);
      store.tx(() => {
        store.put('reviews', campaign(count, now) as never);
        for (let i = 0; i < count; i++) store.put('reviews', item(i, now) as never);
      });
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
      const page: Page = await context.newPage();
      await page.goto(url);
      await page.getByLabel('Username').fill('carol');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.locator('button[type="submit"]').click();
      await page.waitForSelector('[data-testid="signed-in-user"]', { timeout: 60_000 });
      await page.goto(`${url}#/reviews/inbox/${CAMPAIGN}`);
      const full = `${count.toLocaleString('en-US')} to decide`;
      await page.waitForFunction(`document.querySelector('[data-testid="inbox-count"]')?.textContent === ${JSON.stringify(full)}`, undefined, { timeout: 180_000 });
      ctx.log(`inbox shows "${full}"`);
      const samples: number[] = [];
      const presses = ctx.quick ? 60 : 200;
      for (let i = 0; i < presses; i++) samples.push((await page.evaluate(`(${NEXT_ITEM_PROBE})()`)) as number);
      ctx.report('inbox_next_item_p50_ms', Number(percentile(samples, 50).toFixed(1)), 'ms', null, 'lower');
      ctx.report('inbox_next_item_p95_ms', Number(percentile(samples, 95).toFixed(1)), 'ms', 50, 'lower');
      ctx.log(`${samples.length} presses of j over ${count.toLocaleString()} items`);
      await context.close();
    } finally {
      await browser.close();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default suite;
