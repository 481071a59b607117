/**
 * Retention: `npm run audit:archive` moves the events before a date (up to a signed checkpoint) into
 * a sealed archive file; both the archive and what stays verify offline, the server starts in strict
 * mode on the shortened log, and tampering with either is still found.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditVerifyCli, dropGuards, rewriteAndRehash, withFile } from './helpers/audit-tamper.js';
import { http, makeTempDataDir, REPO_ROOT, startTestServer } from './helpers/server.js';

/** Several servers and CLI runs per test: on a shared machine they take longer than the default limit. */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function archiveCli(args: string[]): { code: number | null; out: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/audit/retention-cli.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, JIT_AUDIT_KEY_FILE: '', JIT_SECRET_KEY_FILE: '' } });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

const T0 = new Date('2026-01-05T09:00:00.000Z');
const LATER = new Date('2026-03-05T09:00:00.000Z');

/** A demo seeded in January, its head signed then; more events in March; the server stopped. */
async function januaryAndMarch(): Promise<{ dataDir: string; januaryHead: number; head: number; publicKey: string }> {
  const dataDir = makeTempDataDir();
  dirs.push(dataDir);
  let clock = T0;
  const srv = await startTestServer({ dataDir, keepDataDir: true, seedDemo: true, now: () => clock, audit: { checkpointEveryEvents: 20, tickMs: 0 } });
  srv.server.audit.checkpointer.checkpointNow();
  const januaryHead = srv.store.auditHead().seq;
  clock = LATER;
  for (const user of ['heidi', 'bob', 'alice']) await srv.login(user);
  await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'bob', password: 'not-his' } });
  const head = srv.store.auditHead().seq;
  const publicKey = srv.server.audit.signer.publicKey;
  await srv.close();
  return { dataDir, januaryHead, head, publicKey };
}

describe('npm run audit:archive', () => {
  it('moves January into a verified archive; both parts verify, the server starts strict on what stays, and tampering is still found', async () => {
    const { dataDir, januaryHead, head, publicKey } = await januaryAndMarch();
    expect(auditVerifyCli([dataDir]).code).toBe(0);

    const archived = archiveCli([dataDir, '--before', '2026-02-01']);
    expect(archived.out).toContain(`ARCHIVED ${januaryHead} events, seq 1 to ${januaryHead}`);
    expect(archived.code).toBe(0);
    const file = join(dataDir, 'archives', `audit-1-${januaryHead}.jsonl`);

    // The archive, offline, with only the public key.
    const archiveCheck = auditVerifyCli([file, '--public-key', publicKey]);
    expect(archiveCheck.out).toContain(`OK archive of ${januaryHead} events, seq 1 to ${januaryHead}`);
    expect(archiveCheck.code).toBe(0);
    // What stays: the chain continues from the archive's anchor, its record is an event.
    const rest = auditVerifyCli([dataDir]);
    expect(rest.out).toMatch(new RegExp(`^OK ${head - januaryHead + 1} events`));
    expect(rest.code).toBe(0);
    const kept = withFile(dataDir, (db) => db.prepare('SELECT MIN(seq) AS first, MAX(seq) AS last FROM audit_events').get() as { first: number; last: number });
    expect(kept).toEqual({ first: januaryHead + 1, last: head + 1 });

    // Nothing more to archive before the same date.
    expect(archiveCli([dataDir, '--before', '2026-02-01']).out).toMatch(/nothing to archive/);

    const srv = await startTestServer({ dataDir, keepDataDir: true, audit: { strict: true, tickMs: 0 } });
    try {
      const status = await http('GET', `${srv.url}/api/v1/audit/status`, { token: srv.adminToken });
      expect(status.body.alerts).toEqual([]);
      const verify = await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken });
      expect(verify.body).toMatchObject({ ok: true, mismatches: [] });
      const page = await http('GET', `${srv.url}/api/v1/audit/events?after=0&limit=1`, { token: srv.adminToken });
      expect(page.body.firstSeq).toBe(januaryHead + 1);
      expect(page.body.events[0]).toMatchObject({ seq: januaryHead + 1 });
      const record = [...srv.store.auditEvents()].find((e) => e.type === 'audit.archived');
      expect(record?.data).toMatchObject({ firstSeq: 1, throughSeq: januaryHead, events: januaryHead, file: `audit-1-${januaryHead}.jsonl` });
    } finally {
      await srv.close();
    }

    // An event in the archive edited: the seal and the chain say so.
    const lines = readFileSync(file, 'utf8').split('\n');
    const tampered = join(dataDir, 'tampered.jsonl');
    lines[5] = (lines[5] as string).replace(/"at":"[^"]+"/, '"at":"2026-01-01T00:00:00.000Z"');
    writeFileSync(tampered, lines.join('\n'));
    const tamperedCheck = auditVerifyCli([tampered, '--public-key', publicKey]);
    expect(tamperedCheck.code).toBe(1);
    expect(tamperedCheck.out).toContain('FAILED archive: the archive\'s content does not have the SHA-256 its seal names');
    expect(tamperedCheck.out).toMatch(/was edited: its content no longer matches its hash/);

    // An event that stayed, edited and re-hashed to the head: the signatures still catch it.
    rewriteAndRehash(dataDir, januaryHead + 2, (data) => ({ ...data, note: 'rewritten' }));
    const rewritten = auditVerifyCli([dataDir]);
    expect(rewritten.code).toBe(1);
    expect(rewritten.out).toMatch(/checkpoint_mismatch/);
  }, 120_000);

  it('a removed anchor leaves a log that starts mid-chain: an alert, and no strict start', async () => {
    const { dataDir } = await januaryAndMarch();
    expect(archiveCli([dataDir, '--before', '2026-02-01']).code).toBe(0);
    withFile(dataDir, (db) => {
      dropGuards(db);
      db.exec('DROP TRIGGER audit_archives_no_delete; DELETE FROM audit_archives');
    });
    expect(auditVerifyCli([dataDir]).out).toMatch(/FAILED at event .*: gap/);
    await expect(startTestServer({ dataDir, keepDataDir: true, audit: { strict: true, tickMs: 0 } })).rejects.toThrow(/strict mode.*events were removed/);
  }, 120_000);

  it('refuses a log that does not verify, and keeps what a SIEM destination has not acknowledged', async () => {
    const { dataDir } = await januaryAndMarch();
    withFile(dataDir, (db) => db.exec("CREATE TABLE IF NOT EXISTS siem_cursors (sink TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL, acked_at TEXT, last_error TEXT, last_error_at TEXT); INSERT INTO siem_cursors (sink, acked_seq) VALUES ('https:https://siem.example/ingest', 3)"));
    const refused = archiveCli([dataDir, '--before', '2026-02-01']);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('has acknowledged only up to seq 3');
    rewriteAndRehash(dataDir, 4, (data) => ({ ...data, note: 'rewritten' }));
    const broken = archiveCli([dataDir, '--before', '2026-02-01', '--force']);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/REFUSED: the audit log does not verify/);
  }, 120_000);
});
