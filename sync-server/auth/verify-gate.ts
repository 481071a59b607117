import { availableParallelism } from 'node:os';

/**
 * Password checks (scrypt, ~32 MiB and ~80 ms each) run a few at a time, and a sign-in from an
 * address its account signed in from before (the `known` lane) goes ahead of everyone else's, with
 * `reservedForKnown` slots that other checks never take. A flood of guesses from many addresses
 * then queues behind itself, on part of the CPU, instead of in front of the account's owner; past
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
  /** Of those, slots only the known lane may use; default 1 when concurrency is above 1, else 0. */
  reservedForKnown?: number;
  /** Waiting checks per lane beyond which new ones are turned away; default 200. */
  maxQueued?: number;
};

/** How many known checks may go ahead of a waiting other one. */
const KNOWN_BEFORE_OTHER = 4;

export function createVerifyGate(options: VerifyGateOptions = {}): VerifyGate {
  const concurrency = options.concurrency ?? Math.max(1, availableParallelism());
  const reserved = options.reservedForKnown ?? (concurrency > 1 ? 1 : 0);
  const maxQueued = options.maxQueued ?? 200;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive whole number');
  if (!Number.isInteger(reserved) || reserved < 0 || reserved >= concurrency) throw new Error('reservedForKnown must be a whole number below concurrency');
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new Error('maxQueued must be a non-negative whole number');
  const queues: Record<VerifyLane, (() => void)[]> = { known: [], other: [] };
  const running: Record<VerifyLane, number> = { known: 0, other: 0 };
  // An other check starts only in an unreserved slot, and not while a known one runs or waits (the
  // known check then shares the CPU with at most the other checks already under way), unless known
  // checks have gone ahead of it KNOWN_BEFORE_OTHER times.
  const mayStart = (lane: VerifyLane) =>
    running.known + running.other < concurrency &&
    (lane === 'known' || (running.other < concurrency - reserved && ((running.other === 0 && knownAhead >= KNOWN_BEFORE_OTHER) || (running.known === 0 && queues.known.length === 0))));

  // Known checks started while an other one waited: past KNOWN_BEFORE_OTHER, the other goes first, so a
  // stream of known sign-ins (anyone may sign in with their own password) cannot keep every sign-in
  // from a new address waiting.
  let knownAhead = 0;
  const start = (lane: VerifyLane) => {
    if (lane === 'known' && queues.other.length > 0) knownAhead++;
    if (lane === 'other') knownAhead = 0;
    (queues[lane].shift() as () => void)();
  };
  const next = () => {
    if (knownAhead >= KNOWN_BEFORE_OTHER && queues.other.length > 0 && mayStart('other')) start('other');
    for (const lane of ['known', 'other'] as const) {
      while (queues[lane].length > 0 && mayStart(lane)) start(lane);
    }
  };

  return {
    run(lane, fn) {
      const go = () => {
        running[lane]++;
        return fn().finally(() => {
          running[lane]--;
          next();
        });
      };
      // Known checks never wait behind others; other checks keep their order.
      if (mayStart(lane) && (lane === 'known' || queues.other.length === 0)) return go();
      if (queues[lane].length >= maxQueued) return Promise.reject(new GateBusyError());
      return new Promise((resolve, reject) => {
        queues[lane].push(() => void go().then(resolve, reject));
      });
    },
    stats: () => ({ running: running.known + running.other, queued: { known: queues.known.length, other: queues.other.length } }),
  };
}
