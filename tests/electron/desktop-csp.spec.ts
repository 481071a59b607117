/**
 * The built console under the desktop app's Content-Security-Policy, in Debian's Chromium: the part
 * of the desktop app that can be checked without the Electron binary. Pages come from main's own
 * app:// handler (main/app-protocol.ts) behind a loopback HTTP bridge, with the policy main builds
 * for them; a sync server of this test's own allows that origin. Every screen is visited and no
 * CSP violation may occur, so a renderer change the desktop policy would block is caught here.
 */
import { chromium, expect, test, type Browser } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createAppProtocolHandler } from '../../main/app-protocol.js';
import { buildCsp } from '../../main/security/csp.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../playwright.config.js';
import { ConsolePage } from '../e2e/pages/ConsolePage.js';
import { QueuePage } from '../e2e/pages/QueuePage.js';
import { SignInPage } from '../e2e/pages/SignInPage.js';
import { APPROVERS, DEMO_PASSWORD, E2E_ADMIN_PASSWORD } from '../e2e/support/accounts.js';
import { REPO_ROOT } from '../e2e/support/build.js';

const rendererRoot = path.join(REPO_ROOT, 'out/renderer');
const chromiumMissing = existsSync(CHROMIUM_PATH) ? null : `no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`;
if (chromiumMissing) console.log(`[electron] desktop CSP check skipped: ${chromiumMissing}`);
test.skip(chromiumMissing !== null, chromiumMissing ?? '');

// Zod 4 probes once whether `new Function` is allowed and falls back when it is not; the probe is
// reported as an eval violation but nothing depends on it. Any other violation fails the test.
const ZOD_EVAL_PROBE = (violation: Violation) => violation.directive === 'script-src' && violation.blocked === 'eval';

type Violation = { directive: string; blocked: string; source: string };

let bridge: http.Server;
let bridgeOrigin: string;
let server: ChildProcess;
let serverUrl: string;
let dataDir: string;
let browser: Browser;

/** Serves http://127.0.0.1:port/<path> as app://console/<path> through main's protocol handler. */
async function startBridge(csp: () => string): Promise<void> {
  const handler = createAppProtocolHandler({ rendererRoot, contentSecurityPolicy: csp });
  bridge = http.createServer((req, res) => {
    void handler(new Request(`app://console${req.url ?? '/'}`, { method: req.method })).then((response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
      else res.end();
    });
  });
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  bridgeOrigin = `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`;
}

async function startServer(allowedOrigin: string): Promise<void> {
  dataDir = mkdtempSync(path.join(tmpdir(), 'jit-desktop-csp-'));
  server = spawn(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, JIT_DATA_DIR: dataDir, JIT_DEMO: '1', JIT_PORT: '0', JIT_HOST: '127.0.0.1', JIT_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD, JIT_LOG_LEVEL: 'warn', JIT_ALLOWED_ORIGINS: allowedOrigin },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  serverUrl = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/i.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.once('exit', (code) => reject(new Error(`the sync server exited with ${code}:\n${output}`)));
  });
}

test.beforeAll(async () => {
  // The bridge must exist first: its origin is the one the server allows.
  await startBridge(() => buildCsp({ serverUrl }));
  await startServer(bridgeOrigin);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

test.afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  await new Promise((resolve) => bridge?.close(resolve));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('desktop CSP: every screen of the built console runs without a violation', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const violations: Violation[] = [];
  const pageErrors: string[] = [];
  await page.exposeFunction('reportCspViolation', (violation: Violation) => violations.push(violation));
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
    window.reportCspViolation({ directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile + ':' + e.lineNumber }))`);
  page.on('pageerror', (error) => pageErrors.push(error.message));

  const response = await page.goto(`${bridgeOrigin}/index.html`);
  expect(response?.headers()['content-security-policy']).toBe(buildCsp({ serverUrl }));
  const signIn = new SignInPage(page);
  await signIn.server().fill(serverUrl);
  await signIn.signIn(APPROVERS.alice.username, DEMO_PASSWORD);
  const consolePage = new ConsolePage(page);
  await consolePage.expectSignedInAs(APPROVERS.alice.displayName);
  await new QueuePage(page).expectLoaded();
  await consolePage.expectOnline();

  // Every entry of the main navigation, whatever screens exist today.
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
  await page.close();
});
