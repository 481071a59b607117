import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../../sync-server/app.js';
import { readCheckpoints } from '../../sync-server/audit/checkpoint-store.js';
import { auditVerifyCli, deleteLastEvents, dropGuards, rewriteAndRehash, withFile } from './helpers/audit-tamper.js';
import { http, makeTempDataDir, startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from './helpers/server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A seeded server, stopped: its head is signed (checkpoints every 20 events, and at close). */
async function seededDataDir(): Promise<{ dataDir: string; head: number; signedAfter: (seq: number) => number }> {
  const dataDir = makeTempDataDir();
  dirs.push(dataDir);
  const srv = await startTestServer({ dataDir, seedDemo: true, audit: { checkpointEveryEvents: 20, tickMs: 0 } });
  const head = srv.store.auditHead().seq;
  await srv.close();
  const signed = withFile(dataDir, (db) => readCheckpoints(db)).map((cp) => cp.seq);
  expect(signed.length).toBeGreaterThan(0);
  return { dataDir, head, signedAfter: (seq) => signed.find((s) => s >= seq) as number };
}

const restart = (dataDir: string, strict = false) => startTestServer({ dataDir, audit: { tickMs: 0, strict } });

async function alertsOf(srv: TestServer) {
  const status = await http('GET', `${srv.url}/api/v1/audit/status`, { token: srv.adminToken });
  expect(status.status).toBe(200);
  return status.body as { alert: boolean; alerts: { kind: string; message: string; subject: { type: string; id: string } }[] };
}

describe('the audit log rewritten on the file, without the key', () => {
  it('a dropped guard trigger is restored at start, with an alert, and guards again', async () => {
    const { dataDir } = await seededDataDir();
    withFile(dataDir, (db) => db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_blocks_no_delete; DROP TRIGGER audit_checkpoints_no_delete'));
    expect(auditVerifyCli([dataDir]).out).toMatch(/FAILED at guard audit_events_no_update: missing/);
    const srv = await restart(dataDir);
    try {
      const status = await alertsOf(srv);
      expect(status.alert).toBe(true);
      expect(status.alerts.map((a) => [a.kind, a.subject.id])).toEqual([
        ['guard_restored', 'audit_events_no_update'],
        ['guard_restored', 'audit_blocks_no_delete'],
        ['guard_restored', 'audit_checkpoints_no_delete'],
      ]);
      const events = [...srv.store.auditEvents()].filter((e) => e.type === 'audit.integrity_alert');
      expect(events.map((e) => e.subjectId)).toEqual(['audit_events_no_update', 'audit_blocks_no_delete', 'audit_checkpoints_no_delete']);
      // A monitor sees it too.
      const metrics = await http('GET', `${srv.url}/metrics`, { token: srv.adminToken });
      expect(metrics.text).toMatch(/^jit_audit_integrity_alerts 3$/m);
      expect(metrics.text).toMatch(/^jit_audit_unsigned_events \d+$/m);
      expect(() => srv.store.db.prepare("UPDATE audit_events SET data = '{}' WHERE seq = 3").run()).toThrow(/append-only/);
      expect(() => srv.store.db.prepare('DELETE FROM audit_checkpoints').run()).toThrow(/append-only/);
      expect(srv.store.sealAuditTail(new Date(), 0)).not.toBeNull();
      expect(() => srv.store.db.prepare('DELETE FROM audit_blocks').run()).toThrow(/append-only/);
    } finally {
      await srv.close();
    }
    // Restored as made: the next start finds nothing.
    const clean = await restart(dataDir);
    try {
      expect((await alertsOf(clean)).alerts).toEqual([]);
    } finally {
      await clean.close();
    }
  });

  it('an event edited and the chain re-hashed to the head is caught by the signatures: at start, by /audit/verify and by audit:verify', async () => {
    const { dataDir, signedAfter } = await seededDataDir();
    expect(auditVerifyCli([dataDir]).code).toBe(0);
    const signed = signedAfter(12);
    rewriteAndRehash(dataDir, 12, (data) => ({ ...data, justification: 'nothing to see' }));

    const cli = auditVerifyCli([dataDir]);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`FAILED at event ae-${signed} (seq ${signed}): checkpoint_mismatch`);
    expect(cli.out).toMatch(/does not have the hash signed at/);

    await expect(restart(dataDir, true)).rejects.toThrow(new RegExp(`strict mode.*ae-${signed} \\(seq ${signed}\\) does not have the hash signed`));
    const srv = await restart(dataDir);
    try {
      const status = await alertsOf(srv);
      expect(status.alerts[0]).toMatchObject({ kind: 'checkpoint_mismatch', subject: { type: 'audit', id: `ae-${signed}` } });
      const verify = await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken });
      expect(verify.body).toMatchObject({ ok: false, firstProblem: { seq: signed, eventId: `ae-${signed}`, problem: 'checkpoint_mismatch' } });
      // The chain alone still verifies: only the signature shows it.
      expect(verify.body.problems.some((p: { kind: string }) => p.kind === 'chain')).toBe(false);
    } finally {
      await srv.close();
    }
  });

  it('the last three events removed leave the head behind a signed checkpoint', async () => {
    const { dataDir, head } = await seededDataDir();
    deleteLastEvents(dataDir, 3);
    const cli = auditVerifyCli([dataDir]);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`FAILED at event ae-${head} (seq ${head}): truncated`);
    expect(cli.out).toContain(`the log ends at seq ${head - 3}, but seq ${head} was signed`);
    const srv = await restart(dataDir);
    try {
      const alerts = (await alertsOf(srv)).alerts;
      expect(alerts.filter((a) => a.kind !== 'guard_restored')).toEqual([expect.objectContaining({ kind: 'truncated', message: expect.stringContaining('3 event(s) were removed') })]);
    } finally {
      await srv.close();
    }
  });

  it('checkpoints removed with the rewrite are missed: the latest one is also kept beside the key', async () => {
    const { dataDir } = await seededDataDir();
    rewriteAndRehash(dataDir, 12, (data) => ({ ...data, justification: 'nothing to see' }));
    withFile(dataDir, (db) => {
      dropGuards(db);
      db.exec('DELETE FROM audit_checkpoints');
    });
    const cli = auditVerifyCli([dataDir]);
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/checkpoint_missing/);
    // A verifier holding only the public key, and an older checkpoint, sees it too: that is a replica's part.
    const srv = await restart(dataDir);
    try {
      expect((await alertsOf(srv)).alerts.map((a) => a.kind)).toContain('checkpoint_missing');
    } finally {
      await srv.close();
    }
  });

  it('a checkpoint signed with another key is refused, and audit:verify with the wrong public key fails', async () => {
    const { dataDir } = await seededDataDir();
    // Someone replaces the key file and forges checkpoints with the new key: the old ones no longer verify.
    rmSync(join(dataDir, 'audit-signing.key'));
    const srv = await createServer({ dataDir, logLevel: 'silent', adminPassword: TEST_ADMIN_PASSWORD, audit: { tickMs: 0 } });
    try {
      expect(srv.audit.generatedKey).toBe(true);
      expect(srv.audit.alerts.map((a) => a.kind)).toContain('unknown_key');
    } finally {
      await srv.close();
    }
    const other = makeTempDataDir();
    dirs.push(other);
    const fresh = await createServer({ dataDir: other, logLevel: 'silent', adminPassword: TEST_ADMIN_PASSWORD, audit: { tickMs: 0 } });
    const wrongKey = fresh.audit.signer.publicKey;
    await fresh.close();
    const cli = auditVerifyCli([dataDir, '--public-key', wrongKey]);
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/unknown_key/);
  });
});
