import { parseDurationSpan } from '../core/engine/duration-input.js';
import { startProblem } from '../core/engine/scheduled-start.js';

/**
 * `--start`: when the access should begin, as an ISO time ("2026-03-07T22:00Z", an offset allowed:
 * "2026-03-07T23:00+01:00") or from now ("+2h", "+1d12h"). Checked here with the server's own rule
 * (core startProblem: in the future, at most 30 days ahead) so a typo is refused before sending.
 */
export function parseStart(text: string, now: Date): { ok: true; iso: string } | { ok: false; message: string } {
  const input = text.trim();
  let at: number;
  if (input.startsWith('+')) {
    const span = parseDurationSpan(input.slice(1), false);
    if (!span.ok) return { ok: false, message: `"${text}" is not a time from now: ${span.message}` };
    at = now.getTime() + Math.round(span.minutes) * 60_000;
  } else {
    // A date and time with a zone (Z or an offset): a time without one would depend on this machine's zone.
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(input)) {
      return { ok: false, message: `"${text}" is not a time: give one with its zone, such as 2026-03-07T22:00Z, or a time from now, such as +2h` };
    }
    at = Date.parse(input);
  }
  const iso = new Date(at).toISOString();
  const problem = startProblem(iso, now);
  return problem ? { ok: false, message: problem.replace(/^startsAt: /, '') } : { ok: true, iso };
}
