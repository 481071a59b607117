/**
 * Durations as people type them: 30m, 2h, 1d, 1h30m, 1.5h, 1w (and seconds, 10s, where allowed).
 * The CLI's --for and the console's duration field read the same way.
 */
const UNIT_MINUTES: Record<string, number> = { s: 1 / 60, m: 1, min: 1, h: 60, d: 24 * 60, w: 7 * 24 * 60 };
const HINT = 'give a number and a unit, such as 30m, 2h, 1d or 1h30m';

export type ParsedDuration = { ok: true; minutes: number } | { ok: false; message: string };

export function parseDurationSpan(text: string, allowSeconds: boolean): ParsedDuration {
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
export function parseDuration(text: string): ParsedDuration {
  const parsed = parseDurationSpan(text, false);
  if (!parsed.ok) return parsed;
  if (!Number.isInteger(parsed.minutes)) return { ok: false, message: `"${text}" is not a whole number of minutes` };
  if (parsed.minutes < 1) return { ok: false, message: `"${text}" is shorter than a minute` };
  return parsed;
}

