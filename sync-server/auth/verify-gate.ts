import { availableParallelism } from 'node:os';

/**
 * Password checks (scrypt, ~32 MiB and ~80 ms each) run a few at a time, and a sign-in from an
 * address its account signed in from before goes ahead of everyone else's. A flood of guesses from
 * many addresses then queues behind itself instead of in front of the account's owner; past
 * `maxQueued` waiting, further guesses are turned away at once rather than held.
 */
export type VerifyLane = 'known' | 'other';

export class GateBusyError extends Error {
  constructor() {
    super('too many sign-ins are being checked; try again in a moment');
    this.name = 'GateBusyError';
  }
}

export type VerifyGate = {
  /** Runs `fn` once a slot is free; rejects with GateBusyError when its lane's queue is full. */
  run<T>(lane: VerifyLane, fn: () => Promise<T>): Promise<T>;
  stats(): { running: number; queued: Record<VerifyLane, number> };
};

export type VerifyGateOptions = {
  /** Checks at once; default the number of CPUs the process may use. */
  concurrency?: number;
  /** Waiting checks per lane beyond which new ones are turned away; default 200. */
  maxQueued?: number;
};

export function createVerifyGate(options: VerifyGateOptions = {}): VerifyGate {
  const concurrency = options.concurrency ?? Math.max(1, availableParallelism());
  const maxQueued = options.maxQueued ?? 200;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive whole number');
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new Error('maxQueued must be a non-negative whole number');
  const queues: Record<VerifyLane, (() => void)[]> = { known: [], other: [] };
  let running = 0;

  const next = () => {
    const start = queues.known.shift() ?? queues.other.shift();
    if (start) start();
  };

  return {
    run(lane, fn) {
      const go = () => {
        running++;
        return fn().finally(() => {
          running--;
          next();
        });
      };
      if (running < concurrency && queues.known.length === 0 && queues.other.length === 0) return go();
      if (queues[lane].length >= maxQueued) return Promise.reject(new GateBusyError());
      return new Promise((resolve, reject) => {
        queues[lane].push(() => go().then(resolve, reject));
      });
    },
    stats: () => ({ running, queued: { known: queues.known.length, other: queues.other.length } }),
  };
}
