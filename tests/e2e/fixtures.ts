import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { ConsolePage } from './pages/ConsolePage.js';
import { GrantsPage } from './pages/GrantsPage.js';
import { QueuePage } from './pages/QueuePage.js';
import { RejectedPage } from './pages/RejectedPage.js';
import { SignInPage } from './pages/SignInPage.js';
import { DEMO_PASSWORD } from './support/accounts.js';
import { serverUrl } from './support/api.js';

export type ConsoleSession = { page: Page; context: BrowserContext; console: ConsolePage; queue: QueuePage; grants: GrantsPage; rejected: RejectedPage };

/**
 * Signs in through the form in a fresh context (its own IndexedDB replica) and waits for the first
 * screen: the queue for people who decide, else the first screen their roles have.
 */
export async function openConsoleAs(context: BrowserContext, username: string, displayName: string, password = DEMO_PASSWORD): Promise<ConsoleSession> {
  const page = await context.newPage();
  const signIn = new SignInPage(page);
  await signIn.open(serverUrl());
  await expect(signIn.server()).toHaveValue(serverUrl());
  await signIn.signIn(username, password);
  const session = { page, context, console: new ConsolePage(page), queue: new QueuePage(page), grants: new GrantsPage(page), rejected: new RejectedPage(page) };
  await session.console.expectSignedInAs(displayName);
  const heading = page.locator('main h1').first();
  await expect(heading).toBeVisible({ timeout: 20_000 });
  if ((await heading.textContent())?.trim() === 'Queue') await session.queue.expectLoaded();
  await session.console.expectOnline();
  return session;
}

/** Approves a request the console shows while it is offline: the decision stays on the device, waiting to sync. */
export async function approveWhileOffline(session: ConsoleSession, request: { id: string; justification: string }): Promise<void> {
  await expect(session.queue.row(request.id)).toBeVisible({ timeout: 10_000 });
  await session.console.goOffline();
  await session.queue.approveRequest(request.id, request.justification);
  await session.console.expectChangesWaiting(1);
}

export const test = base;
export { expect };
