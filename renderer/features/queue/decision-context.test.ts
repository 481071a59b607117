import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../../core/index.js';
import { makeGrant } from '../../../core/test-fixtures.js';
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
});
