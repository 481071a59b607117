/**
 * The audit explorer's index over a million generated events (quick: 100,000), in this Node
 * process as the console builds it in its index worker: events appended in blocks of 1,000 as the
 * replica yields them, indexed in the worker's slices, and queried through the worker's messages
 * (renderer/features/audit/explorer/index-protocol.ts), run here in-process.
 *
 * - build_1m_seconds: appending every event to an empty index.
 * - heap_mb: heap used after the build minus before it (after a GC where --expose-gc allows), and
 *   index_mb, what the index's columns and posting lists hold by its own count.
 * - filter_p95_ms / filter_p50_ms: typical filters (a person, a resource, an event type, a period,
 *   a grant's timeline, combinations) and free-text queries (a word, a prefix, a ticket, a name),
 *   each timed whole as the page asks it of the worker: the answer (every match's sequence
 *   number, the counts by type), then the first page of 100 rows, over the million (target 300 ms).
 */
import type { AuditEvent } from '../../../core/index.js';
import type { AuditFilter } from '../../../renderer/features/audit/explorer/audit-index.js';
import { serveIndex, type FromIndex } from '../../../renderer/features/audit/explorer/index-protocol.js';
import { personId, resourceId, syntheticEvents } from '../../../renderer/features/audit/explorer/synthetic-events.js';
import type { BenchSuite } from '../types.js';

const FIRST = ['Alice', 'Bob', 'Zoë', 'Marta', 'Ivan', 'Chen', 'Grace', 'Heidi'];
const personName = (i: number) => `${FIRST[i % FIRST.length]} Example${i}`;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const suite: BenchSuite = {
  name: 'audit-explorer',
  run(ctx) {
    const total = ctx.quick ? 100_000 : 1_000_000;
    const start = Date.UTC(2025, 0, 1);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let last: FromIndex | null = null;
    // Slices run at once here: the worker runs them back to back when no message waits.
    const slices: Array<() => void> = [];
    const server = serveIndex((message) => (last = message), (run) => slices.push(run));
    const index = server.index;
    server.receive({ kind: 'names', people: Array.from({ length: 5_000 }, (_, i) => [personId(i), personName(i)]), resources: Array.from({ length: 400 }, (_, i) => [resourceId(i), `Group ${i} Admins`]) });
    let block: AuditEvent[] = [];
    let building = 0;
    const append = (events: AuditEvent[]) => {
      const t = performance.now();
      server.receive({ kind: 'append', events });
      while (slices.length > 0) slices.shift()!();
      building += performance.now() - t;
    };
    for (const { event } of syntheticEvents({ events: total, people: 5_000, resources: 400, seed: 11, start, stepMs: 30_000 })) {
      block.push(event);
      if (block.length === 1_000) {
        append(block);
        block = [];
      }
    }
    append(block);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    ctx.report('build_1m_seconds', building / 1000, 's', null, 'lower');
    ctx.report('heap_mb', (heapAfter - heapBefore) / 2 ** 20, 'MiB', null, 'lower');
    ctx.report('index_mb', index.approximateBytes() / 2 ** 20, 'MiB', null, 'lower');
    ctx.log(`${index.size.toLocaleString()} events, ${index.words.size.toLocaleString()} words, ${index.subjects.size.toLocaleString()} subjects`);

    const lastAt = index.at.data[index.size - 1]!;
    const month = 30 * 86_400_000;
    const someGrant = index.subjects.values.find((v) => v.startsWith('g-') && Number(v.slice(2)) > 1000)!;
    const filters: Array<[string, AuditFilter]> = [
      ['person', { people: [personId(42)] }],
      ['resource', { resources: [resourceId(7)] }],
      ['type', { types: ['grant.revoked'] }],
      ['types', { types: ['auth.login_failed', 'request.denied', 'grant.revoke_requested'] }],
      ['period', { from: lastAt - month, to: lastAt }],
      ['person+period', { people: [personId(42)], from: lastAt - 6 * month, to: lastAt }],
      ['resource+type+period', { resources: [resourceId(7)], types: ['grant.revoked'], from: lastAt - 3 * month, to: lastAt }],
      ['grant timeline', { grantId: someGrant }],
      ['text word', { text: 'payroll' }],
      ['text prefix', { text: 'migr' }],
      ['text ticket', { text: 'CHG-10042' }],
      ['text name', { text: 'grace example4' }],
      ['text two words + type', { text: 'incident outage', types: ['request.created'] }],
      ['text short prefix', { text: 're' }],
      ['everything', {}],
    ];
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const [label, filter] of filters) {
        const id = round * 100 + times.length + 1;
        const t0 = performance.now();
        server.receive({ kind: 'query', id, filter });
        const answer = last as FromIndex | null;
        server.receive({ kind: 'page', id: id + 0.5, answer: id, offset: 0, limit: 100, order: 'newest' });
        const ms = performance.now() - t0;
        times.push(ms);
        const matches = answer?.kind === 'answer' ? answer.seqs.length : -1;
        if (round === 0) ctx.log(`${label}: ${matches.toLocaleString()} events, ${ms.toFixed(1)} ms`);
      }
    }
    ctx.report('filter_p95_ms', percentile(times, 95), 'ms', 300, 'lower');
    ctx.report('filter_p50_ms', percentile(times, 50), 'ms', null, 'lower');
  },
};

export default suite;
