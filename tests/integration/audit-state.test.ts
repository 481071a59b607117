import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { recoverAdmin } from '../../sync-server/auth/recovery.js';
import { openStore } from '../../sync-server/store/sqlite-store.js';
import { auditVerifyCli, withFile } from './helpers/audit-tamper.js';
import { DEMO_PASSWORD, http, makeTempDataDir, REPO_ROOT, startTestServer, type TestServer } from './helpers/server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const restart = (dataDir: string, strict = false) => startTestServer({ dataDir, audit: { tickMs: 0, strict } });

async function alertsOf(srv: TestServer) {
  const status = await http('GET', `${srv.url}/api/v1/audit/status`, { token: srv.adminToken });
  return (status.body as { alerts: { kind: string; message: string; subject: { type: string; id: string } }[] }).alerts;
}

async function seeded(): Promise<string> {
  const dataDir = makeTempDataDir();
  dirs.push(dataDir);
  const srv = await startTestServer({ dataDir, seedDemo: true, audit: { tickMs: 0 } });
  await srv.close();
  return dataDir;
}

describe('state follows the log', () => {
  it('every account change made through the server is in the log: a restart after each kind finds nothing to reconcile', async () => {
    const dataDir = await seeded();
    const srv = await restart(dataDir);
    try {
      const admin = srv.adminToken;
      const created = await http('POST', `${srv.url}/api/v1/accounts`, { token: admin, body: { username: 'nina', password: 'correct-horse-staple-42', displayName: 'Nina', roles: ['requester', 'policy_admin'] } });
      expect(created.status).toBe(201);
      expect((await http('POST', `${srv.url}/api/v1/accounts/u-bob/roles`, { token: admin, body: { roles: ['requester', 'reviewer'], reason: 'reviews' } })).status).toBe(200);
      expect((await http('POST', `${srv.url}/api/v1/accounts/u-dave/disable`, { token: admin, body: { reason: 'left' } })).status).toBe(200);
      expect((await http('POST', `${srv.url}/api/v1/accounts/u-frank/disable`, { token: admin, body: { reason: 'leave' } })).status).toBe(200);
      expect((await http('POST', `${srv.url}/api/v1/accounts/u-frank/enable`, { token: admin, body: { reason: 'back' } })).status).toBe(200);
      expect((await http('POST', `${srv.url}/api/v1/accounts/u-grace/password`, { token: admin, body: { password: 'another-long-password-1' } })).status).toBe(200);
    } finally {
      await srv.close();
    }
    // The host's recovery of the admin, which enables the account and sets its password.
    const store = openStore({ dataDir });
    let password: string;
    try {
      password = (await recoverAdmin(store, { username: 'admin' })).password;
    } finally {
      store.close();
    }
    const again = await startTestServer({ dataDir, adminPassword: password, audit: { tickMs: 0, strict: true } });
    try {
      expect(await alertsOf(again)).toEqual([]);
    } finally {
      await again.close();
    }
    expect(auditVerifyCli([dataDir]).code).toBe(0);
  });

  it("an account's roles, disabled mark and password hash and a grant's status edited in the file are alerts at start, each naming what; strict mode refuses to start", async () => {
    const dataDir = await seeded();
    const grantId = withFile(dataDir, (db) => {
      db.prepare(`UPDATE accounts SET roles = '["admin","requester"]' WHERE id = 'u-bob'`).run();
      db.prepare(`UPDATE accounts SET disabled_at = '2026-01-01T00:00:00.000Z' WHERE id = 'u-judy'`).run();
      // A password hash of one's choosing on the admin account: sign in as admin with a known password.
      db.prepare("UPDATE accounts SET password_hash = (SELECT password_hash FROM accounts WHERE id = 'u-bob') WHERE id = 'u-admin'").run();
      const grant = db.prepare("SELECT id FROM documents WHERE collection = 'grants' AND status <> 'active' LIMIT 1").pluck().get() as string | undefined;
      if (grant) db.prepare("UPDATE documents SET doc = json_set(doc, '$.status', 'active') WHERE collection = 'grants' AND id = ?").run(grant);
      return grant;
    });

    const cli = auditVerifyCli([dataDir]);
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/FAILED at state: account_roles\n.*account bob \(u-bob\) holds roles admin, requester but its last role event \(seq \d+\) says requester/);

    await expect(restart(dataDir, true)).rejects.toThrow(/strict mode.*account bob \(u-bob\) holds roles admin, requester/);
    // The server as run: JIT_AUDIT_STRICT=1 exits with the reason, and nothing was written.
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, JIT_DATA_DIR: dataDir, JIT_PORT: '0', JIT_AUDIT_STRICT: '1', JIT_AUDIT_KEY_FILE: '', JIT_SECRET_KEY_FILE: '', JIT_DEMO: '', JIT_LOG_LEVEL: 'silent' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/failed to start: the audit log does not verify \(strict mode, JIT_AUDIT_STRICT\).*u-bob/);

    // The admin now signs in with bob's password: the hash was copied.
    const srv = await startTestServer({ dataDir, adminPassword: DEMO_PASSWORD, audit: { tickMs: 0 } });
    try {
      const alerts = await alertsOf(srv);
      expect(alerts).toContainEqual(expect.objectContaining({ kind: 'account_roles', subject: { type: 'account', id: 'u-bob' } }));
      expect(alerts).toContainEqual(expect.objectContaining({ kind: 'account_password', subject: { type: 'account', id: 'u-admin' }, message: expect.stringMatching(/admin \(u-admin\) has a password hash that no password event set/) }));
      expect(alerts).toContainEqual(expect.objectContaining({ kind: 'account_disabled', subject: { type: 'account', id: 'u-judy' }, message: expect.stringMatching(/judy.*disabled in the store but the audit log says enabled/) }));
      expect(grantId).toBeDefined();
      expect(alerts).toContainEqual(expect.objectContaining({ kind: 'grant_unprovisioned', subject: { type: 'grant', id: grantId } }));
      const logged = [...srv.store.auditEvents()].filter((e) => e.type === 'audit.integrity_alert');
      expect(logged.map((e) => e.subjectId)).toEqual(alerts.map((a) => a.subject.id));
      const verify = await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken });
      expect(verify.body.ok).toBe(false);
      expect(verify.body.mismatches).toContainEqual(expect.objectContaining({ kind: 'account_roles', accountId: 'u-bob', stored: ['admin', 'requester'], logged: ['requester'] }));
      // An auditor reads the flag too; a requester does not.
      expect((await http('GET', `${srv.url}/api/v1/audit/status`, { token: await srv.login('heidi') })).body.alert).toBe(true);
      expect((await http('GET', `${srv.url}/api/v1/audit/status`, { token: await srv.login('frank') })).status).toBe(403);
    } finally {
      await srv.close();
    }
  });
});
