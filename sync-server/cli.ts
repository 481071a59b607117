/**
 * `npm run server`. Environment:
 *   JIT_DATA_DIR            data directory (default ./data), holds jit.sqlite
 *   JIT_HOST / JIT_PORT     listen address (default 127.0.0.1:8787; JIT_PORT=0 picks a free port)
 *   JIT_ADMIN_PASSWORD      password of the `admin` account created on first start
 *                           (absent: one is generated and printed once)
 *   JIT_DEMO=1              seed the demo organisation into an empty store
 *   JIT_ALLOWED_ORIGINS     comma-separated CORS origins (e.g. http://localhost:5173)
 *   JIT_ALLOW_FILE_ORIGIN=1 also allow the `null` origin of file:// pages (packaged Electron app)
 *   JIT_TOKEN_TTL_MINUTES   session lifetime (default 720)
 *   JIT_WEB_ROOT            built web console to serve at / (default out/renderer)
 *   JIT_LOG_LEVEL           fatal|error|warn|info|debug|trace|silent (default info)
 * Prints "JIT sync server listening on <url>" once ready; SIGTERM/SIGINT close cleanly.
 */
import { resolve } from 'node:path';
import { createServer, DEFAULT_HOST, DEFAULT_PORT } from './app.js';

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`JIT_PORT must be 0-65535, got "${raw}"`);
  return port;
}

async function main(): Promise<void> {
  const env = process.env;
  const dataDir = resolve(env.JIT_DATA_DIR || './data');
  const origins = (env.JIT_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const server = await createServer({
    dataDir,
    ...(env.JIT_ADMIN_PASSWORD ? { adminPassword: env.JIT_ADMIN_PASSWORD } : {}),
    seedDemo: env.JIT_DEMO === '1',
    logLevel: env.JIT_LOG_LEVEL || 'info',
    allowedOrigins: origins,
    allowFileOrigin: env.JIT_ALLOW_FILE_ORIGIN === '1',
    ...(env.JIT_WEB_ROOT ? { webRoot: resolve(env.JIT_WEB_ROOT) } : {}),
  });
  const url = await server.listen(parsePort(env.JIT_PORT), env.JIT_HOST || DEFAULT_HOST);
  process.stdout.write(`JIT sync server listening on ${url} (data: ${dataDir})\n`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`${signal}: closing\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`failed to close cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
