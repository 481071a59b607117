/**
 * Every checkpoint deleted from the file together with the side file beside the key: the log then
 * looks as if it was never signed, and a rewrite re-hashed to the head would be signed afresh. The
 * checkpoint ledger and the key that signed before say otherwise.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headFilePath, readCheckpoints } from '../../sync-server/audit/checkpoint-store.js';
import { auditVerifyCli, dropGuards, rewriteAndRehash, withFile } from './helpers/audit-tamper.js';
import { http, makeTempDataDir, startTestServer, type TestServer } from './helpers/server.js';

/** Several servers and CLI runs per test: on a shared machine they take longer than the default limit. */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A seeded server, stopped, whose head was signed (every 20 events, and at close). */
async function seededDataDir(): Promise<{ dataDir: string; head: number }> {
  const dataDir = makeTempDataDir();
  dirs.push(dataDir);
  const srv = await startTestServer({ dataDir, seedDemo: true, audit: { checkpointEveryEvents: 20, tickMs: 0 } });
  const head = srv.store.auditHead().seq;
  await srv.close();
  expect(withFile(dataDir, (db) => readCheckpoints(db)).length).toBeGreaterThan(1);
  return { dataDir, head };
}

/** What someone with write access to the file and to the key's directory (not to the key) does. */
function deleteEveryCheckpoint(dataDir: string, rewriteLedger: boolean): void {
  rewriteAndRehash(dataDir, 12, (data) => ({ ...data, justification: 'nothing to see' }));
  withFile(dataDir, (db) => {
    dropGuards(db);
    db.exec('DROP TRIGGER audit_checkpoint_ledger_no_update');
    db.exec('DELETE FROM audit_checkpoints');
    if (rewriteLedger) db.exec('UPDATE audit_checkpoint_ledger SET count = 0, last_seq = 0');
  });
  rmSync(headFilePath(join(dataDir, 'audit-signing.key')));
}

const restart = (dataDir: string, audit: { strict?: boolean; checkpointEveryEvents?: number } = {}) => startTestServer({ dataDir, audit: { tickMs: 0, ...audit } });

async function alertsOf(srv: TestServer) {
  const status = await http('GET', `${srv.url}/api/v1/audit/status`, { token: srv.adminToken });
  expect(status.status).toBe(200);
  return status.body.alerts as { kind: string; message: string; subject: { id: string } }[];
}

describe('every checkpoint and the side file deleted, the log rewritten', () => {
  it('the ledger still counts them: an integrity alert at start (an audit event), no start in strict mode, and audit:verify fails', async () => {
    const { dataDir } = await seededDataDir();
    const before = withFile(dataDir, (db) => db.prepare('SELECT count, last_seq FROM audit_checkpoint_ledger').get() as { count: number; last_seq: number });
    deleteEveryCheckpoint(dataDir, false);

    const cli = auditVerifyCli([dataDir]);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain('FAILED at checkpoints: checkpoints_removed');
    expect(cli.out).toContain(`the database recorded ${before.count} signed checkpoint(s) up to seq ${before.last_seq}, but 0 remain`);

    await expect(restart(dataDir, { strict: true })).rejects.toThrow(/strict mode.*checkpoints were deleted/);
    const srv = await restart(dataDir);
    try {
      const alerts = await alertsOf(srv);
      expect(alerts).toContainEqual(expect.objectContaining({ kind: 'checkpoints_removed', subject: expect.objectContaining({ id: 'checkpoints' }) }));
      const events = [...srv.store.auditEvents()].filter((e) => e.type === 'audit.integrity_alert' && e.data.kind === 'checkpoints_removed');
      expect(events).toHaveLength(1);
      // The ledger cannot be quietly reset from the running server's side either.
      expect(() => srv.store.db.exec('UPDATE audit_checkpoint_ledger SET count = 0')).toThrow(/only counts checkpoints/);
      expect(() => srv.store.db.exec('DELETE FROM audit_checkpoint_ledger')).toThrow(/only counts checkpoints/);
    } finally {
      await srv.close();
    }
    // It does not go away by itself: the next start says it again.
    const again = await restart(dataDir);
    try {
      expect((await alertsOf(again)).map((a) => a.kind)).toContain('checkpoints_removed');
    } finally {
      await again.close();
    }
  }, 120_000);

  it('the ledger rewritten too: the key that signed before, an empty checkpoint table and a log longer than one interval are the alert', async () => {
    const { dataDir, head } = await seededDataDir();
    deleteEveryCheckpoint(dataDir, true);
    expect(head).toBeGreaterThan(20);

    const cli = auditVerifyCli([dataDir], { JIT_AUDIT_CHECKPOINT_EVERY_EVENTS: '20' });
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`the audit signing key signed before, yet no checkpoint is stored and the log holds ${head} events`);

    await expect(restart(dataDir, { strict: true, checkpointEveryEvents: 20 })).rejects.toThrow(/strict mode.*every checkpoint was deleted/);
    const srv = await restart(dataDir, { checkpointEveryEvents: 20 });
    try {
      const alerts = await alertsOf(srv);
      expect(alerts.filter((a) => a.kind === 'checkpoints_removed').map((a) => a.message)).toEqual([expect.stringContaining('every checkpoint was deleted, and the side file beside the key with them')]);
    } finally {
      await srv.close();
    }
  }, 120_000);

  it('a ledger table dropped is an alert and is made again, with its guards', async () => {
    const { dataDir } = await seededDataDir();
    withFile(dataDir, (db) => db.exec('DROP TABLE audit_checkpoint_ledger'));
    const srv = await restart(dataDir);
    try {
      expect((await alertsOf(srv)).map((a) => a.message)).toContain('the audit checkpoint ledger table was dropped, as it would be to hide removed checkpoints');
      expect(() => srv.store.db.exec('DELETE FROM audit_checkpoint_ledger')).toThrow(/only counts checkpoints/);
    } finally {
      await srv.close();
    }
    const clean = await restart(dataDir);
    try {
      expect(await alertsOf(clean)).toEqual([]);
    } finally {
      await clean.close();
    }
  }, 120_000);

  it('no false alarm: a fresh data directory started with a key that signed elsewhere, and a store from before the ledger', async () => {
    const { dataDir } = await seededDataDir();
    const fresh = makeTempDataDir();
    dirs.push(fresh);
    copyFileSync(join(dataDir, 'audit-signing.key'), join(fresh, 'audit-signing.key'));
    const srv = await restart(fresh, { strict: true });
    try {
      expect(srv.server.audit.generatedKey).toBe(false);
      expect(await alertsOf(srv)).toEqual([]);
    } finally {
      await srv.close();
    }
    // A file from before the ledger: the ledger starts from the checkpoints it holds.
    withFile(dataDir, (db) => db.exec("DROP TABLE audit_checkpoint_ledger; DROP TRIGGER audit_checkpoints_counted; DELETE FROM migrations WHERE name = 'audit-checkpoint-ledger'"));
    expect(existsSync(headFilePath(join(dataDir, 'audit-signing.key')))).toBe(true);
    const upgraded = await restart(dataDir, { strict: true });
    try {
      expect(await alertsOf(upgraded)).toEqual([]);
      const ledger = upgraded.store.db.prepare('SELECT count FROM audit_checkpoint_ledger').pluck().get();
      expect(ledger).toBe(readCheckpoints(upgraded.store.db).length);
    } finally {
      await upgraded.close();
    }
  }, 120_000);
});
