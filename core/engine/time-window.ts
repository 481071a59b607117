/**
 * Time windows, one rule: whether an instant falls inside "Mon-Fri 08:00-18:00 Europe/Paris", when
 * such a window next opens, and both in words. Wall-clock semantics through Intl (the host's IANA
 * time zone data, no library): on a DST change a window keeps its hours, so a 02:00-03:00 window is
 * skipped the night clocks go forward and lasts two hours the night they go back. Pure: the caller
 * passes every instant.
 */
import { WEEKDAYS, type TimeWindow, type Weekday } from '../schema/time-window.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAY_WORD: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const MONTH_WORD = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** One formatter per zone: building one costs far more than formatting with it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the zone, as written (case included: "europe/paris" is refused, with the spelling to use). */
export function timeZoneProblem(timeZone: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return `${timeZone.slice(0, 64)} is not a known IANA time zone (such as Europe/Paris, America/New_York or UTC)`;
  }
  if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) return `write it ${resolved}`;
  return null;
}

export const isTimeZone = (timeZone: string) => timeZoneProblem(timeZone) === null;

/** The wall clock of a zone at an instant: its date, weekday (0 = Monday) and minute of the day. */
export type WallClock = { year: number; month: number; day: number; weekday: number; minuteOfDay: number; second: number };

export function wallClock(instant: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatterOf(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const year = parts.year!;
  const month = parts.month!;
  const day = parts.day!;
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
  // Some engines write midnight as hour 24 even in h23.
  return { year, month, day, weekday, minuteOfDay: (parts.hour! % 24) * 60 + parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at an instant, in milliseconds (Paris in winter: +1 h). */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const whole = Math.floor(instant / 1000) * 1000;
  return Date.UTC(w.year, w.month - 1, w.day) + w.minuteOfDay * MINUTE + w.second * 1000 - whole;
}

/** Every instant at which the zone's clock reads this date and minute: none in a DST gap, two in an overlap, earliest first. */
export function instantsAt(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): number[] {
  const naive = Date.UTC(year, month - 1, day) + minuteOfDay * MINUTE;
  const offsets = new Set([offsetAt(naive - DAY, timeZone), offsetAt(naive, timeZone), offsetAt(naive + DAY, timeZone)]);
  const out = new Set<number>();
  for (const offset of offsets) {
    const t = naive - offset;
    const w = wallClock(t, timeZone);
    if (w.year === year && w.month === month && w.day === day && w.minuteOfDay === minuteOfDay && w.second === 0) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

/** "08:00" -> 480; "24:00" -> 1440. */
export function minutesOfTime(text: string): number {
  const [h, m] = text.split(':');
  return Number(h) * 60 + Number(m);
}

const timeOfMinutes = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Whether the window is open at the instant (its end excluded). */
export function isInside(window: TimeWindow, instant: Date | number): boolean {
  const w = wallClock(typeof instant === 'number' ? instant : instant.getTime(), window.timeZone);
  const start = minutesOfTime(window.start);
  const end = minutesOfTime(window.end);
  const listed = (weekday: number) => window.days.includes(WEEKDAYS[weekday]!);
  if (end > start) return listed(w.weekday) && w.minuteOfDay >= start && w.minuteOfDay < end;
  // Overnight: opened today, or opened yesterday and not closed yet.
  return (listed(w.weekday) && w.minuteOfDay >= start) || (listed((w.weekday + 6) % 7) && w.minuteOfDay < end);
}

export const insideAny = (windows: readonly TimeWindow[], instant: Date | number) => windows.some((w) => isInside(w, instant));

/** Instants in [from, to] where the zone's offset changes (its DST transitions), to the second. */
function transitionsBetween(from: number, to: number, timeZone: string): number[] {
  const out: number[] = [];
  const step = 6 * HOUR;
  for (let a = from; a < to; a += step) {
    const b = Math.min(a + step, to);
    if (offsetAt(a, timeZone) === offsetAt(b, timeZone)) continue;
    let lo = a;
    let hi = b;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (mid <= lo || mid >= hi) break;
      if (offsetAt(mid, timeZone) === offsetAt(a, timeZone)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  return out;
}

/** How far ahead an opening is looked for: a weekly window opens within 7 days, plus a day either side of a DST change. */
const HORIZON_DAYS = 9;

/**
 * The first instant at or after `from` at which one of the windows is open: `from` itself when one
 * is open now, otherwise the next opening. Openings happen only where a window's start is reached on
 * the wall clock, or where the clock jumps (a DST change) into a window; both are candidates, and
 * the earliest candidate that is inside is the answer. Null when none opens within nine days.
 */
export function nextOpening(windows: readonly TimeWindow[], from: Date | number): Date | null {
  const t0 = typeof from === 'number' ? from : from.getTime();
  if (insideAny(windows, t0)) return new Date(t0);
  const candidates: number[] = [];
  for (const zone of new Set(windows.map((w) => w.timeZone))) {
    const today = wallClock(t0, zone);
    const mine = windows.filter((w) => w.timeZone === zone);
    for (let d = -1; d <= HORIZON_DAYS; d++) {
      const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
      const weekday = WEEKDAYS[(date.getUTCDay() + 6) % 7]!;
      for (const w of mine) {
        if (!w.days.includes(weekday)) continue;
        candidates.push(...instantsAt(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), minutesOfTime(w.start), zone));
      }
    }
    candidates.push(...transitionsBetween(t0, t0 + (HORIZON_DAYS + 1) * DAY, zone));
  }
  const next = candidates.filter((c) => c > t0).sort((a, b) => a - b).find((c) => insideAny(windows, c));
  return next === undefined ? null : new Date(next);
}

/** The end of the opening the instant is in (the first instant after it outside every window); null when outside, or open for the next nine days. */
export function closesAt(windows: readonly TimeWindow[], at: Date | number): Date | null {
  const t0 = typeof at === 'number' ? at : at.getTime();
  if (!insideAny(windows, t0)) return null;
  const candidates: number[] = [];
  for (const zone of new Set(windows.map((w) => w.timeZone))) {
    const today = wallClock(t0, zone);
    for (let d = -1; d <= HORIZON_DAYS; d++) {
      const date = new Date(Date.UTC(today.year, today.month - 1, today.day + d));
      for (const w of windows.filter((x) => x.timeZone === zone)) {
        const end = minutesOfTime(w.end);
        // 24:00 is the next day's 00:00.
        const endDate = end === 1440 ? new Date(date.getTime() + DAY) : date;
        const minute = end === 1440 ? 0 : end;
        candidates.push(...instantsAt(endDate.getUTCFullYear(), endDate.getUTCMonth() + 1, endDate.getUTCDate(), minute, zone));
      }
    }
    candidates.push(...transitionsBetween(t0, t0 + (HORIZON_DAYS + 1) * DAY, zone));
  }
  const end = candidates.filter((c) => c > t0).sort((a, b) => a - b).find((c) => !insideAny(windows, c));
  return end === undefined ? null : new Date(end);
}

/** "Mon-Fri", "Sat, Sun", "Mon, Wed, Fri", "Fri-Mon": the days in week order, runs of three or more as a range (across Sunday night too). */
export function daysInWords(days: readonly Weekday[]): string {
  const runs: Weekday[][] = [];
  for (const day of WEEKDAYS) {
    if (!days.includes(day)) continue;
    const last = runs.at(-1);
    if (last && WEEKDAYS.indexOf(last.at(-1)!) === WEEKDAYS.indexOf(day) - 1) last.push(day);
    else runs.push([day]);
  }
  if (runs.length === 1 && runs[0]!.length === 7) return 'Mon-Sun';
  // A run ending on Sunday goes on into a run starting on Monday: Fri-Mon, when that makes a range.
  const first = runs[0];
  const last = runs.at(-1);
  if (runs.length > 1 && first && last && first[0] === 'mon' && last.at(-1) === 'sun' && first.length + last.length >= 3) {
    runs.shift();
    last.push(...first);
  }
  return runs.map((r) => (r.length >= 3 ? `${DAY_WORD[r[0]!]}-${DAY_WORD[r.at(-1)!]}` : r.map((d) => DAY_WORD[d]).join(', '))).join(', ');
}

/** "Mon-Fri 08:00-18:00 Europe/Paris". */
export function windowInWords(window: TimeWindow): string {
  return `${daysInWords(window.days)} ${window.start}-${window.end} ${window.timeZone}`;
}

/** "Sat 8 Mar 22:00 Europe/Paris": an instant on the wall clock of a window's zone. */
export function momentInWords(instant: Date | number, timeZone: string): string {
  const w = wallClock(typeof instant === 'number' ? instant : instant.getTime(), timeZone);
  return `${DAY_WORD[WEEKDAYS[w.weekday]!]} ${w.day} ${MONTH_WORD[w.month - 1]} ${timeOfMinutes(w.minuteOfDay)} ${timeZone}`;
}

const DAY_NAMES: Record<string, Weekday> = Object.fromEntries(
  WEEKDAYS.flatMap((d, i) => {
    const full = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'][i]!;
    return [
      [d, d],
      [full, d],
    ];
  }),
);

function readDays(text: string): Weekday[] | string {
  const lower = text.trim().toLowerCase();
  if (lower === 'daily' || lower === 'every day') return [...WEEKDAYS];
  const out = new Set<Weekday>();
  for (const piece of lower.split(',').map((p) => p.trim())) {
    const [a, b, extra] = piece.split('-').map((p) => p.trim());
    const from = DAY_NAMES[a ?? ''];
    const to = b === undefined ? from : DAY_NAMES[b];
    if (!from || !to || extra !== undefined) return `"${piece}" is not a day or a range of days (Mon, Sat-Sun, Mon-Fri)`;
    for (let i = WEEKDAYS.indexOf(from); ; i = (i + 1) % 7) {
      out.add(WEEKDAYS[i]!);
      if (WEEKDAYS[i] === to) break;
    }
  }
  return WEEKDAYS.filter((d) => out.has(d));
}

/**
 * A window from its words, the form windowInWords writes: "Mon-Fri 08:00-18:00 Europe/Paris",
 * "Sat 22:00-04:00 UTC", "daily 00:00-24:00 America/New_York". The problems are in words.
 */
export function parseWindow(text: string): { ok: true; window: TimeWindow } | { ok: false; message: string } {
  const match = /^\s*(.+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s+(\S+)\s*$/.exec(text);
  if (!match) return { ok: false, message: 'write a window as days, hours and a time zone: Mon-Fri 08:00-18:00 Europe/Paris' };
  const days = readDays(match[1]!);
  if (typeof days === 'string') return { ok: false, message: days };
  const pad = (t: string) => t.padStart(5, '0');
  const window: TimeWindow = { days, start: pad(match[2]!), end: pad(match[3]!), timeZone: match[4]! };
  const problem = windowProblems(window)[0];
  return problem ? { ok: false, message: `${problem.field === '' ? '' : `${problem.field}: `}${problem.message}` } : { ok: true, window };
}

/** What is wrong with a window beyond its schema's shape, each naming its field inside the window. */
export function windowProblems(window: TimeWindow): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(window.start)) out.push({ field: 'start', message: 'must be a time such as 08:00 (00:00 to 23:59)' });
  if (!/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/.test(window.end)) out.push({ field: 'end', message: 'must be a time such as 18:00 (00:01 to 24:00)' });
  else if (window.end === window.start) {
    out.push({ field: 'end', message: 'must differ from the start: a window needs a length (00:00-24:00 is the whole day)' });
  }
  if (window.days.length === 0) out.push({ field: 'days', message: 'needs at least one day' });
  const repeated = window.days.find((d, i) => window.days.indexOf(d) !== i);
  if (repeated) out.push({ field: 'days', message: `${DAY_WORD[repeated]} is listed twice` });
  const zone = timeZoneProblem(window.timeZone);
  if (zone) out.push({ field: 'timeZone', message: zone });
  return out;
}
