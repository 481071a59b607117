import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../../core/index.js';
import { makeGrant, makeResource } from '../../../core/test-fixtures.js';
import { decisionContext } from './decision-context.js';

const request = (over: Partial<AccessRequest>): AccessRequest => ({ id: 'req-1', requesterId: 'u-bob', resourceId: 'res-1', status: 'pending_approval', extendsGrantId: null, createdAt: '2026-03-02T08:00:00.000Z', ...over }) as AccessRequest;

describe('decisionContext', () => {
  it('notes a live grant of the same resource and another pending ask for it', () => {
    const held = makeGrant({ id: 'g-held', userId: 'u-bob', resourceId: 'res-1' });
    const ended = makeGrant({ id: 'g-old', userId: 'u-bob', resourceId: 'res-1', status: 'verified' });
    const other = makeGrant({ id: 'g-other', userId: 'u-bob', resourceId: 'res-2' });
    const twin = request({ id: 'req-2' });
    const decided = request({ id: 'req-3', status: 'denied' });
    const notes = decisionContext(request({}), [held, ended, other], [request({}), twin, decided]);
    expect(notes.map((n) => (n.kind === 'holds' ? `holds ${n.grant.id}` : `duplicate ${n.request.id}`))).toEqual(['holds g-held', 'duplicate req-2']);
  });

  it('says nothing about an extension’s own grant, nor once the request is decided', () => {
    const held = makeGrant({ id: 'g-held', userId: 'u-bob', resourceId: 'res-1' });
    expect(decisionContext(request({ extendsGrantId: 'g-held' }), [held], [request({ id: 'req-2' })])).toEqual([]);
    expect(decisionContext(request({ status: 'approved' }), [held], [])).toEqual([]);
  });

  it('warns of a conflicting holding: the one the server found when asked, and one live on this device, each once', () => {
    const payments = makeResource({ id: 'res-pay', name: 'ERP payment approver', conflictsWith: ['res-1'] });
    const vendors = makeResource({ id: 'res-1', name: 'ERP vendor master' });
    const resources = new Map([payments, vendors].map((r) => [r.id, r]));
    const heldPayments = makeGrant({ id: 'g-pay', userId: 'u-bob', resourceId: 'res-pay' });
    const live = decisionContext(request({ conflicts: [{ resourceId: 'res-pay', resourceName: 'ERP payment approver' }] }), [heldPayments], [], resources);
    expect(live).toEqual([{ kind: 'conflict', conflict: { resourceId: 'res-pay', resourceName: 'ERP payment approver' }, grant: heldPayments }]);
    // Given back since: the note stays (it was true when asked), without a live grant.
    const given = decisionContext(request({ conflicts: [{ resourceId: 'res-pay', resourceName: 'ERP payment approver' }] }), [{ ...heldPayments, status: 'verified' }], [], resources);
    expect(given).toEqual([{ kind: 'conflict', conflict: { resourceId: 'res-pay', resourceName: 'ERP payment approver' }, grant: null }]);
    // Granted after the ask: found on this device.
    expect(decisionContext(request({}), [heldPayments], [], resources).map((n) => n.kind)).toEqual(['conflict']);
  });
});
