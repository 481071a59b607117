/** Small dependency-free SVG charts: accessible (title, summary sentence, table), themed by CSS variables. */
export { ChartFrame, ChartEmpty, useElementWidth, type ChartTable } from './ChartFrame.js';
export { DurationHistogram, PERCENTILE_MARKERS, type DurationHistogramProps } from './Histogram.js';
export { TimeSeriesChart, bucketLabel, labelledBuckets, type Series, type Tone } from './TimeSeries.js';
export {
  bucketCounts,
  bucketStart,
  countTicks,
  describeDistribution,
  durationHistogram,
  formatMs,
  niceDurationStep,
  percentile,
  type Bin,
  type BucketSize,
  type Distribution,
  type Histogram,
  type TimeBucket,
} from './scale.js';
