import { describe, expect, it } from 'vitest';
import { formatAbsolute, formatClock, formatCountdown, formatDuration, formatRelative, formatStart } from './time.js';

const now = Date.parse('2026-11-25T12:00:00.000Z');
const at = (ms: number) => new Date(now + ms).toISOString();
const MIN = 60_000;

describe('formatRelative', () => {
  it('says minutes and hours the way people do', () => {
    expect(formatRelative(at(23 * MIN), now)).toBe('in 23 min');
    expect(formatRelative(at(-2 * 60 * MIN), now)).toBe('2 h ago');
    expect(formatRelative(at(-(2 * 60 + 5) * MIN), now)).toBe('2 h 5 min ago');
    expect(formatRelative(at(-10 * 1000), now)).toBe('just now');
    expect(formatRelative(at(3 * 24 * 60 * MIN), now)).toBe('in 3 days');
    expect(formatRelative(at(-24 * 60 * MIN), now)).toBe('1 day ago');
  });

  it('falls back to a date beyond a month and survives garbage', () => {
    expect(formatRelative(at(-90 * 24 * 60 * MIN), now)).not.toMatch(/ago/);
    expect(formatRelative('not a date', now)).toBe('unknown time');
  });
});

describe('formatAbsolute', () => {
  it('names the time zone', () => {
    expect(formatAbsolute('2026-11-25T12:00:00.000Z', 'UTC')).toMatch(/UTC/);
    expect(formatAbsolute('2026-11-25T12:00:00.000Z', 'UTC')).toMatch(/12:00:00/);
  });
});

describe('formatDuration', () => {
  it('uses minutes, hours and days', () => {
    expect(formatDuration(30)).toBe('30 min');
    expect(formatDuration(120)).toBe('2 h');
    expect(formatDuration(90)).toBe('1 h 30 min');
    expect(formatDuration(24 * 60)).toBe('1 day');
    expect(formatDuration(28 * 60)).toBe('1 day 4 h');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('formatCountdown', () => {
  it('counts down to expiry and says when it passed', () => {
    expect(formatCountdown(at(23 * MIN + 5000), now)).toBe('23 min left');
    expect(formatCountdown(at(65 * MIN), now)).toBe('1 h 05 min left');
    expect(formatCountdown(at(30 * 1000), now)).toBe('30 s left');
    expect(formatCountdown(at(-3 * MIN), now)).toBe('expired 3 min ago');
  });
});

describe('formatClock', () => {
  // In the viewer's locale: 14:32 or 02:32 PM.
  it('says only the time today, the day otherwise, and the year when it is another', () => {
    expect(formatClock('2026-11-25T14:32:00.000Z', now, 'UTC')).toMatch(/^(14:32|0?2:32\s?PM)$/);
    expect(formatClock('2026-11-26T09:05:00.000Z', now, 'UTC')).toMatch(/26.*09:05/);
    expect(formatClock('2026-11-26T09:05:00.000Z', now, 'UTC')).not.toMatch(/2026/);
    expect(formatClock('2027-01-02T09:05:00.000Z', now, 'UTC')).toMatch(/2027/);
    expect(formatClock('garbage', now)).toBe('garbage');
  });
});

describe('formatStart', () => {
  // now is Wednesday 25 Nov 2026.
  it('says the weekday and time within the coming week, the date further ahead, the year when it is another', () => {
    expect(formatStart('2026-11-28T22:00:00.000Z', now, 'UTC')).toMatch(/^Sat (22:00|10:00\s?PM)$/);
    expect(formatStart('2026-12-12T22:00:00.000Z', now, 'UTC')).toMatch(/^Sat 12 Dec, (22:00|10:00\s?PM)$|^Sat Dec 12, /);
    expect(formatStart('2027-01-09T22:00:00.000Z', now, 'UTC')).toMatch(/2027/);
    expect(formatStart('garbage', now)).toBe('garbage');
  });
});
