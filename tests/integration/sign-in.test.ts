import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../sync-server/app.js';
import { openStore } from '../../sync-server/store/sqlite-store.js';
import { DEMO_PASSWORD, http, makeTempDataDir, REPO_ROOT, spawnServer, startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from './helpers/server.js';

/**
 * Sign-in as an attacker and its victim meet it. Different client addresses are real: the client
 * binds 127.0.0.x (Linux routes all of 127/8 to loopback), so no proxy header is involved unless a
 * test sends one on purpose.
 */

const MINUTE = 60_000;
type Answer = { status: number; body: any; headers: Record<string, string | string[] | undefined> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON

/** POST JSON from a chosen local address (and with extra headers). */
function postFrom(url: string, path: string, body: unknown, options: { from?: string; token?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const target = new URL(path, url);
  const payload = JSON.stringify(body ?? {});
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        ...(options.from ? { localAddress: options.from } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.headers ?? {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const login = (srv: { url: string }, username: string, password: string, from?: string, headers?: Record<string, string>) =>
  postFrom(srv.url, '/api/v1/auth/login', { username, password }, { ...(from ? { from } : {}), ...(headers ? { headers } : {}) });

/**
 * One server per set of settings for the describes below that can share one: each reads as its own
 * people from its own client addresses (127.0.0.x, a different x in every test) and checks only the
 * throttle counters and audit events of those, so seeding the demo organisation (twelve scrypt
 * password hashes) and starting a server again for each bought nothing. Closed after the file.
 */
const sharedServers = new Map<string, Promise<TestServer>>();
function sharedServer(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const key = JSON.stringify(options);
  let server = sharedServers.get(key);
  if (!server) sharedServers.set(key, (server = startTestServer(options)));
  return server;
}
afterAll(async () => {
  for (const server of sharedServers.values()) await (await server).close();
});

const lastFailure = (srv: TestServer) => srv.store.list('audit', { order: 'desc' }).find((e) => e.type === 'auth.login_failed');

describe('lock-out an outsider cannot turn against the admin', () => {
  let srv: TestServer;
  beforeAll(async () => {
    // The default settings: three free failures per (username, address), then 1 s, 2 s, 4 s ...
    srv = await sharedServer({ seedDemo: true });
  });

  it('failures for admin from many other addresses do not stop the admin at their own address', async () => {
    for (let i = 0; i < 12; i++) expect((await login(srv, 'admin', `guess-${i}`, `127.0.0.${10 + i}`)).status).toBe(401);
    const own = await login(srv, 'admin', TEST_ADMIN_PASSWORD, '127.0.0.1');
    expect(own.status).toBe(200);
    expect(own.body.user.id).toBe('u-admin');
  });

  it('an address spraying many usernames is refused, other addresses are not, and its own known account still gets in', async () => {
    const spray = await startTestServer({ seedDemo: true, loginThrottle: { perAddress: 5 } });
    try {
      // Bob signed in from this address before (say, the office NAT).
      expect((await login(spray, 'bob', DEMO_PASSWORD, '127.0.0.60')).status).toBe(200);
      for (const name of ['alice', 'carol', 'nobody-1', 'dave', 'nobody-2']) expect((await login(spray, name, 'wrong', '127.0.0.60')).status).toBe(401);
      const refused = await login(spray, 'frank', DEMO_PASSWORD, '127.0.0.60');
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toMatch(/too many failed sign-ins from this address/);
      expect(lastFailure(spray)).toMatchObject({ data: { reason: 'throttled', key: 'address' } });
      expect((await login(spray, 'frank', DEMO_PASSWORD, '127.0.0.61')).status).toBe(200);
      expect((await login(spray, 'bob', DEMO_PASSWORD, '127.0.0.60')).status).toBe(200);
    } finally {
      await spray.close();
    }
  });
});

describe('an address that keeps failing for one username', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await sharedServer({ seedDemo: true, loginThrottle: { baseDelayMs: MINUTE } });
  });

  it('waits after three free failures, even with the right password, audited once; the admin elsewhere is not affected', async () => {
    for (let i = 0; i < 4; i++) expect((await login(srv, 'admin', `more-${i}`, '127.0.0.10')).status).toBe(401);
    const waiting = await login(srv, 'admin', TEST_ADMIN_PASSWORD, '127.0.0.10');
    expect(waiting.status).toBe(429);
    expect(waiting.body.error).toMatchObject({ code: 'throttled', message: expect.stringMatching(/too many failed sign-ins for this username from this address; try again in \d+ second/) });
    expect(Number(waiting.headers['retry-after'])).toBeGreaterThan(50);
    expect((await login(srv, 'admin', TEST_ADMIN_PASSWORD, '127.0.0.10')).status).toBe(429);
    expect(srv.store.list('audit').filter((e) => e.data.reason === 'throttled')).toEqual([
      expect.objectContaining({ subjectId: 'u-admin', data: expect.objectContaining({ key: 'pair', ip: '127.0.0.10', failures: 4 }) }),
    ]);
    expect((await login(srv, 'admin', TEST_ADMIN_PASSWORD, '127.0.0.1')).status).toBe(200);
  });

  it('an unknown username is throttled exactly like a known one', async () => {
    for (let i = 0; i < 4; i++) await login(srv, 'nobody-here', `x-${i}`, '127.0.0.40');
    for (let i = 0; i < 4; i++) await login(srv, 'carol', `x-${i}`, '127.0.0.41');
    const unknown = await login(srv, 'nobody-here', 'x', '127.0.0.40');
    const known = await login(srv, 'carol', 'x', '127.0.0.41');
    expect(unknown.status).toBe(429);
    expect(known.status).toBe(429);
    // The same answer but for the seconds left of each wait.
    const shape = (answer: Answer) => JSON.stringify(answer.body).replace(/\d+/g, 'N');
    expect(shape(unknown)).toBe(shape(known));
  });
});

describe('throttle counters in the store', () => {
  it('survive a restart on the same data directory', async () => {
    const dataDir = makeTempDataDir();
    const settings = { loginThrottle: { freeFailures: 1, baseDelayMs: 10 * MINUTE } };
    try {
      const first = await startTestServer({ dataDir, seedDemo: true, ...settings });
      expect((await login(first, 'alice', 'wrong-1', '127.0.0.70')).status).toBe(401);
      expect((await login(first, 'alice', 'wrong-2', '127.0.0.70')).status).toBe(401);
      expect((await login(first, 'alice', DEMO_PASSWORD, '127.0.0.70')).status).toBe(429);
      await first.close();
      const second = await startTestServer({ dataDir, ...settings });
      try {
        const again = await login(second, 'alice', DEMO_PASSWORD, '127.0.0.70');
        expect(again.status).toBe(429);
        expect(Number(again.headers['retry-after'])).toBeGreaterThan(9 * 60);
        expect((await login(second, 'alice', DEMO_PASSWORD, '127.0.0.71')).status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('unlock by an admin', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ seedDemo: true, loginThrottle: { baseDelayMs: MINUTE } });
  });
  afterAll(() => srv?.close());

  it("clears every address's wait for the account, audited; only admins may, and only for accounts that exist", async () => {
    for (let i = 0; i < 4; i++) await login(srv, 'carol', `nope-${i}`, '127.0.0.80');
    expect((await login(srv, 'carol', DEMO_PASSWORD, '127.0.0.80')).status).toBe(429);
    const alice = await srv.login('alice');
    expect((await postFrom(srv.url, '/api/v1/accounts/u-carol/unlock', {}, { token: alice })).status).toBe(403);
    expect((await postFrom(srv.url, '/api/v1/accounts/u-nobody/unlock', {}, { token: srv.adminToken })).status).toBe(404);
    const unlocked = await postFrom(srv.url, '/api/v1/accounts/u-carol/unlock', {}, { token: srv.adminToken });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toEqual({ id: 'u-carol', username: 'carol', cleared: 1 });
    expect(srv.store.list('audit', { order: 'desc', limit: 1 })[0]).toMatchObject({ type: 'account.unlocked', actorId: 'u-admin', subjectId: 'u-carol', data: { username: 'carol', cleared: 1 } });
    expect((await login(srv, 'carol', DEMO_PASSWORD, '127.0.0.80')).status).toBe(200);
  });
});

/** `npm run admin:recover -- <args>` as a child process. */
function recover(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'admin:recover', '--', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('recovery of the last admin from the server host', () => {
  it('sets a new password it prints, clears the throttle, ends the sessions and re-enables the admin, audited, while the server runs', async () => {
    const srv = await startTestServer({ loginThrottle: { baseDelayMs: MINUTE } });
    try {
      for (let i = 0; i < 4; i++) await login(srv, 'admin', `lost-${i}`, '127.0.0.90');
      expect((await login(srv, 'admin', TEST_ADMIN_PASSWORD, '127.0.0.90')).status).toBe(429);
      srv.store.updateAccount('u-admin', { disabledAt: new Date().toISOString() });

      const result = await recover([srv.dataDir]);
      expect(result.code, result.stderr).toBe(0);
      const password = /New password for admin: (\S+)/.exec(result.stdout)?.[1];
      expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(result.stdout).toMatch(/1 throttled address\(es\) cleared, 1 session\(s\) ended, enabled again; audited/);

      // The session from before is over; the old password no longer works; the new one does, from the address that was waiting.
      expect((await http('GET', `${srv.url}/api/v1/me`, { token: srv.adminToken })).status).toBe(401);
      expect((await login(srv, 'admin', TEST_ADMIN_PASSWORD, '127.0.0.1')).status).toBe(401);
      expect((await login(srv, 'admin', password as string, '127.0.0.90')).status).toBe(200);
      expect(srv.store.list('audit').find((e) => e.type === 'account.password_reset')).toMatchObject({
        actorId: 'system',
        subjectId: 'u-admin',
        data: { username: 'admin', by: 'admin:recover', throttleCleared: 1, sessionsEnded: 1, reenabled: true },
      });
    } finally {
      await srv.close();
    }
  });

  it('refuses a missing store, an unknown account and a non-admin, creating nothing', async () => {
    const empty = makeTempDataDir();
    try {
      const missing = await recover([empty]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/no store at/);
      expect((await recover([])).code).toBe(2);
      const store = openStore({ dataDir: empty });
      store.createAccount({ id: 'u-req', username: 'req', passwordHash: 'x', roles: ['requester'], createdAt: new Date().toISOString() });
      store.close();
      const notAdmin = await recover([empty, '--user', 'req']);
      expect(notAdmin.code).toBe(1);
      expect(notAdmin.stderr).toMatch(/"req" is not an admin/);
      const unknown = await recover([empty, '--user=ghost']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no account named "ghost"/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('password policy wherever a password is set', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(() => srv?.close());

  const create = (username: string, password: string) =>
    http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { username, password, displayName: username, roles: ['requester'] } });

  it('account creation refuses, naming the field and the rule', async () => {
    const cases: [string, string, RegExp][] = [
      ['paula', ' '.repeat(12), /password: may not be only whitespace/],
      ['paula', '   short-one   ', /password: must be at least 12 characters/],
      ['paula', 'password1234', /password: is one of the 100,000 most common passwords/],
      ['paula', 'PassWord1234', /most common/],
      ['paula.long', 'paula.long', /password: must be at least 12 characters/],
      ['paula.longer', 'PAULA.LONGER', /password: may not be or contain the username/],
      ['paula', 'i-am-paula-2030', /password: may not be or contain the username/],
    ];
    for (const [username, password, message] of cases) {
      const res = await create(username, password);
      expect(res.status, password).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_input', field: 'password', message: expect.stringMatching(message) });
    }
    expect(srv.store.getAccountByUsername('paula')).toBeNull();
    expect((await create('paula', 'tangerine-orbit-42')).status).toBe(201);
  });

  it('the first admin password is held to the same policy', async () => {
    for (const [password, message] of [
      ['password1234', /adminPassword \(JIT_ADMIN_PASSWORD\) is one of the 100,000 most common passwords/],
      ['my-admin-password-x', /adminPassword \(JIT_ADMIN_PASSWORD\) may not be or contain the username/],
      [' '.repeat(12), /may not be only whitespace/],
    ] as const) {
      const dataDir = makeTempDataDir();
      try {
        await expect(createServer({ dataDir, adminPassword: password, logLevel: 'silent' })).rejects.toThrow(message);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  });
});

describe('a disabled account', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await sharedServer({ seedDemo: true });
    srv.store.updateAccount('u-mallory', { disabledAt: new Date().toISOString() });
  });

  const timed = async (username: string, password: string, from: string) => {
    const started = performance.now();
    const answer = await login(srv, username, password, from);
    return { answer, ms: performance.now() - started };
  };

  it('answers the right password exactly like a wrong one (401, same body, the password checked); the audit says why', async () => {
    const disabled = await timed('mallory', DEMO_PASSWORD, '127.0.0.100');
    const wrong = await timed('mallory', 'not-her-password', '127.0.0.101');
    const other = await timed('alice', 'not-her-password', '127.0.0.102');
    expect(disabled.answer.status).toBe(401);
    expect(disabled.answer.body).toEqual(wrong.answer.body);
    expect(disabled.answer.body).toEqual(other.answer.body);
    expect(disabled.answer.body.error).toEqual({ code: 'unauthenticated', message: 'the username or password is not correct' });
    // Both ran scrypt (tens of milliseconds): no shortcut tells a disabled account apart.
    expect(disabled.ms).toBeGreaterThan(wrong.ms * 0.3);
    const reasons = srv.store
      .list('audit')
      .filter((e) => e.type === 'auth.login_failed' && e.subjectId === 'u-mallory')
      .map((e) => e.data.reason);
    expect(reasons).toEqual(['disabled', 'wrong_password']);
  });
});

describe('trustProxy and X-Forwarded-For', () => {
  const spoof = { 'x-forwarded-for': '203.0.113.77' };

  it('off (the default): the header is ignored, so it neither names the client nor escapes the throttle', async () => {
    const srv = await sharedServer({ seedDemo: true, loginThrottle: { baseDelayMs: MINUTE } });
    await login(srv, 'alice', 'wrong', '127.0.0.110', spoof);
    expect(lastFailure(srv)?.data.ip).toBe('127.0.0.110');
    for (let i = 0; i < 3; i++) await login(srv, 'alice', 'wrong', '127.0.0.110', { 'x-forwarded-for': `198.51.100.${i}` });
    expect((await login(srv, 'alice', DEMO_PASSWORD, '127.0.0.110', { 'x-forwarded-for': '198.51.100.99' })).status).toBe(429);
  });

  it('a proxy address list: the client is the last untrusted hop, and only the proxy is believed', async () => {
    const srv = await startTestServer({ seedDemo: true, trustProxy: ['127.0.0.1'] });
    try {
      await login(srv, 'alice', 'wrong', '127.0.0.1', { 'x-forwarded-for': '198.51.100.1, 203.0.113.77' });
      expect(lastFailure(srv)?.data.ip).toBe('203.0.113.77');
      // Straight from another address, the header is a client's claim and ignored.
      await login(srv, 'alice', 'wrong', '127.0.0.120', spoof);
      expect(lastFailure(srv)?.data.ip).toBe('127.0.0.120');
    } finally {
      await srv.close();
    }
  });

  it('a hop count; JIT_TRUST_PROXY configures the spawned server', async () => {
    const srv = await startTestServer({ seedDemo: true, trustProxy: 1 });
    try {
      await login(srv, 'alice', 'wrong', '127.0.0.130', { 'x-forwarded-for': '198.51.100.1, 203.0.113.78' });
      expect(lastFailure(srv)?.data.ip).toBe('203.0.113.78');
    } finally {
      await srv.close();
    }
    const child = await spawnServer({ env: { JIT_TRUST_PROXY: '127.0.0.1' } });
    try {
      expect((await login(child, 'admin', 'wrong', '127.0.0.1', spoof)).status).toBe(401);
    } finally {
      await child.stop();
    }
    const store = openStore({ dataDir: child.dataDir });
    try {
      expect(store.list('audit', { order: 'desc' }).find((e) => e.type === 'auth.login_failed')?.data.ip).toBe('203.0.113.77');
    } finally {
      store.close();
      rmSync(child.dataDir, { recursive: true, force: true });
    }
    const badDir = makeTempDataDir();
    try {
      const refused = await spawnServer({ dataDir: badDir, env: { JIT_TRUST_PROXY: 'true' } }).then(
        async (started) => {
          await started.stop();
          return 'started';
        },
        (error: unknown) => String(error),
      );
      expect(refused).toMatch(/JIT_TRUST_PROXY: trusting every peer/);
    } finally {
      rmSync(badDir, { recursive: true, force: true });
    }
  });
});
