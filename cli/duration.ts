// From its own module, not the core barrel: the barrel loads every schema (zod) at each `jit` start.
import { parseDurationSpan } from '../core/engine/duration-input.js';

export { parseDuration } from '../core/engine/duration-input.js';

/** Milliseconds for waiting and polling (seconds allowed: 500ms is not, 0.5s is). */
export function parseWait(text: string): { ok: true; ms: number } | { ok: false; message: string } {
  const parsed = parseDurationSpan(text, true);
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
