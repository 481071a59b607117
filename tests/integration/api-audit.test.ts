import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, http, login, makeTempDataDir, REPO_ROOT, spawnServer, startTestServer, TEST_ADMIN_PASSWORD } from './helpers/server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function auditVerifyCli(dataDir: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/audit-verify-cli.ts', dataDir], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('audit chain tampering', () => {
  it('editing one audit row in the SQLite file makes /audit/verify and the CLI fail and name the event', async () => {
    const srv = await startTestServer({ seedDemo: true });
    try {
      const before = await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken });
      expect(before.body.ok).toBe(true);
      const cliOk = auditVerifyCli(srv.dataDir);
      expect(cliOk.code).toBe(0);
      expect(cliOk.out).toMatch(new RegExp(`^OK ${before.body.events} events, head ${before.body.headHash}`));

      // A tamperer with write access to the file: drop the guard trigger, then rewrite history.
      const db = new Database(join(srv.dataDir, 'jit.sqlite'));
      db.exec('DROP TRIGGER audit_events_no_update');
      const changed = db.prepare("UPDATE audit_events SET data = json_set(data, '$.reason', 'nothing to see') WHERE seq = 20").run();
      expect(changed.changes).toBe(1);
      db.close();

      const after = await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken });
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ ok: false, firstProblem: { seq: 20, eventId: 'ae-20', problem: 'hash_mismatch' } });
      expect(after.body.message).toMatch(/ae-20.*edited/);

      const cliBad = auditVerifyCli(srv.dataDir);
      expect(cliBad.code).toBe(1);
      expect(cliBad.out).toMatch(/FAILED at event ae-20 \(seq 20\): hash_mismatch/);
    } finally {
      await srv.close();
    }
  });

  it('the CLI explains a missing store', () => {
    const dir = makeTempDataDir();
    dirs.push(dir);
    const run = auditVerifyCli(dir);
    expect(run.code).toBe(2);
    expect(run.out).toMatch(/no audit store/);
  });
});

describe('the server as a child process', () => {
  it('keeps every applied command across SIGKILL and restart; prints a generated admin password once', async () => {
    const dataDir = makeTempDataDir();
    dirs.push(dataDir);
    const first = await spawnServer({ dataDir, demo: true, env: { JIT_ADMIN_PASSWORD: '' } });
    const printed = /Admin password: (\S+)/.exec(first.output());
    expect(printed).not.toBeNull();
    const adminToken = await login(first.url, 'admin', printed?.[1] as string);
    const bob = await login(first.url, 'bob', DEMO_PASSWORD);
    const created = await http('POST', `${first.url}/api/v1/requests`, { token: bob, body: { resourceId: 'res-entra-global-reader', durationMinutes: 30, justification: 'before the crash' } });
    expect(created.status).toBe(201);
    const exit = await first.kill();
    expect(exit.signal).toBe('SIGKILL');

    const second = await spawnServer({ dataDir, demo: true, env: { JIT_ADMIN_PASSWORD: '' } });
    try {
      expect(second.output()).not.toMatch(/Admin password/);
      const token = await login(second.url, 'bob', DEMO_PASSWORD);
      const read = await http('GET', `${second.url}/api/v1/requests/${created.body.id}`, { token });
      expect(read.status).toBe(200);
      expect(read.body.justification).toBe('before the crash');
      // The old session survived too (sessions are stored), and the chain is intact.
      const verify = await http('GET', `${second.url}/api/v1/audit/verify`, { token: adminToken });
      expect(verify.body.ok).toBe(true);
    } finally {
      const stopped = await second.stop();
      expect(stopped.code).toBe(0);
    }
  });

  it('SIGTERM closes cleanly even with an open replication stream', async () => {
    const child = await spawnServer();
    dirs.push(child.dataDir);
    const token = await login(child.url, 'admin', TEST_ADMIN_PASSWORD);
    const controller = new AbortController();
    const response = await fetch(`${child.url}/sync/v1/requests/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/RESYNC/);
    const exit = await child.stop();
    controller.abort();
    expect(exit.code).toBe(0);
    expect(child.output()).toMatch(/SIGTERM: closing/);
  });
});
