import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../../core/index.js';
import { personIdFor } from '../../sync-server/directory-sync/people.js';
import { offboardAlertId } from '../../sync-server/offboarding/offboard.js';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { standinEntraSettings } from './helpers/entra.js';
import { http, makeTempDataDir, startTestServer, type TestServer } from './helpers/server.js';

const PEOPLE = 10_000;
const DEPARTMENTS = ['Engineering', 'Finance', 'HR', 'Sales', 'Support', 'Security', 'IT Operations', 'Legal'];
const guid = (i: number): string => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const CONNECTOR = 'entra-people';

/** Ten thousand people, each (past the first ten) managed by one of the first thousand; three groups. */
function seedPeople(graph: GraphStandin): void {
  for (let i = 0; i < PEOPLE; i++) {
    graph.addUser({
      id: guid(i),
      displayName: `Person ${i}`,
      userPrincipalName: `person${i}@contoso.test`,
      department: DEPARTMENTS[i % DEPARTMENTS.length] as string,
      jobTitle: i < 1000 ? 'Manager' : 'Engineer',
      employeeType: i % 50 === 0 ? 'Contractor' : 'Employee',
      ...(i >= 10 ? { managerId: guid(Math.floor(i / 10)) } : {}),
    });
  }
  for (const [n, name] of ['Finance admins', 'Server operators', 'Everyone'].entries()) {
    const group = graph.addGroup({ id: guid(900_000 + n), displayName: name });
    const size = n === 2 ? 2000 : 50;
    for (let i = 0; i < size; i++) graph.addMember(group.id, guid(i * (n + 1)));
  }
}

function syncOptions(graph: GraphStandin, pageSize = 999) {
  return {
    connectors: [{ id: CONNECTOR, ...standinEntraSettings(graph), maxRetryWaitMs: 0, maxAttempts: 2 }],
    scheduler: { intervalMs: 0 },
    directorySync: { intervalMs: 0, sources: [{ connectorId: CONNECTOR, pageSize }] },
  };
}

const person = (srv: TestServer, i: number): DirectoryUser | null => srv.store.get('users', personIdFor(CONNECTOR, guid(i)));
const runSync = (srv: TestServer) => http('POST', `${srv.url}/api/v1/directory-sync/${CONNECTOR}/run?wait=true`, { token: srv.adminToken });

describe('directory sync from Entra (Graph stand-in, delta queries, read budget on)', () => {
  let graph: GraphStandin;
  let srv: TestServer;

  beforeAll(async () => {
    graph = await startGraphStandin({ seed: 13 });
    seedPeople(graph);
    srv = await startTestServer(syncOptions(graph));
  }, 120_000);
  afterAll(async () => {
    await srv?.close();
    await graph?.close();
  });

  it('imports 10,000 people with their department, title, employee type, manager, enabled state and object id, and the groups', async () => {
    const res = await runSync(srv);
    expect(res.status, res.text).toBe(200);
    expect(res.body.report.full).toBe(true);
    expect(res.body.report.counts).toMatchObject({ added: PEOPLE, changed: 0, disabled: 0, removed: 0, groupsAdded: 3 });
    const p = person(srv, 1234) as DirectoryUser;
    expect(p).toMatchObject({ username: 'person1234@contoso.test', displayName: 'Person 1234', department: DEPARTMENTS[1234 % 8], jobTitle: 'Engineer', employeeType: 'Employee', disabled: false });
    expect(p.externalIds[CONNECTOR]).toBe(guid(1234));
    expect(p.managerId).toBe(personIdFor(CONNECTOR, guid(123)));
    expect(person(srv, 5)?.managerId).toBeNull();
    const everyone = srv.store.list('groups').find((g) => g.displayName === 'Everyone');
    expect(everyone?.memberUserIds).toHaveLength(2000);
    expect(everyone?.connector).toBe('entra');
    // The change report is an audit event and readable over REST.
    const event = [...srv.store.auditEvents()].find((e) => e.type === 'directory.synced');
    expect(event?.subjectId).toBe(CONNECTOR);
    expect((event?.data as { counts: { added: number } }).counts.added).toBe(PEOPLE);
    const runs = await http('GET', `${srv.url}/api/v1/directory-sync/runs?connectorId=${CONNECTOR}`, { token: srv.adminToken });
    expect(runs.body.runs[0]).toMatchObject({ id: res.body.runId, status: 'completed', counts: { added: PEOPLE } });
  }, 120_000);

  it('then reads only the delta: 1 % changed field by field, one person disabled, one deleted and one soft-deleted, a new manager, a member removed', async () => {
    const readsBefore = graph.counters.reads;
    for (let i = 0; i < PEOPLE / 100; i++) graph.updateUser(guid(i * 97 + 11), { department: 'Moved' });
    graph.updateUser(guid(4242), { accountEnabled: false });
    graph.deleteUser(guid(7777), { permanent: true });
    graph.deleteUser(guid(8888));
    graph.setManager(guid(5000), guid(7));
    graph.removeMember(guid(900_000), guid(0));
    const res = await runSync(srv);
    expect(res.status, res.text).toBe(200);
    const report = res.body.report;
    expect(report.full).toBe(false);
    expect(report.counts).toMatchObject({ added: 0, disabled: 3, removed: 2, groupsChanged: 1 });
    // 100 departments, and one manager (person 5000 was not among the moved ones).
    expect(report.counts.changed).toBe(101);
    const moved = report.changed.find((c: { objectId: string }) => c.objectId === guid(11));
    expect(moved.fields).toEqual({ department: { from: DEPARTMENTS[11 % 8], to: 'Moved' } });
    const managerChange = report.changed.find((c: { objectId: string }) => c.objectId === guid(5000));
    expect(managerChange.fields.managerId).toEqual({ from: personIdFor(CONNECTOR, guid(500)), to: personIdFor(CONNECTOR, guid(7)) });
    expect(report.disabled.map((d: { objectId: string }) => d.objectId)).toEqual([guid(4242)]);
    expect(report.removed.map((r: { objectId: string; reason: string }) => [r.objectId, r.reason]).sort()).toEqual([
      [guid(7777), 'deleted'],
      [guid(8888), 'soft'],
    ]);
    expect(person(srv, 4242)?.disabled).toBe(true);
    expect(person(srv, 7777)?.disabled).toBe(true);
    // Known people the directory disabled or removed raise the "Offboard?" alert for admins (the default setting).
    const alerts = srv.store.list('tasks').filter((t) => t.kind === 'offboard_alert' && t.status === 'open');
    expect(alerts.map((t) => t.id).sort()).toEqual([4242, 7777, 8888].map((n) => offboardAlertId(personIdFor(CONNECTOR, guid(n)))).sort());
    expect(person(srv, 5000)?.managerId).toBe(personIdFor(CONNECTOR, guid(7)));
    expect(srv.store.list('groups').find((g) => g.displayName === 'Finance admins')?.memberUserIds).toHaveLength(49);
    // A handful of delta pages, not the 10,000 people again.
    expect(graph.counters.reads - readsBefore).toBeLessThan(6);
    const run = await http('GET', `${srv.url}/api/v1/directory-sync/runs/${res.body.runId}`, { token: srv.adminToken });
    expect(run.body.report.counts.changed).toBe(101);
  }, 120_000);

  it('keeps a link set by hand: a person an admin unlinked from this directory is not linked again by their UPN', async () => {
    const created = await http('POST', `${srv.url}/api/v1/accounts`, {
      token: srv.adminToken,
      body: { username: 'newhire@contoso.test', password: 'correct horse battery staple 7', displayName: 'New Hire (console)', roles: ['requester'] },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.user.id as string;
    const unlinked = await http('PATCH', `${srv.url}/api/v1/accounts/${id}`, { token: srv.adminToken, body: { externalIds: { [CONNECTOR]: null }, reason: 'shared mailbox, not this person' } });
    expect(unlinked.status, unlinked.text).toBe(200);
    graph.addUser({ id: guid(20_000), displayName: 'New Hire', userPrincipalName: 'newhire@contoso.test' });
    const res = await runSync(srv);
    expect(res.status, res.text).toBe(200);
    expect(res.body.report.counts).toMatchObject({ added: 0, skipped: 1 });
    expect(res.body.report.skipped[0]).toMatchObject({ personId: id, objectId: guid(20_000) });
    expect(srv.store.get('users', id)?.externalIds[CONNECTOR]).toBeUndefined();
    expect(srv.store.get('users', personIdFor(CONNECTOR, guid(20_000)))).toBeNull();
    expect([...srv.store.auditEvents()].some((e) => e.subjectId === id && e.type === 'account.unlinked')).toBe(true);
  }, 60_000);

  it('resumes after a restart at the page it stopped at, with the same run and report', async () => {
    const dataDir = makeTempDataDir();
    const first = await startTestServer({ ...syncOptions(graph, 500), dataDir, keepDataDir: true });
    // A read budget of a few pages: the directory throttles part-way, and the run stops there.
    graph.setBudgets({ resourceUnitsPer10s: 9 });
    try {
      const stopped = await runSync(first);
      expect(stopped.status).toBe(503);
      const status = await http('GET', `${first.url}/api/v1/directory-sync`, { token: first.adminToken });
      expect(status.body.sources[0]).toMatchObject({ connectorId: CONNECTOR, running: true });
      expect(status.body.sources[0].pages).toBeGreaterThan(0);
      expect(status.body.sources[0].pages).toBeLessThan(10);
    } finally {
      await first.close();
      graph.setBudgets({ resourceUnitsPer10s: 3500 });
    }
    const second = await startTestServer({ ...syncOptions(graph, 500), dataDir });
    try {
      const res = await runSync(second);
      expect(res.status, res.text).toBe(200);
      expect(res.body.resumed).toBe(true);
      expect(res.body.report.counts.added).toBe(PEOPLE - 2 + 1);
      expect(second.store.list('users').filter((u) => u.externalIds[CONNECTOR]).length).toBe(PEOPLE - 1);
    } finally {
      await second.close();
    }
  }, 180_000);
});

describe('directory sync on its interval, beside the scheduler', () => {
  it('runs a source that has never run as soon as the server starts, then waits for the interval', async () => {
    const graph = await startGraphStandin({ seed: 14 });
    for (let i = 0; i < 20; i++) graph.addUser({ id: guid(i), displayName: `Person ${i}` });
    const srv = await startTestServer({
      connectors: [{ id: CONNECTOR, ...standinEntraSettings(graph) }],
      scheduler: { intervalMs: 50 },
      directorySync: { intervalMs: 3_600_000, sources: [{ connectorId: CONNECTOR }] },
    });
    try {
      let runs: { counts: { added: number } }[] = [];
      for (let tries = 0; tries < 200 && runs.length === 0; tries++) {
        await new Promise((r) => setTimeout(r, 50));
        runs = (await http('GET', `${srv.url}/api/v1/directory-sync/runs`, { token: srv.adminToken })).body.runs;
      }
      expect(runs).toHaveLength(1);
      expect(runs[0]?.counts.added).toBe(20);
      expect(srv.server.directorySync?.nextDelayMs()).toBeGreaterThan(1000);
    } finally {
      await srv.close();
      await graph.close();
    }
  }, 60_000);
});
