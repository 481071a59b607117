import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { addressKey } from './client-address.js';
import { createLoginThrottle, DEFAULT_LOGIN_THROTTLE, delayAfter, type LoginAttempt, type LoginThrottle } from './throttle.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

let dir: string;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-throttle-'));
  store = openStore({ dataDir: dir });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One failed attempt (allowed, then left counted); the refusal when refused. */
function fail(throttle: LoginThrottle, username: string, ip: string, at: number): LoginAttempt {
  return throttle.attempt(username, ip, at);
}

function succeed(throttle: LoginThrottle, username: string, ip: string, at: number): void {
  const attempt = throttle.attempt(username, ip, at);
  if (!attempt.allowed) throw new Error(`refused: ${JSON.stringify(attempt)}`);
  throttle.succeeded(attempt.reservation, at);
}

describe('delays', () => {
  it('are free for the first failures of a pair, then double up to the cap', () => {
    const s = DEFAULT_LOGIN_THROTTLE;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => delayAfter(n, s))).toEqual([0, 0, 0, 1000, 2000, 4000, 8000]);
    expect(delayAfter(14, s)).toBe(15 * MINUTE);
    expect(delayAfter(10_000, s)).toBe(15 * MINUTE);
  });

  it('refuses nonsense settings', () => {
    expect(() => createLoginThrottle({ store, settings: { perAddress: 0 } })).toThrow(/perAddress/);
    expect(() => createLoginThrottle({ store, settings: { baseDelayMs: 2000, maxDelayMs: 1000 } })).toThrow(/maxDelayMs/);
    expect(() => createLoginThrottle({ store, settings: { freeFailures: -1 } })).toThrow(/freeFailures/);
  });
});

describe('per (username, address) pair', () => {
  it('makes a failing pair wait longer each time, while the same username from another address is untouched', () => {
    const throttle = createLoginThrottle({ store });
    for (let i = 0; i < 3; i++) expect(fail(throttle, 'admin', '203.0.113.9', 0).allowed).toBe(true);
    // The fourth failure is allowed, and starts a 1 s wait.
    expect(fail(throttle, 'admin', '203.0.113.9', 0).allowed).toBe(true);
    expect(throttle.attempt('admin', '203.0.113.9', 500)).toMatchObject({ allowed: false, key: 'pair', retryAfterMs: 500, failures: 4, announce: true });
    expect(throttle.attempt('ADMIN', '203.0.113.9', 600)).toMatchObject({ allowed: false, announce: false });
    // The owner at their own address signs in as if nothing happened.
    succeed(throttle, 'admin', '198.51.100.7', 700);
    // After the wait the guesser may try once more, and then waits 2 s.
    expect(fail(throttle, 'admin', '203.0.113.9', 1000).allowed).toBe(true);
    expect(throttle.attempt('admin', '203.0.113.9', 2999)).toMatchObject({ allowed: false, retryAfterMs: 1, failures: 5 });
    expect(throttle.attempt('admin', '203.0.113.9', 3000).allowed).toBe(true);
  });

  it('a success clears the pair; its failures are forgotten a day after the last one', () => {
    const throttle = createLoginThrottle({ store });
    for (let i = 0; i < 4; i++) fail(throttle, 'alice', '10.1.1.1', 0);
    expect(throttle.attempt('alice', '10.1.1.1', 10).allowed).toBe(false);
    succeed(throttle, 'alice', '10.1.1.1', SECOND);
    for (let i = 0; i < 3; i++) expect(fail(throttle, 'alice', '10.1.1.1', 2 * SECOND).allowed).toBe(true);
    fail(throttle, 'alice', '10.1.1.1', 2 * SECOND);
    expect(throttle.attempt('alice', '10.1.1.1', 2 * SECOND + 10).allowed).toBe(false);
    // Many failures later (the cap), a day of quiet forgets them.
    for (let t = 3 * SECOND; t < HOUR; t += 16 * MINUTE) fail(throttle, 'alice', '10.1.1.1', t);
    expect(throttle.attempt('alice', '10.1.1.1', 25 * HOUR).allowed).toBe(true);
  });

  it('an abandoned attempt is given back', () => {
    const throttle = createLoginThrottle({ store });
    for (let i = 0; i < 3; i++) fail(throttle, 'bob', '10.2.2.2', 0);
    const fourth = throttle.attempt('bob', '10.2.2.2', 0);
    if (!fourth.allowed) throw new Error('refused');
    expect(throttle.attempt('bob', '10.2.2.2', 1).allowed).toBe(false);
    throttle.abandoned(fourth.reservation, 1);
    expect(throttle.attempt('bob', '10.2.2.2', 2).allowed).toBe(true);
  });

  it('clear() lifts every address of a username and keeps the addresses it signed in from', () => {
    const throttle = createLoginThrottle({ store });
    succeed(throttle, 'carol', '10.3.3.3', 0);
    for (const ip of ['10.9.9.1', '10.9.9.2', '10.3.3.3']) for (let i = 0; i < 6; i++) fail(throttle, 'carol', ip, 0);
    expect(throttle.attempt('carol', '10.9.9.1', 10).allowed).toBe(false);
    expect(throttle.clear('Carol', 10)).toBe(3);
    expect(throttle.attempt('carol', '10.9.9.1', 10).allowed).toBe(true);
    const again = throttle.attempt('carol', '10.3.3.3', 10);
    expect(again).toMatchObject({ allowed: true, known: true });
    expect(throttle.clear('nobody', 10)).toBe(0);
  });
});

describe('per address (spraying)', () => {
  it('refuses an address after perAddress failures across usernames, draining at perAddress per window', () => {
    const throttle = createLoginThrottle({ store, settings: { perAddress: 4, windowMs: 4 * MINUTE } });
    for (const name of ['a', 'b', 'c', 'd']) expect(fail(throttle, name, '192.0.2.1', 0).allowed).toBe(true);
    expect(throttle.attempt('e', '192.0.2.1', 0)).toMatchObject({ allowed: false, key: 'address', retryAfterMs: MINUTE, announce: true });
    expect(throttle.attempt('f', '192.0.2.1', 1)).toMatchObject({ allowed: false, announce: false });
    // Other addresses are not affected; one slot drains per minute.
    expect(throttle.attempt('e', '192.0.2.2', 1).allowed).toBe(true);
    expect(throttle.attempt('e', '192.0.2.1', MINUTE).allowed).toBe(true);
    expect(throttle.attempt('g', '192.0.2.1', MINUTE).allowed).toBe(false);
  });

  it('does not hold a known pair to the address limit, nor count its attempts there', () => {
    const throttle = createLoginThrottle({ store, settings: { perAddress: 3 } });
    succeed(throttle, 'dave', '192.0.2.50', 0);
    for (const name of ['x', 'y', 'z']) fail(throttle, name, '192.0.2.50', 1);
    expect(throttle.attempt('w', '192.0.2.50', 2)).toMatchObject({ allowed: false, key: 'address' });
    const dave = throttle.attempt('dave', '192.0.2.50', 2);
    expect(dave).toMatchObject({ allowed: true, known: true });
  });

  it('a success gives its own attempt back to the address but not the failures before it', () => {
    const throttle = createLoginThrottle({ store, settings: { perAddress: 3 } });
    fail(throttle, 'p', '192.0.2.60', 0);
    fail(throttle, 'q', '192.0.2.60', 0);
    succeed(throttle, 'erin', '192.0.2.60', 0);
    expect(throttle.attempt('r', '192.0.2.60', 0).allowed).toBe(true);
    expect(throttle.attempt('s', '192.0.2.60', 0).allowed).toBe(false);
  });

  it('counts IPv6 clients by /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::ffff:203.0.113.4')).toBe('203.0.113.4');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('203.0.113.4')).toBe('203.0.113.4');
  });
});

describe('storage', () => {
  it('keeps counters across a restart on the same data file', () => {
    const first = createLoginThrottle({ store });
    for (let i = 0; i < 4; i++) fail(first, 'admin', '203.0.113.9', 0);
    store.close();
    store = openStore({ dataDir: dir });
    const second = createLoginThrottle({ store });
    expect(second.attempt('admin', '203.0.113.9', 10)).toMatchObject({ allowed: false, key: 'pair', failures: 4 });
  });

  it('prunes pairs nobody needs, keeping recent successes for their knownness', () => {
    const throttle = createLoginThrottle({ store, settings: { perAddress: 100 } });
    succeed(throttle, 'frank', '10.5.5.5', 0);
    for (let i = 0; i < 50; i++) fail(throttle, `guess-${i}`, '10.6.6.6', 0);
    const rows = () => store.db.prepare('SELECT COUNT(*) FROM login_pairs').pluck().get() as number;
    expect(rows()).toBe(51);
    // 50 guessed pairs, and both addresses' drained buckets.
    expect(throttle.prune(25 * HOUR)).toBe(50 + 2);
    expect(rows()).toBe(1);
    expect(throttle.prune(31 * 24 * HOUR)).toBe(1);
    expect(rows()).toBe(0);
  });
});
