import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientCertificateCredential } from '@azure/identity';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGraphStandin, type GraphStandin } from '../standins/graph/index.js';
import { agentPolicy, rawRequest, standinAgent, standinCredential, standinGraphClient } from '../standins/graph/test-client.js';

type GraphErrorBody = { error: { code: string; message: string; innerError: { date: string; 'request-id': string; 'client-request-id': string } } };
const errorCode = (body: unknown): string => (body as GraphErrorBody).error.code;
const ids = (body: unknown): string[] => ((body as { value: Array<{ id: string }> }).value ?? []).map((v) => v.id);

const ROLE_GA = '62e90394-69f5-4237-9190-012177145e10';

describe('Graph stand-in', () => {
  let graph: GraphStandin;
  let agent: https.Agent;
  let token: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'graph-standin-'));
    graph = await startGraphStandin({ seed: 42, caPath: join(tmp, 'ca.pem') });
    agent = standinAgent(graph);
  });

  afterAll(async () => {
    agent.destroy();
    await graph.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(() => {
    graph.reset();
    token = graph.issueToken();
  });

  const seedBasics = (): void => {
    graph.addUser({ id: 'u-ada', displayName: 'Ada Lovelace' });
    graph.addUser({ id: 'u-bob', displayName: 'Bob Builder' });
    graph.addGroup({ id: 'g-fin', displayName: 'Finance admins' });
    graph.addGroup({ id: 'g-pay', displayName: 'Payroll approvers' });
    graph.addMember('g-fin', 'g-pay');
    graph.addMember('g-pay', 'u-bob');
    graph.addRoleDefinition({ id: ROLE_GA, displayName: 'Global Administrator' });
  };

  const addRef = (groupId: string, memberId: string) =>
    rawRequest(graph, 'POST', `/v1.0/groups/${groupId}/members/$ref`, { token, body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${memberId}` } });

  describe('token flow', () => {
    it('issues a token to @azure/identity ClientSecretCredential and it opens Graph', async () => {
      seedBasics();
      const credential = standinCredential(graph, agent);
      const accessToken = await credential.getToken('https://graph.microsoft.com/.default');
      expect(accessToken.token.split('.')).toHaveLength(3);
      const res = await rawRequest(graph, 'GET', '/v1.0/users', { token: accessToken.token });
      expect(res.status).toBe(200);
      expect(ids(res.body).sort()).toEqual(['u-ada', 'u-bob']);
    });

    it('refuses a wrong secret with invalid_client AADSTS7000215', async () => {
      const credential = standinCredential(graph, agent, 'not-the-secret');
      await expect(credential.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS7000215/);
      const raw = await rawRequest(graph, 'POST', graph.tokenUrl, {
        form: { client_id: graph.credentials.clientId, client_secret: 'nope', scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' },
      });
      expect(raw.status).toBe(401);
      expect((raw.body as { error: string }).error).toBe('invalid_client');
      expect((raw.body as { error_description: string }).error_description).toMatch(/^AADSTS7000215: /);
    });

    it('accepts certificate credentials (client_assertion) from ClientCertificateCredential', async () => {
      const appCert = await generate([{ name: 'commonName', value: 'jit-console-app' }], { keySize: 2048, algorithm: 'sha256' });
      graph.addApp({ clientId: 'cert-app', certificatePem: appCert.cert, permissions: ['User.Read.All'] });
      const credential = new ClientCertificateCredential(graph.tenantId, 'cert-app', { certificate: `${appCert.private}\n${appCert.cert}` }, {
        authorityHost: graph.authorityHost,
        disableInstanceDiscovery: true,
        additionalPolicies: [agentPolicy(agent)],
      });
      const accessToken = await credential.getToken('https://graph.microsoft.com/.default');
      expect((await rawRequest(graph, 'GET', '/v1.0/users', { token: accessToken.token })).status).toBe(200);
      const otherCert = await generate([{ name: 'commonName', value: 'impostor' }], { keySize: 2048, algorithm: 'sha256' });
      const impostor = new ClientCertificateCredential(graph.tenantId, 'cert-app', { certificate: `${otherCert.private}\n${otherCert.cert}` }, {
        authorityHost: graph.authorityHost,
        disableInstanceDiscovery: true,
        additionalPolicies: [agentPolicy(agent)],
      });
      await expect(impostor.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/invalid_client|AADSTS700027/);
    });

    it('answers 401 InvalidAuthenticationToken in Graph shape without or with a forged token', async () => {
      const missing = await rawRequest(graph, 'GET', '/v1.0/users', { headers: { 'client-request-id': 'abc-123' } });
      expect(missing.status).toBe(401);
      expect(errorCode(missing.body)).toBe('InvalidAuthenticationToken');
      const inner = (missing.body as GraphErrorBody).error.innerError;
      expect(inner['request-id']).toBe(missing.headers['request-id']);
      expect(inner['client-request-id']).toBe('abc-123');
      expect(inner.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      const [h, p] = token.split('.');
      const forged = await rawRequest(graph, 'GET', '/v1.0/users', { token: `${h}.${p}.AAAA` });
      expect(forged.status).toBe(401);
      expect(errorCode(forged.body)).toBe('InvalidAuthenticationToken');
    });

    it('answers 403 Authorization_RequestDenied when the app lacks the permission', async () => {
      seedBasics();
      graph.setAppPermissions(graph.credentials.clientId, ['User.Read.All']);
      expect((await rawRequest(graph, 'GET', '/v1.0/users', { token })).status).toBe(200);
      const denied = await addRef('g-fin', 'u-ada');
      expect(denied.status).toBe(403);
      expect(errorCode(denied.body)).toBe('Authorization_RequestDenied');
      expect(graph.state.isMember('g-fin', 'u-ada')).toBe(false);
    });

    it('works from a child process that trusts the CA through NODE_EXTRA_CA_CERTS, with the default Graph client transport', async () => {
      seedBasics();
      const script = join(process.cwd(), 'tests/standins/graph', `.child-probe-${process.pid}.mts`);
      writeFileSync(
        script,
        [
          "import { ClientSecretCredential } from '@azure/identity';",
          "import { Client } from '@microsoft/microsoft-graph-client';",
          "import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';",
          'const c = JSON.parse(process.env.STANDIN ?? "{}");',
          'const credential = new ClientSecretCredential(c.tenantId, c.clientId, c.clientSecret, { authorityHost: c.authorityHost, disableInstanceDiscovery: true });',
          "const client = Client.initWithMiddleware({ baseUrl: c.origin, defaultVersion: 'v1.0', customHosts: new Set([new URL(c.origin).hostname]), authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] }) });",
          "const members = await client.api('/groups/g-fin/transitiveMembers').select('id').get();",
          'process.stdout.write(JSON.stringify(members.value.map((m) => m.id)));',
        ].join('\n'),
      );
      try {
        const out = await new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', script], {
            env: {
              ...process.env,
              NODE_EXTRA_CA_CERTS: graph.caPath,
              STANDIN: JSON.stringify({ ...graph.credentials, authorityHost: graph.authorityHost, origin: graph.origin }),
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`))));
        });
        expect(JSON.parse(out).sort()).toEqual(['g-pay', 'u-bob']);
      } finally {
        rmSync(script, { force: true });
      }
    });
  });

  describe('group membership writes', () => {
    it('adds with 204, refuses a duplicate with 400 Request_BadRequest, removes with 204, then 404', async () => {
      seedBasics();
      expect((await addRef('g-fin', 'u-ada')).status).toBe(204);
      expect(graph.state.isMember('g-fin', 'u-ada')).toBe(true);
      const dup = await addRef('g-fin', 'u-ada');
      expect(dup.status).toBe(400);
      expect(errorCode(dup.body)).toBe('Request_BadRequest');
      expect((dup.body as GraphErrorBody).error.message).toBe("One or more added object references already exist for the following modified properties: 'members'.");
      expect((await rawRequest(graph, 'DELETE', '/v1.0/groups/g-fin/members/u-ada/$ref', { token })).status).toBe(204);
      const again = await rawRequest(graph, 'DELETE', '/v1.0/groups/g-fin/members/u-ada/$ref', { token });
      expect(again.status).toBe(404);
      expect(errorCode(again.body)).toBe('Request_ResourceNotFound');
      const unknown = await addRef('g-fin', 'no-such-user');
      expect(unknown.status).toBe(404);
      expect(graph.writeLog.map((w) => [w.method, w.status])).toEqual([
        ['POST', 204],
        ['POST', 400],
        ['DELETE', 204],
        ['DELETE', 404],
        ['POST', 404],
      ]);
      expect(graph.counters.writes).toBe(5);
    });

    it('reads nested membership transitively, with $select and $filter', async () => {
      seedBasics();
      const direct = await rawRequest(graph, 'GET', '/v1.0/groups/g-fin/members', { token });
      expect(ids(direct.body)).toEqual(['g-pay']);
      const transitive = await rawRequest(graph, 'GET', "/v1.0/groups/g-fin/transitiveMembers/microsoft.graph.user?$select=id,displayName", { token });
      expect((transitive.body as { value: unknown[] }).value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: 'u-bob', displayName: 'Bob Builder' }]);
      const memberOf = await rawRequest(graph, 'GET', `/v1.0/users/u-bob/transitiveMemberOf?$filter=${encodeURIComponent("id eq 'g-fin'")}`, { token });
      expect(ids(memberOf.body)).toEqual(['g-fin']);
      const directOf = await rawRequest(graph, 'GET', '/v1.0/users/u-bob/memberOf', { token });
      expect(ids(directOf.body)).toEqual(['g-pay']);
      const badSelect = await rawRequest(graph, 'GET', '/v1.0/users?$select=nope', { token });
      expect(badSelect.status).toBe(400);
      const unsupported = await rawRequest(graph, 'GET', '/v1.0/users?$orderby=displayName', { token });
      expect(unsupported.status).toBe(400);
      const counted = await rawRequest(graph, 'GET', '/v1.0/groups?$count=true&$top=1', { token, headers: { ConsistencyLevel: 'eventual' } });
      expect((counted.body as Record<string, unknown>)['@odata.count']).toBe(2);
    });
  });

  describe('paging', () => {
    it('follows the opaque absolute @odata.nextLink with the Graph client PageIterator', async () => {
      for (let i = 0; i < 250; i++) graph.addUser({ id: `user-${String(i).padStart(3, '0')}`, displayName: `User ${i}` });
      const client = standinGraphClient(graph, agent);
      const first = await client.api('/users').top(40).select('id').get();
      expect(first.value).toHaveLength(40);
      expect(first['@odata.nextLink']).toMatch(new RegExp(`^${graph.baseUrl.replace(/[.]/g, '\\.')}/users\\?.*\\$skiptoken=`));
      const seen: string[] = [];
      const iterator = new PageIterator(client, first, (user: { id: string }) => {
        seen.push(user.id);
        return true;
      });
      await iterator.iterate();
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
    });

    it('uses the default page size without $top, and refuses an edited skiptoken', async () => {
      for (let i = 0; i < 120; i++) graph.addUser({ displayName: `Person ${i}` });
      const page = await rawRequest(graph, 'GET', '/v1.0/users', { token });
      expect((page.body as { value: unknown[] }).value).toHaveLength(100);
      const next = (page.body as { '@odata.nextLink': string })['@odata.nextLink'];
      const second = await rawRequest(graph, 'GET', next, { token });
      expect((second.body as { value: unknown[] }).value).toHaveLength(20);
      expect((second.body as Record<string, unknown>)['@odata.nextLink']).toBeUndefined();
      const tampered = await rawRequest(graph, 'GET', next.replace(/skiptoken=(.)/, (_m, c: string) => `skiptoken=${c === 'A' ? 'B' : 'A'}`), { token });
      expect(tampered.status).toBe(400);
      const otherQuery = await rawRequest(graph, 'GET', `${next}&$select=id`, { token });
      expect(otherQuery.status).toBe(400);
    });
  });

  describe('$batch', () => {
    const batch = (requests: unknown[]) => rawRequest(graph, 'POST', '/v1.0/$batch', { token, body: { requests } });
    const refStep = (id: string, groupId: string, memberId: string, dependsOn?: string[]) => ({
      id,
      method: 'POST',
      url: `/groups/${groupId}/members/$ref`,
      headers: { 'Content-Type': 'application/json' },
      body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${memberId}` },
      ...(dependsOn ? { dependsOn } : {}),
    });

    it('refuses more than 20 requests and duplicate ids with 400', async () => {
      seedBasics();
      const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/users' }));
      const tooMany = await batch(many);
      expect(tooMany.status).toBe(400);
      expect(errorCode(tooMany.body)).toBe('BadRequest');
      expect((await batch(many.slice(0, 20))).status).toBe(200);
      const dup = await batch([{ id: 'a', method: 'GET', url: '/users' }, { id: 'A', method: 'GET', url: '/groups' }]);
      expect(dup.status).toBe(400);
    });

    it('answers 424 for a request whose dependency failed, and runs the rest', async () => {
      seedBasics();
      graph.addMember('g-fin', 'u-ada');
      const res = await batch([refStep('1', 'g-fin', 'u-ada'), refStep('2', 'g-pay', 'u-ada', ['1']), refStep('3', 'g-pay', 'u-ada')]);
      expect(res.status).toBe(200);
      const byId = new Map((res.body as { responses: Array<{ id: string; status: number; body?: unknown }> }).responses.map((r) => [r.id, r]));
      expect(byId.get('1')?.status).toBe(400);
      expect(byId.get('2')?.status).toBe(424);
      expect(byId.get('3')?.status).toBe(204);
      expect(graph.state.isMember('g-pay', 'u-ada')).toBe(true);
      expect(graph.writeLog.filter((w) => w.batchId !== undefined)).toHaveLength(2);
    });

    it('throttles each inner request on its own: 429 with Retry-After inside a 200', async () => {
      seedBasics();
      for (let i = 0; i < 6; i++) graph.addUser({ id: `extra-${i}`, displayName: `Extra ${i}` });
      graph.setBudgets({ appWritesPer150s: 3 });
      const res = await batch(Array.from({ length: 6 }, (_, i) => refStep(String(i + 1), 'g-fin', `extra-${i}`)));
      expect(res.status).toBe(200);
      const responses = (res.body as { responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }> }).responses;
      expect(responses.map((r) => r.id).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
      const throttled = responses.filter((r) => r.status === 429);
      expect(throttled).toHaveLength(3);
      expect(responses.filter((r) => r.status === 204)).toHaveLength(3);
      for (const r of throttled) {
        expect(Number(r.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
        expect(errorCode(r.body)).toBe('TooManyRequests');
      }
      expect(graph.state.members('g-fin')).toHaveLength(1 + 3);
    });
  });

  describe('throttling', () => {
    it('answers 429 TooManyRequests with Retry-After, sometimes without, and not when switched off', async () => {
      seedBasics();
      graph.setBudgets({ resourceUnitsPer10s: 5 });
      expect((await rawRequest(graph, 'GET', '/v1.0/users', { token })).status).toBe(200);
      expect((await rawRequest(graph, 'GET', '/v1.0/users', { token })).status).toBe(200);
      const limited = await rawRequest(graph, 'GET', '/v1.0/users', { token });
      expect(limited.status).toBe(429);
      expect(errorCode(limited.body)).toBe('TooManyRequests');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      graph.setRetryAfterMissingProbability(1);
      const bare = await rawRequest(graph, 'GET', '/v1.0/groups/g-fin/transitiveMembers', { token });
      expect(bare.status).toBe(429);
      expect(bare.headers['retry-after']).toBeUndefined();
      graph.setThrottling(false);
      expect((await rawRequest(graph, 'GET', '/v1.0/users', { token })).status).toBe(200);
      expect(graph.counters.throttled).toBe(2);
    });

    it('lets the Graph client RetryHandler honour Retry-After and succeed', async () => {
      seedBasics();
      graph.failNext(1, '429', { method: 'GET', path: '/users' });
      const client = standinGraphClient(graph, agent);
      const users = await client.api('/users').get();
      expect(users.value).toHaveLength(2);
      expect(graph.counters.byStatus[429]).toBe(1);
      expect(graph.counters.reads).toBe(2);
    });
  });

  describe('replication lag and PIM with a controlled clock', () => {
    let clock = Date.now();
    let lagged: GraphStandin;
    let laggedToken: string;

    beforeAll(async () => {
      lagged = await startGraphStandin({ seed: 9, now: () => clock, replicationLag: { minMs: 2000, maxMs: 8000 }, replicas: 3 });
    });
    afterAll(async () => {
      await lagged.close();
    });
    afterEach(() => lagged.reset());

    const get = (path: string) => rawRequest(lagged, 'GET', path, { token: laggedToken });
    const post = (path: string, body: unknown) => rawRequest(lagged, 'POST', path, { token: laggedToken, body });

    it('serves stale reads right after a write, then converges', async () => {
      laggedToken = lagged.issueToken();
      lagged.addUser({ id: 'u-1', displayName: 'One' });
      lagged.addGroup({ id: 'g-1', displayName: 'G' });
      lagged.addMember('g-1', 'u-1');
      const removed = await rawRequest(lagged, 'DELETE', '/v1.0/groups/g-1/members/u-1/$ref', { token: laggedToken });
      expect(removed.status).toBe(204);
      expect(lagged.state.isMember('g-1', 'u-1')).toBe(false);
      const stale = await get('/v1.0/groups/g-1/members');
      expect(ids(stale.body)).toEqual(['u-1']);
      expect(lagged.state.pendingReplication()).toBeGreaterThan(0);
      clock += 8001;
      for (let i = 0; i < 5; i++) expect(ids((await get('/v1.0/groups/g-1/members')).body)).toEqual([]);
      expect(lagged.state.pendingReplication()).toBe(0);
    });

    it('answers 404 for a just-created object until the replicas catch up', async () => {
      laggedToken = lagged.issueToken();
      lagged.addUser({ id: 'u-1', displayName: 'One' });
      lagged.addGroup({ id: 'g-1', displayName: 'PIM group' });
      const created = await post('/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests', {
        action: 'adminAssign', accessId: 'owner', principalId: 'u-1', groupId: 'g-1', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT4H' } },
      });
      expect(created.status).toBe(201);
      const requestId = (created.body as { id: string }).id;
      const early = await get(`/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/${requestId}`);
      expect(early.status).toBe(404);
      expect(errorCode(early.body)).toBe('Request_ResourceNotFound');
      expect(lagged.state.owners('g-1')).toEqual(['u-1']);
      expect(ids((await get('/v1.0/groups/g-1/owners')).body)).toEqual([]);
      clock += 8001;
      expect((await get(`/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests/${requestId}`)).status).toBe(200);
      expect(ids((await get('/v1.0/groups/g-1/owners')).body)).toEqual(['u-1']);
    });

    it('turns an adminAssign request into an active instance, refuses duplicates and removals of nothing', async () => {
      laggedToken = lagged.issueToken();
      lagged.setReplicationLag({ minMs: 0, maxMs: 0 });
      lagged.addUser({ id: 'u-1', displayName: 'One' });
      lagged.addRoleDefinition({ id: ROLE_GA, displayName: 'Global Administrator' });
      const request = {
        action: 'adminAssign',
        principalId: 'u-1',
        roleDefinitionId: ROLE_GA,
        directoryScopeId: '/',
        justification: 'JIT grant',
        scheduleInfo: { startDateTime: new Date(clock).toISOString(), expiration: { type: 'afterDuration', duration: 'PT1H' } },
      };
      const created = await post('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', request);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ action: 'adminAssign', status: 'Provisioned', principalId: 'u-1', roleDefinitionId: ROLE_GA });
      const filter = encodeURIComponent(`principalId eq 'u-1' and roleDefinitionId eq '${ROLE_GA}'`);
      const instances = await get(`/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=${filter}`);
      expect((instances.body as { value: Array<{ endDateTime: string }> }).value).toHaveLength(1);
      expect((instances.body as { value: Array<{ endDateTime: string }> }).value[0]?.endDateTime).toBe(new Date(clock + 3600_000).toISOString());
      const dup = await post('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', request);
      expect(dup.status).toBe(400);
      expect(errorCode(dup.body)).toBe('RoleAssignmentExists');
      const remove = { action: 'adminRemove', principalId: 'u-1', roleDefinitionId: ROLE_GA, directoryScopeId: '/' };
      expect((await post('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', remove)).status).toBe(201);
      expect(ids((await get(`/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=${filter}`)).body)).toEqual([]);
      const nothing = await post('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', remove);
      expect(nothing.status).toBe(400);
      expect(errorCode(nothing.body)).toBe('RoleAssignmentDoesNotExist');
    });

    it('refuses selfDeactivate within 5 minutes and lets an expired assignment disappear', async () => {
      laggedToken = lagged.issueToken();
      lagged.setReplicationLag({ minMs: 0, maxMs: 0 });
      lagged.addUser({ id: 'u-1', displayName: 'One' });
      lagged.addRoleDefinition({ id: ROLE_GA, displayName: 'Global Administrator' });
      const base = { principalId: 'u-1', roleDefinitionId: ROLE_GA, directoryScopeId: '/' };
      const activated = await post('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', { ...base, action: 'selfActivate', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } } });
      expect(activated.status).toBe(201);
      const early = await post('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', { ...base, action: 'selfDeactivate' });
      expect(early.status).toBe(400);
      expect(errorCode(early.body)).toBe('ActiveDurationTooShort');
      clock += 2 * 3600_000 + 1;
      expect(lagged.state.roleInstances()).toHaveLength(0);
      laggedToken = lagged.issueToken();
      const filter = encodeURIComponent("principalId eq 'u-1'");
      expect(ids((await get(`/v1.0/roleManagement/directory/roleAssignmentScheduleInstances?$filter=${filter}`)).body)).toEqual([]);
    });

    it('PIM for groups: a member assignment shows as an instance and as group membership', async () => {
      laggedToken = lagged.issueToken();
      lagged.setReplicationLag({ minMs: 0, maxMs: 0 });
      lagged.addUser({ id: 'u-1', displayName: 'One' });
      lagged.addGroup({ id: 'g-parent', displayName: 'Parent' });
      lagged.addGroup({ id: 'g-1', displayName: 'PIM group' });
      lagged.addMember('g-parent', 'g-1');
      const created = await post('/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests', {
        action: 'adminAssign',
        accessId: 'member',
        principalId: 'u-1',
        groupId: 'g-1',
        justification: 'JIT',
        scheduleInfo: { expiration: { type: 'afterDateTime', endDateTime: new Date(clock + 3600_000).toISOString() } },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ accessId: 'member', groupId: 'g-1', status: 'Provisioned' });
      const filter = encodeURIComponent("groupId eq 'g-1' and principalId eq 'u-1' and accessId eq 'member'");
      const instances = await get(`/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances?$filter=${filter}`);
      expect((instances.body as { value: unknown[] }).value).toHaveLength(1);
      expect(ids((await get('/v1.0/groups/g-1/members')).body)).toEqual(['u-1']);
      expect(ids((await get('/v1.0/users/u-1/transitiveMemberOf')).body).sort()).toEqual(['g-1', 'g-parent']);
      const unfiltered = await get('/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleInstances');
      expect(unfiltered.status).toBe(400);
      const remove = await post('/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests', { action: 'adminRemove', accessId: 'member', principalId: 'u-1', groupId: 'g-1' });
      expect(remove.status).toBe(201);
      expect(ids((await get('/v1.0/groups/g-1/members')).body)).toEqual([]);
    });
  });

  describe('faults', () => {
    it('injects seeded random faults, the same sequence for the same seed', async () => {
      seedBasics();
      const statuses = async (): Promise<number[]> => {
        graph.injectFaults({ rate: 0.5, kinds: ['500', '503', '504'], seed: 7 });
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await rawRequest(graph, 'GET', '/v1.0/users/u-ada', { token })).status);
        graph.clearFaults();
        return out;
      };
      const first = await statuses();
      const second = await statuses();
      expect(first).toEqual(second);
      expect(first.some((s) => s >= 500)).toBe(true);
      expect(first.some((s) => s === 200)).toBe(true);
      expect(graph.counters.faults).toBe(2 * first.filter((s) => s >= 500).length);
      expect((await rawRequest(graph, 'GET', '/v1.0/users/u-ada', { token })).status).toBe(200);
    });

    it('holds the socket on a timeout fault, and applied-then-504 leaves the write done', async () => {
      seedBasics();
      graph.setTimeoutHoldMs(150);
      graph.failNext(1, 'timeout', { path: '/members' });
      await expect(addRef('g-fin', 'u-ada')).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(graph.state.isMember('g-fin', 'u-ada')).toBe(false);
      graph.failNext(1, 'applied-then-504', { method: 'POST' });
      const lost = await addRef('g-fin', 'u-ada');
      expect(lost.status).toBe(504);
      expect(graph.state.isMember('g-fin', 'u-ada')).toBe(true);
      expect(graph.writeLog.map((w) => [w.status, w.fault])).toEqual([
        [0, 'timeout'],
        [504, 'applied-then-504'],
      ]);
    });
  });

  it('close() frees the port so it can be bound again', async () => {
    const first = await startGraphStandin({ seed: 5 });
    const port = first.port;
    first.failNext(1, 'timeout');
    const pending = rawRequest(first, 'GET', '/v1.0/users', { token: first.issueToken() }).catch((e: Error) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await first.close();
    expect(await pending).toBeInstanceOf(Error);
    const second = await startGraphStandin({ seed: 5, port });
    expect(second.port).toBe(port);
    expect((await rawRequest(second, 'GET', '/v1.0/users', { token: second.issueToken() })).status).toBe(200);
    await second.close();
  });

  it('the CLI prints its URLs and credentials as JSON and serves the demo directory', async () => {
    const caPath = join(tmp, 'cli-ca.pem');
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/standins/graph/cli.ts', '--demo', '--seed', '3', '--ca-path', caPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          if (buf.includes('\n')) resolve(buf.split('\n')[0] as string);
        });
        child.on('error', reject);
        child.on('close', (code) => reject(new Error(`cli exited early with ${code}`)));
      });
      const info = JSON.parse(line) as { origin: string; tenantId: string; clientId: string; clientSecret: string; caPath: string; baseUrl: string };
      expect(info.caPath).toBe(caPath);
      const ca = { origin: info.origin, caPem: readFileSync(caPath, 'utf8') };
      const tokenRes = await rawRequest(ca, 'POST', `/${info.tenantId}/oauth2/v2.0/token`, {
        form: { client_id: info.clientId, client_secret: info.clientSecret, scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' },
      });
      expect(tokenRes.status).toBe(200);
      const cliToken = (tokenRes.body as { access_token: string }).access_token;
      const groups = await rawRequest(ca, 'GET', `${info.baseUrl}/groups?$filter=${encodeURIComponent("displayName eq 'Tier 0 admins'")}`, { token: cliToken });
      expect((groups.body as { value: Array<{ displayName: string }> }).value.map((g) => g.displayName)).toEqual(['Tier 0 admins']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
