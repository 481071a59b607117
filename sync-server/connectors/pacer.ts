import { backoffDelayMs, sleep as realSleep } from './backoff.js';

export type PacerStats = {
  /** 429s seen (each one, inside $batch too). */
  throttled: number;
  /** 429s that paused writes without lowering the rate: alone, and not while the directory said it was near its limit. */
  strays: number;
  /** 503s seen. */
  unavailable: number;
  /** Times the rate was lowered (at most once per burst of 429s). */
  slowdowns: number;
  /** Writes per second allowed now. */
  ratePerSecond: number;
};

export type PacerOptions = {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Largest burst, in writes (a full $batch at least). */
  burst?: number;
  /** Backoff without Retry-After, for the connector as a whole. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
};

/** Below the measured rate, so the directory's bucket refills a little and 429s stay rare. */
const SAFETY = 0.99;
/** Growth per accepted write while the directory does not say it is near its limit. */
const GENTLE_INCREASE = 0.004;
/** Graph's x-ms-throttle-limit-percentage from which the rate grows more slowly and a 429 is taken as the budget. */
const NEAR_LIMIT = 0.9;
/** How long the last percentage Graph sent still describes the directory. */
const NEAR_LIMIT_RECENT_MS = 5000;
const FIRST_SLOWDOWN = 0.5;
/** One slowdown lowers the rate to half at most: a short or idle measurement cannot park the pacer. */
const DEEPEST_SLOWDOWN = 0.5;
/**
 * A 429 for writes sent within about this many writes (one $batch), or a second, after the previous
 * 429's pause is the same budget running out again: a burst.
 */
const BURST_WRITES = 20;
const BURST_MIN_WINDOW_MS = 1000;
/** The deepest slowdown for a burst while Graph did not say the budget is nearly used. */
const BURST_WITHOUT_PERCENTAGE_SLOWDOWN = 0.9;

/**
 * Accepted writes since `since`, and the time spent paused for a stray 429 or a 503 that no banked
 * token made up (time the directory's budget had no part in).
 */
type Window = { since: number; accepted: number; unmadeMs: number };

/**
 * Paces one app registration's writes against a budget the directory shares across every
 * caller (Graph counts writes per app and tenant, and per tenant). Throttling is a pacing signal:
 *
 * - a 429 or 503 pauses *every* write of this pacer until its Retry-After has passed, or, without
 *   one, for an exponential backoff with jitter (grown per consecutive throttle, reset by a success);
 * - a 429 is a budget signal only when it is not alone: part of a burst (another 429 soon after the
 *   previous one's pause) or seen while Graph's `x-ms-throttle-limit-percentage` said, recently,
 *   that the budget was nearly used. A stray 429 (Graph sends some that have nothing to do with the
 *   budget) only pauses. 429s for writes sent before the previous one are the same event;
 * - a budget signal lowers the rate, to just below the rate the directory accepted writes at.
 *   In a burst that is measured since the previous 429: the directory's bucket went from empty to
 *   empty. Otherwise since the last slowdown (stray 429s do not restart it). The measurement leaves
 *   out the pauses of stray 429s and 503s (as far as the tokens banked meanwhile did not make them
 *   up), so a pause does not read as a slow directory; a budget's own pause stays in, as the
 *   directory's bucket refills during it. The first budget signal, without a measurement yet,
 *   halves the rate;
 * - each accepted write raises the rate gently (four times slower when Graph's
 *   `x-ms-throttle-limit-percentage` says the budget is nearly used), so the steady state sends
 *   about one attempt per write;
 * - the configured budget is the ceiling: the rate never goes above it.
 *
 * Tokens keep accruing during a pause (up to about a second of writes), so the budget refilled meanwhile is not lost.
 */
export class AdaptivePacer {
  readonly maxPerMs: number;
  readonly stats: PacerStats;
  private perMs: number;
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  /**
   * The pause is the budget's (a budget signal asked for it): the directory's bucket refills
   * meanwhile, so that time belongs in the measured rate. A stray 429's or a 503's does not.
   */
  private budgetPause = false;
  private consecutive = 0;
  /** When the last 429 event (budget or stray) was handled, and the writes accepted since. */
  private lastEvent: (Window & { resumeAt: number }) | undefined;
  /** Since the last slowdown (or the start). */
  private window: Window;
  private measuredOnce = false;
  /** The last x-ms-throttle-limit-percentage with an accepted write (0 when it came without), and when. */
  private lastPercentage = 0;
  private lastPercentageAt = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();
  private readonly burstMax: number;

  constructor(
    budget: { writes: number; perSeconds: number },
    private readonly opts: PacerOptions = {},
  ) {
    this.burstMax = Math.max(1, opts.burst ?? Math.max(20, Math.floor(budget.writes * 0.05)));
    // As the token bucket before: burst plus what refills within one window stays within the budget.
    const refill = Math.max(budget.writes * 0.5, budget.writes - this.burstMax);
    this.maxPerMs = refill / (budget.perSeconds * 1000);
    this.perMs = this.maxPerMs;
    this.tokens = this.capacity();
    this.last = this.now();
    this.window = { since: this.last, accepted: 0, unmadeMs: 0 };
    this.stats = { throttled: 0, strays: 0, unavailable: 0, slowdowns: 0, ratePerSecond: this.perMs * 1000 };
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Burst allowed at the current rate: about one second of writes, at least one $batch. */
  private capacity(): number {
    return Math.min(this.burstMax, Math.max(20, this.perMs * 1000));
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity(), this.tokens + Math.max(0, now - this.last) * this.perMs);
    this.last = now;
  }

  /** How long every write must still wait because the directory asked (0 when not paused). */
  pauseRemainingMs(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /**
   * Takes `n` tokens, in arrival order, after any pause. Resolves with the time they were granted:
   * hand it back to `throttled` so one burst of 429s counts once.
   */
  take(n = 1): Promise<number> {
    const turn = this.queue.then(async () => {
      let remaining = n;
      while (remaining > 0) {
        const pause = this.pauseRemainingMs();
        if (pause > 0) {
          const until = this.pausedUntil;
          this.refill();
          // What the bank can still take in makes up that much of the pause; the rest is time lost.
          const unmade = this.budgetPause ? 0 : Math.max(0, pause - (this.capacity() - this.tokens) / this.perMs);
          await this.sleepFor(pause);
          this.window.unmadeMs += unmade;
          if (this.lastEvent) this.lastEvent.unmadeMs += unmade;
          // A sleep that returned has served the pause, even on a clock that did not move (tests).
          if (this.pausedUntil === until) this.pausedUntil = Math.min(until, this.now());
          continue;
        }
        const wanted = Math.min(remaining, Math.max(1, Math.floor(this.capacity())));
        this.refill();
        if (this.tokens >= wanted) {
          this.tokens -= wanted;
          remaining -= wanted;
          continue;
        }
        await this.sleepFor(Math.max(1, Math.ceil((wanted - this.tokens) / this.perMs)));
      }
      return this.now();
    });
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** Sleeps; time the clock did not show passing (an injected clock, a fake sleep) is credited as refill. */
  private async sleepFor(ms: number): Promise<void> {
    const before = this.now();
    await (this.opts.sleep ?? realSleep)(ms);
    const slept = this.now() - before;
    if (slept < ms) this.last -= ms - slept;
  }

  /** Writes the directory accepted; `limitPercentage` is Graph's x-ms-throttle-limit-percentage when it sent one. */
  accepted(n: number, limitPercentage?: number): void {
    if (n <= 0) return;
    this.consecutive = 0;
    this.window.accepted += n;
    if (this.lastEvent) this.lastEvent.accepted += n;
    // Graph sends the header only above 80 % of a limit: without one, the directory is not near it.
    this.lastPercentage = limitPercentage ?? 0;
    this.lastPercentageAt = this.now();
    // Near the limit (Graph says so) the rate creeps up four times slower: a low estimate still recovers.
    const step = this.lastPercentage >= NEAR_LIMIT ? GENTLE_INCREASE / 4 : GENTLE_INCREASE;
    this.refill();
    this.perMs = Math.min(this.maxPerMs, this.perMs * (1 + step) ** n);
    this.stats.ratePerSecond = this.perMs * 1000;
  }

  /** Writes per ms the directory accepted over `w` until now, or undefined without enough to go on. */
  private measured(w: Window, minWrites: number): number | undefined {
    if (w.accepted < minWrites) return undefined;
    const elapsed = this.now() - w.since - w.unmadeMs;
    return elapsed > 0 ? w.accepted / elapsed : undefined;
  }

  private nearLimit(): boolean {
    return this.lastPercentage >= NEAR_LIMIT && this.now() - this.lastPercentageAt <= NEAR_LIMIT_RECENT_MS;
  }

  /** A 429 for writes granted at `grantedAt` (from `take`). */
  throttled(grantedAt: number, retryAfterMs: number | undefined): void {
    this.stats.throttled++;
    const previous = this.lastEvent;
    // Sent before the previous 429 was handled: the same event, already accounted for.
    if (previous && grantedAt < previous.since) {
      this.pause(retryAfterMs, this.budgetPause);
      return;
    }
    const now = this.now();
    // Writes sent right after the previous 429's pause (about one $batch of them) met a 429 again.
    const burst = previous !== undefined && previous.accepted < 2 * BURST_WRITES && now - previous.resumeAt <= Math.max(BURST_MIN_WINDOW_MS, BURST_WRITES / this.perMs);
    const nearLimit = this.nearLimit();
    this.pause(retryAfterMs, burst || nearLimit);
    this.lastEvent = { since: now, accepted: 0, unmadeMs: 0, resumeAt: this.pausedUntil };
    if (!burst && !nearLimit) {
      this.stats.strays++;
      return;
    }
    this.refill();
    // In a burst the directory's bucket was empty at the previous 429 and is again now: what it
    // accepted in between is its rate (nothing accepted reads as 0, the deepest slowdown). Otherwise
    // the rate since the last slowdown; the first time that still holds the directory's initial
    // burst, so it is not a measurement and the rate is halved.
    const rate = burst && previous ? this.measured(previous, 0) : this.measuredOnce ? this.measured(this.window, BURST_WRITES) : undefined;
    const next = rate === undefined ? this.perMs * FIRST_SLOWDOWN : Math.min(this.perMs, rate) * SAFETY;
    // Without Graph saying the budget is nearly used, a burst may be two stray 429s: lower it less.
    const floor = nearLimit ? DEEPEST_SLOWDOWN : BURST_WITHOUT_PERCENTAGE_SLOWDOWN;
    this.measuredOnce = true;
    this.perMs = Math.max(this.maxPerMs / 1000, this.perMs * floor, next);
    this.tokens = Math.min(this.tokens, this.capacity());
    this.window = { since: now, accepted: 0, unmadeMs: 0 };
    this.stats.slowdowns++;
    this.stats.ratePerSecond = this.perMs * 1000;
  }

  /** A 503: the directory is busy. Pauses like a 429 but says nothing about the budget. */
  unavailable(retryAfterMs: number | undefined): void {
    this.stats.unavailable++;
    this.pause(retryAfterMs, false);
  }

  private pause(retryAfterMs: number | undefined, forBudget: boolean): void {
    this.consecutive++;
    const wait = retryAfterMs ?? backoffDelayMs(this.consecutive - 1, { baseMs: this.opts.backoffBaseMs ?? 500, capMs: this.opts.backoffCapMs ?? 30_000, random: this.opts.random ?? Math.random });
    // A pause the budget joins is the budget's from then on.
    this.budgetPause = forBudget || (this.budgetPause && this.pauseRemainingMs() > 0);
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + wait);
  }

  /** Whole writes available now (health, metrics). */
  available(): number {
    if (this.pauseRemainingMs() > 0) return 0;
    this.refill();
    return Math.floor(this.tokens);
  }
}
