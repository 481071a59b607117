/**
 * The revocation views add tasks and receipts to the session's replica on first use: against the
 * real sync server on 127.0.0.1, with a real RxDB replica (memory storage, dev-mode on).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Task, Verification } from '../../../core/index.js';
import { startTestServer, type TestServer } from '../../../tests/integration/helpers/server.js';
import { createJitDatabase, type JitDatabase } from '../../db/index.js';
import { ensureRevocationReplica } from './replica.js';

const at = '2026-11-25T12:00:00.000Z';

function receipt(id: string): Verification {
  return {
    id,
    grantId: 'g-1',
    purpose: 'revocation',
    result: 'gone',
    connector: 'entra',
    endpoint: 'GET https://graph.example/v1.0/users/u-1/transitiveMemberOf',
    reads: [{ at, present: false, detail: 'not among 3 groups' }],
    consistentReads: 1,
    transitiveChecked: true,
    startedAt: at,
    finishedAt: at,
  };
}

function task(id: string): Task {
  return { id, kind: 'drift_alert', title: 'Access is back', detail: '', assigneeId: null, grantId: 'g-1', requestId: null, resourceId: null, severity: 'critical', status: 'open', createdAt: at, dueAt: null, closedAt: null, closedBy: null, updatedAt: at };
}

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let srv: TestServer | undefined;
const dbs: JitDatabase[] = [];
let count = 0;
afterEach(async () => {
  for (const db of dbs.splice(0)) if (!db.closed) await db.close();
  await srv?.close();
  srv = undefined;
});

async function replicaDb(collections: Parameters<typeof createJitDatabase>[0]['collections']) {
  const db = await createJitDatabase({ name: `revocations-${++count}`, storage: 'memory', devMode: true, collections });
  dbs.push(db);
  return db;
}

/** Counts sync calls per collection, to see what replicates. */
function countingFetch() {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    calls.push(String(input instanceof Request ? input.url : input));
    return globalThis.fetch(input, init);
  };
  return { calls, fetchImpl };
}

describe('ensureRevocationReplica', () => {
  it('adds tasks and receipts to an open replica once, replicates them live, and stops when the replica closes', async () => {
    srv = await startTestServer();
    srv.store.put('verifications', receipt('vr-1'));
    const db = await replicaDb(['grants', 'requests']);
    const { calls, fetchImpl } = countingFetch();
    const session = { db, serverUrl: srv.url, token: srv.adminToken };

    const first = ensureRevocationReplica(session, { fetch: fetchImpl });
    const second = ensureRevocationReplica(session, { fetch: fetchImpl });
    expect(second).toBe(first);
    const collections = await first;
    expect(Object.keys(db.collections).sort()).toEqual(['grants', 'requests', 'tasks', 'verifications']);

    await until(async () => (await collections.verifications.findOne('vr-1').exec()) !== null, 'the existing receipt');
    // Later writes arrive live.
    srv.store.put('tasks', task('task-1'));
    await until(async () => (await collections.tasks.findOne('task-1').exec()) !== null, 'a new task');
    // Only the added collections replicate here; the session replicates the others.
    expect(calls.some((u) => u.includes('/tasks/pull')) && calls.some((u) => u.includes('/verifications/pull'))).toBe(true);
    expect(calls.some((u) => /\/(grants|requests)\/|collections=[^&]*(grants|requests)/.test(u))).toBe(false);
    // One live connection for both.
    expect(calls.filter((u) => u.includes('/stream'))).toEqual([expect.stringMatching(/\/sync\/v1\/stream\?collections=(tasks,verifications|verifications,tasks)$/)]);

    await db.close();
    const made = calls.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(calls.length).toBe(made);
  });

  it('starts nothing when the session already opens both collections', async () => {
    srv = await startTestServer();
    const db = await replicaDb(['grants', 'tasks', 'verifications']);
    const { calls, fetchImpl } = countingFetch();
    const collections = await ensureRevocationReplica({ db, serverUrl: srv.url, token: srv.adminToken }, { fetch: fetchImpl });
    expect(collections.tasks).toBe(db.tasks);
    await new Promise((r) => setTimeout(r, 400));
    expect(calls).toEqual([]);
  });

  it('refuses a closed replica with a clear message, and may be retried', async () => {
    const db = await replicaDb(['grants']);
    await db.close();
    await expect(ensureRevocationReplica({ db, serverUrl: 'http://127.0.0.1:9', token: 't' })).rejects.toThrow(/the local replica is closed/);
    await expect(ensureRevocationReplica({ db, serverUrl: 'http://127.0.0.1:9', token: 't' })).rejects.toThrow(/the local replica is closed/);
  });
});
