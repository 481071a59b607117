import { sleep } from './backoff.js';

/**
 * Token bucket that keeps writes under a budget of `writes` per `perSeconds`, even when the
 * directory counts them in a sliding window: the burst capacity plus what refills within one
 * window never exceeds the budget (burst + rate * window = budget).
 */
export class TokenBucket {
  readonly capacity: number;
  /** Tokens per millisecond. */
  readonly refillPerMs: number;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    budget: { writes: number; perSeconds: number },
    private readonly opts: { burstFraction?: number; now?: () => number; sleep?: (ms: number) => Promise<void> } = {},
  ) {
    const burstFraction = opts.burstFraction ?? 0.05;
    this.capacity = Math.max(1, Math.floor(budget.writes * burstFraction));
    this.refillPerMs = (budget.writes - this.capacity) / (budget.perSeconds * 1000);
    this.tokens = this.capacity;
    this.last = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
    this.last = now;
  }

  /** Takes `n` tokens, waiting in arrival order until they are available. */
  take(n = 1): Promise<void> {
    const turn = this.queue.then(async () => {
      let remaining = n;
      while (remaining > 0) {
        // More than the burst capacity is taken in capacity-sized steps.
        const wanted = Math.min(remaining, this.capacity);
        this.refill();
        if (this.tokens >= wanted) {
          this.tokens -= wanted;
          remaining -= wanted;
          continue;
        }
        const waitMs = Math.max(1, Math.ceil((wanted - this.tokens) / this.refillPerMs));
        const before = this.now();
        await (this.opts.sleep ?? sleep)(waitMs);
        // Time the clock did not show passing (an injected clock, a fake sleep) counts as refilled.
        const slept = this.now() - before;
        if (slept < waitMs) this.last -= waitMs - slept;
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Tokens available now (for health and metrics). */
  available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }
}
