import { useId, useMemo, type ReactNode } from 'react';
import { countAxis, CountGrid, HatchPattern, plotArea, YAxisTitle } from './axes.js';
import { ChartFrame, EmptyChart } from './ChartFrame.js';
import { type BucketSize, type TimeBucket } from './scale.js';

const HEIGHT = 210;
const MARGIN = { top: 12, right: 18, bottom: 42, left: 54 };

export type Tone = 'success' | 'info' | 'warning' | 'danger' | 'neutral' | 'accent';
/** One stacked series; `hatched` draws it with stripes so it differs by more than colour. */
export type Series = { name: string; tone: Tone; hatched?: boolean };

const LABEL: Record<BucketSize, Intl.DateTimeFormatOptions> = {
  hour: { hour: 'numeric' },
  // Six-hour buckets are labelled once per day, at the bucket starting at midnight.
  'six-hours': { weekday: 'short', month: 'short', day: 'numeric' },
  day: { month: 'short', day: 'numeric' },
};

export function bucketLabel(start: number, size: BucketSize): string {
  return new Intl.DateTimeFormat(undefined, LABEL[size]).format(new Date(start));
}

/** Which buckets get an axis label: as many as fit without overlapping, days on six-hour axes. */
export function labelledBuckets(buckets: readonly TimeBucket[], size: BucketSize, plotWidth: number): Set<number> {
  if (size === 'six-hours') return new Set(buckets.flatMap((b, i) => (new Date(b.start).getHours() === 0 ? [i] : [])));
  const widest = Math.max(1, ...buckets.map((b) => bucketLabel(b.start, size).length)) * 6.6 + 12;
  const every = Math.max(1, Math.ceil(buckets.length / Math.max(1, Math.floor(plotWidth / widest))));
  return new Set(buckets.flatMap((_, i) => (i % every === 0 ? [i] : [])));
}

function bucketRange(b: TimeBucket, size: BucketSize): string {
  const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }).format(new Date(b.start));
  if (size === 'day') return day;
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  return `${day} ${time.format(new Date(b.start))}–${time.format(new Date(b.end))}`;
}

/** Counts over time as stacked columns, one column per bucket, with a legend and a table. */
export function TimeSeriesChart({
  title,
  subtitle,
  buckets,
  size,
  series,
  yLabel,
  summary,
  emptyText,
  testId,
}: {
  title: string;
  subtitle?: ReactNode;
  buckets: readonly TimeBucket[];
  size: BucketSize;
  series: readonly Series[];
  yLabel: string;
  summary: string;
  emptyText: ReactNode;
  testId?: string;
}) {
  const patternBase = useId().replace(/:/g, '');
  const total = useMemo(() => buckets.reduce((s, b) => s + b.values.reduce((a, v) => a + v, 0), 0), [buckets]);
  // Inline style, since a class's CSS fill would override a fill attribute.
  const fill = (i: number) => (series[i]?.hatched ? { fill: `url(#${patternBase}-${i})` } : undefined);
  const seriesClass = (i: number) => `chart-bar chart-tone-${series[i]?.tone ?? 'accent'}${series[i]?.hatched ? ' chart-bar-hatched' : ''}`;

  if (total === 0) {
    return (
      <EmptyChart title={title} subtitle={subtitle} testId={testId}>
        {emptyText}
      </EmptyChart>
    );
  }

  const table = {
    caption: `${title} per ${size === 'day' ? 'day' : size === 'hour' ? 'hour' : 'six hours'}`,
    columns: ['Period', ...series.map((s) => s.name), 'Total'],
    rows: buckets.filter((b) => b.values.some((v) => v > 0)).map((b) => [bucketRange(b, size), ...b.values, b.values.reduce((a, v) => a + v, 0)]),
  };
  const legend = (
    <ul className="chart-legend" aria-label="Series">
      {series.map((s, i) => (
        <li key={s.name}>
          <svg width="12" height="10" aria-hidden="true">
            <rect width="12" height="10" rx="2" className={seriesClass(i)} style={fill(i)} />
          </svg>
          {s.name}
        </li>
      ))}
    </ul>
  );

  return (
    <ChartFrame title={title} subtitle={subtitle} summary={summary} legend={legend} table={table} empty={null} testId={testId}>
      {({ width, titleId, summaryId }) => {
        const { plotW, plotH } = plotArea(width, HEIGHT, MARGIN);
        const slotW = plotW / Math.max(1, buckets.length);
        const barW = Math.max(1, Math.min(36, slotW * 0.72));
        const { ticks: yTicks, yOf } = countAxis(Math.max(...buckets.map((b) => b.values.reduce((a, v) => a + v, 0))), plotH);
        const labelled = labelledBuckets(buckets, size, plotW);
        return (
          <svg width={width} height={HEIGHT} role="img" aria-labelledby={`${titleId} ${summaryId}`} className="chart-svg">
            <defs>
              {series.map((s, i) => (s.hatched ? <HatchPattern key={i} id={`${patternBase}-${i}`} tone={s.tone} /> : null))}
            </defs>
            <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
              <CountGrid ticks={yTicks} yOf={yOf} plotW={plotW} />
              {buckets.map((b, i) => {
                let stacked = 0;
                const x = i * slotW + (slotW - barW) / 2;
                const parts = series.map((s, k) => `${b.values[k] ?? 0} ${s.name.toLowerCase()}`).join(', ');
                return (
                  <g key={b.start}>
                    <title>{`${bucketRange(b, size)}: ${parts}`}</title>
                    {/* A full-height hit area so the tooltip works on short columns too. */}
                    <rect x={i * slotW} y={0} width={slotW} height={plotH} className="chart-hit" />
                    {b.values.map((v, k) => {
                      if (v === 0) return null;
                      const y = yOf(stacked + v);
                      const h = yOf(stacked) - y;
                      stacked += v;
                      return <rect key={k} x={x} y={y} width={barW} height={Math.max(1, h - 1)} rx={Math.min(2, barW / 4)} className={seriesClass(k)} style={fill(k)} />;
                    })}
                  </g>
                );
              })}
              {buckets.map((b, i) => {
                // A day label sits on the day's first edge; hour and day labels under their column.
                const x = size === 'six-hours' ? i * slotW : i * slotW + slotW / 2;
                return (
                  <g key={b.start} transform={`translate(${x},${plotH})`}>
                    <line y2={labelled.has(i) ? 5 : 3} className="chart-axis" />
                    {labelled.has(i) ? (
                      <text y={16} textAnchor={size === 'six-hours' ? 'start' : 'middle'} className="chart-tick">
                        {bucketLabel(b.start, size)}
                      </text>
                    ) : null}
                  </g>
                );
              })}
              <YAxisTitle plotH={plotH}>{yLabel}</YAxisTitle>
            </g>
          </svg>
        );
      }}
    </ChartFrame>
  );
}
