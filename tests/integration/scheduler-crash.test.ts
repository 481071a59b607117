import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyChain } from '../../core/index.js';
import { SCHEDULER_MIGRATIONS } from '../../sync-server/scheduler/migrations.js';
import { openStore, type Store } from '../../sync-server/store/index.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';

const GRANTS = 120;
const RATE = 40;
const WORKER = join(import.meta.dirname, '../../sync-server/scheduler/worker-cli.ts');

let graph: GraphStandin;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scheduler-crash-'));
  graph = await startGraphStandin({ seed: 21, caPath: join(dir, 'graph-ca.pem') });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await graph.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the scheduler worker as a child process trusting the stand-in's CA the way a deployment would. */
async function startWorker(dataDir: string, connectorsPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, '--data-dir', dataDir, '--connectors', connectorsPath, '--interval-ms', '50'], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: graph.caPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"ready":true')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker exited early (${String(code)}): ${stderr}`)));
  });
  return child;
}

const waitFor = async (condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

function seed(store: Store, now: number): void {
  const group = graph.addGroup({ displayName: 'Crash test' });
  store.put('resources', { id: 'res-crash', name: 'Crash test', kind: 'entra_group', connector: 'entra', connectorId: 'entra-crash', target: { externalId: group.id }, ownerId: 'owner-1', sensitivity: 'high', policyIds: ['p-1'], updatedAt: new Date(now).toISOString() });
  for (let i = 0; i < GRANTS; i++) {
    const user = graph.addUser({ displayName: `Crash ${i}` });
    graph.addMember(group.id, user.id);
    const at = new Date(now - 60_000).toISOString();
    store.put('users', { id: `cu-${i}`, username: `cu-${i}`, displayName: `Crash ${i}`, externalIds: { entra: user.id }, updatedAt: at });
    store.put('grants', { id: `g-crash-${i}`, requestId: `req-${i}`, userId: `cu-${i}`, resourceId: 'res-crash', connector: 'entra', status: 'active', approvedAt: at, startsAt: at, expiresAt: new Date(now - 1000).toISOString(), provisionedAt: at, maxDurationMinutes: 60, updatedAt: at, revision: 1 });
  }
}

it('a worker killed with SIGKILL mid-batch and restarted revokes every due grant exactly once', async () => {
  const dataDir = join(dir, 'data');
  const store = openStore({ dataDir, migrations: [SCHEDULER_MIGRATIONS] });
  // The directory allows 40 writes per second; the connector is told ten times that, and learns.
  graph.setBudgets({ appWritesPer150s: RATE, appWriteWindowSeconds: 1, resourceUnitsPer10s: 1_000_000 });
  graph.setRetryAfterMissingProbability(0.5);
  const seededAt = Date.now();
  seed(store, seededAt);
  const connectorsPath = join(dir, 'connectors.json');
  writeFileSync(
    connectorsPath,
    JSON.stringify([
      {
        id: 'entra-crash',
        // The worker trusts the stand-in's CA through its environment (see startWorker).
        ...standinEntraSettings(graph, 'environment'),
        // More than the directory allows: 429s inside $batch are certain, and the run is long enough to cut.
        writeBudget: { writes: RATE * 10, perSeconds: 1 },
        // Verification reads are not what is tested: a budget that leaves them room.
        resourceUnitBudget: { units: 1_000_000, perSeconds: 10 },
        verifyReadIntervalMs: 10,
      },
    ]),
    { mode: 0o600 },
  );
  const deletes = () => graph.writeLog.filter((w) => w.method === 'DELETE');

  const first = await startWorker(dataDir, connectorsPath);
  await waitFor(() => deletes().length >= GRANTS / 3, 'the first removals');
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const revokedBeforeCrash = store.count('grants', { status: ['revoked', 'verified'] });
  const removedBeforeCrash = deletes().length;
  expect(removedBeforeCrash).toBeLessThan(GRANTS);

  const second = await startWorker(dataDir, connectorsPath);
  await waitFor(() => store.count('grants', { status: 'verified' }) === GRANTS, 'every grant verified gone');
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));

  expect(graph.state.members(store.get('resources', 'res-crash')!.target.externalId)).toEqual([]);
  // One DELETE that took effect per grant; any re-run after the crash found the member already gone (404).
  const effective = deletes().filter((w) => w.status === 204);
  expect(effective).toHaveLength(GRANTS);
  expect(new Set(effective.map((w) => w.path)).size).toBe(GRANTS);
  const reruns = deletes().filter((w) => w.status === 404).length;
  // One grant.revoked record per grant: the crash never produced a second one.
  const revokedEvents = [...store.auditEvents()].filter((e) => e.type === 'grant.revoked');
  expect(revokedEvents).toHaveLength(GRANTS);
  expect(new Set(revokedEvents.map((e) => e.subjectId)).size).toBe(GRANTS);
  expect(verifyChain(store.auditEvents()).ok).toBe(true);
  // The crash cost no attempt: nothing escalated, and no grant later than the budget's floor + 30 s.
  expect([...store.auditEvents()].filter((e) => e.type === 'grant.revoke_escalated')).toEqual([]);
  expect(store.list('tasks', {}).filter((t) => t.kind === 'revocation_escalation')).toEqual([]);
  const latest = Math.max(...store.list('grants', {}).map((g) => Date.parse(g.revokedAt ?? '')));
  expect(latest - seededAt).toBeLessThanOrEqual((GRANTS / RATE + 30) * 1000);
  console.info(`crash after ${removedBeforeCrash} removals (${revokedBeforeCrash} recorded); ${reruns} removal(s) re-run after restart and found already done`);
  store.close();
});
