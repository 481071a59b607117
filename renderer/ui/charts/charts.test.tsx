import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DurationHistogram } from './Histogram.js';
import { bucketCounts } from './scale.js';
import { bucketLabel, labelledBuckets, TimeSeriesChart } from './TimeSeries.js';

const noun = { one: 'revocation', other: 'revocations' };

describe('DurationHistogram', () => {
  const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 100); // 100 ms .. 10 s

  it('is an accessible figure: heading, labelled image, summary sentence and a table', () => {
    const html = renderToStaticMarkup(<DurationHistogram title="Revocation lateness" values={values} xLabel="Late by" noun={noun} emptyText="nothing yet" />);
    expect(html).toMatch(/<figure[^>]*aria-labelledby="[^"]+-title"/);
    expect(html).toMatch(/<h2 id="[^"]+-title" class="chart-title">Revocation lateness<\/h2>/);
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="[^"]+-title [^"]+-summary"/);
    expect(html).toContain('100 revocations: half within 5 s, 95% within 9.5 s, 99% within 9.9 s; the longest 10 s.');
    expect(html).toContain('<summary>Show the data as a table</summary>');
    expect(html).toContain('Late by');
  });

  it('marks p50, p95 and p99 with their values, in the picture and the legend', () => {
    const html = renderToStaticMarkup(<DurationHistogram title="t" values={values} xLabel="x" noun={noun} emptyText="-" />);
    for (const text of ['p50 5 s', 'p95 9.5 s', 'p99 9.9 s']) {
      // Once on the marker label, once in the legend.
      expect(html.split(text).length - 1).toBe(2);
    }
    expect(html).toContain('class="chart-marker-p95"');
  });

  it('merges percentiles that read the same into one marker', () => {
    const html = renderToStaticMarkup(<DurationHistogram title="t" values={[30, 30, 30]} xLabel="x" noun={noun} emptyText="-" />);
    expect(html).toContain('>p50 · p95 · p99 30 ms</text>');
    expect(html.match(/class="chart-marker"/g)).toHaveLength(1);
  });

  it('gives each bar a tooltip naming its interval and count, and the table the same rows', () => {
    const html = renderToStaticMarkup(<DurationHistogram title="t" values={[150, 160, 1200]} xLabel="x" noun={noun} emptyText="-" />);
    expect(html).toContain('<title>150 ms to 200 ms: 2 revocations</title>');
    expect(html).toContain('<title>1.2 s to 1.25 s: 1 revocation</title>');
    expect(html).toMatch(/<th scope="row">1.2 s to 1.25 s<\/th><td>1<\/td>/);
    // Neighbouring edges stay distinct, and empty intervals are left out of the table.
    expect(html).not.toMatch(/(\d+(?:\.\d+)? s) to \1</);
    expect(html).not.toContain('<td>0</td>');
    // Empty intervals draw no bar.
    expect(html).not.toContain(': 0 revocations</title>');
    expect(html).toMatch(/<th scope="row">150 ms to 200 ms<\/th><td>2<\/td>/);
  });

  it('says what will appear instead of drawing an empty chart', () => {
    const html = renderToStaticMarkup(<DurationHistogram title="Revocation lateness" values={[]} xLabel="x" noun={noun} emptyText="When a grant expires, lateness appears here." />);
    expect(html).toContain('When a grant expires, lateness appears here.');
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('Show the data as a table');
  });
});

describe('TimeSeriesChart', () => {
  const from = new Date(2026, 10, 25, 8).getTime();
  const to = new Date(2026, 10, 25, 11, 30).getTime();
  const series = [
    { name: 'Verified gone', tone: 'success' as const },
    { name: 'Not yet verified', tone: 'info' as const, hatched: true },
  ];

  it('stacks the series per bucket, with a legend, tooltips and a table of the non-empty buckets', () => {
    const buckets = bucketCounts(
      [
        { at: from + 10 * 60_000, series: 0 },
        { at: from + 20 * 60_000, series: 1 },
        { at: from + 3 * 3_600_000, series: 0 },
      ],
      { from, to, size: 'hour', seriesCount: 2 },
    );
    const html = renderToStaticMarkup(<TimeSeriesChart title="Revocations over time" buckets={buckets} size="hour" series={series} yLabel="Revocations" summary="3 removed" emptyText="-" />);
    expect(html).toMatch(/<svg[^>]*role="img"/);
    expect(html).toContain('aria-label="Series"');
    expect(html).toContain('Verified gone');
    // The hatched series is filled with its pattern, so it differs by more than colour.
    expect(html).toMatch(/style="fill:url\(#[^)]+-1\)"/);
    expect(html).toMatch(/<title>[^<]*: 1 verified gone, 1 not yet verified<\/title>/);
    const tableRows = html.split('<tbody>')[1]!.split('</tbody>')[0]!.match(/<tr>/g) ?? [];
    expect(tableRows).toHaveLength(2);
    expect(html).toContain('3 removed');
  });

  it('shows the empty text when every bucket is zero', () => {
    const buckets = bucketCounts([], { from, to, size: 'hour', seriesCount: 2 });
    const html = renderToStaticMarkup(<TimeSeriesChart title="t" buckets={buckets} size="hour" series={series} yLabel="y" summary="" emptyText="No access was removed in this period." />);
    expect(html).toContain('No access was removed in this period.');
    expect(html).not.toContain('<svg');
  });
});

describe('labelledBuckets', () => {
  it('labels six-hour axes once per day, at midnight', () => {
    const from = new Date(2026, 10, 18, 18).getTime();
    const buckets = bucketCounts([], { from, to: from + 7 * 86_400_000, size: 'six-hours', seriesCount: 1 });
    const labelled = [...labelledBuckets(buckets, 'six-hours', 900)];
    expect(labelled).toHaveLength(7);
    for (const i of labelled) expect(new Date(buckets[i]!.start).getHours()).toBe(0);
  });

  it('leaves enough room between labels for their text, however narrow the chart', () => {
    for (const [size, span] of [['hour', 86_400_000], ['day', 30 * 86_400_000]] as const) {
      const from = new Date(2026, 10, 1, 7).getTime();
      const buckets = bucketCounts([], { from, to: from + span, size, seriesCount: 1 });
      for (const width of [300, 600, 1200]) {
        const labelled = [...labelledBuckets(buckets, size, width)];
        const slot = width / buckets.length;
        const widest = Math.max(...buckets.map((b) => bucketLabel(b.start, size).length)) * 6.6;
        for (let k = 1; k < labelled.length; k++) expect((labelled[k]! - labelled[k - 1]!) * slot).toBeGreaterThan(widest);
        expect(labelled[0]).toBe(0);
      }
    }
  });
});
