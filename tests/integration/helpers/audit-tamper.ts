/**
 * What someone holding the SQLite file but not the signing key can do to the audit log, for the
 * audit-*.test.ts suites: drop the guards, edit an event and re-hash the chain from it to the head,
 * remove the last events, remove checkpoints, change an account's roles.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hashEvent } from '../../../core/index.js';
import { auditEventFromRow } from '../../../sync-server/store/sqlite-store.js';
import { REPO_ROOT } from './server.js';

export const storeFile = (dataDir: string) => join(dataDir, 'jit.sqlite');

export function withFile<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(storeFile(dataDir));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function dropGuards(db: Database.Database): void {
  for (const name of ['audit_events_no_update', 'audit_events_no_delete', 'audit_events_append_at_head', 'audit_checkpoints_no_update', 'audit_checkpoints_no_delete', 'audit_checkpoints_in_order']) db.exec(`DROP TRIGGER IF EXISTS ${name}`);
}

/** Edits event `seq`'s data and re-hashes it and every later event, so the chain alone verifies again. */
export function rewriteAndRehash(dataDir: string, seq: number, edit: (data: Record<string, unknown>) => Record<string, unknown>): void {
  withFile(dataDir, (db) => {
    dropGuards(db);
    db.transaction(() => {
      const rows = db.prepare('SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq').all(seq) as Parameters<typeof auditEventFromRow>[0][];
      let prevHash = (db.prepare('SELECT hash FROM audit_events WHERE seq = ?').pluck().get(seq - 1) as string | undefined) ?? '0'.repeat(64);
      const update = db.prepare('UPDATE audit_events SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?');
      for (const row of rows) {
        const event = auditEventFromRow(row);
        const data = event.seq === seq ? edit(event.data) : event.data;
        const hash = hashEvent({ ...event, data, prevHash });
        update.run(JSON.stringify(data), prevHash, hash, event.seq);
        prevHash = hash;
      }
    })();
  });
}

export function deleteLastEvents(dataDir: string, count: number): void {
  withFile(dataDir, (db) => {
    dropGuards(db);
    const head = db.prepare('SELECT MAX(seq) FROM audit_events').pluck().get() as number;
    db.prepare('DELETE FROM audit_events WHERE seq > ?').run(head - count);
  });
}

export function auditVerifyCli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/audit-verify-cli.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, JIT_AUDIT_KEY_FILE: '', JIT_SECRET_KEY_FILE: '', ...env } });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}
