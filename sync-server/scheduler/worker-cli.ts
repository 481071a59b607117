/**
 * Runs the scheduler alone on a data directory: a worker process next to (or instead of) the
 * HTTP server, and what the crash/restart tests start as a child process.
 *
 *   tsx sync-server/scheduler/worker-cli.ts --data-dir DIR [--connectors connectors.json] [--interval-ms 250]
 *
 * Without --connectors it serves the connectors stored in the data directory (their secrets
 * encrypted; the key from JIT_SECRET_KEY_FILE or JIT_SECRET_KEY, as for the server), so no
 * plaintext secret file is needed. connectors.json, when given, is an array of connector configs
 * (see ../connectors/config.ts) used as they are, for tests and one-off runs. Trust for a
 * private CA comes from NODE_EXTRA_CA_CERTS or a config's `tlsCaPem`. Prints one JSON line
 * `{"ready":true,...}` when running; stops cleanly on SIGTERM/SIGINT.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createConnectorRegistry } from '../connectors/registry.js';
import { KEY_VARIABLE, registerStoredConnectors, secretKeyFromEnv } from '../secrets/index.js';
import { openStore } from '../store/sqlite-store.js';
import { SCHEDULER_MIGRATIONS } from './migrations.js';
import { schedulerOptionsFromEnv, startScheduler } from './index.js';

function fail(message: string): never {
  process.stderr.write(`scheduler worker: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    connectors: { type: 'string' },
    'interval-ms': { type: 'string', default: '250' },
    'max-attempts': { type: 'string' },
  },
});
const dataDir = values['data-dir'] ?? fail('--data-dir is required');
const connectorsPath = values.connectors;
const intervalMs = Number(values['interval-ms']);
if (!Number.isFinite(intervalMs) || intervalMs < 1) fail('--interval-ms must be a positive number');

let configs: unknown[] = [];
if (connectorsPath) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(connectorsPath, 'utf8'));
  } catch (error) {
    fail(`cannot read ${connectorsPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(parsed)) fail(`${connectorsPath} must hold a JSON array of connector configs`);
  configs = parsed;
}

const store = openStore({ dataDir, migrations: [SCHEDULER_MIGRATIONS] });
const registry = createConnectorRegistry(configs);
if (!connectorsPath) {
  try {
    const key = secretKeyFromEnv(process.env);
    delete process.env[KEY_VARIABLE];
    registerStoredConnectors(store, registry, key);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}
const maxAttempts = values['max-attempts'] ? Number(values['max-attempts']) : undefined;
let fromEnv: ReturnType<typeof schedulerOptionsFromEnv> = {};
try {
  fromEnv = schedulerOptionsFromEnv(process.env);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const scheduler = startScheduler({
  store,
  registry,
  intervalMs,
  ...fromEnv,
  ...(maxAttempts ? { maxAttempts } : {}),
  onError: (error) => process.stderr.write(`scheduler pass failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
});
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, dataDir, connectors: registry.ids() })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await scheduler.stop();
  registry.close();
  store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
