/** Human times: relative in the text, absolute with zone on hover. Pure so they are tested. */
import { formatDuration } from '../../core/index.js';

/** Durations in the units people use (one implementation, in core: the server's policy words use it too). */
export { formatDuration };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "in 23 min", "2 h ago", "just now", "in 3 days". */
export function formatRelative(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 'unknown time';
  const delta = at - now;
  const abs = Math.abs(delta);
  if (abs < 45_000) return delta >= 0 ? 'in a moment' : 'just now';
  let text: string;
  if (abs < HOUR) text = `${Math.max(1, Math.round(abs / MINUTE))} min`;
  else if (abs < DAY) text = `${Math.floor(abs / HOUR)} h${abs % HOUR >= MINUTE && abs < 6 * HOUR ? ` ${Math.floor((abs % HOUR) / MINUTE)} min` : ''}`;
  else if (abs < 30 * DAY) text = plural(Math.floor(abs / DAY), 'day');
  else return new Date(at).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** One formatter per zone: making an Intl.DateTimeFormat costs far more than using one, and every listed row's time calls this. */
const absoluteFormats = new Map<string, Intl.DateTimeFormat>();

/** "25 Nov 2026, 18:40:12 UTC" in the viewer's locale and zone. */
export function formatAbsolute(iso: string, timeZone?: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  let format = absoluteFormats.get(timeZone ?? '');
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
      ...(timeZone ? { timeZone } : {}),
    });
    absoluteFormats.set(timeZone ?? '', format);
  }
  return format.format(new Date(at));
}

/** A countdown for grants: "23 min left", "1 h 05 min left", "expired 3 min ago". */
export function formatCountdown(expiresIso: string, now: number): string {
  const left = Date.parse(expiresIso) - now;
  if (Number.isNaN(left)) return '—';
  if (left <= 0) return `expired ${formatRelative(expiresIso, now).replace(/ ago$/, '')} ago`.replace('expired just now ago', 'expired just now');
  if (left < MINUTE) return `${Math.ceil(left / 1000)} s left`;
  if (left < HOUR) return `${Math.floor(left / MINUTE)} min left`;
  if (left < DAY) return `${Math.floor(left / HOUR)} h ${String(Math.floor((left % HOUR) / MINUTE)).padStart(2, '0')} min left`;
  return `${formatDuration(Math.floor(left / MINUTE))} left`;
}

/** A moment said briefly: "14:32" today, "3 Mar, 14:32" another day, with the year when it is not this one. */
export function formatClock(iso: string, now: number, timeZone?: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const zone = timeZone ? { timeZone } : {};
  const day = (ms: number, opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(undefined, { ...opts, ...zone }).format(new Date(ms));
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', ...zone }).format(new Date(at));
  const ymd = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;
  if (day(at, ymd) === day(now, ymd)) return time;
  const sameYear = day(at, { year: 'numeric' }) === day(now, { year: 'numeric' });
  return `${day(at, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }) })}, ${time}`;
}

/**
 * When scheduled access begins, said the way people plan it: "Sat 22:00" within the coming week,
 * "Sat 14 Mar, 22:00" further ahead (the year too when it is not this one), in the viewer's zone.
 */
export function formatStart(iso: string, now: number, timeZone?: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const zone = timeZone ? { timeZone } : {};
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', ...zone }).format(new Date(at));
  const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'short', ...zone }).format(new Date(at));
  if (at - now >= 0 && at - now < 6 * DAY) return `${weekday} ${time}`;
  const sameYear = new Intl.DateTimeFormat(undefined, { year: 'numeric', ...zone }).format(new Date(at)) === new Intl.DateTimeFormat(undefined, { year: 'numeric', ...zone }).format(new Date(now));
  const date = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }), ...zone }).format(new Date(at));
  return `${weekday} ${date}, ${time}`;
}
