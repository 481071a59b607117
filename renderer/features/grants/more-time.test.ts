import { describe, expect, it } from 'vitest';
import type { AccessRequest, Grant } from '../../../core/index.js';
import { makeGrant } from '../../../core/test-fixtures.js';
import { askForMoreTime, describeExtension, minutesLeftUnderCeiling, moreTimeChoices, waitingExtensions } from './more-time.js';

const NOW = Date.parse('2026-03-02T10:00:00.000Z');

const grant = (overrides: Partial<Grant> = {}): Grant => makeGrant(overrides);

const extension = { id: 'ext-1', durationMinutes: 120, extendsGrantId: 'g-1' } as AccessRequest;

describe('the durations offered', () => {
  it('fit under the policy ceiling counted from the start', () => {
    expect(minutesLeftUnderCeiling(grant())).toBe(360);
    expect(moreTimeChoices(grant())).toEqual([15, 30, 60, 120, 240]);
    expect(moreTimeChoices(grant({ maxDurationMinutes: 130 }))).toEqual([10]);
    expect(moreTimeChoices(grant({ maxDurationMinutes: 120 }))).toEqual([]);
  });
});

describe('askForMoreTime', () => {
  it('appears only on the signed-in person’s own grant', () => {
    expect(askForMoreTime(grant(), 'u-alice', undefined, NOW)).toMatchObject({ show: true, enabled: true });
    expect(askForMoreTime(grant(), 'u-carol', undefined, NOW)).toMatchObject({ show: false });
  });

  it('says why it cannot be asked', () => {
    expect(askForMoreTime(grant(), 'u-alice', extension, NOW)).toMatchObject({ enabled: false, why: 'Your request for 2 h more is waiting for approval' });
    expect(askForMoreTime(grant({ extensions: 1 }), 'u-alice', undefined, NOW).why).toMatch(/at most 1 time$/);
    expect(askForMoreTime(grant({ maxExtensions: 0 }), 'u-alice', undefined, NOW).why).toMatch(/allows no more time/);
    expect(askForMoreTime(grant({ status: 'revoking' }), 'u-alice', undefined, NOW).why).toMatch(/revoking/);
    expect(askForMoreTime(grant({ maxDurationMinutes: 120 }), 'u-alice', undefined, NOW).why).toMatch(/policy maximum of 2 h/);
  });
});

describe('extension requests', () => {
  it('are found by the grant they extend', () => {
    const plain = { id: 'r-2', extendsGrantId: null } as AccessRequest;
    expect([...waitingExtensions([plain, extension]).entries()]).toEqual([['g-1', extension]]);
  });

  it('read as more time, with when the grant ends now and would end', () => {
    const text = describeExtension(extension, { person: 'Dave Okafor', resource: 'Global Reader' }, grant(), NOW, 'UTC');
    expect(text).toMatch(/^More time: \+2 h on Global Reader for Dave Okafor, grant ends at (11:00|11:00\sAM); approved, it ends at (13:00|01:00\sPM)$/);
    expect(describeExtension(extension, { person: 'Dave Okafor', resource: 'Global Reader' }, null, NOW)).toMatch(/has not synced yet/);
  });
});
