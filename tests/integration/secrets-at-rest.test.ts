/**
 * Connector secrets at rest, end to end: the real CLI imports a connectors file with an Entra client
 * secret into the store (encrypted under a key file), the file is deleted, the server signs in to the
 * Graph stand-in with the secret decrypted in memory, and the secret shows up nowhere: not in the
 * SQLite files, the API, the audit log or the server's own output (logged at trace level). Then a
 * missing key, a wrong key and a badly protected key file each stop the start with a clear message,
 * and `npm run secrets:rotate` moves everything to a new key.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { syncPath } from '../../core/index.js';
import { CONNECTOR_CONFIG_MIGRATIONS, importConnectorConfigs, SecretKey, writeNewKeyFile } from '../../sync-server/secrets/index.js';
import { openStore } from '../../sync-server/store/sqlite-store.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, login, makeTempDataDir, REPO_ROOT, spawnServer, startTestServer, TEST_ADMIN_PASSWORD, type SpawnedServer } from './helpers/server.js';

const SECRET = `graph-app-secret-${randomUUID()}`;
let graph: GraphStandin;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 5, clientSecret: SECRET });
});
afterAll(async () => {
  await graph?.close();
});

/** `npm run secrets -- ...`, as a child process. */
function secretsCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/secrets/cli.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

/** Every byte of every file in the directory (jit.sqlite, its WAL and shared-memory files, the demo key...). */
function bytesOf(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()).map((f) => readFileSync(join(dir, f))));
}

async function connectorsView(server: SpawnedServer) {
  const admin = await login(server.url, 'admin', TEST_ADMIN_PASSWORD);
  const view = await http<{ connectors: { id: string; ok: boolean; detail: string; settings: Record<string, unknown> }[] }>('GET', `${server.url}/api/v1/connectors`, { token: admin });
  expect(view.status).toBe(200);
  const audit = await http('GET', `${server.url}${syncPath('audit', 'pull')}?batchSize=5000`, { token: admin });
  expect(audit.status).toBe(200);
  return { view, audit };
}

describe('connector secrets at rest', () => {
  it('are stored only encrypted, used decrypted in memory, shown and logged nowhere; wrong keys stop the start; rotation moves them', async () => {
    const dataDir = makeTempDataDir('jit-secrets-data-');
    const keyDir = mkdtempSync(join(tmpdir(), 'jit-secrets-keys-'));
    onTestFinished(() => {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(keyDir, { recursive: true, force: true });
    });
    const outputs: string[] = [];
    const oldKeyFile = join(keyDir, 'jit.key');
    const generated = await secretsCli(['generate-key', oldKeyFile]);
    outputs.push(generated.output);
    expect(generated.code).toBe(0);
    expect(statSync(oldKeyFile).mode & 0o777).toBe(0o600);
    const oldKeyId = /key \(id ([0-9a-f]{16})\)/.exec(generated.output)?.[1] as string;
    expect(oldKeyId).toMatch(/^[0-9a-f]{16}$/);

    const connectorsFile = join(keyDir, 'connectors.json');
    writeFileSync(connectorsFile, JSON.stringify([{ id: 'entra-secure', ...standinEntraSettings(graph), maxRetryWaitMs: 0 }, { id: 'erp-owners', kind: 'manual' }]));
    const env = { JIT_SECRET_KEY_FILE: oldKeyFile, JIT_LOG_LEVEL: 'trace' };

    // First start: the file is imported, encrypted, and the connector signs in with the secret.
    const first = await spawnServer({ dataDir, env: { ...env, JIT_CONNECTORS_FILE: connectorsFile } });
    try {
      expect(first.output()).toMatch(new RegExp(`JIT_CONNECTORS_FILE .*: stored entra-secure, erp-owners with secrets encrypted under key ${oldKeyId}; .*can be deleted`));
      expect(first.output()).toMatch(/Connectors: entra-secure, erp-owners; scheduler running/);
      const { view, audit } = await connectorsView(first);
      expect(view.body.connectors.find((c) => c.id === 'entra-secure')).toMatchObject({ ok: true, detail: expect.stringMatching(/^signed in to tenant/), settings: { clientSecret: '[redacted]' } });
      expect(view.text).not.toContain(SECRET);
      expect(audit.text).toContain('connector.configured');
      expect(audit.text).not.toContain(SECRET);
    } finally {
      await first.stop();
      outputs.push(first.output());
    }
    rmSync(connectorsFile);
    // The data directory holds no plaintext secret, whatever SQLite left in its WAL.
    const atRest = bytesOf(dataDir);
    expect(atRest.length).toBeGreaterThan(10_000);
    expect(atRest.includes(SECRET)).toBe(false);
    expect(atRest.includes(Buffer.from(SECRET, 'utf16le'))).toBe(false);

    // Restart with the file gone: the configs come from the store, decrypted with the key.
    const again = await spawnServer({ dataDir, env });
    try {
      expect(again.output()).toMatch(/Connectors: entra-secure, erp-owners; scheduler running/);
      const { view } = await connectorsView(again);
      expect(view.body.connectors.find((c) => c.id === 'entra-secure')).toMatchObject({ ok: true });
      expect(view.text).not.toContain(SECRET);
    } finally {
      await again.stop();
      outputs.push(again.output());
    }

    // No key, a wrong key, a key file others can read: each stops the start, saying why.
    const refused = async (extra: Record<string, string>, message: RegExp) => {
      const attempt = spawnServer({ dataDir, env: extra });
      await expect(attempt).rejects.toThrow(message);
      await attempt.catch((error: Error) => outputs.push(error.message));
    };
    await refused({}, new RegExp(`failed to start: connector entra-secure has secrets stored encrypted under key ${oldKeyId}: set JIT_SECRET_KEY_FILE or JIT_SECRET_KEY to that key`));
    const otherKey = SecretKey.generate();
    await refused({ JIT_SECRET_KEY: otherKey.toBase64() }, new RegExp(`connector_configs/entra-secure is encrypted under key ${oldKeyId}, but the key given is ${otherKey.id}`));
    const exposed = join(keyDir, 'exposed.key');
    copyFileSync(oldKeyFile, exposed);
    chmodSync(exposed, 0o644);
    await refused({ JIT_SECRET_KEY_FILE: exposed }, new RegExp(`JIT_SECRET_KEY_FILE: the key file ${exposed} has mode 0644, so its group or others can reach it`));

    // Rotation: one transaction moves every stored secret to the new key; the old key is then refused.
    const newKeyFile = join(keyDir, 'jit-next.key');
    outputs.push((await secretsCli(['generate-key', newKeyFile])).output);
    const rotated = await secretsCli(['rotate', '--data-dir', dataDir, '--old-key-file', oldKeyFile, '--new-key-file', newKeyFile]);
    outputs.push(rotated.output);
    expect(rotated.code).toBe(0);
    const newKeyId = new RegExp(`re-encrypted 1 secret\\(s\\) from key ${oldKeyId} to key ([0-9a-f]{16})`).exec(rotated.output)?.[1] as string;
    expect(newKeyId).toBeDefined();
    const status = await secretsCli(['status', '--data-dir', dataDir]);
    outputs.push(status.output);
    expect(status.output).toMatch(new RegExp(`entra-secure\\tentra\\tsecrets under key ${newKeyId}`));
    expect(status.output).toMatch(/erp-owners\tmanual\tno secrets/);

    const rotatedServer = await spawnServer({ dataDir, env: { ...env, JIT_SECRET_KEY_FILE: newKeyFile } });
    try {
      const { view } = await connectorsView(rotatedServer);
      expect(view.body.connectors.find((c) => c.id === 'entra-secure')).toMatchObject({ ok: true });
    } finally {
      await rotatedServer.stop();
      outputs.push(rotatedServer.output());
    }
    await refused({ JIT_SECRET_KEY_FILE: oldKeyFile }, new RegExp(`is encrypted under key ${newKeyId}, but the key given is ${oldKeyId}`));

    expect(bytesOf(dataDir).includes(SECRET)).toBe(false);
    // Trace-level logs, CLI output and every refusal: the secret and the keys appear in none of them.
    const everything = outputs.join('\n');
    expect(everything).toMatch(/incoming request/);
    expect(everything).not.toContain(SECRET);
    for (const file of [oldKeyFile, newKeyFile]) expect(everything).not.toContain(readFileSync(file, 'utf8').trim());
  }, 90_000); // several server and CLI processes started one after another: about 20 s alone, more beside the rest of the suite

  it('an in-process server registers the stored connector with the key it is given', async () => {
    const dataDir = makeTempDataDir('jit-secrets-inproc-');
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const key = SecretKey.generate();
    const store = openStore({ dataDir, migrations: [CONNECTOR_CONFIG_MIGRATIONS] });
    try {
      importConnectorConfigs(store, [{ id: 'entra-secure', ...standinEntraSettings(graph) }], { key, source: 'test' });
    } finally {
      store.close();
    }
    const srv = await startTestServer({ dataDir, secretKey: key, scheduler: { intervalMs: 0 } });
    onTestFinished(() => srv.close());
    const view = await http('GET', `${srv.url}/api/v1/connectors`, { token: srv.adminToken });
    expect(view.body.connectors).toMatchObject([{ id: 'entra-secure', ok: true, settings: { clientSecret: '[redacted]', tenantId: graph.tenantId } }]);
    expect(view.text).not.toContain(SECRET);
  });

  it('the scheduler worker serves the stored connectors with the key, and refuses to start without it', async () => {
    const dataDir = makeTempDataDir('jit-secrets-worker-');
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const keyFile = join(dataDir, 'worker.key');
    const key = writeNewKeyFile(keyFile);
    const store = openStore({ dataDir, migrations: [CONNECTOR_CONFIG_MIGRATIONS] });
    try {
      importConnectorConfigs(store, [{ id: 'entra-worker', ...standinEntraSettings(graph) }], { key, source: 'test' });
    } finally {
      store.close();
    }
    const worker = (env: Record<string, string>) =>
      new Promise<{ line: string; code: number | null }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/scheduler/worker-cli.ts', '--data-dir', dataDir], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        const done = (code: number | null) => resolve({ line: out, code });
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('"ready":true')) {
            child.kill('SIGTERM');
          }
        });
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.once('exit', done);
      });
    const started = await worker({ JIT_SECRET_KEY_FILE: keyFile });
    expect(started.line).toContain('"connectors":["entra-worker"]');
    expect(started.line).not.toContain(SECRET);
    const refused = await worker({});
    expect(refused.code).toBe(2);
    expect(refused.line).toMatch(/scheduler worker: .*key/i);
  });
});
