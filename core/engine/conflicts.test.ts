import { describe, expect, it } from 'vitest';
import { AccessPolicy, type AccessProfile } from '../schema/policy.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { changeWidenings } from './config-change.js';
import { resourceFieldProblems } from './config-fields.js';
import { heldConflicts, resourcesConflict } from './conflicts.js';
import { createRequest, type RequestWorld } from './request.js';
import { CONFLICT_STEP_NAME, DEFAULT_SEPARATION } from './separation.js';

const now = new Date('2025-03-03T10:00:00.000Z');
const payments = makeResource({ id: 'res-pay', name: 'ERP payment approver', policyIds: ['p-auto'], conflictsWith: ['res-vendor'] });
const vendors = makeResource({ id: 'res-vendor', name: 'ERP vendor master', policyIds: ['p-auto'] });
const reports = makeResource({ id: 'res-reports', name: 'ERP reports', policyIds: ['p-auto'] });
const requester = makeUser({ id: 'u-rita', displayName: 'Rita' });
const profile: AccessProfile = {
  id: 'prof-erp', name: 'ERP', description: '', resourceIds: ['res-pay', 'res-vendor', 'res-reports'], userIds: [], departments: ['it'], roles: [],
  maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: now.toISOString(),
};
const autoPolicy = AccessPolicy.parse({ id: 'p-auto', name: 'Auto', maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, updatedAt: now.toISOString() });
const world = (held: RequestWorld['heldResources']): RequestWorld => ({ profiles: [profile], policies: [autoPolicy], separation: DEFAULT_SEPARATION, heldResources: held });
const ask = (resource = vendors) => ({ id: 'r-1', requester, resource, durationMinutes: 60, justification: '', ticket: '' });

describe('separation-of-duties pairs', () => {
  it('counts a pair named by either resource, never a resource with itself', () => {
    expect(resourcesConflict(payments, vendors)).toBe(true);
    expect(resourcesConflict(vendors, payments)).toBe(true);
    expect(resourcesConflict(vendors, reports)).toBe(false);
    expect(resourcesConflict({ id: 'x', conflictsWith: ['x'] }, { id: 'x', conflictsWith: ['x'] })).toBe(false);
    expect(heldConflicts(vendors, [payments, payments, reports])).toEqual([{ resourceId: 'res-pay', resourceName: 'ERP payment approver' }]);
  });

  it('a request while holding the other of a pair is not approved automatically: a second person decides, and the request names the conflict', () => {
    const created = createRequest(ask(), world([payments]), { now });
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value.status).toBe('pending_approval');
    expect(created.value.policy?.approvalSteps.map((s) => s.name)).toEqual([CONFLICT_STEP_NAME]);
    expect(created.value.conflicts).toEqual([{ resourceId: 'res-pay', resourceName: 'ERP payment approver' }]);
    expect(created.value.riskFactors?.some((f) => f.label.includes('ERP payment approver') && f.points === 30)).toBe(true);
  });

  it('without a conflicting holding the policy decides as before', () => {
    for (const held of [[], [reports]]) {
      const created = createRequest(ask(), world(held), { now });
      expect(created.ok && created.value.status).toBe('approved');
      expect(created.ok && created.value.conflicts).toBeUndefined();
    }
  });

  it('a resource naming itself is refused on its field; dropping a pair widens access and needs a second person', () => {
    expect(resourceFieldProblems({ ...vendors, conflictsWith: ['res-vendor'] })).toEqual([{ field: 'conflictsWith', message: expect.stringContaining('cannot conflict with itself') }]);
    const widened = changeWidenings({ kind: 'resource', before: payments, after: { ...payments, conflictsWith: [] } }, { policies: [autoPolicy], profiles: [profile], resources: [payments, vendors], users: [] } as never);
    expect(widened).toEqual([expect.stringContaining('no longer conflicts with res-vendor')]);
    const tightened = changeWidenings({ kind: 'resource', before: vendors, after: { ...vendors, conflictsWith: ['res-reports'] } }, { policies: [autoPolicy], profiles: [profile], resources: [payments, vendors], users: [] } as never);
    expect(tightened).toEqual([]);
  });
});
