/**
 * Sign-in throttling that an outsider cannot turn against the person they are guessing for.
 *
 * - Per (username, client address) pair, progressive delays: the first `freeFailures` failures cost
 *   nothing; each one after doubles the wait before that pair may try again (from `baseDelayMs`, at
 *   most `maxDelayMs`). Failures from other addresses never delay the account's owner at their own.
 * - Per client address, across every username (password spraying): a leaky bucket of `perAddress`
 *   failures per `windowMs`. An address the account signed in from within `knownForMs` (a known
 *   pair) is not held to it, so someone else failing behind the same NAT does not lock its owner out.
 *
 * Counters live in the store (./migrations.ts), so a restart does not reset them; rows nobody
 * needs any more are pruned as attempts come in. An attempt is counted as a failure before the
 * password is checked (so concurrent guesses cannot all slip past one check); `succeeded` and
 * `abandoned` correct the count afterwards.
 */
import type { Store } from '../store/types.js';
import { addressKey } from './client-address.js';
import { AUTH_MIGRATIONS } from './migrations.js';

export type LoginThrottleSettings = {
  /** Failures a (username, address) pair may make before its delays start. */
  freeFailures: number;
  /** The wait after the first failure beyond the free ones; each further failure doubles it. */
  baseDelayMs: number;
  /** The longest wait a pair is given. */
  maxDelayMs: number;
  /** Failures one address may make across all usernames per window (spraying). */
  perAddress: number;
  windowMs: number;
  /** A pair's failures are forgotten this long after its last one. */
  forgetAfterMs: number;
  /** How long an address an account signed in from counts as known for that account. */
  knownForMs: number;
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** 3 free failures per pair, then 1 s, 2 s, 4 s ... up to 15 minutes; 30 failures per address per 15 minutes. */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = {
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 15 * MINUTE,
  perAddress: 30,
  windowMs: 15 * MINUTE,
  forgetAfterMs: 24 * HOUR,
  knownForMs: 30 * 24 * HOUR,
};

/** Rows are pruned at most this often. */
const PRUNE_EVERY_MS = 10 * MINUTE;

/** What `attempt` counted, for `succeeded` / `abandoned` to correct. */
export type Reservation = {
  username: string;
  address: string;
  /** The pair's block before this attempt, restored if it is abandoned. */
  previousBlockedUntil: number;
  blockedUntil: number;
  /** Whether the attempt was counted against the address (not for known pairs). */
  addressCounted: boolean;
};

export type LoginAttempt =
  | { allowed: true; /** The account signed in from this address recently. */ known: boolean; reservation: Reservation }
  | {
      allowed: false;
      retryAfterMs: number;
      key: 'pair' | 'address';
      failures: number;
      /** The first refusal of this block: the one worth an audit event. */
      announce: boolean;
    };

export type LoginThrottle = {
  readonly settings: LoginThrottleSettings;
  /** Refused, or allowed and counted as a failure until `succeeded` says otherwise. */
  attempt(username: string, ip: string, nowMs: number): LoginAttempt;
  /** The password was right: the pair's failures are cleared, the address becomes known, the address's count given back. */
  succeeded(reservation: Reservation, nowMs: number): void;
  /** The password was never checked (the server was busy): both counts are given back. */
  abandoned(reservation: Reservation, nowMs: number): void;
  /** Clears every pair of this username (unlock); returns how many pairs had failures or a wait. */
  clear(username: string, nowMs: number): number;
  /** Deletes rows nobody needs any more; returns how many. Also runs by itself as attempts come in. */
  prune(nowMs: number): number;
};

type PairRow = { failures: number; blocked_until: number; announced_until: number; last_failure_at: number | null; last_success_at: number | null };
type AddressRow = { level: number; announced_until: number; updated_at: number };

export function validateThrottleSettings(settings: LoginThrottleSettings): LoginThrottleSettings {
  for (const [name, value] of Object.entries(settings)) {
    const whole = name === 'freeFailures' ? value >= 0 : value > 0;
    if (!Number.isInteger(value) || !whole) throw new Error(`loginThrottle.${name} must be a ${name === 'freeFailures' ? 'non-negative' : 'positive'} whole number, got ${value}`);
  }
  if (settings.maxDelayMs < settings.baseDelayMs) throw new Error('loginThrottle.maxDelayMs must be at least baseDelayMs');
  return settings;
}

/** The wait after a pair's `failures`-th failure. */
export function delayAfter(failures: number, settings: LoginThrottleSettings): number {
  const beyond = failures - settings.freeFailures;
  if (beyond <= 0) return 0;
  // 2^40 ms is 35 years: past any sane cap, and still exact in a double.
  return Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.min(beyond - 1, 40));
}

export function createLoginThrottle(options: { store: Store; settings?: Partial<LoginThrottleSettings> }): LoginThrottle {
  const settings = validateThrottleSettings({ ...DEFAULT_LOGIN_THROTTLE, ...options.settings });
  const { store } = options;
  store.applyMigrations(AUTH_MIGRATIONS);
  const db = store.db;
  const stmts = {
    pair: db.prepare('SELECT failures, blocked_until, announced_until, last_failure_at, last_success_at FROM login_pairs WHERE username = ? AND address = ?'),
    pairFail: db.prepare(
      `INSERT INTO login_pairs (username, address, failures, blocked_until, last_failure_at, updated_at) VALUES (@username, @address, @failures, @blockedUntil, @now, @now)
       ON CONFLICT (username, address) DO UPDATE SET failures = @failures, blocked_until = @blockedUntil, last_failure_at = @now, updated_at = @now`,
    ),
    pairAnnounced: db.prepare('UPDATE login_pairs SET announced_until = ? WHERE username = ? AND address = ?'),
    pairSucceeded: db.prepare('UPDATE login_pairs SET failures = 0, blocked_until = 0, announced_until = 0, last_failure_at = NULL, last_success_at = @now, updated_at = @now WHERE username = @username AND address = @address'),
    pairAbandoned: db.prepare(
      `UPDATE login_pairs SET failures = MAX(0, failures - 1), blocked_until = CASE WHEN blocked_until = @blockedUntil THEN @previous ELSE blocked_until END
       WHERE username = @username AND address = @address`,
    ),
    address: db.prepare('SELECT level, announced_until, updated_at FROM login_addresses WHERE address = ?'),
    addressSet: db.prepare(
      `INSERT INTO login_addresses (address, level, updated_at) VALUES (@address, @level, @now)
       ON CONFLICT (address) DO UPDATE SET level = @level, updated_at = @now`,
    ),
    addressAnnounced: db.prepare('UPDATE login_addresses SET announced_until = ? WHERE address = ?'),
    countBlocked: db.prepare('SELECT COUNT(*) FROM login_pairs WHERE username = ? AND (failures > 0 OR blocked_until > ?)').pluck(),
    clearKnown: db.prepare('UPDATE login_pairs SET failures = 0, blocked_until = 0, announced_until = 0, last_failure_at = NULL, updated_at = ? WHERE username = ? AND last_success_at IS NOT NULL'),
    clearUnknown: db.prepare('DELETE FROM login_pairs WHERE username = ? AND last_success_at IS NULL'),
    prunePairs: db.prepare('DELETE FROM login_pairs WHERE updated_at < ? AND (last_success_at IS NULL OR last_success_at < ?)'),
    pruneAddresses: db.prepare('DELETE FROM login_addresses WHERE updated_at < ?'),
  };
  const rate = settings.perAddress / settings.windowMs;
  const userKey = (username: string) => username.toLowerCase();
  let lastPrune = Number.NEGATIVE_INFINITY;

  /** The address's bucket drained to now. */
  const drained = (row: AddressRow | undefined, nowMs: number) => (row ? Math.max(0, row.level - Math.max(0, nowMs - row.updated_at) * rate) : 0);

  const throttle: LoginThrottle = {
    settings,
    attempt(username, ip, nowMs) {
      if (nowMs - lastPrune >= PRUNE_EVERY_MS) throttle.prune(nowMs);
      const key = { username: userKey(username), address: addressKey(ip) };
      return store.tx((): LoginAttempt => {
        const pair = stmts.pair.get(key.username, key.address) as PairRow | undefined;
        const forgotten = !pair || pair.last_failure_at === null || pair.last_failure_at < nowMs - settings.forgetAfterMs;
        const failures = forgotten ? 0 : pair.failures;
        const blockedUntil = forgotten ? 0 : pair.blocked_until;
        if (blockedUntil > nowMs) {
          const announce = (pair?.announced_until ?? 0) < blockedUntil;
          if (announce) stmts.pairAnnounced.run(blockedUntil, key.username, key.address);
          return { allowed: false, retryAfterMs: blockedUntil - nowMs, key: 'pair', failures, announce };
        }
        const known = pair?.last_success_at != null && pair.last_success_at >= nowMs - settings.knownForMs;
        if (!known) {
          const row = stmts.address.get(key.address) as AddressRow | undefined;
          const level = drained(row, nowMs);
          if (level + 1 > settings.perAddress) {
            const freedAt = nowMs + Math.ceil((level + 1 - settings.perAddress) / rate);
            const announce = (row?.announced_until ?? 0) <= nowMs;
            // One announcement until the bucket has room again.
            if (announce) stmts.addressAnnounced.run(freedAt, key.address);
            return { allowed: false, retryAfterMs: freedAt - nowMs, key: 'address', failures: Math.floor(level), announce };
          }
          stmts.addressSet.run({ address: key.address, level: level + 1, now: nowMs });
        }
        const counted = failures + 1;
        const nextBlock = nowMs + delayAfter(counted, settings);
        stmts.pairFail.run({ ...key, failures: counted, blockedUntil: nextBlock > nowMs ? nextBlock : 0, now: nowMs });
        return {
          allowed: true,
          known,
          reservation: { ...key, previousBlockedUntil: blockedUntil, blockedUntil: nextBlock > nowMs ? nextBlock : 0, addressCounted: !known },
        };
      });
    },
    succeeded(reservation, nowMs) {
      store.tx(() => {
        stmts.pairSucceeded.run({ username: reservation.username, address: reservation.address, now: nowMs });
        if (reservation.addressCounted) giveBack(reservation.address, nowMs);
      });
    },
    abandoned(reservation, nowMs) {
      store.tx(() => {
        stmts.pairAbandoned.run({ username: reservation.username, address: reservation.address, blockedUntil: reservation.blockedUntil, previous: reservation.previousBlockedUntil });
        if (reservation.addressCounted) giveBack(reservation.address, nowMs);
      });
    },
    clear(username, nowMs) {
      const name = userKey(username);
      return store.tx(() => {
        const cleared = stmts.countBlocked.get(name, nowMs) as number;
        stmts.clearKnown.run(nowMs, name);
        stmts.clearUnknown.run(name);
        return cleared;
      });
    },
    prune(nowMs) {
      lastPrune = nowMs;
      return store.tx(() => {
        const pairs = stmts.prunePairs.run(nowMs - settings.forgetAfterMs, nowMs - settings.knownForMs).changes;
        // A bucket untouched for a whole window has drained to zero.
        return pairs + stmts.pruneAddresses.run(nowMs - settings.windowMs).changes;
      });
    },
  };

  /** Takes one failure back off an address's bucket (the attempt it counted was not a failure). */
  function giveBack(address: string, nowMs: number): void {
    const row = stmts.address.get(address) as AddressRow | undefined;
    if (row) stmts.addressSet.run({ address, level: Math.max(0, drained(row, nowMs) - 1), now: nowMs });
  }

  return throttle;
}
