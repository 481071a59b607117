/**
 * An offboarded person stays disabled whatever the directory says, until an admin enables them:
 * directory sync from the Graph stand-in (delta queries) after offboarding by the admin command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personIdFor } from '../../sync-server/directory-sync/people.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const CONNECTOR = 'entra-people';
const NO_ACCOUNT = '00000000-0000-4000-8000-000000000001';
const WITH_ACCOUNT = '00000000-0000-4000-8000-000000000002';
let graph: GraphStandin;
let srv: TestServer;

beforeAll(async () => {
  graph = await startGraphStandin({ seed: 29 });
  graph.addUser({ id: NO_ACCOUNT, displayName: 'Olga Lind', userPrincipalName: 'olga@contoso.test', department: 'Sales' });
  graph.addUser({ id: WITH_ACCOUNT, displayName: 'Ivy Chen', userPrincipalName: 'ivy@contoso.test', department: 'Sales' });
  srv = await startTestServer({
    connectors: [{ id: CONNECTOR, ...standinEntraSettings(graph), maxRetryWaitMs: 0, maxAttempts: 2 }],
    scheduler: { intervalMs: 0 },
    directorySync: { intervalMs: 0, sources: [{ connectorId: CONNECTOR }] },
  });
  const created = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id: 'u-ivy', username: 'ivy', password: 'returning-colleague-passphrase-7', displayName: 'Ivy Chen', roles: ['requester'] } });
  expect(created.status, created.text).toBe(201);
  srv.store.put('users', { ...srv.store.get('users', 'u-ivy')!, externalIds: { [CONNECTOR]: WITH_ACCOUNT }, updatedAt: new Date().toISOString() });
});
afterAll(async () => {
  await srv?.close();
  await graph?.close();
});

const runSync = async () => {
  const res = await http('POST', `${srv.url}/api/v1/directory-sync/${CONNECTOR}/run?wait=true`, { token: srv.adminToken });
  expect(res.status, res.text).toBe(200);
  return res.body.report as { counts: { enabled: number; skipped: number }; skipped: { personId: string; reason: string }[] };
};
const offboard = async (personId: string) => {
  const res = await http('POST', `${srv.url}/api/v1/commands`, { token: srv.adminToken, body: { type: 'person.offboard', payload: { personId, reason: 'left the company' } } });
  expect(res.status, res.text).toBe(200);
};

describe('directory sync after offboarding', () => {
  it('keeps an offboarded person without an account disabled while the directory still says enabled', async () => {
    await runSync();
    const olga = personIdFor(CONNECTOR, NO_ACCOUNT);
    expect(srv.store.get('users', olga)?.disabled).toBe(false);
    await offboard(olga);
    expect(srv.store.get('users', olga)?.disabled).toBe(true);
    // HR has not told the directory yet: the object changes and is reported enabled.
    graph.updateUser(NO_ACCOUNT, { department: 'Finance' });
    const report = await runSync();
    expect(srv.store.get('users', olga)).toMatchObject({ disabled: true, department: 'Finance' });
    expect(report.counts.enabled).toBe(0);
    expect(report.skipped).toContainEqual(expect.objectContaining({ personId: olga, reason: expect.stringMatching(/offboarded: stays disabled until an admin enables/) }));
  });

  it('keeps an offboarded account holder disabled until an admin enables the account; after that the directory decides again', async () => {
    await offboard('u-ivy');
    graph.updateUser(WITH_ACCOUNT, { department: 'Support' });
    await runSync();
    expect(srv.store.get('users', 'u-ivy')).toMatchObject({ disabled: true, department: 'Support' });
    const enabled = await http('POST', `${srv.url}/api/v1/accounts/u-ivy/enable`, { token: srv.adminToken, body: { reason: 'came back' } });
    expect(enabled.status, enabled.text).toBe(200);
    graph.updateUser(WITH_ACCOUNT, { accountEnabled: false });
    await runSync();
    expect(srv.store.get('users', 'u-ivy')?.disabled).toBe(true);
    graph.updateUser(WITH_ACCOUNT, { accountEnabled: true });
    const report = await runSync();
    expect(srv.store.get('users', 'u-ivy')?.disabled).toBe(false);
    expect(report.counts.enabled).toBe(1);
  });
});
