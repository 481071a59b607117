/**
 * How many rejected commands one sender may have recorded per window.
 *
 * Every recorded rejection is a command result (and often the command) replicated to every
 * console, plus an audit event. A sender whose roles allow nothing (an auditor) or a client gone
 * wrong could otherwise push rejected commands without end, each stored for good. Within the budget
 * rejections are recorded as always, so the client gets its verdict; beyond it they are refused
 * before anything is written (HTTP 429 with Retry-After, see ../http/flood-guard.ts) until the
 * window ends. Commands that apply are never counted nor refused: legitimate use is not slowed.
 *
 * Synchronous and in memory, because it is consulted inside the command's transaction; a restart
 * starts every sender afresh, which only ever allows one more window's worth.
 */
import type { Command } from '../../core/index.js';

export type RejectionBudgetSettings = {
  /** Rejections one sender may have recorded per window. */
  rejectionsPerWindow: number;
  windowSeconds: number;
};

export const DEFAULT_REJECTION_BUDGET: RejectionBudgetSettings = { rejectionsPerWindow: 100, windowSeconds: 600 };

/** The budget is spent: nothing was recorded. `announce` is set on the first refusal of an episode. */
export class RejectionBudgetSpent extends Error {
  /** Answered as HTTP 429 by the error handler, like any 4xx error carrying a status. */
  readonly statusCode = 429;
  constructor(
    readonly senderId: string,
    readonly retryAfterSeconds: number,
    /** First refusal in this window: the one to audit, so a flood leaves one event, not thousands. */
    readonly announce: boolean,
    readonly settings: RejectionBudgetSettings,
  ) {
    super(`too many rejected commands: more than ${settings.rejectionsPerWindow} in ${Math.round(settings.windowSeconds / 60)} minute(s); nothing was recorded, try again in ${retryAfterSeconds} s`);
    this.name = 'RejectionBudgetSpent';
  }
}

export type RejectionBudget = {
  readonly settings: RejectionBudgetSettings;
  /** Counts one rejection about to be recorded for the sender; throws RejectionBudgetSpent when none is left. */
  charge(senderId: string): void;
  /** Forgets senders whose window has ended (called on each charge; exposed for tests). */
  sweep(): void;
};

type Window = { startedMs: number; used: number; refused: number };

export function createRejectionBudget(options: { now: () => Date; settings?: Partial<RejectionBudgetSettings> }): RejectionBudget {
  const settings: RejectionBudgetSettings = { ...DEFAULT_REJECTION_BUDGET, ...options.settings };
  if (!(settings.rejectionsPerWindow >= 0) || !(settings.windowSeconds > 0)) throw new Error('rejection budget: rejectionsPerWindow must be >= 0 and windowSeconds > 0');
  const windowMs = settings.windowSeconds * 1000;
  const windows = new Map<string, Window>();
  let lastSweepMs = 0;

  const sweep = () => {
    const nowMs = options.now().getTime();
    for (const [sender, window] of windows) if (nowMs - window.startedMs >= windowMs) windows.delete(sender);
    lastSweepMs = nowMs;
  };

  return {
    settings,
    sweep,
    charge(senderId) {
      const nowMs = options.now().getTime();
      if (nowMs - lastSweepMs >= windowMs) sweep();
      let window = windows.get(senderId);
      if (!window || nowMs - window.startedMs >= windowMs) {
        window = { startedMs: nowMs, used: 0, refused: 0 };
        windows.set(senderId, window);
      }
      if (window.used < settings.rejectionsPerWindow) {
        window.used++;
        return;
      }
      window.refused++;
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedMs + windowMs - nowMs) / 1000));
      throw new RejectionBudgetSpent(senderId, retryAfterSeconds, window.refused === 1, settings);
    },
  };
}

/**
 * A command its sender's roles may never send is recorded without its payload: there is nothing in
 * it anyone needs, and keeping it would let such a sender fill every console with text of its choosing.
 */
export function withoutPayload(command: Command): Command {
  return { ...command, payload: { omitted: `the payload of a ${command.type} from someone whose roles may never send it is not kept` } };
}
