import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';

/** The rendered width of an element, following resizes, so the SVG draws at real pixels and text stays crisp. */
export function useElementWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const measure = () => {
      const next = Math.floor(element.getBoundingClientRect().width);
      if (next > 0) setWidth((current) => (Math.abs(current - next) >= 1 ? next : current));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export type ChartTable = { caption: string; columns: string[]; rows: (string | number)[][] };

/**
 * A chart's frame: a heading, the picture, a sentence saying what it shows (for everyone, not only
 * screen readers), an optional legend and the same data as a table behind a disclosure.
 */
export function ChartFrame({
  title,
  subtitle,
  summary,
  legend,
  table,
  empty,
  testId,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  summary: string;
  legend?: ReactNode;
  table: ChartTable | null;
  /** Shown instead of the picture when there is no data: say what will appear. */
  empty: ReactNode | null;
  testId?: string;
  children: (size: { width: number; titleId: string; summaryId: string }) => ReactNode;
}) {
  const id = useId();
  const titleId = `${id}-title`;
  const summaryId = `${id}-summary`;
  const plot = useRef<HTMLDivElement>(null);
  const width = useElementWidth(plot, 560);
  return (
    <figure className="chart" aria-labelledby={titleId} data-testid={testId}>
      <figcaption className="chart-head">
        <h2 id={titleId} className="chart-title">
          {title}
        </h2>
        {subtitle ? <div className="chart-subtitle">{subtitle}</div> : null}
      </figcaption>
      <div ref={plot} className="chart-plot">
        {empty ?? children({ width, titleId, summaryId })}
      </div>
      {empty ? null : (
        <>
          {legend}
          <p id={summaryId} className="chart-summary">
            {summary}
          </p>
          {table ? (
            <details className="chart-table">
              <summary>Show the data as a table</summary>
              <table>
                <caption className="visually-hidden">{table.caption}</caption>
                <thead>
                  <tr>
                    {table.columns.map((c) => (
                      <th key={c} scope="col">
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {table.rows.map((row, i) => (
                    <tr key={i}>
                      {row.map((cell, j) => (j === 0 ? <th key={j} scope="row">{cell}</th> : <td key={j}>{cell}</td>))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          ) : null}
        </>
      )}
    </figure>
  );
}

export function ChartEmpty({ children }: { children: ReactNode }) {
  return (
    <div className="chart-empty" role="status">
      {children}
    </div>
  );
}

/** A chart with nothing to draw yet: its heading and what will appear, in place of the picture. */
export function EmptyChart({ title, subtitle, testId, children }: { title: string; subtitle?: ReactNode; testId?: string; children: ReactNode }) {
  return (
    <ChartFrame title={title} subtitle={subtitle} summary="" table={null} empty={<ChartEmpty>{children}</ChartEmpty>} testId={testId}>
      {() => null}
    </ChartFrame>
  );
}
