import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const ENTRA_ID = '3f2b1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const PASSWORD = 'correct horse battery staple 42';

describe('accounts are people: directory ids set by hand, and a request refused at once without one', () => {
  let srv: TestServer;
  let ben: string;

  beforeAll(async () => {
    // The demo's connectors are named by its resources (entra-demo); no scheduler runs here.
    srv = await startTestServer({ seedDemo: true, connectorInstances: [], scheduler: false });
    const created = await http('POST', `${srv.url}/api/v1/accounts`, {
      token: srv.adminToken,
      body: { username: 'ben', password: PASSWORD, displayName: 'Ben Okafor', roles: ['requester'], department: 'Engineering' },
    });
    expect(created.status, created.text).toBe(201);
    ben = await srv.login('ben', PASSWORD);
  });
  afterAll(async () => srv?.close());

  const ask = () => http('POST', `${srv.url}/api/v1/requests`, { token: ben, body: { resourceId: 'res-entra-security-readers', durationMinutes: 30, justification: 'dashboards' } });

  it('refuses the request when the requester has no object in the resource\'s directory, with what to do', async () => {
    const res = await ask();
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('not_eligible');
    expect(res.body.error.message).toBe('Ben Okafor has no account in entra-demo; ask an admin to link it');
    expect(srv.store.list('requests', { where: { requesterId: 'u-ben' } })).toHaveLength(0);
  });

  it('lets an admin link the person by hand (audited, marked manual); the request then goes through', async () => {
    const linked = await http('PATCH', `${srv.url}/api/v1/accounts/u-ben`, { token: srv.adminToken, body: { externalIds: { 'entra-demo': ENTRA_ID }, reason: 'contractor tenant object' } });
    expect(linked.status, linked.text).toBe(200);
    expect(linked.body).toMatchObject({ externalIds: { 'entra-demo': ENTRA_ID }, manualLinks: ['entra-demo'], changes: [{ connectorId: 'entra-demo', from: null, to: ENTRA_ID }] });
    const event = [...srv.store.auditEvents()].find((e) => e.type === 'account.linked' && e.subjectId === 'u-ben');
    expect(event).toMatchObject({ actorId: expect.any(String), subjectType: 'account', data: { connectorId: 'entra-demo', to: ENTRA_ID, manual: true, reason: 'contractor tenant object' } });
    const list = await http('GET', `${srv.url}/api/v1/accounts`, { token: srv.adminToken });
    expect(list.body.accounts.find((a: { id: string }) => a.id === 'u-ben')).toMatchObject({ externalIds: { 'entra-demo': ENTRA_ID }, manualLinks: ['entra-demo'] });
    const res = await ask();
    expect(res.status, res.text).toBe(201);
  });

  it('refuses a directory object another person already holds, and an admin linking their own account', async () => {
    // Alice's Entra object in the demo tenant: linking it to Ben would let Ben sign in (or be granted) as Alice.
    const alice = srv.store.get('users', 'u-alice')!;
    const aliceId = Object.values(alice.externalIds as Record<string, string>).find((v) => /^[0-9a-f-]{36}$/i.test(v))!;
    const taken = await http('PATCH', `${srv.url}/api/v1/accounts/u-ben`, { token: srv.adminToken, body: { externalIds: { 'entra-demo': aliceId.toUpperCase() }, reason: 'typo' } });
    expect(taken.status, taken.text).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'conflict', field: 'externalIds.entra-demo' });
    expect(taken.body.error.message).toContain('already linked to Alice Moreau');
    const own = await http('PATCH', `${srv.url}/api/v1/accounts/u-admin`, { token: srv.adminToken, body: { externalIds: { 'entra-demo': '7c1d2e3f-0000-4000-8000-00000000aaaa' }, reason: 'me' } });
    expect(own.status, own.text).toBe(403);
    expect(own.body.error.message).toMatch(/does not link their own account/);
  });

  it('unlinks by hand (audited) and refuses bad links by field: an unknown connector, an Entra id that is no GUID, a non-admin', async () => {
    const unlinked = await http('PATCH', `${srv.url}/api/v1/accounts/u-ben`, { token: srv.adminToken, body: { externalIds: { 'entra-demo': null }, reason: 'left the contractor tenant' } });
    expect(unlinked.status, unlinked.text).toBe(200);
    expect(unlinked.body.externalIds).toEqual({});
    expect(unlinked.body.manualLinks).toEqual(['entra-demo']);
    expect([...srv.store.auditEvents()].some((e) => e.type === 'account.unlinked' && e.subjectId === 'u-ben' && (e.data as { from: string }).from === ENTRA_ID)).toBe(true);

    const unknown = await http('PATCH', `${srv.url}/api/v1/accounts/u-ben`, { token: srv.adminToken, body: { externalIds: { 'entra-nowhere': ENTRA_ID }, reason: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_input', field: 'externalIds.entra-nowhere' });
    const notGuid = await http('PATCH', `${srv.url}/api/v1/accounts/u-ben`, { token: srv.adminToken, body: { externalIds: { 'entra-demo': 'ben@contoso.test' }, reason: 'x' } });
    expect(notGuid.status).toBe(400);
    expect(notGuid.body.error.field).toBe('externalIds.entra-demo');
    const noReason = await http('PATCH', `${srv.url}/api/v1/accounts/u-ben`, { token: srv.adminToken, body: { externalIds: { 'entra-demo': ENTRA_ID } } });
    expect(noReason.status).toBe(400);
    const byRequester = await http('PATCH', `${srv.url}/api/v1/accounts/u-ben`, { token: ben, body: { externalIds: { 'entra-demo': ENTRA_ID }, reason: 'myself' } });
    expect(byRequester.status).toBe(403);
  });

  it('takes directory ids when an account is created (admin only), audited as a manual link; the OpenAPI document names them', async () => {
    const created = await http('POST', `${srv.url}/api/v1/accounts`, {
      token: srv.adminToken,
      body: { username: 'ada', password: 'correct horse battery staple 43', displayName: 'Ada Byron', roles: ['requester'], externalIds: { 'entra-demo': ENTRA_ID } },
    });
    expect(created.status, created.text).toBe(201);
    expect(srv.store.get('users', 'u-ada')).toMatchObject({ externalIds: { 'entra-demo': ENTRA_ID }, manualLinks: ['entra-demo'] });
    const refused = await http('POST', `${srv.url}/api/v1/accounts`, {
      token: srv.adminToken,
      body: { username: 'eve2', password: 'correct horse battery staple 44', displayName: 'Eve', roles: ['requester'], externalIds: { 'entra-demo': 'not-a-guid' } },
    });
    expect(refused.status).toBe(400);
    expect(srv.store.get('users', 'u-eve2')).toBeNull();
    const openapi = await http('GET', `${srv.url}/api/v1/openapi.json`, { token: srv.adminToken });
    expect(JSON.stringify(openapi.body.paths['/api/v1/accounts'].post)).toContain('externalIds');
    expect(openapi.body.paths['/api/v1/accounts/{id}'].patch).toBeDefined();
  });
});
