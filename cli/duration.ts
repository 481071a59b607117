/** Durations as people type them: 30m, 2h, 1d, 1h30m, 1.5h, 1w (and seconds, 10s, where allowed). */
const UNIT_MINUTES: Record<string, number> = { s: 1 / 60, m: 1, min: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 };
const HINT = 'give a number and a unit, such as 30m, 2h, 1d or 1h30m';

type Parsed = { ok: true; minutes: number } | { ok: false; message: string };

function parseSpan(text: string, allowSeconds: boolean): Parsed {
  const input = text.trim().toLowerCase().replace(/\s+/g, '');
  if (input === '') return { ok: false, message: `is empty; ${HINT}` };
  if (/^\d+(\.\d+)?$/.test(input)) return { ok: false, message: `"${text}" has no unit; ${HINT}` };
  const part = /(\d+(?:\.\d+)?)(min|m|h|d|w|s)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(input); match; match = part.exec(input)) {
    if (match[2] === 's' && !allowSeconds) return { ok: false, message: `"${text}": seconds are too fine here; ${HINT}` };
    total += Number(match[1]) * (UNIT_MINUTES[match[2] as string] as number);
    consumed = part.lastIndex;
  }
  if (consumed !== input.length) return { ok: false, message: `"${text}" is not a duration; ${HINT}` };
  return { ok: true, minutes: total };
}

/** Whole minutes (what the server takes), or a sentence saying what is wrong. */
export function parseDuration(text: string): Parsed {
  const parsed = parseSpan(text, false);
  if (!parsed.ok) return parsed;
  if (!Number.isInteger(parsed.minutes)) return { ok: false, message: `"${text}" is not a whole number of minutes` };
  if (parsed.minutes < 1) return { ok: false, message: `"${text}" is shorter than a minute` };
  return parsed;
}

/** Milliseconds for waiting and polling (seconds allowed: 500ms is not, 0.5s is). */
export function parseWait(text: string): { ok: true; ms: number } | { ok: false; message: string } {
  const parsed = parseSpan(text, true);
  if (!parsed.ok) return parsed;
  const ms = Math.round(parsed.minutes * 60_000);
  if (ms < 100) return { ok: false, message: `"${text}" is shorter than 0.1s` };
  return { ok: true, ms };
}

/** 90 -> "1 h 30 min"; 1440 -> "1 d"; 45 -> "45 min". */
export function formatMinutes(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', mins ? `${mins} min` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '0 min';
}

/** Time left until an instant, in words: "1 h 23 min left", "less than a minute left", "ended". */
export function timeLeft(until: string, now: Date): string {
  const ms = Date.parse(until) - now.getTime();
  if (ms <= 0) return 'ended';
  if (ms < 60_000) return 'less than a minute left';
  return `${formatMinutes(Math.floor(ms / 60_000))} left`;
}
