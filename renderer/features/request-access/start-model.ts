/**
 * The request form's start: "when approved" (nothing sent) or a later time picked in the viewer's
 * zone (a datetime-local value, "2026-06-06T22:00"), checked with the server's own rule (core
 * startProblem: in the future, at most 30 days ahead) and sent as a UTC instant.
 */
import { MAX_START_AHEAD_DAYS, startProblem } from '../../../core/index.js';

export type StartChoice = { iso: string | null; problem: string | null };

const DAY = 24 * 60 * 60_000;

export function startFromInput(local: string, now: number): StartChoice {
  if (local.trim() === '') return { iso: null, problem: null };
  // A datetime-local value has no zone: it is read as the viewer's local time, as the picker shows it.
  const at = new Date(local).getTime();
  if (!Number.isFinite(at)) return { iso: null, problem: 'pick a date and a time' };
  const iso = new Date(at).toISOString();
  const problem = startProblem(iso, new Date(now));
  return { iso, problem: problem ? problem.replace(/^startsAt: \S+ is not in the future; leave it out to start as soon as the request is approved$/, 'this time has passed: pick a later one, or start when approved').replace(/^startsAt: /, '') : null };
}

/** "2026-06-06T22:00" in the viewer's zone, for the picker's min, max and first value. */
export function localInputValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The picker's bounds: from the next minute to MAX_START_AHEAD_DAYS ahead. */
export function startBounds(now: number): { min: string; max: string } {
  return { min: localInputValue(now + 60_000), max: localInputValue(now + MAX_START_AHEAD_DAYS * DAY - 60_000) };
}
