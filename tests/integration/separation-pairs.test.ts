import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFLICT_STEP_NAME } from '../../core/index.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

// Separation-of-duties pairs over REST: a resource that must not be held with another, an
// automatic policy on both, and Bob holding one of them when he asks for the other.
let srv: TestServer;
let bob: string;
let alice: string;
let admin: string;

const VENDORS = 'res-sod-vendor-master';
const HELD = 'res-entra-security-readers'; // pol-auto-low: approved automatically

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  [bob, alice, admin] = (await Promise.all(['bob', 'alice', 'admin'].map((u) => srv.login(u)))) as [string, string, string];
  // Arrange: Bob is eligible for both (a profile, put in place directly: profile changes are judged elsewhere).
  const now = new Date().toISOString();
  srv.store.put('profiles', { id: 'prof-sod', name: 'SoD test', description: '', resourceIds: [HELD, VENDORS], userIds: ['u-bob'], departments: [], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: now });
});
afterAll(() => srv?.close());

const command = (token: string, type: string, payload: Record<string, unknown>) => http('POST', `${srv.url}/api/v1/commands`, { token, body: { type, payload } });
const ask = (resourceId: string) => http('POST', `${srv.url}/api/v1/requests`, { token: bob, body: { resourceId, durationMinutes: 30, justification: 'quarter close' } });

describe('separation-of-duties pairs', () => {
  it('a resource naming itself as its conflict is refused on the field', async () => {
    const res = await command(admin, 'resource.upsert', {
      resource: { id: VENDORS, name: 'ERP vendor master', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'erp:vendors' }, ownerId: 'u-alice', sensitivity: 'medium', policyIds: ['pol-auto-low'], conflictsWith: [VENDORS] },
    });
    expect(res.status).toBe(400);
    expect(res.body.result.message).toMatch(/conflictsWith: a resource cannot conflict with itself/);
  });

  it('marking a pair applies at once (it only tightens)', async () => {
    const res = await command(admin, 'resource.upsert', {
      resource: { id: VENDORS, name: 'ERP vendor master', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'erp:vendors' }, ownerId: 'u-alice', sensitivity: 'medium', policyIds: ['pol-auto-low'], conflictsWith: [HELD] },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('applied');
    expect(srv.store.get('resources', VENDORS)?.conflictsWith).toEqual([HELD]);
  });

  it('without the other of the pair, the automatic policy approves as before', async () => {
    const first = await ask(HELD);
    expect(first.status).toBe(201);
    expect(srv.store.get('requests', first.body.id)?.status).toBe('approved');
  });

  it('holding the other, the request waits for a second person, names the conflict, and the approver decides', async () => {
    const res = await ask(VENDORS);
    expect(res.status).toBe(201);
    const request = srv.store.get('requests', res.body.id);
    expect(request?.status).toBe('pending_approval');
    expect(request?.policy?.approvalSteps.map((s) => s.name)).toEqual([CONFLICT_STEP_NAME]);
    expect(request?.conflicts).toEqual([{ resourceId: HELD, resourceName: 'SG-Security-Readers' }]);
    const created = srv.store.list('audit').find((e) => e.type === 'request.created' && e.subjectId === request?.id);
    expect(created?.data).toMatchObject({ conflicts: [HELD] });

    const approved = await command(alice, 'request.approve', { requestId: request?.id, reason: 'vendor master access ends with the quarter close; reviewed both' });
    expect(approved.status).toBe(200);
    expect(srv.store.get('requests', request!.id)?.status).toBe('approved');
  });

  it('a request still waiting counts as held: asking for the other of a pair meanwhile is not approved automatically', async () => {
    const now = new Date().toISOString();
    const manual = (id: string, name: string, policyId: string, conflictsWith: string[] = []) => ({ id, name, kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: id }, ownerId: 'u-alice', sensitivity: 'medium', policyIds: [policyId], conflictsWith });
    for (const resource of [manual('res-sod-pay', 'ERP payments', 'pol-single-approver', ['res-sod-vendors2']), manual('res-sod-vendors2', 'ERP vendors', 'pol-auto-low')]) {
      const res = await command(admin, 'resource.upsert', { resource });
      expect(res.status, res.text).toBe(200);
    }
    srv.store.put('profiles', { id: 'prof-sod-2', name: 'SoD pending', description: '', resourceIds: ['res-sod-pay', 'res-sod-vendors2'], userIds: ['u-bob'], departments: [], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: now });
    const waiting = await ask('res-sod-pay');
    expect(srv.store.get('requests', waiting.body.id)?.status).toBe('pending_approval');
    const other = await ask('res-sod-vendors2');
    expect(other.status, other.text).toBe(201);
    const request = srv.store.get('requests', other.body.id);
    expect(request?.status).toBe('pending_approval');
    expect(request?.policy?.approvalSteps.map((s) => s.name)).toEqual([CONFLICT_STEP_NAME]);
    expect(request?.conflicts).toEqual([{ resourceId: 'res-sod-pay', resourceName: 'ERP payments' }]);
  });
});
