import { useId, useMemo, type ReactNode } from 'react';
import { countAxis, CountGrid, HatchPattern, plotArea, YAxisTitle } from './axes.js';
import { ChartFrame, EmptyChart } from './ChartFrame.js';
import { describeDistribution, durationHistogram, formatEdge, formatMs, type Distribution } from './scale.js';

const HEIGHT = 230;
const MARGIN = { top: 40, right: 18, bottom: 42, left: 54 };
const MARKER_ROW = 12;

export const PERCENTILE_MARKERS = [
  { key: 'p50', label: 'p50', className: 'chart-marker-p50' },
  { key: 'p95', label: 'p95', className: 'chart-marker-p95' },
  { key: 'p99', label: 'p99', className: 'chart-marker-p99' },
] as const;

export type DurationHistogramProps = {
  title: string;
  subtitle?: ReactNode;
  /** Durations in milliseconds. */
  values: readonly number[];
  xLabel: string;
  /** What one value is, for the axis, tooltips and table: { one: 'revocation', other: 'revocations' }. */
  noun: { one: string; other: string };
  /** The sentence under the chart; the default states the percentiles plainly. */
  summarise?: (d: Distribution) => string;
  /** Said instead of the chart while there are no values: what will appear, and when. */
  emptyText: ReactNode;
  testId?: string;
};

/** A distribution of durations with p50 / p95 / p99 marked, on an axis in ms, s, min or h. */
export function DurationHistogram({ title, subtitle, values, xLabel, noun, summarise, emptyText, testId }: DurationHistogramProps) {
  const hatchId = useId().replace(/:/g, '');
  const stats = useMemo(() => describeDistribution(values), [values]);
  const histogram = useMemo(() => durationHistogram(values), [values]);
  const count = (n: number) => `${n.toLocaleString()} ${n === 1 ? noun.one : noun.other}`;
  const edge = (ms: number) => formatEdge(ms, histogram.width);
  const interval = (b: { from: number; to: number; overflow: boolean }) => (b.overflow ? `${edge(b.from)} or more` : `${edge(b.from)} to ${edge(b.to)}`);

  if (!stats) {
    return (
      <EmptyChart title={title} subtitle={subtitle} testId={testId}>
        {emptyText}
      </EmptyChart>
    );
  }

  const summary =
    summarise?.(stats) ??
    `${count(stats.count)}: half within ${formatMs(stats.p50)}, 95% within ${formatMs(stats.p95)}, 99% within ${formatMs(stats.p99)}; the longest ${formatMs(stats.max)}.`;
  const table = {
    caption: `${title}: ${noun.other} per interval (intervals with none are left out)`,
    columns: [xLabel, noun.other[0]!.toUpperCase() + noun.other.slice(1)],
    rows: histogram.bins.filter((b) => b.count > 0).map((b) => [interval(b), b.count]),
  };
  const legend = (
    <ul className="chart-legend" aria-label="Markers">
      {PERCENTILE_MARKERS.map((m) => (
        <li key={m.key}>
          <svg width="18" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="18" y2="5" className={`chart-marker ${m.className}`} />
          </svg>
          {m.label} {formatMs(stats[m.key])}
        </li>
      ))}
      {histogram.overflowCount > 0 ? (
        <li>
          <svg width="12" height="10" aria-hidden="true">
            <rect width="12" height="10" className="chart-bar chart-bar-overflow" style={{ fill: `url(#${hatchId})` }} />
          </svg>
          {count(histogram.overflowCount)} beyond {edge(histogram.cap)}
        </li>
      ) : null}
    </ul>
  );

  return (
    <ChartFrame title={title} subtitle={subtitle} summary={summary} legend={legend} table={table} empty={null} testId={testId}>
      {({ width, titleId, summaryId }) => {
        const { plotW, plotH } = plotArea(width, HEIGHT, MARGIN);
        const slots = histogram.bins.length;
        const slotW = plotW / slots;
        // Regular bins are linear in time; the overflow bin takes one slot at the end.
        const xOf = (ms: number) => (ms >= histogram.cap && histogram.overflowCount > 0 ? (slots - 0.5) * slotW : (Math.min(ms, histogram.cap) / histogram.cap) * (slots - (histogram.overflowCount > 0 ? 1 : 0)) * slotW);
        const maxCount = Math.max(...histogram.bins.map((b) => b.count));
        const { ticks: yTicks, yOf } = countAxis(maxCount, plotH);
        const regular = histogram.bins.filter((b) => !b.overflow).length;
        const every = Math.max(1, Math.ceil(regular / Math.max(2, Math.floor(plotW / 72))));
        const xTicks = Array.from({ length: regular + 1 }, (_, i) => i).filter((i) => i % every === 0);
        // Stagger marker labels that would overlap onto rows.
        const rowEnds: number[] = [];
        // Percentiles that read the same (few values) share one line and one label: "p95 · p99 2 s".
        const groups: { key: string; className: string; labels: string[]; value: number }[] = [];
        for (const m of PERCENTILE_MARKERS) {
          const last = groups[groups.length - 1];
          if (last && formatMs(last.value) === formatMs(stats[m.key])) {
            last.labels.push(m.label);
            last.className = m.className;
          } else groups.push({ key: m.key, className: m.className, labels: [m.label], value: stats[m.key] });
        }
        const markers = groups.map((g) => {
          const x = xOf(g.value);
          const text = `${g.labels.join(' · ')} ${formatMs(g.value)}`;
          const textW = text.length * 6.2 + 6;
          const anchorRight = x + textW > plotW;
          const start = anchorRight ? x - textW : x;
          let row = rowEnds.findIndex((end) => end < start);
          if (row === -1) row = rowEnds.length;
          rowEnds[row] = start + textW;
          return { ...g, x, text, row, anchorRight };
        });
        return (
          <svg width={width} height={HEIGHT} role="img" aria-labelledby={`${titleId} ${summaryId}`} className="chart-svg">
            <defs>
              <HatchPattern id={hatchId} />
            </defs>
            <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
              <CountGrid ticks={yTicks} yOf={yOf} plotW={plotW} />
              {histogram.bins.map((b, i) =>
                b.count === 0 ? null : (
                  <rect
                    key={i}
                    x={i * slotW + 0.5}
                    y={yOf(b.count)}
                    width={Math.max(1, slotW - 1.5)}
                    height={plotH - yOf(b.count)}
                    rx={Math.min(2, slotW / 4)}
                    className={b.overflow ? 'chart-bar chart-bar-overflow' : 'chart-bar'}
                    style={b.overflow ? { fill: `url(#${hatchId})` } : undefined}
                  >
                    <title>{`${interval(b)}: ${count(b.count)}`}</title>
                  </rect>
                ),
              )}
              {xTicks.map((i) => (
                <g key={i} transform={`translate(${i * slotW},${plotH})`}>
                  <line y2={4} className="chart-axis" />
                  <text y={16} textAnchor={i === 0 ? 'start' : 'middle'} className="chart-tick">
                    {edge(i * histogram.width)}
                  </text>
                </g>
              ))}
              {histogram.overflowCount > 0 ? (
                <text x={(slots - 0.5) * slotW} y={plotH + 16} textAnchor="middle" className="chart-tick">
                  more
                </text>
              ) : null}
              {markers.map((m) => (
                <g key={m.key} className={m.className}>
                  <line x1={m.x} x2={m.x} y1={-MARGIN.top + 6 + m.row * MARKER_ROW + 4} y2={plotH} className="chart-marker" />
                  <text x={m.anchorRight ? m.x - 4 : m.x + 4} y={-MARGIN.top + 6 + m.row * MARKER_ROW + 8} textAnchor={m.anchorRight ? 'end' : 'start'} className="chart-marker-label">
                    {m.text}
                  </text>
                </g>
              ))}
              <text x={plotW / 2} y={plotH + 36} textAnchor="middle" className="chart-axis-label">
                {xLabel}
              </text>
              <YAxisTitle plotH={plotH}>{noun.other[0]!.toUpperCase() + noun.other.slice(1)}</YAxisTitle>
            </g>
          </svg>
        );
      }}
    </ChartFrame>
  );
}
