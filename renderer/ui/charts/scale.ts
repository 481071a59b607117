/**
 * The arithmetic behind the charts: percentiles, histogram bins on durations people read,
 * "nice" axis ticks and time buckets. Pure, so it is tested without a browser.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type Distribution = { count: number; min: number; max: number; mean: number; p50: number; p95: number; p99: number };

/**
 * Nearest-rank percentile of ascending values: the smallest value with at least p% of the
 * values at or below it, so "95% within X" is literally true of the data. NaN when empty.
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new Error(`p: must be in (0, 100], not ${p}`);
  const n = sortedAscending.length;
  if (n === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * n);
  return sortedAscending[Math.min(n, Math.max(1, rank)) - 1]!;
}

/** Count, extremes, mean and the percentiles the charts mark; null when there is nothing to describe. */
export function describeDistribution(values: readonly number[]): Distribution | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    count: sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/** Bin widths that read well on a duration axis: 100 ms, 250 ms, 1 s, 15 s, 1 min, 5 min, 1 h... */
const DURATION_STEPS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500,
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY,
];

/** The smallest readable duration step at least `rawMs` long. */
export function niceDurationStep(rawMs: number): number {
  if (!(rawMs > 0)) return 1;
  for (const step of DURATION_STEPS) if (step >= rawMs) return step;
  const last = DURATION_STEPS[DURATION_STEPS.length - 1]!;
  return Math.ceil(rawMs / last) * last;
}

export type Bin = { from: number; to: number; count: number; /** The last bin of a capped histogram holds everything from `from` up. */ overflow: boolean };
export type Histogram = { bins: Bin[]; width: number; /** Right edge of the regular bins. */ cap: number; overflowCount: number };

/**
 * Bins non-negative durations into equal, readable bins. A long tail (max far beyond p99) would
 * squash everything else into the first bar, so past a cap the tail goes into one overflow bin.
 */
export function durationHistogram(values: readonly number[], targetBins = 24): Histogram {
  const finite = values.filter((v) => Number.isFinite(v)).map((v) => Math.max(0, v));
  if (finite.length === 0) return { bins: [], width: 0, cap: 0, overflowCount: 0 };
  const stats = describeDistribution(finite)!;
  const tailIsLong = finite.length >= 20 && stats.max > stats.p99 * 3 && stats.p99 > 0;
  const span = tailIsLong ? stats.p99 * 1.25 : stats.max;
  const width = niceDurationStep(span / Math.max(1, targetBins));
  const regular = Math.max(1, Math.floor(span / width) + 1);
  const cap = regular * width;
  const bins: Bin[] = Array.from({ length: regular }, (_, i) => ({ from: i * width, to: (i + 1) * width, count: 0, overflow: false }));
  let overflowCount = 0;
  for (const v of finite) {
    const index = Math.floor(v / width);
    if (index < regular) bins[index]!.count++;
    else overflowCount++;
  }
  if (overflowCount > 0) bins.push({ from: cap, to: stats.max, count: overflowCount, overflow: true });
  return { bins, width, cap, overflowCount };
}

/** Round-number ticks from 0 to at least `max` (about `target` of them): 0, 5, 10, 15... */
export function countTicks(max: number, target = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude);
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(Math.round(t));
  return ticks;
}

/** Durations as people say them: 420 ms, 1.2 s, 42 s, 3 min 20 s, 1 h 5 min, 2 days 3 h. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0) return `−${formatMs(-ms)}`;
  // Round to the precision shown first, so 59.7 s reads "1 min", never "60 s".
  if (Math.round(ms) < SECOND) return `${Math.round(ms)} ms`;
  if (Math.round(ms / 100) < 100) return `${trimZero((Math.round(ms / 100) / 10).toFixed(1))} s`;
  const seconds = Math.round(ms / SECOND);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return joinUnits(Math.floor(seconds / 60), 'min', seconds % 60, 's');
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 24 * 60) return joinUnits(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
  const hours = Math.round(ms / HOUR);
  const days = Math.floor(hours / 24);
  return joinUnits(days, days === 1 ? 'day' : 'days', hours % 24, 'h');
}

/**
 * A bin edge on an axis whose step is `stepMs`: as formatMs, but with enough decimals that
 * neighbouring edges differ (1.15 s next to 1.2 s, not 1.1 s next to 1.1 s).
 */
export function formatEdge(ms: number, stepMs: number): string {
  if (!Number.isFinite(ms) || ms < SECOND || ms >= MINUTE) return formatMs(ms);
  const decimals = stepMs % SECOND === 0 ? 0 : stepMs % 100 === 0 ? 1 : stepMs % 10 === 0 ? 2 : 3;
  const fixed = (ms / SECOND).toFixed(decimals);
  return `${decimals === 0 ? fixed : fixed.replace(/0+$/, '').replace(/\.$/, '')} s`;
}

function trimZero(text: string): string {
  return text.replace(/\.0$/, '');
}

function joinUnits(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big} ${bigUnit}` : `${big} ${bigUnit} ${small} ${smallUnit}`;
}

export type BucketSize = 'hour' | 'six-hours' | 'day';

/** Start of the bucket holding `at`, on the viewer's local clock (a day starts at local midnight). */
export function bucketStart(at: number, size: BucketSize): number {
  const d = new Date(at);
  if (size === 'day') return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const hour = size === 'six-hours' ? d.getHours() - (d.getHours() % 6) : d.getHours();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), hour).getTime();
}

function nextBucket(start: number, size: BucketSize): number {
  const d = new Date(start);
  // Calendar arithmetic, so a daylight-saving day of 23 or 25 hours is still one bucket.
  if (size === 'day') return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours() + (size === 'six-hours' ? 6 : 1)).getTime();
}

export type TimeBucket = { start: number; end: number; values: number[] };

/**
 * Consecutive buckets covering [from, to] with one count per series; `points` outside the range
 * are ignored. Every bucket is present, empty ones included, so gaps show as gaps.
 */
export function bucketCounts(points: readonly { at: number; series: number }[], opts: { from: number; to: number; size: BucketSize; seriesCount: number }): TimeBucket[] {
  if (!(opts.to >= opts.from)) throw new Error('to: must not be before from');
  const buckets: TimeBucket[] = [];
  for (let start = bucketStart(opts.from, opts.size); start <= opts.to; start = nextBucket(start, opts.size)) {
    buckets.push({ start, end: nextBucket(start, opts.size), values: Array.from({ length: opts.seriesCount }, () => 0) });
    if (buckets.length > 2000) throw new Error('the range holds more than 2000 buckets: choose a larger bucket size');
  }
  for (const point of points) {
    if (point.at < opts.from || point.at > opts.to || point.series < 0 || point.series >= opts.seriesCount) continue;
    // Buckets are ordered and contiguous: binary search for the one holding the point.
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (buckets[mid]!.start <= point.at) lo = mid;
      else hi = mid - 1;
    }
    buckets[lo]!.values[point.series]!++;
  }
  return buckets;
}
