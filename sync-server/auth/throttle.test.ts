import { describe, expect, it } from 'vitest';
import { createFailureThrottle, createLoginThrottle, DEFAULT_LOGIN_THROTTLE } from './throttle.js';

const MINUTE = 60_000;

describe('failure throttle', () => {
  it('refuses past the limit until the failures age out of the window, announcing each lockout once', () => {
    const throttle = createFailureThrottle({ maxFailures: 3, windowMs: 15 * MINUTE });
    for (let i = 0; i < 3; i++) {
      expect(throttle.check('k', i * MINUTE)).toEqual({ allowed: true });
      throttle.recordFailure('k', i * MINUTE);
    }
    // Failures at minutes 0, 1 and 2: the one at 0 leaves the window at minute 15.
    expect(throttle.check('k', 3 * MINUTE)).toEqual({ allowed: false, retryAfterMs: 12 * MINUTE, failures: 3, announce: true });
    expect(throttle.check('k', 4 * MINUTE)).toMatchObject({ allowed: false, retryAfterMs: 11 * MINUTE, announce: false });
    expect(throttle.check('other', 4 * MINUTE)).toEqual({ allowed: true });
    expect(throttle.check('k', 15 * MINUTE)).toEqual({ allowed: true });
    // Failing again at once locks out again, and that lockout is announced afresh.
    throttle.recordFailure('k', 15 * MINUTE);
    expect(throttle.check('k', 15 * MINUTE)).toMatchObject({ allowed: false, retryAfterMs: MINUTE, announce: true });
  });

  it('forgets a cleared key, and the least recently failed key beyond its capacity', () => {
    const throttle = createFailureThrottle({ maxFailures: 1, windowMs: MINUTE, maxKeys: 2 });
    throttle.recordFailure('a', 0);
    throttle.recordFailure('b', 0);
    throttle.recordFailure('c', 0);
    expect(throttle.check('a', 1).allowed).toBe(true);
    expect(throttle.check('b', 1).allowed).toBe(false);
    throttle.clear('b');
    expect(throttle.check('b', 1).allowed).toBe(true);
  });

  it('refuses nonsense limits', () => {
    expect(() => createFailureThrottle({ maxFailures: 0, windowMs: MINUTE })).toThrow(/maxFailures/);
    expect(() => createFailureThrottle({ maxFailures: 1, windowMs: 0 })).toThrow(/windowMs/);
  });
});

describe('login throttle', () => {
  it('counts per username (case-insensitively) and per address; success clears only the username', () => {
    const throttle = createLoginThrottle({ perUsername: 2, perAddress: 3, windowMinutes: 15 });
    throttle.failed('Alice', '10.0.0.1', 0);
    throttle.failed('alice', '10.0.0.2', 0);
    expect(throttle.check('ALICE', '10.0.0.3', 0)).toMatchObject({ allowed: false, key: 'username' });
    throttle.succeeded('alice');
    expect(throttle.check('alice', '10.0.0.3', 0).allowed).toBe(true);
    throttle.failed('bob', '10.0.0.1', 0);
    throttle.failed('carol', '10.0.0.1', 0);
    // Three failures from 10.0.0.1 (Alice, bob, carol): every username is refused from there.
    expect(throttle.check('dave', '10.0.0.1', 0)).toMatchObject({ allowed: false, key: 'address' });
    expect(throttle.check('dave', '10.0.0.9', 0).allowed).toBe(true);
    expect(throttle.check('dave', '10.0.0.1', 15 * MINUTE).allowed).toBe(true);
  });

  it('defaults to 10 failures per username and per address in 15 minutes', () => {
    expect(DEFAULT_LOGIN_THROTTLE).toEqual({ perUsername: 10, perAddress: 10, windowMinutes: 15 });
    const throttle = createLoginThrottle();
    for (let i = 0; i < 9; i++) throttle.failed('eve', `10.0.0.${i}`, 0);
    expect(throttle.check('eve', '10.0.1.1', 0).allowed).toBe(true);
    throttle.failed('eve', '10.0.0.9', 0);
    expect(throttle.check('eve', '10.0.1.1', 0)).toMatchObject({ allowed: false, retryAfterMs: 15 * MINUTE });
  });
});
