import { defineConfig } from '@playwright/test';

/** Debian's Chromium; no browser download. Set CHROMIUM_PATH elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export default defineConfig({
  // Playwright empties its output folder on start; keep it apart from the screenshots and JSON reports.
  outputDir: 'test-results/playwright',
  globalSetup: './tests/e2e/global-setup.ts',
  // One server and two cores: run the flows one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  projects: [
    {
      name: 'web',
      testDir: './tests/e2e',
      testMatch: /.*\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        viewport: { width: 1440, height: 900 },
        launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
        trace: 'retain-on-failure',
        screenshot: 'only-on-failure',
      },
    },
    {
      name: 'electron',
      testDir: './tests/electron',
      testMatch: /.*\.spec\.ts$/,
    },
  ],
});
