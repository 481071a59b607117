/** Graph's identity-and-access throttling budgets (documented defaults for a tenant under 50 users). */
export type ThrottleBudgets = {
  /** Resource units per app and tenant per 10 seconds. */
  resourceUnitsPer10s: number;
  /** Write requests per app and tenant per 150 seconds. */
  appWritesPer150s: number;
  /** Write requests per tenant per 5 minutes, all apps together. */
  tenantWritesPer5min: number;
  /**
   * The windows of the two write budgets, in seconds (Graph's: 150 and 300). Tests shorten them
   * ("20 writes per 1 s") to reach a steady state in seconds; the budget names keep Graph's.
   */
  appWriteWindowSeconds: number;
  tenantWriteWindowSeconds: number;
};

export const DEFAULT_BUDGETS: ThrottleBudgets = { resourceUnitsPer10s: 3500, appWritesPer150s: 3000, tenantWritesPer5min: 18000, appWriteWindowSeconds: 150, tenantWriteWindowSeconds: 300 };

class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private capacity: number,
    private windowMs: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.capacity) / this.windowMs);
    this.lastMs = nowMs;
  }

  /** Milliseconds until `cost` is available (0 when it is now). */
  waitFor(cost: number, nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens >= cost) return 0;
    if (cost > this.capacity) return this.windowMs;
    return ((cost - this.tokens) * this.windowMs) / this.capacity;
  }

  take(cost: number): void {
    this.tokens -= cost;
  }

  resize(capacity: number, nowMs: number, windowMs = this.windowMs): void {
    this.refill(nowMs);
    this.capacity = capacity;
    this.windowMs = windowMs;
    this.tokens = Math.min(this.tokens, capacity);
  }

  /** Share of the budget in use now (0..1): Graph's x-ms-throttle-limit-percentage. */
  used(nowMs: number): number {
    this.refill(nowMs);
    return 1 - Math.max(0, this.tokens) / this.capacity;
  }
}

export type ThrottleDecision = { allowed: true; limitPercentage?: number } | { allowed: false; retryAfterSeconds: number; budget: keyof ThrottleBudgets };

function validBudgets(budgets: ThrottleBudgets): ThrottleBudgets {
  for (const [name, value] of Object.entries(budgets)) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`budget ${name} must be a positive number, got ${String(value)}`);
  }
  return budgets;
}

/** Token buckets per app+tenant (resource units, writes) and per tenant (writes). */
export class Throttler {
  enabled = true;
  private budgets: ThrottleBudgets = { ...DEFAULT_BUDGETS };
  private readonly appUnits = new Map<string, TokenBucket>();
  private readonly appWrites = new Map<string, TokenBucket>();
  private tenantWrites: TokenBucket;

  constructor(private readonly now: () => number) {
    this.tenantWrites = new TokenBucket(this.budgets.tenantWritesPer5min, this.budgets.tenantWriteWindowSeconds * 1000, now());
  }

  setBudgets(partial: Partial<ThrottleBudgets>): void {
    const next = validBudgets({ ...this.budgets, ...partial });
    const nowMs = this.now();
    this.budgets = next;
    for (const bucket of this.appUnits.values()) bucket.resize(next.resourceUnitsPer10s, nowMs);
    for (const bucket of this.appWrites.values()) bucket.resize(next.appWritesPer150s, nowMs, next.appWriteWindowSeconds * 1000);
    this.tenantWrites.resize(next.tenantWritesPer5min, nowMs, next.tenantWriteWindowSeconds * 1000);
  }

  getBudgets(): ThrottleBudgets {
    return { ...this.budgets };
  }

  reset(): void {
    this.budgets = { ...DEFAULT_BUDGETS };
    this.appUnits.clear();
    this.appWrites.clear();
    this.tenantWrites = new TokenBucket(this.budgets.tenantWritesPer5min, this.budgets.tenantWriteWindowSeconds * 1000, this.now());
    this.enabled = true;
  }

  /** Takes the cost from every bucket that applies, or from none and says how long to wait. */
  consume(clientId: string, cost: number, isWrite: boolean): ThrottleDecision {
    if (!this.enabled) return { allowed: true };
    const nowMs = this.now();
    const units = this.bucket(this.appUnits, clientId, this.budgets.resourceUnitsPer10s, 10_000);
    const checks: Array<[keyof ThrottleBudgets, TokenBucket, number]> = [['resourceUnitsPer10s', units, cost]];
    if (isWrite) {
      checks.push(['appWritesPer150s', this.bucket(this.appWrites, clientId, this.budgets.appWritesPer150s, this.budgets.appWriteWindowSeconds * 1000), 1]);
      checks.push(['tenantWritesPer5min', this.tenantWrites, 1]);
    }
    let worst: { waitMs: number; budget: keyof ThrottleBudgets } | undefined;
    for (const [budget, bucket, amount] of checks) {
      const waitMs = bucket.waitFor(amount, nowMs);
      if (waitMs > 0 && (!worst || waitMs > worst.waitMs)) worst = { waitMs, budget };
    }
    if (worst) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(worst.waitMs / 1000)), budget: worst.budget };
    for (const [, bucket, amount] of checks) bucket.take(amount);
    // Graph sends x-ms-throttle-limit-percentage once an app has used more than 80% of a limit.
    const used = Math.max(...checks.map(([, bucket]) => bucket.used(nowMs)));
    return used > 0.8 ? { allowed: true, limitPercentage: Math.round(used * 100) / 100 } : { allowed: true };
  }

  private bucket(map: Map<string, TokenBucket>, key: string, capacity: number, windowMs: number): TokenBucket {
    let bucket = map.get(key);
    if (!bucket) {
      bucket = new TokenBucket(capacity, windowMs, this.now());
      map.set(key, bucket);
    }
    return bucket;
  }
}
