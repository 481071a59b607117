/**
 * The push queue against the real sync server, with a replica as the built app runs it (memory
 * storage, no dev-mode, so no local schema check): a command the server cannot accept must not
 * hold back the commands queued after it. Dev-mode hooks are process-wide in RxDB, so this lives in
 * its own file, away from the dev-mode replicas of replication.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessRequest, Command } from '../../core/index.js';
import { awaitCommandResult, sendCommand } from '../../renderer/db/commands.js';
import { createJitDatabase } from '../../renderer/db/database.js';
import { startReplication } from '../../renderer/db/replication.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';
import { configure } from './helpers/configure.js';

const PASSWORD = 'replication-push-password-1';
const WAIT_MS = 15_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.().catch(() => undefined);
});


/** An approver, a requester, and a pending request the approver can approve. */
async function setUp(server: TestServer): Promise<{ approver: string; request: AccessRequest }> {
  for (const [username, displayName, roles] of [
    ['alice', 'Alice Approver', ['approver']],
    ['rita', 'Rita Requester', ['requester']],
  ] as const) {
    // Each person has an object in the test tenant: a request for an Entra resource needs one.
    const res = await http('POST', `${server.url}/api/v1/accounts`, { token: server.adminToken, body: { username, password: PASSWORD, displayName, roles, department: 'it', externalIds: { entra: testObjectId(username) } } });
    if (res.status !== 201) throw new Error(`creating ${username} failed: ${res.status} ${res.text}`);
  }
  await configure(server, 'policy.upsert', {
    policy: { id: 'p-one', name: 'One approval', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: true, approvalSteps: [{ name: 'approvers', mode: 'any', approverRoles: ['approver'] }] },
  });
  await configure(server, 'resource.upsert', {
    resource: { id: 'res-db', name: 'Payroll DB admins', kind: 'entra_group', connector: 'entra', connectorId: 'entra-test', target: { externalId: 'g-payroll' }, ownerId: 'u-admin', sensitivity: 'high', policyIds: ['p-one'] },
  });
  await configure(server, 'profile.upsert', { profile: { id: 'prof-it', name: 'IT', resourceIds: ['res-db'], departments: ['it'] } });
  const rita = await login(server.url, 'rita', PASSWORD);
  const created = await http<AccessRequest>('POST', `${server.url}/api/v1/requests`, { token: rita, body: { resourceId: 'res-db', durationMinutes: 60, justification: 'queue must move' } });
  if (created.status !== 201) throw new Error(`request failed: ${created.status} ${created.text}`);
  return { approver: await login(server.url, 'alice', PASSWORD), request: created.body };
}

describe('the push queue', () => {
  it('a command the server cannot accept does not hold back the ones after it', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const { approver, request } = await setUp(server);
    const db = await createJitDatabase({ name: 'push-queue', storage: 'memory', collections: ['requests', 'commands', 'commandResults'] });
    cleanups.push(() => db.close());

    // Queued in this order before going online: a command without an actor (recordable: it has an
    // id and a type), one whose id the server refuses (nothing to record a result against), then a good one.
    const at = new Date().toISOString();
    await db.commands.insert({ id: 'cmd-no-actor', type: 'request.approve', payload: { requestId: request.id }, createdAt: at, baseRevision: null } as unknown as Command);
    await db.commands.insert({ id: 'bad id!', type: 'request.approve', actorId: 'u-alice', payload: { requestId: request.id }, createdAt: at, baseRevision: null });
    const good = await sendCommand(db, { type: 'request.approve', payload: { requestId: request.id, reason: 'on call' }, actorId: 'u-alice', baseRevision: request.revision });

    const replication = startReplication(db, { serverUrl: server.url, token: approver, retryTimeMs: 300, reconnectMaxMs: 1_000 });
    cleanups.push(() => replication.cancel());
    expect(await awaitCommandResult(db, good, WAIT_MS)).toMatchObject({ status: 'applied', code: 'ok' });
    expect(await awaitCommandResult(db, 'cmd-no-actor', WAIT_MS)).toMatchObject({ status: 'rejected', code: 'invalid_input', actorId: 'u-alice', message: expect.stringMatching(/^actorId: /) });
    expect(server.store.get('requests', request.id)?.status).toBe('approved');
    // The unrecordable one was skipped, never applied, and audited on the server.
    expect(server.store.get('commandResults', 'bad id!')).toBeNull();
    const skipped = server.store.list('audit').filter((event) => event.type === 'command.rejected' && event.subjectId === 'unidentified-command');
    expect(skipped).toEqual([
      expect.objectContaining({ actorId: 'u-alice', data: expect.objectContaining({ field: '1.newDocumentState.id', pushedId: 'bad id!' }) }),
    ]);
  });
});

/** A stable Entra object id (a GUID) for a test person. */
function testObjectId(username: string): string {
  const hex = Buffer.from(username.padEnd(6, '_').slice(0, 6)).toString('hex');
  return `00000000-0000-4000-8000-${hex}`;
}
