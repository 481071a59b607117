/**
 * An auditor makes last quarter's evidence pack offline: Heidi signs in, the console goes offline,
 * she generates the pack from the replica, and the downloaded zip verifies with the CLI verifier
 * and on the console's own check, which also names a file changed afterwards. The export's record
 * waits in the outbox while offline and reaches the server's audit log after she reconnects.
 *
 * The demo organisation is seeded now, so the browser's clock is moved into the next quarter
 * before generating: "last quarter" is then the quarter holding the seeded data and this test's request.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { expect, openConsoleAs, test } from './fixtures.js';
import { APPROVERS, CONFIGURERS, REQUESTERS } from './support/accounts.js';
import { login, serverUrl, submitRequest } from './support/api.js';
import { REPO_ROOT } from './support/build.js';

const OUT = path.join(REPO_ROOT, 'test-results', 'evidence');

type LoggedEvent = { type: string; actorId: string; at: string; data: Record<string, unknown> };
/** The server's export.made events, read as an auditor pages the log (GET /api/v1/audit/events). */
async function exportEvents(): Promise<LoggedEvent[]> {
  const token = await login(CONFIGURERS.heidi.username);
  const found: LoggedEvent[] = [];
  for (let after: number | null = 0; after !== null; ) {
    const response = await fetch(`${serverUrl()}/api/v1/audit/events?after=${after}&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await response.json()) as { events: LoggedEvent[]; next: number | null };
    found.push(...page.events.filter((e) => e.type === 'export.made'));
    after = page.next;
  }
  return found;
}

test('heidi generates last quarter\'s evidence pack offline and it verifies', async ({ context }) => {
  mkdirSync(OUT, { recursive: true });
  const asked = await submitRequest(REQUESTERS.grace.username, REQUESTERS.grace.resourceId, { justification: `=HYPERLINK("http://evil.example","evidence e2e ${Date.now()}")` });
  const { page, console } = await openConsoleAs(context, CONFIGURERS.heidi.username, CONFIGURERS.heidi.displayName);

  // The request is in Heidi's replica before the network goes.
  await page.evaluate(`window.location.hash = '#/requests/${asked.id}'`);
  await expect(page.getByTestId('timeline')).toBeVisible({ timeout: 20_000 });
  await console.navLink('Evidence').click();
  await expect(page.getByRole('heading', { name: 'Evidence', level: 1 })).toBeVisible();
  await console.goOffline();

  const now = new Date();
  const quarter = Math.floor(now.getUTCMonth() / 3);
  const nextQuarter = new Date(Date.UTC(now.getUTCFullYear(), quarter * 3 + 3, 4, 12));
  await page.clock.setFixedTime(nextQuarter);
  const label = `Q${quarter + 1} ${now.getUTCFullYear()}`;
  // The page shows the period as of the minute; choosing again shows it at once.
  await page.getByLabel('Period').selectOption('last_month');
  await page.getByLabel('Period').selectOption('last_quarter');
  await expect(page.getByTestId('evidence-period')).toContainText(label);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Generate evidence pack' }).click()]);
  const zipPath = path.join(OUT, download.suggestedFilename());
  await download.saveAs(zipPath);
  await expect(page.getByTestId('evidence-outcome')).toContainText(`for ${label}`);
  await page.screenshot({ path: path.join(OUT, 'evidence-generated.png'), fullPage: true });
  await console.expectOffline();

  // The CLI verifier, as an auditor would run it on the saved file.
  const cli = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['cli/evidence-verify.ts', zipPath], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(cli.stdout + cli.stderr).toContain('OK: 4 files match manifest.json');
  expect(cli.status).toBe(0);

  // What is inside: the period, the generator, this test's request, and the PDF's figures.
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { period: { label: string }; generatedBy: { username: string }; audit: { lastSeq: number | null; lastHash: string | null; checkpoint: { keyId: string } | null; note: string } };
  expect(manifest.period.label).toBe(label);
  expect(manifest.generatedBy.username).toBe('heidi');
  expect(manifest.audit.lastSeq).toBeGreaterThan(0);
  // A checkpoint the console saw while online travels with the pack and its signature verifies; without one (the
  // server signs every 1,000 events or 5 minutes) the pack says it carries the chain head only.
  if (manifest.audit.checkpoint) expect(cli.stdout).toContain(`Checkpoint signature valid for key ${manifest.audit.checkpoint.keyId}`);
  else expect(manifest.audit.note).toMatch(/has seen no server-signed checkpoint|No signed checkpoint this console has seen covers the period/);
  const requestsCsv = strFromU8(files['requests.csv']!);
  expect(requestsCsv).toContain(asked.id);
  expect(requestsCsv).toContain(`'=HYPERLINK(`);
  const pdfPath = path.join(OUT, 'evidence.pdf');
  writeFileSync(pdfPath, files['evidence.pdf']!);
  const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  expect(text).toContain(`Period: ${label}`);
  expect(text).toContain('Heidi Novak (heidi)');
  expect(text).toMatch(/Requests asked [1-9]\d*/);
  expect(text).toContain(`Hash of the period's last event: ${manifest.audit.lastHash}`);
  expect(text).toMatch(/Chain re-hashed on this replica from sequence \d+ \(the period's first event\) to \d+ \((the signed checkpoint below|the replica's head)\): intact/);

  // The console's own check: the pack as saved, then with a CSV changed after the fact.
  await page.getByTestId('evidence-verify-zip').setInputFiles(zipPath);
  await expect(page.getByTestId('evidence-verify-result')).toContainText('all 4 files match manifest.json');
  await expect(page.getByTestId('evidence-signature')).toContainText(manifest.audit.checkpoint ? 'the signature is valid' : 'carries no signed checkpoint');
  const tampered = { ...files, 'grants.csv': strToU8(`${strFromU8(files['grants.csv']!)}g-forged,,,,\r\n`) };
  const tamperedPath = path.join(OUT, 'tampered.zip');
  writeFileSync(tamperedPath, zipSync(tampered));
  await page.getByTestId('evidence-verify-zip').setInputFiles(tamperedPath);
  await expect(page.getByTestId('evidence-verify-result')).toContainText('grants.csv: modified since the pack was made');
  await page.screenshot({ path: path.join(OUT, 'evidence-tampered.png'), fullPage: true });

  // The export left a record in the outbox; the server logs it only once the console is back online.
  const zipHash = createHash('sha256').update(readFileSync(zipPath)).digest('hex');
  const recorded = async () => (await exportEvents()).find((e) => e.data.sha256 === zipHash) ?? null;
  await console.expectChangesWaiting(1);
  expect(await recorded()).toBeNull();
  await console.goOnline();
  await console.expectNothingWaiting();
  await expect.poll(recorded, { timeout: 20_000 }).toMatchObject({
    actorId: 'u-heidi',
    data: { kind: 'evidence_pack', fileName: download.suggestedFilename(), period: { label }, manifestSha256: createHash('sha256').update(files['manifest.json']!).digest('hex') },
  });
});

test('the Evidence screen is for auditors and admins: an approver has no link to it', async ({ context }) => {
  const { page, console } = await openConsoleAs(context, APPROVERS.alice.username, APPROVERS.alice.displayName);
  await expect(console.navLink('Audit')).toBeVisible();
  await expect(console.navLink('Evidence')).toHaveCount(0);
  // Typed in by hand, the address lands on the person's first screen instead.
  await page.evaluate(`window.location.hash = '#/evidence'`);
  await expect(page.getByRole('heading', { name: 'Evidence', level: 1 })).toHaveCount(0);
  await expect(page.locator('main h1').first()).toHaveText('Queue');
});
