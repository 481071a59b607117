import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import { activeWindow } from './grant.js';

// Saturday night maintenance, Paris time: Sat 22:00 - Sun 04:00 (UTC+1 in March before the change).
const maintenance = AccessPolicy.parse({
  id: 'p-maint',
  name: 'Maintenance',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  accessWindows: [{ days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Paris' }],
  updatedAt: '2026-03-01T00:00:00.000Z',
});
const unbounded = AccessPolicy.parse({ id: 'p-any', name: 'Any time', maxDurationMinutes: 240, defaultDurationMinutes: 60, updatedAt: '2026-03-01T00:00:00.000Z' });
const request = (policyIds: string[], over: Partial<AccessRequest> = {}) => ({ id: 'r-1', durationMinutes: 60, status: 'approved', policy: { policyIds }, ...over }) as unknown as AccessRequest;

describe('activeWindow', () => {
  it('inside the window, access starts at approval', () => {
    const now = new Date('2026-03-07T21:30:00.000Z'); // Sat 22:30 Paris
    expect(activeWindow(request(['p-maint']), [maintenance], now)).toEqual({ startsAt: now.toISOString(), expiresAt: '2026-03-07T22:30:00.000Z' });
  });

  it('approved after the window closed, access waits for the next opening and lasts its duration from there', () => {
    const now = new Date('2026-03-08T09:00:00.000Z'); // Sun 10:00 Paris, the window closed at 04:00
    expect(activeWindow(request(['p-maint']), [maintenance], now)).toEqual({ startsAt: '2026-03-14T21:00:00.000Z', expiresAt: '2026-03-14T22:00:00.000Z' });
  });

  it('a scheduled start outside the window moves to the opening too; a policy without windows changes nothing', () => {
    const now = new Date('2026-03-08T09:00:00.000Z');
    const scheduled = request(['p-maint'], { startsAt: '2026-03-09T08:00:00.000Z' } as Partial<AccessRequest>);
    expect(activeWindow(scheduled, [maintenance], now)?.startsAt).toBe('2026-03-14T21:00:00.000Z');
    expect(activeWindow(request(['p-any']), [unbounded, maintenance], now)).toEqual({ startsAt: now.toISOString(), expiresAt: '2026-03-08T10:00:00.000Z' });
  });

  it('no opening ahead, or a window in a zone the server does not know: no window at all, never access at once', () => {
    const now = new Date('2026-03-08T09:00:00.000Z');
    const unknownZone = AccessPolicy.parse({ ...maintenance, accessWindows: [{ days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Mars/Olympus_Mons' }] });
    expect(activeWindow(request(['p-maint']), [unknownZone], now)).toBeNull();
  });
});

