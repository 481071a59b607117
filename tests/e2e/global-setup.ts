/**
 * Builds the console when out/renderer is missing or older than its sources, then starts the real
 * sync server as a child process on a free port with a temporary data folder and the demo
 * organisation. The URL reaches the tests through JIT_E2E_URL; the returned function stops it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { E2E_ADMIN_PASSWORD } from './support/accounts.js';
import { buildConsoleIfStale } from './support/build.js';
import { startSiemReceiver } from './support/siem-receiver.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function startServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'jit-e2e-'));
  const siem = await startSiemReceiver(dataDir);
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/cli.ts'], {
    cwd: root,
    env: {
      ...process.env,
      JIT_DATA_DIR: dataDir,
      JIT_DEMO: '1',
      JIT_PORT: '0',
      JIT_HOST: '127.0.0.1',
      JIT_ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
      JIT_LOG_LEVEL: 'warn',
      JIT_WEB_ROOT: path.join(root, 'out/renderer'),
      // The desktop app's pages come from its own app:// origin (tests/electron).
      JIT_ALLOWED_ORIGINS: 'app://console',
      // A first drift re-check soon after a revocation is verified, so the page shows a re-verification.
      JIT_DRIFT_CHECK_AFTER: '15s,1h,24h',
      // Every audit event forwarded to a real HTTPS receiver: the Connectors page shows its state.
      ...siem.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the sync server did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/i.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (process.env.JIT_E2E_SERVER_LOG) process.stderr.write(chunk);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sync server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await siem.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  buildConsoleIfStale();
  const server = await startServer();
  process.env.JIT_E2E_URL = server.url;
  console.log(`[e2e] sync server at ${server.url}`);
  return () => server.stop();
}
