/**
 * Transport and headers, against real servers on 127.0.0.1: the web console's security headers
 * and the API's no-store, HTTPS (TLS 1.2 minimum, HSTS only there), a sign-in whose body never
 * arrives is cut off, the connection limit, the plain-HTTP warning, and live streams outliving
 * every timeout.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type SecureVersion } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from '../../core/test-fixtures.js';
import { createServer, type CreateServerOptions, type JitServer } from '../../sync-server/app.js';
import { resolveTransportLimits, transportFromEnv } from '../../sync-server/http/transport.js';
import { createStandinCertificates, type StandinCertificates } from '../standins/graph/tls.js';
import { http, makeTempDataDir, REPO_ROOT, startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from './helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Collects the server's log lines (pino JSON). */
function logCapture() {
  const lines: { level: number; msg: string }[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) } };
}

/** A server outside startTestServer (another address, or TLS its fetch would not trust); closed after the test. */
async function startServerOn(host: string, options: Partial<CreateServerOptions> = {}): Promise<{ server: JitServer; url: string }> {
  const dataDir = makeTempDataDir('jit-transport-');
  const server = await createServer({ logLevel: 'silent', webRoot: join(dataDir, 'no-web-root'), adminPassword: TEST_ADMIN_PASSWORD, ...options, dataDir });
  cleanups.push(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { server, url: await server.listen(0, host) };
}

async function started(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const srv = await startTestServer(options);
  cleanups.push(() => srv.close());
  return srv;
}

const portOf = (url: string) => Number(new URL(url).port);

/** A raw TCP connection to the server, recording what it answers and when it closes. */
function rawSocket(url: string) {
  const socket = connect(portOf(url), '127.0.0.1');
  const opened = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => {}); // a reset counts as closed
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  cleanups.push(() => void socket.destroy());
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, connected, closed, received: () => received };
}

/** Resolves with the milliseconds until the connection closed, or 'still open' after `limitMs`. */
const closedWithin = (closed: Promise<number>, limitMs: number) => Promise.race([closed, sleep(limitMs).then(() => 'still open' as const)]);

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('security headers', () => {
  let srv: TestServer;
  let webRoot: string;

  beforeAll(async () => {
    webRoot = makeTempDataDir('jit-web-root-');
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><script type="module" src="./assets/app.js"></script><div id="root"></div>');
    writeFileSync(join(webRoot, 'assets/app.js'), 'document.title = "console";');
    writeFileSync(join(webRoot, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    srv = await startTestServer({ webRoot });
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  /** The CSP header as directive -> sources. */
  function directives(header: string | null): Record<string, string[]> {
    expect(header, 'Content-Security-Policy header').toBeTruthy();
    return Object.fromEntries(
      (header as string)
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .filter((words) => words[0])
        .map(([name, ...sources]) => [name as string, sources]),
    );
  }

  it('the web console, its files and its client-side routes get a strict CSP, nosniff and no-referrer', async () => {
    for (const path of ['/', '/assets/app.js', '/queue']) {
      const res = await http('GET', `${srv.url}${path}`);
      expect(res.status, path).toBe(200);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp['default-src'], path).toEqual(["'none'"]);
      expect(csp['script-src'], path).toEqual(["'self'"]);
      expect(csp['style-src'], path).toEqual(["'self'"]);
      expect(csp['connect-src'], path).toEqual(["'self'"]);
      expect(csp['worker-src'], path).toEqual(["'self'"]);
      expect(csp['frame-ancestors'], path).toEqual(["'none'"]);
      expect(csp['object-src'], path).toEqual(["'none'"]);
      expect(csp['base-uri'], path).toEqual(["'none'"]);
      expect(res.headers.get('content-security-policy'), path).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      // Plain HTTP: HSTS would be ignored, and a TLS proxy in front sends its own.
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('the service worker is asked for again at every update check, under the same CSP; other files keep their caching', async () => {
    const worker = await http('GET', `${srv.url}/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expect(directives(worker.headers.get('content-security-policy'))['connect-src']).toEqual(["'self'"]);
    const script = await http('GET', `${srv.url}/assets/app.js`);
    expect(script.headers.get('cache-control')).not.toBe('no-cache');
    expect(script.headers.get('cache-control')).not.toBe('no-store');
  });

  it('API and sync JSON, errors included, are never stored by caches', async () => {
    const answers = [
      await http('GET', `${srv.url}/healthz`),
      await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'admin', password: srv.adminPassword } }),
      await http('GET', `${srv.url}/api/v1/audit/verify`, { token: srv.adminToken }),
      await http('GET', `${srv.url}/sync/v1/requests/pull?seq=0&id=`, { token: srv.adminToken }),
      await http('GET', `${srv.url}/api/v1/audit/verify`),
      await http('GET', `${srv.url}/api/v1/no-such-route`, { token: srv.adminToken }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 401, 404]);
    for (const res of answers) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});

describe('HTTPS', () => {
  let certs: StandinCertificates;
  let tlsDir: string;
  let tls: { certFile: string; keyFile: string };

  beforeAll(async () => {
    certs = await createStandinCertificates();
    tlsDir = makeTempDataDir('jit-tls-');
    tls = { certFile: join(tlsDir, 'server.crt'), keyFile: join(tlsDir, 'server.key') };
    writeFileSync(tls.certFile, certs.serverCertPem);
    writeFileSync(tls.keyFile, certs.serverKeyPem, { mode: 0o600 });
  });
  afterAll(() => rmSync(tlsDir, { recursive: true, force: true }));

  /** The negotiated protocol, or the handshake's error code. */
  function handshake(url: string, version: SecureVersion): Promise<string> {
    return new Promise((resolve) => {
      // SECLEVEL=0 lets this client offer old protocols, so a refusal is the server's doing.
      const socket = tlsConnect({ host: '127.0.0.1', port: portOf(url), ca: certs.caPem, servername: 'localhost', minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' });
      socket.once('secureConnect', () => {
        resolve(socket.getProtocol() ?? 'unknown');
        socket.end();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
    });
  }

  function httpsGet(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca: certs.caPem, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        })
        .on('error', reject);
    });
  }

  it('serves HTTPS from the configured files: TLS 1.1 is refused, TLS 1.2 accepted, HSTS sent', async () => {
    const { url } = await startServerOn('127.0.0.1', { tls });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await handshake(url, 'TLSv1.1')).toMatch(/^refused/);
    expect(await handshake(url, 'TLSv1.2')).toBe('TLSv1.2');
    const res = await httpsGet(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a missing file or a key that is not the certificate\'s fails the start, naming the setting', async () => {
    await expect(startServerOn('127.0.0.1', { tls: { ...tls, keyFile: join(tlsDir, 'missing.key') } })).rejects.toThrow(/tls\.keyFile \(JIT_TLS_KEY_FILE\): cannot read/);
    const other = await createStandinCertificates();
    const otherKey = join(tlsDir, 'other.key');
    writeFileSync(otherKey, other.serverKeyPem);
    await expect(startServerOn('127.0.0.1', { tls: { ...tls, keyFile: otherKey } })).rejects.toThrow(/JIT_TLS_CERT_FILE, JIT_TLS_KEY_FILE.*its own private key/);
  });

  it('cli.ts reads JIT_TLS_CERT_FILE and JIT_TLS_KEY_FILE and announces an https:// URL', async () => {
    const dataDir = makeTempDataDir('jit-transport-cli-');
    const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, JIT_DATA_DIR: dataDir, JIT_HOST: '127.0.0.1', JIT_PORT: '0', JIT_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, JIT_DEMO: '0', JIT_LOG_LEVEL: 'warn', JIT_WEB_ROOT: join(dataDir, 'none'), JIT_TLS_CERT_FILE: tls.certFile, JIT_TLS_KEY_FILE: tls.keyFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening on" within 30 s:\n${output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await httpsGet(`${url}/healthz`)).headers['strict-transport-security']).toBe('max-age=31536000');
  }, 40_000);
});

describe('timeouts and limits', () => {
  it('a sign-in whose body stalls or trickles is cut off within the request timeout', async () => {
    const srv = await started({ transport: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 } });
    const head = `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n`;
    const stalled = rawSocket(srv.url);
    const trickling = rawSocket(srv.url);
    await Promise.all([stalled.connected, trickling.connected]);
    stalled.socket.write(`${head}{"user`);
    trickling.socket.write(head);
    // A byte every 150 ms keeps the socket busy, so only the whole-request limit can end it.
    const drip = setInterval(() => trickling.socket.write(' '), 150);
    cleanups.push(() => clearInterval(drip));
    const [stalledAfter, tricklingAfter] = await Promise.all([closedWithin(stalled.closed, 4_000), closedWithin(trickling.closed, 4_000)]);
    expect(stalledAfter).toBeLessThan(2_500);
    expect(tricklingAfter).toBeLessThan(2_500);
    expect(stalled.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(trickling.received()).toMatch(/^HTTP\/1\.1 408/);
    // Sign-in still works for clients that send their request.
    expect((await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'admin', password: srv.adminPassword } })).status).toBe(200);
  });

  it('connections beyond the limit are refused at once, and logged; the open ones keep working', async () => {
    const log = logCapture();
    const srv = await started({ transport: { maxConnections: 3 }, logLevel: 'warn', logStream: log.stream });
    const raw = srv.server.app.server;
    const openConnections = () => new Promise<number>((resolve, reject) => raw.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    // Start from none: the sign-in's keep-alive connection would otherwise count.
    raw.closeIdleConnections();
    await until(async () => (await openConnections()) === 0, 'idle connections to close');

    const held = [rawSocket(srv.url), rawSocket(srv.url), rawSocket(srv.url)];
    await Promise.all(held.map((c) => c.connected));
    await until(async () => (await openConnections()) === 3, 'three open connections');

    const extra = rawSocket(srv.url);
    expect(await closedWithin(extra.closed, 2_000)).toBeLessThan(2_000);
    expect(extra.received()).toBe('');
    expect(log.lines.some((line) => /refused 1 connection\(s\): 3 are open \(JIT_MAX_CONNECTIONS\)/.test(line.msg))).toBe(true);

    const first = held[0] as ReturnType<typeof rawSocket>;
    first.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await first.closed;
    expect(first.received()).toMatch(/^HTTP\/1\.1 200/);
    // A freed slot takes a new connection.
    await until(async () => (await openConnections()) === 2, 'a freed slot');
    expect((await http('GET', `${srv.url}/healthz`)).status).toBe(200);
  });

  it('a live stream outlives the request, header and idle timeouts', async () => {
    const srv = await started({ transport: { requestTimeoutMs: 400, headersTimeoutMs: 400, connectionTimeoutMs: 400 }, heartbeatMs: 60_000 });
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const res = await fetch(`${srv.url}/sync/v1/stream?collections=users`, { headers: { authorization: `Bearer ${srv.adminToken}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`the stream ended; it had sent: ${text}`);
        text += new TextDecoder().decode(chunk.value);
      }
    };
    await readUntil(/RESYNC/);
    // Silent for several times every limit (no heartbeat due), then a change must still arrive.
    await sleep(1_500);
    // Written in the store, not over HTTP: a request's handler slower than the 400 ms limits on a
    // loaded machine would be cut by them, which is those limits working, not the stream failing.
    srv.store.tx(() => srv.store.put('users', makeUser({ id: 'u-stream-check', displayName: 'Stream Check', updatedAt: new Date().toISOString() })));
    await readUntil(/Stream Check/);
  });
});

describe('plain HTTP on a reachable address', () => {
  it('warns at start on a non-loopback address, and not on loopback', async () => {
    const exposed = logCapture();
    await startServerOn('0.0.0.0', { logLevel: 'warn', logStream: exposed.stream });
    const warnings = exposed.lines.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings.some((msg) => /plain HTTP on 0\.0\.0\.0.*unencrypted.*JIT_TLS_CERT_FILE/.test(msg))).toBe(true);

    const local = logCapture();
    await startServerOn('127.0.0.1', { logLevel: 'warn', logStream: local.stream });
    expect(local.lines.filter((line) => /plain HTTP/.test(line.msg))).toEqual([]);
  });
});

describe('transport settings', () => {
  it('the environment is read with errors naming the variable and the rule', () => {
    expect(transportFromEnv({ JIT_REQUEST_TIMEOUT_MS: '5000', JIT_MAX_CONNECTIONS: '20' })).toEqual({ transport: { requestTimeoutMs: 5_000, maxConnections: 20 } });
    expect(transportFromEnv({ JIT_TLS_CERT_FILE: '/c.pem', JIT_TLS_KEY_FILE: '/k.pem' }).tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
    expect(() => transportFromEnv({ JIT_HEADERS_TIMEOUT_MS: '10s' })).toThrow('JIT_HEADERS_TIMEOUT_MS must be a whole number of at least 1, got "10s"');
    expect(() => transportFromEnv({ JIT_MAX_CONNECTIONS: '0' })).toThrow(/JIT_MAX_CONNECTIONS must be a whole number of at least 1/);
    expect(() => transportFromEnv({ JIT_TLS_CERT_FILE: '/c.pem' })).toThrow('JIT_TLS_CERT_FILE and JIT_TLS_KEY_FILE go together: JIT_TLS_KEY_FILE is missing');
  });

  it('limits default sanely, and a header limit longer than the request limit is refused by name', () => {
    const defaults = resolveTransportLimits();
    expect(defaults.requestTimeoutMs).toBeGreaterThan(0);
    expect(defaults.headersTimeoutMs).toBeLessThanOrEqual(defaults.requestTimeoutMs);
    expect(defaults.maxConnections).toBeGreaterThan(0);
    expect(resolveTransportLimits({ requestTimeoutMs: 2_000 }).headersTimeoutMs).toBe(2_000);
    expect(() => resolveTransportLimits({ requestTimeoutMs: 2_000, headersTimeoutMs: 3_000 })).toThrow(
      'transport.headersTimeoutMs (JIT_HEADERS_TIMEOUT_MS) must not exceed transport.requestTimeoutMs (JIT_REQUEST_TIMEOUT_MS): 3000 > 2000',
    );
    expect(() => resolveTransportLimits({ connectionTimeoutMs: -1 })).toThrow('transport.connectionTimeoutMs (JIT_CONNECTION_TIMEOUT_MS) must be a whole number of at least 1, got -1');
  });
});
