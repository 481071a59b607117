import { describe, expect, it } from 'vitest';
import { makeGrant, makeResource, makeUser } from '../test-fixtures.js';
import { classifyStandingAccess, convertible, type DiscoveredHolding } from './standing-access.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

const holding = (principalId: string, over: Partial<DiscoveredHolding> = {}): DiscoveredHolding => ({
  resourceId: 'res-1',
  connectorId: 'entra-1',
  principalId,
  detail: '#microsoft.graph.user',
  directoryEnabled: true,
  lastSignInAt: ago(1),
  signInReadable: true,
  firstSeenAt: ago(30),
  lastSeenAt: ago(0),
  ...over,
});

const resources = [makeResource(), makeResource({ id: 'res-ad', kind: 'ad_group', connector: 'ad', connectorId: 'ad-1', target: { externalId: 'CN=Domain Admins,CN=Users,DC=jit,DC=test' } })];
const ada = makeUser({ id: 'u-ada', displayName: 'Ada', externalIds: { entra: 'AAAA-1', ad: 'CN=Ada,CN=Users,DC=jit,DC=test' } });
const bob = makeUser({ id: 'u-bob', displayName: 'Bob', externalIds: { entra: 'bbbb-2' } });
const gone = makeUser({ id: 'u-gone', displayName: 'Gone', externalIds: { entra: 'cccc-3' }, disabled: true });
const users = [ada, bob, gone];

const classify = (holdings: DiscoveredHolding[], grants = [makeGrant({ id: 'g-bob', userId: 'u-bob', resourceId: 'res-1', status: 'active' })]) =>
  classifyStandingAccess(holdings, { resources, users, grants }, { now: NOW });

describe('standing access classification', () => {
  it('calls a holder explained by a live grant, standing without one, orphaned when disabled or unknown', () => {
    const [entry] = classify([holding('aaaa-1'), holding('BBBB-2'), holding('cccc-3'), holding('dddd-4')]);
    const byPrincipal = Object.fromEntries(entry!.holders.map((h) => [h.principalId, [h.class, h.userId]]));
    expect(byPrincipal).toEqual({ 'aaaa-1': ['standing', 'u-ada'], 'BBBB-2': ['explained', 'u-bob'], 'cccc-3': ['orphaned', 'u-gone'], 'dddd-4': ['orphaned', null] });
    expect(entry!.counts).toEqual({ explained: 1, standing: 1, orphaned: 2, stale: 0 });
    // Orphaned first, then standing, then explained.
    expect(entry!.holders.map((h) => h.class)).toEqual(['orphaned', 'orphaned', 'standing', 'explained']);
  });

  it('an account the directory says is disabled is orphaned even with a grant', () => {
    const [entry] = classify([holding('bbbb-2', { directoryEnabled: false })]);
    expect(entry!.holders[0]).toMatchObject({ class: 'orphaned', grantId: 'g-bob', reason: expect.stringContaining('disabled in the directory') });
  });

  it('an ended grant explains nothing; one being removed still does; one verified gone after the import hides the holding', () => {
    const grant = (status: 'verified' | 'revoking', verifiedAt: string | null) => [makeGrant({ id: 'g-ada', userId: 'u-ada', resourceId: 'res-1', status, verifiedAt })];
    expect(classify([holding('aaaa-1', { lastSeenAt: ago(0) })], grant('verified', ago(3)))[0]!.holders[0]!.class).toBe('standing');
    expect(classify([holding('aaaa-1')], grant('revoking', null))[0]!.holders[0]).toMatchObject({ class: 'explained', reason: expect.stringContaining('removal is under way') });
    expect(classify([holding('aaaa-1', { lastSeenAt: ago(2) })], grant('verified', ago(1)))).toEqual([]);
  });

  it('matches AD distinguished names case-insensitively and flags stale accounts where sign-ins are readable', () => {
    const [entry] = classify([
      holding('cn=ada,cn=users,dc=jit,dc=test', { resourceId: 'res-ad', connectorId: 'ad-1', lastSignInAt: ago(120) }),
      holding('CN=Nobody,CN=Users,DC=jit,DC=test', { resourceId: 'res-ad', connectorId: 'ad-1', lastSignInAt: null }),
      holding('CN=Unread,CN=Users,DC=jit,DC=test', { resourceId: 'res-ad', connectorId: 'ad-1', signInReadable: false, lastSignInAt: null }),
    ]);
    const ad = entry!.holders.find((h) => h.userId === 'u-ada');
    expect(ad).toMatchObject({ class: 'standing', stale: true });
    expect(entry!.holders.find((h) => h.principalId.startsWith('CN=Nobody'))).toMatchObject({ class: 'orphaned', stale: true });
    expect(entry!.holders.find((h) => h.principalId.startsWith('CN=Unread'))).toMatchObject({ stale: null });
    expect(entry!.counts.stale).toBe(2);
    expect(classify([holding('aaaa-1', { lastSignInAt: ago(89) })])[0]!.holders[0]!.stale).toBe(false);
  });

  it('a nested group is standing access for everyone in it, and only a standing person converts', () => {
    const [entry] = classify([holding('eeee-5', { detail: '#microsoft.graph.group' }), holding('aaaa-1'), holding('bbbb-2'), holding('cccc-3')]);
    const of = (id: string) => entry!.holders.find((h) => h.principalId === id)!;
    expect(of('eeee-5')).toMatchObject({ class: 'standing', userId: null });
    expect(convertible(of('eeee-5'))).toMatchObject({ ok: false, why: expect.stringContaining('only a person') });
    expect(convertible(of('aaaa-1'))).toEqual({ ok: true });
    expect(convertible(of('bbbb-2'))).toMatchObject({ ok: false, why: expect.stringContaining('nothing to convert') });
    expect(convertible(of('cccc-3'))).toMatchObject({ ok: false, why: expect.stringContaining('orphaned') });
    // Assigned in the directory for a while (PIM outside the console): still no grant explains it, and the reason says until when.
    expect(classify([holding('aaaa-1', { detail: 'until 2026-07-01T00:00:00.000Z' })])[0]!.holders[0]).toMatchObject({ class: 'standing', reason: expect.stringContaining('until 2026-07-01') });
  });
});
