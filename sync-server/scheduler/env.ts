import type { SchedulerOptions } from './context.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "24h", "30d" or plain milliseconds. */
export function parseDurationMs(text: string, name: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) throw new Error(`${name}: "${text}" is not a duration (use e.g. 90s, 15m, 24h, 30d or milliseconds)`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}

/**
 * Re-verification settings from the environment, for cli.ts and the worker:
 * - JIT_DRIFT_CHECK_AFTER: drift re-checks after a verified revocation, e.g. "1h,24h,7d";
 * - JIT_REVERIFY_WINDOW: grants ended within this long are re-read by the rolling sweep ("30d"; "0" turns it off);
 * - JIT_REVERIFY_EVERY: how often the sweep re-reads each of them ("24h");
 * - JIT_REVERIFY_PER_MINUTE: most sweep checks a minute (30), to stay inside the read budget;
 * - JIT_TASK_REMIND_EVERY: an overdue task reminds its assignee again this often ("4h", at least 1m);
 * - JIT_DISCOVERY_EVERY: standing-access discovery reads each directory's holders this often (e.g. "24h",
 *   at least 1m; unset or "0": only when an admin asks).
 * A connector's own `reverification` config wins over these. Bad values throw, naming the variable.
 */
export function schedulerOptionsFromEnv(env: NodeJS.ProcessEnv): Pick<SchedulerOptions, 'driftCheckAfterMs' | 'reverifyWindowMs' | 'reverifyEveryMs' | 'reverifyPerMinute' | 'taskReminderEveryMs' | 'discoveryEveryMs'> {
  const out: Pick<SchedulerOptions, 'driftCheckAfterMs' | 'reverifyWindowMs' | 'reverifyEveryMs' | 'reverifyPerMinute' | 'taskReminderEveryMs' | 'discoveryEveryMs'> = {};
  if (env.JIT_DRIFT_CHECK_AFTER?.trim()) {
    const list = env.JIT_DRIFT_CHECK_AFTER.split(',').map((part) => parseDurationMs(part, 'JIT_DRIFT_CHECK_AFTER'));
    if (list.length > 20) throw new Error('JIT_DRIFT_CHECK_AFTER: at most 20 re-checks');
    out.driftCheckAfterMs = list;
  }
  if (env.JIT_REVERIFY_WINDOW?.trim()) out.reverifyWindowMs = parseDurationMs(env.JIT_REVERIFY_WINDOW, 'JIT_REVERIFY_WINDOW');
  if (env.JIT_REVERIFY_EVERY?.trim()) {
    out.reverifyEveryMs = parseDurationMs(env.JIT_REVERIFY_EVERY, 'JIT_REVERIFY_EVERY');
    if (out.reverifyEveryMs < 60_000) throw new Error('JIT_REVERIFY_EVERY: at least 1m');
  }
  if (env.JIT_REVERIFY_PER_MINUTE?.trim()) {
    const n = Number(env.JIT_REVERIFY_PER_MINUTE);
    if (!Number.isInteger(n) || n < 0 || n > 10_000) throw new Error(`JIT_REVERIFY_PER_MINUTE: "${env.JIT_REVERIFY_PER_MINUTE}" is not a whole number from 0 to 10000`);
    out.reverifyPerMinute = n;
  }
  if (env.JIT_TASK_REMIND_EVERY?.trim()) {
    out.taskReminderEveryMs = parseDurationMs(env.JIT_TASK_REMIND_EVERY, 'JIT_TASK_REMIND_EVERY');
    if (out.taskReminderEveryMs < 60_000) throw new Error('JIT_TASK_REMIND_EVERY: at least 1m');
  }
  if (env.JIT_DISCOVERY_EVERY?.trim()) {
    out.discoveryEveryMs = parseDurationMs(env.JIT_DISCOVERY_EVERY, 'JIT_DISCOVERY_EVERY');
    if (out.discoveryEveryMs !== 0 && out.discoveryEveryMs < 60_000) throw new Error('JIT_DISCOVERY_EVERY: at least 1m, or 0 for on demand only');
  }
  return out;
}
