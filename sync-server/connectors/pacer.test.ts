import { describe, expect, it } from 'vitest';
import { AdaptivePacer } from './pacer.js';

/** A pacer on a clock that only moves when it sleeps (or the test says so): no real time passes. */
function rig(budget = { writes: 400, perSeconds: 10 }) {
  let t = 0;
  const pacer = new AdaptivePacer(budget, {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    random: () => 0.5,
  });
  return {
    pacer,
    advance: (ms: number) => {
      t += ms;
    },
    /** `n` writes taken one $batch at a time and accepted; each answer carries `percentage` when given. */
    async write(n: number, percentage?: number) {
      for (let done = 0; done < n; done += 20) {
        const k = Math.min(20, n - done);
        await pacer.take(k);
        pacer.accepted(k, percentage);
      }
    },
    /** One write answered 429 (Retry-After when given), its pause served by the next take. */
    async throttle(retryAfterMs?: number) {
      const grantedAt = await pacer.take(1);
      pacer.throttled(grantedAt, retryAfterMs);
    },
  };
}

describe('adaptive write pacer', () => {
  it('a stray 429 among many accepted writes pauses every write but barely lowers the rate', async () => {
    const r = rig();
    await r.write(2000);
    const before = r.pacer.stats.ratePerSecond;
    await r.throttle(1000);
    expect(r.pacer.pauseRemainingMs()).toBe(1000);
    await r.write(20);
    expect(r.pacer.pauseRemainingMs()).toBe(0);
    expect(r.pacer.stats).toMatchObject({ throttled: 1, strays: 1, slowdowns: 0 });
    expect(r.pacer.stats.ratePerSecond).toBeGreaterThanOrEqual(before * 0.99);
  });

  it('stray 429s now and then (1 in 100 writes, with and without Retry-After) keep the rate near its ceiling', async () => {
    const r = rig();
    const ceiling = r.pacer.stats.ratePerSecond;
    for (let i = 0; i < 30; i++) {
      await r.write(100);
      await r.throttle(i % 2 === 0 ? 1000 : undefined);
    }
    expect(r.pacer.stats.throttled).toBe(30);
    expect(r.pacer.stats.slowdowns).toBe(0);
    expect(r.pacer.stats.ratePerSecond).toBeGreaterThanOrEqual(ceiling * 0.95);
  });

  it('repeated 429s (one right after the pause of the other) lower the rate', async () => {
    const r = rig();
    await r.write(2000);
    const before = r.pacer.stats.ratePerSecond;
    await r.throttle(undefined);
    await r.throttle(undefined);
    expect(r.pacer.stats.slowdowns).toBe(1);
    expect(r.pacer.stats.ratePerSecond).toBeLessThanOrEqual(before * 0.9);
    // A burst that goes on keeps lowering it, never under half per step.
    const once = r.pacer.stats.ratePerSecond;
    await r.throttle(500);
    expect(r.pacer.stats.slowdowns).toBe(2);
    expect(r.pacer.stats.ratePerSecond).toBeLessThan(once);
    expect(r.pacer.stats.ratePerSecond).toBeGreaterThanOrEqual(once * 0.5);
  });

  it('a 429 while Graph says the budget is nearly used (x-ms-throttle-limit-percentage) lowers the rate', async () => {
    const r = rig();
    await r.write(2000, 0.95);
    const before = r.pacer.stats.ratePerSecond;
    await r.throttle(1000);
    expect(r.pacer.stats).toMatchObject({ slowdowns: 1, strays: 0 });
    expect(r.pacer.stats.ratePerSecond).toBeLessThan(before);
    // A percentage below Graph's near-limit mark, or one from long ago, does not count.
    const low = rig();
    await low.write(2000, 0.85);
    await low.throttle(1000);
    expect(low.pacer.stats).toMatchObject({ slowdowns: 0, strays: 1 });
    const old = rig();
    await old.write(2000, 0.95);
    old.advance(60_000);
    await old.throttle(1000);
    expect(old.pacer.stats).toMatchObject({ slowdowns: 0, strays: 1 });
  });

  it('a budget 429 after a stray pause measures the rate without that pause', async () => {
    const r = rig();
    await r.write(2000, 0.95);
    await r.throttle(1000); // the first budget signal: halved, the measurement starts
    const halved = r.pacer.stats.ratePerSecond;
    await r.write(200);
    // A long stray pause (no percentage: not near the limit), then writes resume at the same pace.
    await r.throttle(20_000);
    expect(r.pacer.stats.strays).toBe(1);
    await r.write(200, 0.95);
    const before = r.pacer.stats.ratePerSecond;
    await r.throttle(1000);
    expect(r.pacer.stats.slowdowns).toBe(2);
    // Counting the 20 s pause would read as a directory accepting about a fifth of the rate.
    expect(r.pacer.stats.ratePerSecond).toBeGreaterThan(halved * 0.9);
    expect(r.pacer.stats.ratePerSecond).toBeLessThanOrEqual(before);
  });

  it('503s pause without lowering the rate or counting toward a burst', async () => {
    const r = rig();
    await r.write(2000);
    const before = r.pacer.stats.ratePerSecond;
    for (let i = 0; i < 3; i++) {
      await r.pacer.take(1);
      r.pacer.unavailable(1000);
      expect(r.pacer.pauseRemainingMs()).toBe(1000);
    }
    expect(r.pacer.stats).toMatchObject({ unavailable: 3, throttled: 0, slowdowns: 0 });
    expect(r.pacer.stats.ratePerSecond).toBeGreaterThanOrEqual(before);
  });

  it('recovers gently after a slowdown and never goes above the configured budget', async () => {
    const r = rig();
    const ceiling = r.pacer.stats.ratePerSecond;
    await r.write(2000, 0.95);
    await r.throttle(1000);
    const low = r.pacer.stats.ratePerSecond;
    await r.write(20);
    expect(r.pacer.stats.ratePerSecond).toBeGreaterThan(low);
    expect(r.pacer.stats.ratePerSecond).toBeLessThan(low * 1.1);
    await r.write(5000);
    expect(r.pacer.stats.ratePerSecond).toBe(ceiling);
    expect(ceiling).toBeLessThanOrEqual(40);
  });
});
