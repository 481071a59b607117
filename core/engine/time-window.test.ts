import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeWindow, WEEKDAYS, type Weekday } from '../schema/time-window.js';
import { closesAt, daysInWords, insideAny, instantsAt, isInside, momentInWords, nextOpening, parseWindow, timeZoneProblem, wallClock, windowInWords, windowProblems } from './time-window.js';

const window = (over: Partial<TimeWindow> = {}): TimeWindow => ({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timeZone: 'Europe/Paris', ...over });
const utc = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('isInside', () => {
  const office = window();

  it('reads the wall clock of the window’s zone, start included and end excluded', () => {
    // Monday 3 March 2025: Paris is UTC+1.
    expect(isInside(office, utc('2025-03-03T06:59:59Z'))).toBe(false);
    expect(isInside(office, utc('2025-03-03T07:00:00Z'))).toBe(true);
    expect(isInside(office, utc('2025-03-03T16:59:59Z'))).toBe(true);
    expect(isInside(office, utc('2025-03-03T17:00:00Z'))).toBe(false);
    // Saturday is not listed.
    expect(isInside(office, utc('2025-03-08T10:00:00Z'))).toBe(false);
  });

  it('follows summer time: 08:00 in Paris is 06:00 UTC in July', () => {
    expect(isInside(office, utc('2025-07-07T05:59:00Z'))).toBe(false);
    expect(isInside(office, utc('2025-07-07T06:00:00Z'))).toBe(true);
    expect(isInside(office, utc('2025-07-07T15:59:00Z'))).toBe(true);
    expect(isInside(office, utc('2025-07-07T16:00:00Z'))).toBe(false);
  });

  it('keeps the day in the zone, not in UTC: Friday 23:30 in New York is Saturday in UTC', () => {
    const ny = window({ days: ['fri'], start: '20:00', end: '24:00', timeZone: 'America/New_York' });
    expect(isInside(ny, utc('2025-03-08T04:30:00Z'))).toBe(true);
    expect(isInside(ny, utc('2025-03-08T05:00:00Z'))).toBe(false);
  });

  it('runs an overnight window into the next morning of the listed day only', () => {
    const maintenance = window({ days: ['sat'], start: '22:00', end: '04:00' });
    expect(isInside(maintenance, utc('2025-03-08T20:59:00Z'))).toBe(false); // Sat 21:59
    expect(isInside(maintenance, utc('2025-03-08T21:00:00Z'))).toBe(true); // Sat 22:00
    expect(isInside(maintenance, utc('2025-03-09T02:59:00Z'))).toBe(true); // Sun 03:59
    expect(isInside(maintenance, utc('2025-03-09T03:00:00Z'))).toBe(false); // Sun 04:00
    // Friday night is not Saturday's window.
    expect(isInside(maintenance, utc('2025-03-08T01:00:00Z'))).toBe(false);
  });

  it('takes 00:00-24:00 as the whole day', () => {
    const allDay = window({ days: ['sun'], start: '00:00', end: '24:00' });
    expect(isInside(allDay, utc('2025-03-08T23:00:00Z'))).toBe(true); // Sun 00:00
    expect(isInside(allDay, utc('2025-03-09T22:59:59Z'))).toBe(true); // Sun 23:59:59
    expect(isInside(allDay, utc('2025-03-09T23:00:00Z'))).toBe(false); // Mon 00:00
  });
});

describe('DST transitions', () => {
  it('Europe/Paris, last Sunday of March: 02:00-03:00 does not exist, so a window inside it opens when the clock reads 03:00', () => {
    // Clocks jump from 02:00 CET (01:00Z) to 03:00 CEST.
    expect(instantsAt(2025, 3, 30, 150, 'Europe/Paris')).toEqual([]);
    const night = window({ days: ['sun'], start: '02:30', end: '04:00' });
    expect(iso(nextOpening([night], utc('2025-03-29T12:00:00Z')))).toBe('2025-03-30T01:00:00.000Z');
    expect(isInside(night, utc('2025-03-30T00:59:59Z'))).toBe(false);
    expect(isInside(night, utc('2025-03-30T01:00:00Z'))).toBe(true);
    // The window that night is one hour (03:00-04:00 CEST), not an hour and a half.
    expect(iso(closesAt([night], utc('2025-03-30T01:00:00Z')))).toBe('2025-03-30T02:00:00.000Z');
  });

  it('Europe/Paris, last Sunday of October: 02:00-03:00 happens twice, and a window on it is open both times', () => {
    expect(instantsAt(2025, 10, 26, 150, 'Europe/Paris').map((t) => new Date(t).toISOString())).toEqual(['2025-10-26T00:30:00.000Z', '2025-10-26T01:30:00.000Z']);
    const early = window({ days: ['sun'], start: '01:00', end: '02:30' });
    // 01:00 CEST (23:00Z) to 02:30 CEST (00:30Z), then the clock goes back to 02:00 CET (01:00Z), inside again until 02:30 CET.
    expect(iso(closesAt([early], utc('2025-10-25T23:30:00Z')))).toBe('2025-10-26T00:30:00.000Z');
    expect(iso(nextOpening([early], utc('2025-10-26T00:40:00Z')))).toBe('2025-10-26T01:00:00.000Z');
    expect(iso(closesAt([early], utc('2025-10-26T01:00:00Z')))).toBe('2025-10-26T01:30:00.000Z');
  });

  it('a Mon-Fri 08:00-18:00 Paris window keeps its local hours across both changes', () => {
    const office = window();
    // Friday before the March change: 08:00 is 07:00Z; Monday after it: 06:00Z.
    expect(iso(nextOpening([office], utc('2025-03-28T06:00:00Z')))).toBe('2025-03-28T07:00:00.000Z');
    expect(iso(nextOpening([office], utc('2025-03-28T18:00:00Z')))).toBe('2025-03-31T06:00:00.000Z');
    // Friday before the October change: 06:00Z; Monday after it: 07:00Z.
    expect(iso(nextOpening([office], utc('2025-10-24T18:00:00Z')))).toBe('2025-10-27T07:00:00.000Z');
  });

  it('America/New_York, second Sunday of March and first Sunday of November', () => {
    // 9 March 2025: 02:00 EST jumps to 03:00 EDT (07:00Z).
    expect(instantsAt(2025, 3, 9, 150, 'America/New_York')).toEqual([]);
    const night = window({ days: ['sun'], start: '01:00', end: '04:00', timeZone: 'America/New_York' });
    expect(iso(nextOpening([night], utc('2025-03-08T12:00:00Z')))).toBe('2025-03-09T06:00:00.000Z'); // 01:00 EST
    expect(iso(closesAt([night], utc('2025-03-09T06:00:00Z')))).toBe('2025-03-09T08:00:00.000Z'); // 04:00 EDT: two hours
    // 2 November 2025: 02:00 EDT goes back to 01:00 EST (06:00Z); the window lasts four hours.
    expect(iso(nextOpening([night], utc('2025-11-01T12:00:00Z')))).toBe('2025-11-02T05:00:00.000Z'); // 01:00 EDT
    expect(iso(closesAt([night], utc('2025-11-02T05:00:00Z')))).toBe('2025-11-02T09:00:00.000Z'); // 04:00 EST
    const office = window({ timeZone: 'America/New_York' });
    expect(iso(nextOpening([office], utc('2025-03-08T12:00:00Z')))).toBe('2025-03-10T12:00:00.000Z'); // Mon 08:00 EDT
  });
});

describe('nextOpening', () => {
  it('is the instant itself inside a window, else the next start on a listed day', () => {
    const office = window();
    expect(iso(nextOpening([office], utc('2025-03-03T10:00:00Z')))).toBe('2025-03-03T10:00:00.000Z');
    expect(iso(nextOpening([office], utc('2025-03-07T17:00:00Z')))).toBe('2025-03-10T07:00:00.000Z');
  });

  it('takes the earliest of several windows, in several zones', () => {
    const paris = window({ days: ['sat'], start: '22:00', end: '23:00' });
    const ny = window({ days: ['sat'], start: '10:00', end: '11:00', timeZone: 'America/New_York' });
    // Saturday 8 March 10:00 New York is 15:00Z, before 22:00 Paris (21:00Z).
    expect(iso(nextOpening([paris, ny], utc('2025-03-08T12:00:00Z')))).toBe('2025-03-08T15:00:00.000Z');
    expect(iso(nextOpening([paris, ny], utc('2025-03-08T16:00:00Z')))).toBe('2025-03-08T21:00:00.000Z');
  });
});

const arbitraryWindow = fc.record({
  days: fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 }),
  start: fc.integer({ min: 0, max: 1439 }),
  length: fc.integer({ min: 1, max: 1439 }),
  timeZone: fc.constantFrom('Europe/Paris', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago'),
});
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const toWindow = (w: { days: Weekday[]; start: number; length: number; timeZone: string }): TimeWindow => {
  const end = w.start + w.length;
  return { days: WEEKDAYS.filter((d) => w.days.includes(d)), start: hhmm(w.start), end: end === 1440 ? '24:00' : hhmm(end % 1440), timeZone: w.timeZone };
};
// Around the DST changes of 2025 and 2026 in both hemispheres, and ordinary days.
const arbitraryInstant = fc.integer({ min: Date.parse('2025-01-01T00:00:00Z') / 60_000, max: Date.parse('2026-12-31T00:00:00Z') / 60_000 }).map((m) => m * 60_000 + 17_000);

describe('properties', () => {
  it('the next opening is inside, and just before it (when it is not now) is outside', () => {
    fc.assert(
      fc.property(arbitraryWindow, arbitraryInstant, (w, at) => {
        const win = toWindow(w);
        const next = nextOpening([win], at);
        if (next === null) return false;
        expect(isInside(win, next)).toBe(true);
        expect(next.getTime()).toBeGreaterThanOrEqual(at);
        if (next.getTime() > at) expect(isInside(win, next.getTime() - 1000)).toBe(false);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('no instant between now and the next opening is inside (sampled)', () => {
    fc.assert(
      fc.property(arbitraryWindow, arbitraryInstant, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }), (w, at, samples) => {
        const win = toWindow(w);
        const next = nextOpening([win], at)!;
        for (const s of samples) {
          const t = at + Math.floor(s * (next.getTime() - at));
          if (t < next.getTime()) expect(isInside(win, t)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('every listed day opens: a window is open for some time in each 8-day stretch', () => {
    fc.assert(
      fc.property(arbitraryWindow, arbitraryInstant, (w, at) => {
        const next = nextOpening([toWindow(w)], at);
        expect(next).not.toBeNull();
        expect(next!.getTime() - at).toBeLessThanOrEqual(8 * 86_400_000);
      }),
      { numRuns: 200 },
    );
  });

  it('the opening it is in closes, and the instant it closes is outside', () => {
    fc.assert(
      fc.property(arbitraryWindow, arbitraryInstant, (w, at) => {
        const win = toWindow(w);
        const open = nextOpening([win], at)!;
        const end = closesAt([win], open);
        // Open every minute of every day: nothing to close within the horizon.
        if (end === null) return win.days.length === 7 && win.start === win.end.replace('24:00', '00:00');
        expect(end.getTime()).toBeGreaterThan(open.getTime());
        expect(isInside(win, end)).toBe(false);
        expect(isInside(win, end.getTime() - 1000)).toBe(true);
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('a window’s words parse back to the same window', () => {
    fc.assert(
      fc.property(arbitraryWindow, (w) => {
        const win = toWindow(w);
        expect(parseWindow(windowInWords(win))).toEqual({ ok: true, window: win });
      }),
    );
  });

  it('the wall clock of every instant a wall time maps to reads that wall time', () => {
    fc.assert(
      fc.property(arbitraryInstant, fc.constantFrom('Europe/Paris', 'America/New_York', 'Australia/Lord_Howe'), (at, zone) => {
        const w = wallClock(at, zone);
        const back = instantsAt(w.year, w.month, w.day, w.minuteOfDay, zone);
        expect(back).toContain(Math.floor(at / 60_000) * 60_000);
      }),
    );
  });
});

describe('in words', () => {
  it('days in week order, runs of three or more as ranges, across Sunday night too', () => {
    expect(daysInWords(['mon', 'tue', 'wed', 'thu', 'fri'])).toBe('Mon-Fri');
    expect(daysInWords(['sun', 'sat'])).toBe('Sat, Sun');
    expect(daysInWords(['mon', 'wed', 'fri'])).toBe('Mon, Wed, Fri');
    expect(daysInWords(['fri', 'sat', 'sun', 'mon'])).toBe('Fri-Mon');
    expect(daysInWords([...WEEKDAYS])).toBe('Mon-Sun');
  });

  it('a window and an opening name the zone', () => {
    expect(windowInWords(window())).toBe('Mon-Fri 08:00-18:00 Europe/Paris');
    expect(momentInWords(utc('2025-03-08T21:00:00Z'), 'Europe/Paris')).toBe('Sat 8 Mar 22:00 Europe/Paris');
  });

  it('parses days, hours and a zone; refuses what it cannot read, naming it', () => {
    expect(parseWindow('Sat 22:00-04:00 Europe/Paris')).toEqual({ ok: true, window: { days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Paris' } });
    expect(parseWindow('monday-friday 8:00-18:00 UTC')).toMatchObject({ ok: true, window: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00' } });
    expect(parseWindow('daily 00:00-24:00 America/New_York')).toMatchObject({ ok: true, window: { days: [...WEEKDAYS] } });
    expect(parseWindow('weekdays 08:00-18:00 Europe/Paris')).toMatchObject({ ok: false, message: expect.stringContaining('"weekdays" is not a day') });
    expect(parseWindow('Mon 08:00-18:00 Europe/Pariss')).toMatchObject({ ok: false, message: expect.stringContaining('not a known IANA time zone') });
    expect(parseWindow('Mon 25:00-18:00 UTC')).toMatchObject({ ok: false, message: expect.stringContaining('start') });
    expect(parseWindow('office hours')).toMatchObject({ ok: false });
  });
});

describe('windowProblems and timeZoneProblem', () => {
  it('refuses an unknown zone, a wrongly written one, equal start and end, and a day twice', () => {
    expect(timeZoneProblem('Europe/Paris')).toBeNull();
    expect(timeZoneProblem('UTC')).toBeNull();
    expect(timeZoneProblem('Mars/Olympus_Mons')).toMatch(/not a known IANA time zone/);
    expect(timeZoneProblem('america/new_york')).toBe('write it America/New_York');
    expect(windowProblems(window({ start: '08:00', end: '08:00', days: ['mon', 'mon'] })).map((p) => p.field)).toEqual(['end', 'days']);
    expect(windowProblems(window())).toEqual([]);
  });

  it('the schema takes 24:00 only as an end', () => {
    expect(TimeWindow.safeParse(window({ end: '24:00' })).success).toBe(true);
    expect(TimeWindow.safeParse(window({ start: '24:00' })).success).toBe(false);
    expect(TimeWindow.safeParse(window({ days: [] })).success).toBe(false);
    expect(TimeWindow.safeParse({ ...window(), extra: 1 }).success).toBe(false);
  });

  it('insideAny is any of the windows', () => {
    expect(insideAny([window({ days: ['sat'] }), window({ days: ['mon'] })], utc('2025-03-03T10:00:00Z'))).toBe(true);
    expect(insideAny([], utc('2025-03-03T10:00:00Z'))).toBe(false);
  });
});
