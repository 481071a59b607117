import { describe, expect, it } from 'vitest';
import type { Grant } from '../schema/grant.js';
import { extendGrant } from './grant.js';
import { grantRunMinutes, shortenGrant } from './grant-shorten.js';

const START = Date.parse('2026-03-02T08:00:00.000Z');
const HOUR = 3_600_000;
const grant = (hours: number, over: Partial<Grant> = {}): Grant => ({
  id: 'g-1',
  requestId: 'r-1',
  userId: 'u-bob',
  resourceId: 'res-1',
  connector: 'entra',
  status: 'active',
  approvedAt: new Date(START).toISOString(),
  startsAt: new Date(START).toISOString(),
  expiresAt: new Date(START + hours * HOUR).toISOString(),
  provisionedAt: null,
  effectiveAt: null,
  revokeRequestedAt: null,
  revokedAt: null,
  verifiedAt: null,
  endedBy: null,
  endedReason: '',
  extensions: 0,
  maxExtensions: 2,
  maxDurationMinutes: 8 * 60,
  latenessMs: null,
  timeToEffectiveMs: null,
  attempts: 0,
  lastError: '',
  verification: 'effective',
  updatedAt: new Date(START).toISOString(),
  revision: 3,
  ...over,
});
const by = { actorId: 'u-mallory', actorName: 'Mallory Reyes', reason: 'the maximum is now 2 h' };

describe('shortenGrant', () => {
  it('ends a grant at its start plus the new maximum, and holds its extensions to it', () => {
    const shortened = shortenGrant(grant(6), 120, by, { now: new Date(START + HOUR) });
    expect(shortened.ok && shortened.value).toMatchObject({
      expiresAt: new Date(START + 2 * HOUR).toISOString(),
      maxDurationMinutes: 120,
      revision: 4,
      shortened: { by: 'u-mallory', byName: 'Mallory Reyes', maxMinutes: 120, previousExpiresAt: new Date(START + 6 * HOUR).toISOString(), reason: 'the maximum is now 2 h' },
    });
    if (!shortened.ok) return;
    expect(grantRunMinutes(shortened.value)).toBe(120);
    // More time can no longer take it past the new maximum.
    expect(extendGrant(shortened.value, 30, { now: new Date(START + HOUR) })).toMatchObject({ ok: false, code: 'duration_exceeds_policy' });
  });

  it('ends it now when its start plus the maximum has passed', () => {
    const now = new Date(START + 3 * HOUR);
    const shortened = shortenGrant(grant(6), 120, by, { now });
    expect(shortened.ok && shortened.value.expiresAt).toBe(now.toISOString());
  });

  it('refuses a grant within the maximum, and one that has ended, with a sentence', () => {
    expect(shortenGrant(grant(2), 120, by, { now: new Date(START) })).toMatchObject({ ok: false, code: 'invalid_transition', message: 'grant g-1 runs 2 h, within the maximum of 2 h: there is nothing to shorten' });
    expect(shortenGrant(grant(6, { status: 'revoked' }), 120, by, { now: new Date(START) })).toMatchObject({ ok: false, message: 'grant g-1 is revoked: only live access can be shortened' });
  });
});
