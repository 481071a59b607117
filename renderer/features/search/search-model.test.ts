import { describe, expect, it } from 'vitest';
import type { AccessRequest, DirectoryUser, Resource } from '../../../core/index.js';
import { makeGrant, makeResource, makeUser } from '../../../core/test-fixtures.js';
import { searchAll } from './search-model.js';

const request = (over: Partial<AccessRequest>) => ({ id: 'req-1', requesterId: 'u-bob', resourceId: 'res-1', ticket: '', justification: '', status: 'pending_approval', outcomeReason: '', createdAt: '2026-03-02T08:00:00.000Z', ...over }) as AccessRequest;
const users = new Map<string, DirectoryUser>([['u-bob', makeUser({ id: 'u-bob', displayName: 'Bob Nguyen', username: 'bob', department: 'Engineering' })]]);
const resources = new Map<string, Resource>([['res-1', makeResource({ id: 'res-1', name: 'Global Reader' })]]);

describe('searchAll', () => {
  it('finds a decided request by its ticket, and every word must match', () => {
    const data = {
      requests: [request({ id: 'req-old', ticket: 'INC0099', status: 'denied' }), request({ id: 'req-new', ticket: 'CHG-1' })],
      grants: [makeGrant({ id: 'g-1', requestId: 'req-new', userId: 'u-bob', resourceId: 'res-1', status: 'verified' })],
      users,
      resources,
    };
    expect(searchAll('inc0099', data).requests.map((r) => r.id)).toEqual(['req-old']);
    expect(searchAll('bob reader', data).grants.map((g) => g.id)).toEqual(['g-1']);
    expect(searchAll('bob nothing', data).requests).toEqual([]);
    expect(searchAll('engineering', data).people.map((p) => p.id)).toEqual(['u-bob']);
    expect(searchAll('  ', data).totals).toEqual({ requests: 0, grants: 0, people: 0, resources: 0 });
  });

  it('keeps the total beyond the shown limit', () => {
    const many = Array.from({ length: 7 }, (_, i) => request({ id: `req-${i}`, ticket: 'OPS-7' }));
    const found = searchAll('ops-7', { requests: many, grants: [], users, resources }, 5);
    expect(found.requests).toHaveLength(5);
    expect(found.totals.requests).toBe(7);
  });
});
