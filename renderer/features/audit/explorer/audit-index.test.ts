import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../../core/index.js';
import { AuditIndex, type AuditFilter, type NameBook } from './audit-index.js';
import { queryWords, textFieldsOf, tokenize } from './event-facets.js';
import { eventTypeWords } from './event-words.js';
import { personId, resourceId, syntheticEvents, type SyntheticEvent } from './synthetic-events.js';

const FIRST = ['Alice', 'Bob', 'Zoë', 'Marta', 'Ivan', 'Chen'];
const names: NameBook = {
  personName: (id) => (id.startsWith('u-p') ? `${FIRST[Number(id.slice(3)) % FIRST.length]} Example${id.slice(3)}` : undefined),
  resourceName: (id) => (id.startsWith('res-') ? `Group ${id.slice(4)} Admins` : undefined),
};

const HASH = '0'.repeat(64);
function event(seq: number, over: Partial<AuditEvent> & Pick<AuditEvent, 'type' | 'subjectType' | 'subjectId'>): AuditEvent {
  return { id: `ae-${seq}`, seq, actorId: 'system', at: new Date(Date.UTC(2026, 5, 1) + seq * 60_000).toISOString(), data: {}, prevHash: HASH, hash: HASH, ...over };
}

/** The plain filter the index must agree with: every event checked against every filter. */
function naive(log: readonly SyntheticEvent[], filter: AuditFilter): number[] {
  const words = filter.text ? queryWords(filter.text) : [];
  return log
    .filter(({ event: e, truth }) => {
      if (filter.people?.length && !filter.people.some((p) => p === e.actorId || p === truth.personId)) return false;
      if (filter.resources?.length && !filter.resources.includes(truth.resourceId ?? '')) return false;
      if (filter.types?.length && !filter.types.includes(e.type)) return false;
      if (filter.grantId && truth.grantId !== filter.grantId) return false;
      const t = Date.parse(e.at);
      if (filter.from != null && t < filter.from) return false;
      if (filter.to != null && t >= filter.to) return false;
      if (words.length) {
        const found = new Set<string>();
        for (const text of textFieldsOf(e.data)) tokenize(text, found);
        tokenize(e.subjectId, found);
        for (const id of [e.actorId, truth.personId]) if (id) tokenize(`${id} ${names.personName?.(id) ?? ''}`, found);
        if (truth.resourceId) tokenize(`${truth.resourceId} ${names.resourceName?.(truth.resourceId) ?? ''}`, found);
        tokenize(`${e.type} ${eventTypeWords(e.type)}`, found);
        if (!words.every((w) => [...found].some((f) => f.startsWith(w)))) return false;
      }
      return true;
    })
    .map(({ event: e }) => e.seq);
}

const seqs = (index: AuditIndex, filter: AuditFilter) => index.query(filter, names).page(0, Number.MAX_SAFE_INTEGER, 'oldest').map((e) => e.seq);

describe('audit explorer index', () => {
  const log = [...syntheticEvents({ events: 4_000, people: 40, resources: 12, seed: 7 })];
  const index = new AuditIndex();
  index.append(log.map((l) => l.event));

  it('holds every event once, in sequence order', () => {
    expect(index.size).toBe(4_000);
    expect(index.append(log.slice(0, 100).map((l) => l.event))).toBe(0);
    expect(seqs(index, {})).toEqual(log.map((l) => l.event.seq));
  });

  it('filters by person (as actor or as the one the event is about), resource, type and period', () => {
    expect(seqs(index, { people: [personId(3)] })).toEqual(naive(log, { people: [personId(3)] }));
    expect(seqs(index, { people: [personId(3), personId(4)] })).toEqual(naive(log, { people: [personId(3), personId(4)] }));
    expect(seqs(index, { resources: [resourceId(5)] })).toEqual(naive(log, { resources: [resourceId(5)] }));
    expect(seqs(index, { types: ['grant.revoked', 'auth.login_failed'] })).toEqual(naive(log, { types: ['grant.revoked', 'auth.login_failed'] }));
    const from = Date.parse(log[1000]!.event.at) + 1;
    const to = Date.parse(log[3000]!.event.at);
    expect(seqs(index, { from, to })).toEqual(naive(log, { from, to }));
    expect(seqs(index, { people: [personId(3)], types: ['request.created'], from, to })).toEqual(naive(log, { people: [personId(3)], types: ['request.created'], from, to }));
    expect(seqs(index, { people: ['u-nobody'] })).toEqual([]);
  });

  it('a person\'s events include what others did about them: the approval of their request, their grant\'s revocation', () => {
    const requester = log.find((l) => l.event.type === 'grant.created')!.truth.personId!;
    const types = new Set(index.query({ people: [requester] }, names).page(0, 10_000).map((e) => e.type));
    expect(types).toContain('request.approved');
    expect(types).toContain('grant.created');
  });

  it("a grant's timeline holds its request's events from before the grant existed, its own, its extensions' and its tasks'", () => {
    const grants = log.filter((l) => l.event.type === 'grant.created').map((l) => l.event.subjectId);
    for (const grantId of grants.slice(0, 50)) expect(seqs(index, { grantId })).toEqual(naive(log, { grantId }));
    const first = index.query({ grantId: grants[0]! }, names).page(0, 100, 'oldest').map((e) => e.type);
    expect(first.slice(0, 3)).toEqual(['request.created', 'request.approved', 'grant.created']);
  });

  it('free text: prefix words over text fields, ids, names (accents folded), resource names and types in words', () => {
    for (const text of ['payroll', 'pay', 'CHG-10042', '10042', 'zoe', 'Zoë', 'alice wrong', 'group 5 admins', 'revoked', 'verified gone', 'r-12', '10.0.1']) {
      expect(seqs(index, { text }), text).toEqual(naive(log, { text }));
    }
    expect(seqs(index, { text: 'payroll', people: [personId(2)] })).toEqual(naive(log, { text: 'payroll', people: [personId(2)] }));
    expect(seqs(index, { text: 'zzzz-never' })).toEqual([]);
  });

  it('agrees with a plain filter on random combinations', () => {
    const grants = log.filter((l) => l.event.type === 'grant.created').map((l) => l.event.subjectId);
    const t0 = Date.parse(log[0]!.event.at);
    const t1 = Date.parse(log.at(-1)!.event.at);
    const filter = fc.record(
      {
        people: fc.array(fc.integer({ min: 0, max: 45 }).map(personId), { maxLength: 3 }),
        resources: fc.array(fc.integer({ min: 0, max: 13 }).map(resourceId), { maxLength: 2 }),
        types: fc.array(fc.constantFrom('request.created', 'request.approved', 'grant.revoked', 'auth.login_succeeded', 'resource.changed', 'task.created'), { maxLength: 3 }),
        from: fc.option(fc.integer({ min: t0, max: t1 }), { nil: null }),
        to: fc.option(fc.integer({ min: t0, max: t1 }), { nil: null }),
        text: fc.constantFrom('', 'pay', 'incident', 'alice', 'ch', 'revo', 'example1', 'déploiement', 'work item 3', 'res-1'),
        grantId: fc.option(fc.constantFrom(...grants.slice(0, 30)), { nil: null }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(filter, (f) => {
        expect(seqs(index, f)).toEqual(naive(log, f));
      }),
      { numRuns: 150 },
    );
  });

  it('appended incrementally, in batches and out of order, it answers as if built at once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.boolean(), (batch, shuffle) => {
        const small = log.slice(0, 1_200);
        const built = new AuditIndex();
        const batches: AuditEvent[][] = [];
        for (let i = 0; i < small.length; i += batch) batches.push(small.slice(i, i + batch).map((l) => l.event));
        // Newest blocks first (a replica fetching older history later), each batch possibly twice.
        for (const b of shuffle ? [...batches].reverse() : batches) {
          built.append(b);
          built.append(b.slice(0, 3));
        }
        expect(built.size).toBe(small.length);
        expect(seqs(built, {})).toEqual(small.map((l) => l.event.seq));
        // Out of order, a grant's later events can come before the one naming its holder (the replica's lookup then tells).
        const filters: AuditFilter[] = shuffle ? [{ types: ['grant.revoked'] }, { text: 'payroll' }] : [{ people: [personId(1)] }, { types: ['grant.revoked'] }, { text: 'payroll' }, { resources: [resourceId(2)], text: 'rev' }];
        for (const f of filters) expect(seqs(built, f)).toEqual(naive(small, f));
      }),
      { numRuns: 25 },
    );
  });

  it('pages newest first or oldest first, and finds an event\'s position', () => {
    const result = index.query({ types: ['request.created'] }, names);
    const all = naive(log, { types: ['request.created'] });
    expect(result.total).toBe(all.length);
    expect(result.page(0, 5).map((e) => e.seq)).toEqual(all.slice(-5).reverse());
    expect(result.page(10, 5, 'oldest').map((e) => e.seq)).toEqual(all.slice(10, 15));
    expect(result.page(result.total - 2, 10)).toHaveLength(2);
    expect(result.positionOf(all[0]!, 'oldest')).toBe(0);
    expect(result.positionOf(all[0]!)).toBe(all.length - 1);
    expect(result.positionOf(-1)).toBe(-1);
    const counts = index.query({}, names).countsByType();
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(4_000);
    expect(counts[0]!.count).toBeGreaterThanOrEqual(counts.at(-1)!.count);
  });

  it('reads person and resource from the replica when the creating event is not held', () => {
    const facts = new Map([['g-77', { personId: 'u-ana', resourceId: 'res-x', grantId: 'g-77' }]]);
    const held = new AuditIndex({ lookup: (id) => facts.get(id) });
    held.append([event(900, { type: 'grant.revoked', subjectType: 'grant', subjectId: 'g-77', data: { detail: 'removed' } })]);
    expect(held.eventAt(0)).toMatchObject({ personId: 'u-ana', resourceId: 'res-x', subjectId: 'g-77' });
    expect(held.query({ people: ['u-ana'] }).total).toBe(1);
    expect(held.query({ grantId: 'g-77' }).total).toBe(1);
  });

  it('leaves digests, hashes and times out of the words, and skips nested configuration', () => {
    const one = new AuditIndex();
    one.append([
      event(1, { type: 'account.created', subjectType: 'account', subjectId: 'u-k', data: { username: 'kim', passwordDigest: 'ab'.repeat(32), at: '2026-01-01T00:00:00.000Z' } }),
      event(2, { type: 'policy.changed', subjectType: 'policy', subjectId: 'pol-1', data: { name: 'Tier zero', after: { secret: 'hidden' } } }),
    ]);
    expect(one.query({ text: 'kim' }).total).toBe(1);
    expect(one.query({ text: 'abab' }).total).toBe(0);
    expect(one.query({ text: '2026' }).total).toBe(0);
    expect(one.query({ text: 'hidden' }).total).toBe(0);
    expect(one.query({ text: 'tier zero' }).total).toBe(1);
    expect(one.query({ people: ['u-k'] }).total).toBe(1);
  });
});
