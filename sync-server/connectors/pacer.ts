import { backoffDelayMs, sleep as realSleep } from './backoff.js';

export type PacerStats = {
  /** 429s seen (each one, inside $batch too). */
  throttled: number;
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
/** Graph's x-ms-throttle-limit-percentage from which the rate grows more slowly. */
const NEAR_LIMIT = 0.9;
const FIRST_SLOWDOWN = 0.5;

/**
 * Paces one app registration's writes against a budget the directory shares across every
 * caller (Graph counts writes per app and tenant, and per tenant). Throttling is a pacing signal:
 *
 * - a 429 or 503 pauses *every* write of this pacer until its Retry-After has passed, or, without
 *   one, for an exponential backoff with jitter (grown per consecutive throttle, reset by a success);
 * - a 429 also lowers the rate, once per burst (429s for writes sent before the last slowdown are
 *   the same event). Between two 429s the directory's bucket went from empty to empty, so the
 *   writes it accepted in between, over that time, is its real rate: the new rate is just below
 *   that. Without a measurement yet (the first 429), the rate is halved;
 * - each accepted write raises the rate gently (four times slower when Graph's
 *   `x-ms-throttle-limit-percentage` says the budget is nearly used), so the steady state sends
 *   about one attempt per write;
 * - the configured budget is the ceiling: the rate never goes above it.
 *
 * Tokens keep accruing during a pause, so the budget refilled meanwhile is not lost.
 */
export class AdaptivePacer {
  readonly maxPerMs: number;
  readonly stats: PacerStats;
  private perMs: number;
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private consecutive = 0;
  private lastSlowdownAt = Number.NEGATIVE_INFINITY;
  private acceptedSinceSlowdown = 0;
  private measuredOnce = false;
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
    this.stats = { throttled: 0, unavailable: 0, slowdowns: 0, ratePerSecond: this.perMs * 1000 };
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
   * hand it back to `throttled` so one burst of 429s lowers the rate once.
   */
  take(n = 1): Promise<number> {
    const turn = this.queue.then(async () => {
      let remaining = n;
      while (remaining > 0) {
        const pause = this.pauseRemainingMs();
        if (pause > 0) {
          const until = this.pausedUntil;
          await this.sleepFor(pause);
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
    this.acceptedSinceSlowdown += n;
    // Near the limit (Graph says so) the rate creeps up four times slower: a low estimate still recovers.
    const step = limitPercentage !== undefined && limitPercentage >= NEAR_LIMIT ? GENTLE_INCREASE / 4 : GENTLE_INCREASE;
    this.refill();
    this.perMs = Math.min(this.maxPerMs, this.perMs * (1 + step) ** n);
    this.stats.ratePerSecond = this.perMs * 1000;
  }

  /** A 429 for writes granted at `grantedAt` (from `take`). */
  throttled(grantedAt: number, retryAfterMs: number | undefined): void {
    this.stats.throttled++;
    this.pause(retryAfterMs);
    if (grantedAt < this.lastSlowdownAt) return;
    const now = this.now();
    this.refill();
    let next: number;
    if (!this.measuredOnce || !Number.isFinite(this.lastSlowdownAt)) next = this.perMs * FIRST_SLOWDOWN;
    else {
      const elapsed = Math.max(1, now - this.lastSlowdownAt);
      next = Math.min(this.perMs, (this.acceptedSinceSlowdown / elapsed) * SAFETY);
    }
    this.measuredOnce = true;
    this.perMs = Math.max(this.maxPerMs / 1000, next);
    this.tokens = Math.min(this.tokens, this.capacity());
    this.lastSlowdownAt = now;
    this.acceptedSinceSlowdown = 0;
    this.stats.slowdowns++;
    this.stats.ratePerSecond = this.perMs * 1000;
  }

  /** A 503: the directory is busy. Pauses like a 429 but says nothing about the budget. */
  unavailable(retryAfterMs: number | undefined): void {
    this.stats.unavailable++;
    this.pause(retryAfterMs);
  }

  private pause(retryAfterMs: number | undefined): void {
    this.consecutive++;
    const wait = retryAfterMs ?? backoffDelayMs(this.consecutive - 1, { baseMs: this.opts.backoffBaseMs ?? 500, capMs: this.opts.backoffCapMs ?? 30_000, random: this.opts.random ?? Math.random });
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + wait);
  }

  /** Whole writes available now (health, metrics). */
  available(): number {
    if (this.pauseRemainingMs() > 0) return 0;
    this.refill();
    return Math.floor(this.tokens);
  }
}
