import type { ReactNode } from 'react';
import { countTicks } from './scale.js';

export type Margin = { top: number; right: number; bottom: number; left: number };

/** The drawing area inside a chart's margins; never narrower than 120 px, so a squeezed chart stays legible. */
export function plotArea(width: number, height: number, margin: Margin): { plotW: number; plotH: number } {
  return { plotW: Math.max(120, width - margin.left - margin.right), plotH: height - margin.top - margin.bottom };
}

/** A count axis from 0 to a round top: its ticks and where a count sits in a plot `plotH` tall. */
export function countAxis(maxCount: number, plotH: number): { ticks: number[]; yOf(n: number): number } {
  const ticks = countTicks(maxCount);
  const top = ticks[ticks.length - 1]!;
  return { ticks, yOf: (n) => plotH - (n / top) * plotH };
}

/** A grid line at each count tick, labelled in the left margin; the zero line is the x axis. */
export function CountGrid({ ticks, yOf, plotW }: { ticks: readonly number[]; yOf(n: number): number; plotW: number }) {
  return (
    <>
      {ticks.map((t) => (
        <g key={t} transform={`translate(0,${yOf(t)})`}>
          <line x1={0} x2={plotW} className={t === 0 ? 'chart-axis' : 'chart-grid'} />
          <text x={-8} dy="0.32em" textAnchor="end" className="chart-tick">
            {t.toLocaleString()}
          </text>
        </g>
      ))}
    </>
  );
}

/** The y axis's title, running up the left margin. */
export function YAxisTitle({ plotH, children }: { plotH: number; children: ReactNode }) {
  return (
    <text transform={`translate(${-40},${plotH / 2}) rotate(-90)`} textAnchor="middle" className="chart-axis-label">
      {children}
    </text>
  );
}

/** Diagonal stripes (a fill by `url(#id)`), so a bar differs from its neighbours by more than colour. */
export function HatchPattern({ id, tone }: { id: string; tone?: string }) {
  return (
    <pattern id={id} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
      <rect width="6" height="6" className={tone ? `chart-hatch-bg chart-tone-${tone}` : 'chart-hatch-bg'} />
      <line x1="0" y1="0" x2="0" y2="6" className={tone ? `chart-hatch-line chart-stroke-${tone}` : 'chart-hatch-line'} />
    </pattern>
  );
}
