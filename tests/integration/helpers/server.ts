/**
 * Test helpers for the sync server, shared by every integration suite. Keep these signatures stable.
 *
 *   const srv = await startTestServer();            // in-process, temp data dir, 127.0.0.1:<free port>
 *   const token = await srv.login('admin');         // or srv.adminToken
 *   const res = await http('POST', `${srv.url}/api/v1/commands`, { token, body: {...} });
 *   await srv.close();                              // stops the server, deletes the temp dir
 *
 *   const child = await spawnServer({ dataDir });   // `node --import tsx sync-server/cli.ts` as a child
 *   await child.kill();                             // SIGKILL (no clean shutdown), resolves on exit
 *   const again = await spawnServer({ dataDir });   // restart on the same data
 *   await again.stop();                             // SIGTERM (clean shutdown)
 *
 * With connectors (`startTestServer({ connectors: [...], scheduler: { intervalMs: 0 } })`) the scheduler
 * runs too; call `srv.server.scheduler.runOnce()` after moving an injected clock. A spawned server
 * always runs its scheduler; with `demo: true` its Entra tenant is the Graph stand-in, in-process.
 *
 * Seeded demo accounts (seedDemo: true / demo: true) all use DEMO_PASSWORD; the admin account
 * (username `admin`) uses TEST_ADMIN_PASSWORD unless another adminPassword is given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type CreateServerOptions, type JitServer } from '../../../sync-server/app.js';
import type { CommandProcessor } from '../../../sync-server/commands/processor.js';
import { DEMO_PASSWORD } from '../../../sync-server/demo/seed.js';
import type { Store } from '../../../sync-server/store/types.js';

export { DEMO_PASSWORD };
// Not containing the username: the password policy refuses that for every account, the admin's included.
export const TEST_ADMIN_PASSWORD = 'test-console-password-1';
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export function makeTempDataDir(prefix = 'jit-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export type HttpResponse<T = unknown> = { status: number; body: T; headers: Headers; text: string };

/** A JSON request; `body` is sent as JSON unless `rawBody` is given. Never throws on HTTP errors. */
export async function http<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  method: string,
  url: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.rawBody !== undefined) payload = options.rawBody;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: body as T, headers: response.headers, text };
}

/** Signs in and returns the bearer token; throws with the server's answer on failure. */
export async function login(url: string, username: string, password: string): Promise<string> {
  const res = await http<{ token: string }>('POST', `${url}/api/v1/auth/login`, { body: { username, password } });
  if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
  return res.body.token;
}

export type TestServer = {
  url: string;
  adminToken: string;
  adminPassword: string;
  store: Store;
  processor: CommandProcessor;
  dataDir: string;
  server: JitServer;
  /** Signs in; the password defaults to the admin's for `admin` and DEMO_PASSWORD otherwise. */
  login(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
};

export type StartTestServerOptions = Partial<CreateServerOptions> & {
  /** Keep the data directory after close (default: removed when it was created here). */
  keepDataDir?: boolean;
};

/** An in-process server on 127.0.0.1 with a free port, a temp data dir and a signed-in admin. */
export async function startTestServer(opts: StartTestServerOptions = {}): Promise<TestServer> {
  const { keepDataDir, ...serverOptions } = opts;
  const ownsDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? makeTempDataDir();
  const adminPassword = opts.adminPassword ?? TEST_ADMIN_PASSWORD;
  const server = await createServer({
    logLevel: 'silent',
    // No web console in tests unless asked for.
    webRoot: join(dataDir, 'no-web-root'),
    ...serverOptions,
    dataDir,
    adminPassword,
  });
  const url = await server.listen(0, '127.0.0.1');
  const adminToken = await login(url, 'admin', adminPassword);
  let closed = false;
  return {
    url,
    adminToken,
    adminPassword,
    store: server.store,
    processor: server.processor,
    dataDir,
    server,
    login: (username, password) => login(url, username, password ?? (username === 'admin' ? adminPassword : DEMO_PASSWORD)),
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      if (ownsDataDir && !keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type SpawnedServer = {
  url: string;
  dataDir: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (default SIGKILL: no clean shutdown) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM: the clean shutdown path. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export type SpawnServerOptions = {
  /** Data directory; a new temp dir when absent (the caller removes it). */
  dataDir?: string;
  /** 0 (default) picks a free port; pass the previous port to restart on the same URL. */
  port?: number;
  adminPassword?: string;
  demo?: boolean;
  /** Extra environment (JIT_* or anything else). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
};

/**
 * Starts `node --import tsx sync-server/cli.ts` (one process, so SIGKILL really kills the server)
 * and resolves with its URL once it prints "listening on".
 */
export function spawnServer(opts: SpawnServerOptions = {}): Promise<SpawnedServer> {
  const dataDir = opts.dataDir ?? makeTempDataDir();
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      JIT_DATA_DIR: dataDir,
      JIT_HOST: '127.0.0.1',
      JIT_PORT: String(opts.port ?? 0),
      JIT_ADMIN_PASSWORD: opts.adminPassword ?? TEST_ADMIN_PASSWORD,
      JIT_DEMO: opts.demo ? '1' : '0',
      JIT_LOG_LEVEL: 'warn',
      JIT_WEB_ROOT: join(dataDir, 'no-web-root'),
      ...(opts.env ?? {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });

  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`server did not start within ${opts.startTimeoutMs ?? 30_000} ms:\n${output}`));
    }, opts.startTimeoutMs ?? 30_000);
    const onData = () => {
      const match = /listening on (https?:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      };
      resolveStart({
        url: match[1] as string,
        dataDir,
        pid: child.pid as number,
        child,
        output: () => output,
        exited,
        kill,
        stop: () => kill('SIGTERM'),
      });
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rejectStart(new Error(`server exited before listening (code ${code}, signal ${signal}):\n${output}`));
    });
  });
}
