import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../../core/index.js';
import fc from 'fast-check';
import { DEFAULT_FILTERS, filterQueue, followCursor, keepChecked, matchQueue, narrows, sortQueue, toQueueItems, type Lookups, type QueueSort } from './queue-model.js';

const now = Date.parse('2026-11-25T12:00:00.000Z');
const HOUR = 3_600_000;

function request(id: string, over: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id,
    requesterId: 'u-carol',
    resourceId: 'r-sql',
    durationMinutes: 60,
    justification: 'incident INC-42',
    ticket: '',
    status: 'pending_approval',
    policy: null,
    currentStep: 0,
    decisions: [],
    riskScore: 30,
    outcomeReason: '',
    grantId: null,
    extendsGrantId: null,
    createdAt: new Date(now - HOUR / 2).toISOString(),
    updatedAt: new Date(now).toISOString(),
    decidedAt: null,
    expiresAt: new Date(now + 24 * HOUR).toISOString(),
    revision: 1,
    ...over,
  };
}

const lookups: Lookups = {
  users: new Map([
    ['u-carol', { displayName: 'Carol Ops', username: 'carol', department: 'Operations' }],
    ['u-dan', { displayName: 'Dan Dev', username: 'dan', department: 'Engineering' }],
  ]),
  resources: new Map([
    ['r-sql', { name: 'SQL Admins', kind: 'ad_group' as const, sensitivity: 'high' as const }],
    ['r-ga', { name: 'Global Administrator', kind: 'entra_role' as const, sensitivity: 'critical' as const }],
  ]),
};

const items = toQueueItems(
  [
    request('a', { createdAt: new Date(now - 30 * HOUR).toISOString(), riskScore: 80 }),
    request('b', { requesterId: 'u-dan', resourceId: 'r-ga', riskScore: 45, createdAt: new Date(now - 2 * HOUR).toISOString() }),
    request('c', { riskScore: 10, ticket: 'CHG-7', expiresAt: new Date(now + HOUR).toISOString() }),
  ],
  lookups,
);

describe('filterQueue', () => {
  const ids = (filters: Partial<typeof DEFAULT_FILTERS>) => filterQueue(items, { ...DEFAULT_FILTERS, ...filters }, now).map((i) => i.request.id);

  it('searches names, resource, justification and ticket, all terms required', () => {
    expect(ids({ search: 'dan' })).toEqual(['b']);
    expect(ids({ search: 'global admin' })).toEqual(['b']);
    expect(ids({ search: 'chg-7' })).toEqual(['c']);
    expect(ids({ search: 'carol global' })).toEqual([]);
  });

  it('filters by resource, requester, risk band and age', () => {
    expect(ids({ resourceId: 'r-ga' })).toEqual(['b']);
    expect(ids({ requesterId: 'u-carol' })).toEqual(['a', 'c']);
    expect(ids({ risk: 'high' })).toEqual(['a']);
    expect(ids({ risk: 'medium' })).toEqual(['b']);
    expect(ids({ age: 'lt1h' })).toEqual(['c']);
    expect(ids({ age: 'lt24h' })).toEqual(['b', 'c']);
    expect(ids({ age: 'gt24h' })).toEqual(['a']);
  });

  it('sorts oldest, newest, by risk and by deadline', () => {
    expect(ids({ sort: 'oldest' })).toEqual(['a', 'b', 'c']);
    expect(ids({ sort: 'newest' })).toEqual(['c', 'b', 'a']);
    expect(ids({ sort: 'risk' })).toEqual(['a', 'b', 'c']);
    expect(ids({ sort: 'expiring' })[0]).toBe('c');
  });

  it('marks an extension request, and finds it by searching for more time', () => {
    const list = toQueueItems([request('plain'), request('more', { extendsGrantId: 'g-1' })], lookups);
    expect(list.map((i) => i.extension)).toEqual([false, true]);
    expect(filterQueue(list, { ...DEFAULT_FILTERS, search: 'more time' }, now).map((i) => i.request.id)).toEqual(['more']);
  });

  it('shows unknown users and resources by id rather than hiding them', () => {
    const [orphan] = toQueueItems([request('x', { requesterId: 'u-gone', resourceId: 'r-gone' })], lookups);
    expect(orphan).toMatchObject({ requesterName: 'u-gone', resourceName: 'r-gone' });
  });
});

describe('escalated requests', () => {
  it('are marked while their escalated step is current, and found by searching "escalated"', () => {
    const items = toQueueItems([request('a', { escalatedSteps: [0] }), request('b', { escalatedSteps: [0], currentStep: 1 }), request('c')], lookups);
    expect(items.map((i) => i.escalated)).toEqual([true, false, false]);
    expect(filterQueue(items, { ...DEFAULT_FILTERS, search: 'escalated' }, now).map((i) => i.request.id)).toEqual(['a']);
  });
});

describe('followCursor', () => {
  it('stays on the same request when new items stream in above it', () => {
    const before = filterQueue(items, { ...DEFAULT_FILTERS, sort: 'newest' }, now);
    const after = filterQueue([...toQueueItems([request('new', { createdAt: new Date(now).toISOString() })], lookups), ...items], { ...DEFAULT_FILTERS, sort: 'newest' }, now);
    const cursor = followCursor(before, 'b', 1);
    expect(cursor).toEqual({ id: 'b', index: 1 });
    expect(followCursor(after, 'b', cursor.index)).toEqual({ id: 'b', index: 2 });
  });

  it('moves to the item now at the same place when the selected one leaves', () => {
    const list = filterQueue(items.filter((i) => i.request.id !== 'b'), DEFAULT_FILTERS, now);
    expect(followCursor(list, 'b', 1)).toEqual({ id: 'c', index: 1 });
    expect(followCursor(list.slice(0, 1), 'b', 1)).toEqual({ id: 'a', index: 0 });
    expect(followCursor([], 'b', 1)).toEqual({ id: null, index: 0 });
  });

  it('drops checked ids that left the list', () => {
    expect([...keepChecked(new Set(['a', 'zz']), items)]).toEqual(['a']);
  });
});

describe('narrowing while typing', () => {
  const words = ['carol', 'dan', 'sql', 'global', 'admin', 'inc', 'chg-7', 'ops'];
  const many = toQueueItems(
    Array.from({ length: 60 }, (_, i) =>
      request(`n${i}`, { requesterId: i % 2 ? 'u-dan' : 'u-carol', resourceId: i % 3 ? 'r-sql' : 'r-ga', justification: `${words[i % words.length]} ${words[(i * 5) % words.length]}`, ticket: i % 4 ? `CHG-${i}` : '', riskScore: (i * 13) % 100 }),
    ),
    lookups,
  );

  it('a grown search is a narrowing; another filter or a shorter search is not', () => {
    expect(narrows({ ...DEFAULT_FILTERS, search: 'glo' }, { ...DEFAULT_FILTERS, search: 'Global a' })).toBe(true);
    expect(narrows({ ...DEFAULT_FILTERS, search: 'global' }, { ...DEFAULT_FILTERS, search: 'glob' })).toBe(false);
    expect(narrows({ ...DEFAULT_FILTERS, search: 'glo' }, { ...DEFAULT_FILTERS, search: 'global', risk: 'high' })).toBe(false);
    expect(narrows({ ...DEFAULT_FILTERS, search: 'glo' }, { ...DEFAULT_FILTERS, search: 'global', sort: 'risk' })).toBe(false);
  });

  it('typing character by character and matching the last result gives what matching the whole list gives', () => {
    fc.assert(
      fc.property(fc.constantFrom(...words, 'global admin', 'dan chg', 'carol  sql i'), fc.constantFrom('oldest', 'newest', 'risk', 'expiring') as fc.Arbitrary<QueueSort>, (phrase, sort) => {
        const sorted = sortQueue(many, sort);
        let previous = { ...DEFAULT_FILTERS, sort };
        let last = matchQueue(sorted, previous, now);
        for (let i = 1; i <= phrase.length; i++) {
          const next = { ...DEFAULT_FILTERS, sort, search: phrase.slice(0, i) };
          expect(narrows(previous, next)).toBe(true);
          last = matchQueue(last, next, now);
          expect(last.map((item) => item.request.id)).toEqual(filterQueue(many, next, now).map((item) => item.request.id));
          previous = next;
        }
      }),
    );
  });
});
