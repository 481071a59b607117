/**
 * Failed sign-ins counted per key (a username, a client address) in a sliding window. Past the
 * limit a key is refused until enough of its failures have aged out of the window.
 *
 * Kept in memory: one process's view, forgotten on restart. That is enough to make guessing
 * passwords slow; it is not shared between server instances.
 */
export type ThrottleLimits = {
  /** Failures allowed per key within the window; the next attempt is refused. */
  maxFailures: number;
  windowMs: number;
  /** Keys remembered at most; the least recently failed are forgotten first (bounds memory). */
  maxKeys?: number;
};

export type ThrottleVerdict =
  | { allowed: true }
  /** announce: the first refusal of this lockout, the one worth an audit event. */
  | { allowed: false; retryAfterMs: number; failures: number; announce: boolean };

export type FailureThrottle = {
  check(key: string, nowMs: number): ThrottleVerdict;
  recordFailure(key: string, nowMs: number): void;
  clear(key: string): void;
};

type Entry = { failures: number[]; announcedUntil: number };

const DEFAULT_MAX_KEYS = 50_000;

export function createFailureThrottle(limits: ThrottleLimits): FailureThrottle {
  if (!Number.isInteger(limits.maxFailures) || limits.maxFailures < 1) throw new Error('maxFailures must be a positive whole number');
  if (!(limits.windowMs > 0)) throw new Error('windowMs must be positive');
  const maxKeys = limits.maxKeys ?? DEFAULT_MAX_KEYS;
  const entries = new Map<string, Entry>();

  const recent = (entry: Entry, nowMs: number) => entry.failures.filter((at) => at > nowMs - limits.windowMs);

  return {
    check(key, nowMs) {
      const entry = entries.get(key);
      if (!entry) return { allowed: true };
      entry.failures = recent(entry, nowMs);
      if (entry.failures.length < limits.maxFailures) {
        if (entry.failures.length === 0) entries.delete(key);
        return { allowed: true };
      }
      // Allowed again once the oldest failure that keeps the count at the limit leaves the window.
      const freedAt = (entry.failures[entry.failures.length - limits.maxFailures] as number) + limits.windowMs;
      const announce = entry.announcedUntil <= nowMs;
      if (announce) entry.announcedUntil = freedAt;
      return { allowed: false, retryAfterMs: Math.max(1, freedAt - nowMs), failures: entry.failures.length, announce };
    },
    recordFailure(key, nowMs) {
      const entry = entries.get(key) ?? { failures: [], announcedUntil: 0 };
      entries.delete(key);
      // Only the newest maxFailures matter for a verdict.
      entry.failures = [...recent(entry, nowMs), nowMs].slice(-limits.maxFailures);
      entries.set(key, entry);
      while (entries.size > maxKeys) {
        const oldest = entries.keys().next().value as string;
        entries.delete(oldest);
      }
    },
    clear(key) {
      entries.delete(key);
    },
  };
}

export type LoginThrottleSettings = { perUsername: number; perAddress: number; windowMinutes: number };

/** 10 failed sign-ins per username and per client address within 15 minutes. */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = { perUsername: 10, perAddress: 10, windowMinutes: 15 };

export type LoginThrottle = {
  /** Refusal for the first key over its limit, or allowed. */
  check(username: string, address: string, nowMs: number): ThrottleVerdict & { key?: 'username' | 'address' };
  failed(username: string, address: string, nowMs: number): void;
  /** A good password clears the username's count (not the address's: one valid account must not reset a spray). */
  succeeded(username: string): void;
};

export function createLoginThrottle(settings: LoginThrottleSettings = DEFAULT_LOGIN_THROTTLE): LoginThrottle {
  const windowMs = settings.windowMinutes * 60_000;
  const byUsername = createFailureThrottle({ maxFailures: settings.perUsername, windowMs });
  const byAddress = createFailureThrottle({ maxFailures: settings.perAddress, windowMs });
  // Usernames are case-insensitive (the accounts table collates NOCASE).
  const userKey = (username: string) => username.toLowerCase();
  return {
    check(username, address, nowMs) {
      const user = byUsername.check(userKey(username), nowMs);
      if (!user.allowed) return { ...user, key: 'username' };
      const from = byAddress.check(address, nowMs);
      if (!from.allowed) return { ...from, key: 'address' };
      return { allowed: true };
    },
    failed(username, address, nowMs) {
      byUsername.recordFailure(userKey(username), nowMs);
      byAddress.recordFailure(address, nowMs);
    },
    succeeded(username) {
      byUsername.clear(userKey(username));
    },
  };
}
