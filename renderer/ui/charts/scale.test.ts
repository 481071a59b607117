import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketCounts, bucketStart, countTicks, describeDistribution, durationHistogram, formatEdge, formatMs, niceDurationStep, percentile } from './scale.js';

describe('percentile (nearest rank)', () => {
  it('makes "p% of values are at or below it" literally true', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('holds for any data: at least p% at or below, and it is one of the values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e7 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (raw, p) => {
        const sorted = [...raw].sort((a, b) => a - b);
        const value = percentile(sorted, p);
        expect(sorted).toContain(value);
        expect(sorted.filter((v) => v <= value).length / sorted.length).toBeGreaterThanOrEqual(p / 100);
        // The smallest such value: anything below it covers less than p%.
        expect(sorted.filter((v) => v < value).length / sorted.length).toBeLessThan(p / 100);
      }),
    );
  });

  it('refuses a percentile outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(/p: must be in/);
    expect(() => percentile([1], 101)).toThrow(/p: must be in/);
  });
});

describe('describeDistribution', () => {
  it('ignores values that are not finite and says null for nothing', () => {
    expect(describeDistribution([])).toBeNull();
    expect(describeDistribution([Number.NaN])).toBeNull();
    expect(describeDistribution([3, 1, Number.POSITIVE_INFINITY, 2])).toMatchObject({ count: 3, min: 1, max: 3, mean: 2, p50: 2 });
  });
});

describe('durationHistogram', () => {
  it('puts every value in exactly one bin, on readable widths', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 * 3_600_000 }), { minLength: 1, maxLength: 400 }), (values) => {
        const h = durationHistogram(values);
        expect(h.bins.reduce((s, b) => s + b.count, 0)).toBe(values.length);
        expect(niceDurationStep(h.width)).toBe(h.width);
        for (const b of h.bins.filter((x) => !x.overflow)) expect(b.to - b.from).toBe(h.width);
        expect(h.bins.filter((b) => !b.overflow).length).toBeLessThanOrEqual(26);
      }),
    );
  });

  it('gathers a long tail into one overflow bin so the body stays readable', () => {
    const values = [...Array.from({ length: 200 }, (_, i) => 500 + (i % 50) * 20), 3_600_000];
    const h = durationHistogram(values);
    expect(h.overflowCount).toBe(1);
    expect(h.bins.at(-1)).toMatchObject({ overflow: true, count: 1, from: h.cap, to: 3_600_000 });
    expect(h.width).toBeLessThanOrEqual(100);
  });

  it('handles all-equal and zero values', () => {
    expect(durationHistogram([0, 0, 0]).bins).toEqual([{ from: 0, to: 1, count: 3, overflow: false }]);
    const h = durationHistogram([1200, 1200]);
    expect(h.bins.reduce((s, b) => s + b.count, 0)).toBe(2);
    expect(durationHistogram([]).bins).toEqual([]);
  });
});

describe('countTicks', () => {
  it('gives round steps from zero past the maximum', () => {
    expect(countTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(countTicks(1)).toEqual([0, 1]);
    expect(countTicks(0)).toEqual([0, 1]);
    expect(countTicks(230)).toEqual([0, 100, 200, 300]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (max) => {
        const ticks = countTicks(max);
        expect(ticks[0]).toBe(0);
        expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
        expect(ticks.length).toBeLessThanOrEqual(7);
      }),
    );
  });
});

describe('formatMs', () => {
  it('uses the units people read', () => {
    expect(formatMs(420)).toBe('420 ms');
    expect(formatMs(1200)).toBe('1.2 s');
    expect(formatMs(2000)).toBe('2 s');
    expect(formatMs(42_000)).toBe('42 s');
    expect(formatMs(200_000)).toBe('3 min 20 s');
    expect(formatMs(180_000)).toBe('3 min');
    expect(formatMs(3_900_000)).toBe('1 h 5 min');
    expect(formatMs(2 * 86_400_000 + 3 * 3_600_000)).toBe('2 days 3 h');
    expect(formatMs(86_400_000)).toBe('1 day');
    expect(formatMs(-1500)).toBe('−1.5 s');
    expect(formatMs(Number.NaN)).toBe('—');
  });

  it('carries a rounded-up remainder instead of saying "60 s"', () => {
    expect(formatMs(119_700)).toBe('2 min');
    expect(formatMs(3_599_999)).toBe('1 h');
  });
});

describe('bucketCounts', () => {
  const from = new Date(2026, 10, 25, 8, 30).getTime();
  const to = new Date(2026, 10, 25, 12, 10).getTime();

  it('covers the range with every bucket, empty ones included, counting each point once', () => {
    const points = [
      { at: new Date(2026, 10, 25, 8, 45).getTime(), series: 0 },
      { at: new Date(2026, 10, 25, 9, 0).getTime(), series: 1 },
      { at: new Date(2026, 10, 25, 9, 59, 59).getTime(), series: 0 },
      { at: new Date(2026, 10, 25, 12, 5).getTime(), series: 0 },
      { at: new Date(2026, 10, 25, 7, 0).getTime(), series: 0 },
      { at: new Date(2026, 10, 25, 9, 30).getTime(), series: 7 },
    ];
    const buckets = bucketCounts(points, { from, to, size: 'hour', seriesCount: 2 });
    expect(buckets.map((b) => new Date(b.start).getHours())).toEqual([8, 9, 10, 11, 12]);
    expect(buckets.map((b) => b.values)).toEqual([[1, 0], [1, 1], [0, 0], [0, 0], [1, 0]]);
  });

  it('starts days at local midnight and six-hour buckets on 0, 6, 12, 18', () => {
    expect(new Date(bucketStart(from, 'day')).getHours()).toBe(0);
    expect(new Date(bucketStart(from, 'six-hours')).getHours()).toBe(6);
    const days = bucketCounts([], { from: new Date(2026, 10, 1).getTime(), to: new Date(2026, 10, 30, 23).getTime(), size: 'day', seriesCount: 1 });
    expect(days).toHaveLength(30);
  });

  it('refuses a range that ends before it starts', () => {
    expect(() => bucketCounts([], { from: to, to: from, size: 'hour', seriesCount: 1 })).toThrow(/to: must not be before from/);
  });
});

describe('formatMs at unit boundaries', () => {
  it('never shows a count that should have become the next unit', () => {
    expect(formatMs(999.6)).toBe('1 s');
    expect(formatMs(9_960)).toBe('10 s');
    expect(formatMs(59_700)).toBe('1 min');
    fc.assert(
      fc.property(fc.double({ min: 0, max: 40 * 86_400_000, noNaN: true }), (ms) => {
        expect(formatMs(ms)).not.toMatch(/\b(1000 ms|60 s|60 min|24 h)\b/);
      }),
    );
  });
});

describe('formatEdge', () => {
  it('keeps neighbouring bin edges distinct on fine steps', () => {
    expect(formatEdge(1150, 50)).toBe('1.15 s');
    expect(formatEdge(1200, 50)).toBe('1.2 s');
    expect(formatEdge(1000, 50)).toBe('1 s');
    expect(formatEdge(2020, 10)).toBe('2.02 s');
    expect(formatEdge(450, 50)).toBe('450 ms');
    expect(formatEdge(90_000, 5000)).toBe('1 min 30 s');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 * 86_400_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 1000 }), (values, scale) => {
        const h = durationHistogram(values.map((v) => Math.round(v / scale)));
        const labels = h.bins.filter((b) => !b.overflow).flatMap((b) => [formatEdge(b.from, h.width), formatEdge(b.to, h.width)]);
        for (let i = 0; i < labels.length; i += 2) expect(labels[i]).not.toBe(labels[i + 1]);
      }),
    );
  });
});
