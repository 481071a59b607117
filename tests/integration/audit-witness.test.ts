/**
 * Replicas are witnesses: a console that saw signed checkpoints raises the tamper alarm when the
 * server later presents a history that does not extend them, here rewritten on the SQLite file with
 * the server stopped (as audit-tamper.test.ts does), then served again by a restarted server.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditCheckpoint } from '../../core/index.js';
import { tamperAlarmWords, witnessServerHistory, type GetJson } from '../../renderer/features/audit/witness.js';
import { deleteLastEvents, rewriteAndRehash, withFile } from './helpers/audit-tamper.js';
import { http, makeTempDataDir, startTestServer, type TestServer } from './helpers/server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const getter =
  (srv: TestServer, token: string): GetJson =>
  async (path) => {
    const res = await http('GET', `${srv.url}${path}`, { token });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
    return res.body;
  };

/** A console's witnessing: the checkpoints an auditor's console read while the server was honest. */
async function witnessed(): Promise<{ dataDir: string; seen: AuditCheckpoint[] }> {
  const dataDir = makeTempDataDir();
  dirs.push(dataDir);
  const srv = await startTestServer({ dataDir, seedDemo: true, audit: { checkpointEveryEvents: 20, tickMs: 0 } });
  try {
    const auditor = await srv.login('admin');
    // Events after the start's checkpoint, so several are signed (every 20).
    for (let i = 0; i < 50; i++) srv.store.appendAudit({ type: 'task.reminded', actorId: 'system', subjectType: 'task', subjectId: `t-${i}`, data: { i }, at: new Date().toISOString() });
    const seen = ((await getter(srv, auditor)('/api/v1/audit/checkpoints?after=0')) as { checkpoints: AuditCheckpoint[] }).checkpoints;
    expect(seen.length).toBeGreaterThan(1);
    // The honest server extends what was seen: no alarm.
    const verdict = await witnessServerHistory(getter(srv, auditor), seen);
    expect(verdict.problems).toEqual([]);
    expect(tamperAlarmWords(verdict)).toBeNull();
    return { dataDir, seen };
  } finally {
    await srv.close();
  }
}

describe('a console that witnessed checkpoints', () => {
  it('raises the alarm when an event before a checkpoint it saw was edited and the chain re-hashed', async () => {
    const { dataDir, seen } = await witnessed();
    const target = seen[1]!;
    rewriteAndRehash(dataDir, target.seq - 3, (data) => ({ ...data, edited: true }));
    const srv = await startTestServer({ dataDir, audit: { tickMs: 0 } });
    try {
      const verdict = await witnessServerHistory(getter(srv, srv.adminToken), seen);
      const rewritten = verdict.problems.filter((p) => p.kind === 'rewritten').map((p) => p.seq);
      // Every checkpoint at or after the edited event no longer holds; the ones before still do.
      expect(rewritten).toEqual(seen.filter((cp) => cp.seq >= target.seq - 3).map((cp) => cp.seq));
      expect(tamperAlarmWords(verdict)).toMatch(/^Tamper alarm: the server's audit log does not extend what this console witnessed\. .*rewritten.*This console keeps its own copy/);
    } finally {
      await srv.close();
    }
  });

  it('raises the alarm when the events after a checkpoint it saw were removed, and when checkpoints were deleted', async () => {
    const { dataDir, seen } = await witnessed();
    const last = seen[seen.length - 1]!;
    const head = withFile(dataDir, (db) => db.prepare('SELECT MAX(seq) FROM audit_events').pluck().get() as number);
    deleteLastEvents(dataDir, head - last.seq + 2);
    withFile(dataDir, (db) => db.prepare('DELETE FROM audit_checkpoints WHERE seq >= ?').run(last.seq));
    const srv = await startTestServer({ dataDir, audit: { tickMs: 0 } });
    try {
      const verdict = await witnessServerHistory(getter(srv, srv.adminToken), seen);
      // The restarted server appended its integrity alerts where the removed events were: another event holds that seq now.
      expect(verdict.problems.filter((p) => p.seq === last.seq).map((p) => p.kind)).toEqual(['rewritten', 'checkpoint_replaced']);
      expect(verdict.problems.find((p) => p.kind === 'checkpoint_replaced')?.message).toMatch(/no longer lists the checkpoint .* checkpoints were removed/);
    } finally {
      await srv.close();
    }
  });
});
