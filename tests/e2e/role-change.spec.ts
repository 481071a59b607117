/**
 * A signed-in person whose roles change on the server: the console follows without a reload.
 * Losing the approver role takes the Queue out of the navigation, and Settings lists the roles
 * the server now holds.
 */
import { DEMO_PASSWORD, E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { login, serverUrl } from './support/api.js';
import { expect, openConsoleAs, test } from './fixtures.js';

async function post(token: string, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(serverUrl() + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('roles removed on the server: the open console drops what they allowed, and Settings says so', async ({ context }) => {
  const admin = await login('admin', E2E_ADMIN_PASSWORD);
  const username = `rolechange-${Date.now().toString(36)}`;
  const created = await post(admin, '/api/v1/accounts', { username, displayName: 'Rhea Rolechange', password: DEMO_PASSWORD, roles: ['requester', 'approver'] });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = (created.body.user as { id: string }).id;

  const { page, console } = await openConsoleAs(context, username, 'Rhea Rolechange');
  await expect(console.navLink('Queue')).toBeVisible();

  const changed = await post(admin, `/api/v1/accounts/${encodeURIComponent(id)}/roles`, { roles: ['requester'], reason: 'moved to another team' });
  expect(changed.status, JSON.stringify(changed.body)).toBe(200);

  await expect(console.navLink('Queue')).toHaveCount(0, { timeout: 30_000 });
  await expect(console.navLink('My access')).toBeVisible();
  await console.go('Settings');
  await expect(page.getByText('Roles: Requester', { exact: true })).toBeVisible();
});
