/**
 * Forwards every audit event to each configured sink, at least once, in seq order. Each sink's last
 * acknowledged seq is kept in the store (`siem_cursors`), so a restarted server, or a receiver back
 * after an outage, resumes right after it: nothing acknowledged is sent again, nothing after it is
 * skipped. A failed batch is retried with exponential backoff (1 s doubling, with jitter, up to the
 * maximum; Retry-After honoured) and the error is shown in the status until a batch goes through.
 */
import type { AuditEvent, SiemSinkStatus } from '../../../core/index.js';
import { readAuditEvents } from '../../store/sqlite-store.js';
import type { MigrationSet, Store } from '../../store/types.js';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX_BACKOFF_MS, type SiemSettings } from './settings.js';
import { createHttpsSink, createSyslogSink, SinkError, type Sink } from './sinks.js';

export const SIEM_MIGRATIONS: MigrationSet = {
  name: 'audit-siem',
  steps: [
    `CREATE TABLE siem_cursors (
       sink TEXT PRIMARY KEY,
       acked_seq INTEGER NOT NULL,
       acked_at TEXT,
       last_error TEXT,
       last_error_at TEXT
     )`,
  ],
};

/** What GET /api/v1/audit/siem reports per sink (core's one schema). */
export type SinkStatus = SiemSinkStatus;

export type SiemForwarder = {
  status(): SinkStatus[];
  /** Sends what is pending now, on every sink; resolves when each has caught up or failed once. */
  flush(): Promise<void>;
  close(): Promise<void>;
};

type CursorRow = { acked_seq: number; acked_at: string | null; last_error: string | null; last_error_at: string | null };

/** The slowest sink's acknowledged seq, or null when none forwards: the archive step keeps what is not yet acknowledged. */
export function slowestSiemCursor(db: Store['db']): { sink: string; ackedSeq: number } | null {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'siem_cursors'").get()) return null;
  const row = db.prepare('SELECT sink, acked_seq AS ackedSeq FROM siem_cursors ORDER BY acked_seq LIMIT 1').get() as { sink: string; ackedSeq: number } | undefined;
  return row ?? null;
}

export function startSiemForwarder(opts: { store: Store; settings: SiemSettings; now: () => Date; sinks?: Sink[]; onError?: (sink: string, error: unknown) => void }): SiemForwarder {
  const { store, settings, now } = opts;
  store.applyMigrations(SIEM_MIGRATIONS);
  const sinks = opts.sinks ?? [...(settings.syslog ? [createSyslogSink(settings.syslog)] : []), ...(settings.https ? [createHttpsSink(settings.https)] : [])];
  const batchSize = settings.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxBackoff = settings.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  const db = store.db;
  const insert = db.prepare('INSERT OR IGNORE INTO siem_cursors (sink, acked_seq) VALUES (?, 0)');
  const read = db.prepare('SELECT acked_seq, acked_at, last_error, last_error_at FROM siem_cursors WHERE sink = ?');
  const ack = db.prepare('UPDATE siem_cursors SET acked_seq = ?, acked_at = ?, last_error = NULL, last_error_at = NULL WHERE sink = ? AND acked_seq < ?');
  const fail = db.prepare('UPDATE siem_cursors SET last_error = ?, last_error_at = ? WHERE sink = ?');
  for (const sink of sinks) insert.run(sink.id);

  let closed = false;
  const lanes = sinks.map((sink) => ({ sink, running: null as Promise<void> | null, attempt: 0, retryAt: null as Date | null, timer: undefined as NodeJS.Timeout | undefined }));
  type Lane = (typeof lanes)[number];

  const pending = (after: number): AuditEvent[] => {
    const out: AuditEvent[] = [];
    for (const event of readAuditEvents(db, after + 1)) {
      out.push(event);
      if (out.length >= batchSize) break;
    }
    return out;
  };

  async function drain(lane: Lane): Promise<void> {
    while (!closed) {
      const cursor = read.get(lane.sink.id) as CursorRow;
      const batch = pending(cursor.acked_seq);
      if (batch.length === 0) return;
      try {
        await lane.sink.send(batch);
      } catch (error) {
        if (closed) return;
        const message = error instanceof Error ? error.message : String(error);
        fail.run(message, now().toISOString(), lane.sink.id);
        opts.onError?.(lane.sink.id, error);
        const backoff = Math.min(maxBackoff, 1000 * 2 ** lane.attempt);
        const wait = error instanceof SinkError && error.retryAfterMs !== undefined ? Math.min(maxBackoff, error.retryAfterMs) : backoff / 2 + Math.random() * (backoff / 2);
        lane.attempt++;
        lane.retryAt = new Date(Date.now() + wait);
        lane.timer = setTimeout(() => {
          lane.retryAt = null;
          wake(lane);
        }, wait);
        lane.timer.unref();
        return;
      }
      const last = batch[batch.length - 1] as AuditEvent;
      if (!db.open) return;
      ack.run(last.seq, now().toISOString(), lane.sink.id, last.seq);
      lane.attempt = 0;
    }
  }

  function wake(lane: Lane): Promise<void> {
    if (closed) return Promise.resolve();
    // While waiting out a backoff, new events wait too.
    if (lane.retryAt) return Promise.resolve();
    if (lane.running) return lane.running;
    lane.running = drain(lane).finally(() => {
      lane.running = null;
    });
    return lane.running;
  }
  const wakeAll = () => Promise.all(lanes.map(wake)).then(() => undefined);

  const unsubscribe = store.onCommit((changes) => {
    if (changes.some((c) => c.collection === 'audit')) void wakeAll();
  });
  // Events appended by another process (the scheduler worker) do not fire onCommit here.
  const poll = setInterval(() => void wakeAll(), settings.pollMs ?? 5_000);
  poll.unref();
  void wakeAll();

  return {
    status() {
      const head = store.auditHead().seq;
      return lanes.map(({ sink, retryAt }) => {
        const c = read.get(sink.id) as CursorRow;
        return { id: sink.id, kind: sink.kind, target: sink.target, ackedSeq: c.acked_seq, ackedAt: c.acked_at, headSeq: head, lag: Math.max(0, head - c.acked_seq), lastError: c.last_error, lastErrorAt: c.last_error_at, retryAt: retryAt?.toISOString() ?? null };
      });
    },
    async flush() {
      for (const lane of lanes) {
        if (lane.timer) clearTimeout(lane.timer);
        lane.retryAt = null;
      }
      await wakeAll();
    },
    async close() {
      unsubscribe();
      clearInterval(poll);
      closed = true;
      // A batch in flight finishes (and is acknowledged) or fails before the store closes under it.
      await Promise.allSettled(lanes.map((l) => l.running ?? Promise.resolve()));
      for (const lane of lanes) {
        if (lane.timer) clearTimeout(lane.timer);
        lane.sink.close();
      }
    },
  };
}
