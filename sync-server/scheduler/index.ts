import type { Store } from '../store/types.js';
import { resolveOptions, SchedulerContext, type SchedulerOptions } from './context.js';
import { SCHEDULER_MIGRATIONS } from './migrations.js';
import { runVerifyPass, VERIFY_KINDS, type VerifySummary } from './verification.js';
import { bookSweep, newSweepState } from './sweep.js';
import { settleRequestDeadlines, type DeadlineSummary } from './request-deadlines.js';
import { remindOverdueTasks } from './task-reminders.js';
import { runReviewPass } from '../reviews/pass.js';
import { discover, runWritePass, settleManualTasks, WRITE_KINDS, type PassSummary } from './writes.js';
import { Discovery, type DiscoverySummary } from './discovery.js';

export { SCHEDULER_MIGRATIONS } from './migrations.js';
export { JobQueue, jobId, type Job, type JobKind } from './jobs.js';
export type { SchedulerOptions, ConnectorLookup } from './context.js';
export { schedulerOptionsFromEnv, parseDurationMs } from './env.js';
export type { DiscoverySummary } from './discovery.js';

export type RunSummary = { expired: number; writes: PassSummary; manualSettled: number; requests: DeadlineSummary; verifications: VerifySummary };

export type Scheduler = {
  /** Stops the loop; resolves when in-flight passes have finished. */
  stop(): Promise<void>;
  /** One full pass (discover, writes, manual tasks, verifications), awaited. For tests and tools. */
  runOnce(): Promise<RunSummary>;
  /** Wakes the write loop now (e.g. a grant was just approved). */
  poke(): void;
  /** Standing-access discovery's due runs, awaited (tests, tools); the loop runs them on its own. */
  runDiscovery(): Promise<DiscoverySummary>;
  /** Wakes discovery now (an admin asked for a run). */
  pokeDiscovery(): void;
  jobCounts(): { kind: string; state: string; n: number }[];
};

const FULL_RESCAN_MS = 60_000;
const BUSY_VERIFY_CONCURRENCY = 8;
/** Writes due this soon count as busy: a steady stream of expiries keeps verification small throughout. */
const WRITE_LOOKAHEAD_MS = 1000;

/**
 * The durable revocation scheduler. Plain functions over the store, the connector registry and
 * a clock. Two loops run side by side so slow verification reads never delay a due revocation:
 * - writes: expire grants, provision and revoke (batched per connector), settle manual tasks,
 *   then expire and escalate pending requests whose deadlines passed (request-deadlines.ts) and
 *   remind the assignees of overdue tasks (task-reminders.ts);
 * - verifications: read the directory back, write receipts, schedule drift checks.
 * Each loop sleeps until its next job is due (at most `intervalMs`). With `intervalMs: 0` no
 * loop runs and only `runOnce()` does work (tests with an injected clock).
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const store: Store = options.store;
  store.applyMigrations(SCHEDULER_MIGRATIONS);
  const ctx = new SchedulerContext(store, options.registry, resolveOptions(options));
  const onError = (error: unknown) => {
    if (ctx.opts.onError) ctx.opts.onError(error);
    else console.error('scheduler pass failed:', error);
  };

  // This process is the only one on this data file: what a crash left running runs again now.
  store.tx(() => ctx.jobs.recoverInterrupted(ctx.nowMs()));

  const writesInFlight = new Set<string>();
  const verifyInFlight = new Set<string>();
  // Grants changed by commands since the last pass: checked without rescanning everything.
  const changedGrants = new Set<string>();
  let lastFullScan = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const unsubscribe = store.onCommit((changes) => {
    let wake = false;
    for (const change of changes) {
      if (change.collection === 'grants') {
        for (const doc of change.docs) {
          const grant = doc as { id: string; status?: string; expiresAt?: string };
          if (grant.status === 'provisioning' || grant.status === 'revoking') {
            changedGrants.add(grant.id);
            wake = true;
          } else if (grant.status === 'active') {
            // A grant shortened (grant.shorten) ends sooner than its booked revocation: the next pass books it earlier.
            changedGrants.add(grant.id);
            if (grant.expiresAt && Date.parse(grant.expiresAt) <= ctx.nowMs()) wake = true;
          }
        }
      } else if (change.collection === 'tasks') wake = true;
    }
    if (wake) writes.poke();
  });

  const discoverNow = (): void => {
    const nowMs = ctx.nowMs();
    if (nowMs - lastFullScan >= FULL_RESCAN_MS) {
      lastFullScan = nowMs;
      changedGrants.clear();
      discover(ctx);
    } else if (changedGrants.size > 0) {
      const ids = [...changedGrants];
      changedGrants.clear();
      discover(ctx, ids);
    }
  };

  const writePass = async (): Promise<{ expired: number; writes: PassSummary; manualSettled: number; requests: DeadlineSummary }> => {
    discoverNow();
    const writesSummary = await runWritePass(ctx, writesInFlight);
    const manualSettled = settleManualTasks(ctx);
    // After the revocations, and on its own: a failing request never holds back a grant's removal.
    let requests: DeadlineSummary = { requestsExpired: 0, requestsEscalated: 0 };
    try {
      requests = settleRequestDeadlines(ctx);
    } catch (error) {
      onError(error);
    }
    try {
      remindOverdueTasks(ctx);
    } catch (error) {
      onError(error);
    }
    // Access reviews: open on schedule, remind, close at the deadline, follow removals until verified.
    try {
      runReviewPass(ctx.store, ctx.opts.now());
    } catch (error) {
      onError(error);
    }
    return { expired: writesSummary.expired, writes: writesSummary, manualSettled, requests };
  };

  // Deadlines (expiries included) are rows of the job table: sleep until the next one is due.
  const nextDelay = (kinds: readonly (typeof WRITE_KINDS)[number][] | readonly (typeof VERIFY_KINDS)[number][]): number => {
    const next = ctx.jobs.nextDueAt(kinds) ?? Number.POSITIVE_INFINITY;
    return Math.max(5, Math.min(ctx.opts.intervalMs, next - ctx.nowMs()));
  };

  const sweep = newSweepState();
  const verifyRunning = new Set<Promise<void>>();
  // In the loop, verifications run in the background and a finished one frees its slot at once.
  // Revoking on time comes first: while writes are due or in flight, verification takes few slots
  // (it reads the same directory, on the same budget and the same CPU) and catches up after.
  const writesBusy = (): boolean => writesInFlight.size > 0 || (ctx.jobs.nextDueAt(WRITE_KINDS) ?? Number.POSITIVE_INFINITY) <= ctx.nowMs() + WRITE_LOOKAHEAD_MS;
  const verifyPass = async (): Promise<VerifySummary> => {
    bookSweep(ctx, sweep);
    return await runVerifyPass(ctx, verifyInFlight, {
      wait: false,
      running: verifyRunning,
      onSettled: () => verifications.poke(),
      ...(writesBusy() ? { maxConcurrency: BUSY_VERIFY_CONCURRENCY } : {}),
    });
  };

  const writes = makeLoop(() => writePass(), () => nextDelay(WRITE_KINDS), onError);
  // Discovery reads whole member lists: its own loop, so it never holds back a revocation or a verification.
  const discovery = new Discovery(ctx, { everyMs: ctx.opts.discoveryEveryMs, leaseMs: ctx.opts.leaseMs, retryBaseMs: ctx.opts.retryBaseMs * 10, retryCapMs: ctx.opts.retryCapMs * 6 });
  const discoveries = makeLoop(
    () => discovery.pass(),
    () => Math.max(5, Math.min(ctx.opts.intervalMs * 10, (discovery.nextDueAt() ?? Number.POSITIVE_INFINITY) - ctx.nowMs())),
    onError,
  );
  // With every slot busy, a finishing verification pokes the loop; no need to poll.
  const verifications = makeLoop(() => verifyPass(), () => (verifyInFlight.size >= (writesBusy() ? BUSY_VERIFY_CONCURRENCY : ctx.opts.verifyConcurrency) ? ctx.opts.intervalMs : nextDelay(VERIFY_KINDS)), onError);
  if (ctx.opts.intervalMs > 0) {
    writes.start();
    verifications.start();
    discoveries.start();
  }

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      await Promise.all([writes.stop(), verifications.stop(), discoveries.stop()]);
      await Promise.all([...verifyRunning]);
    },
    async runOnce() {
      const w = await writePass();
      bookSweep(ctx, sweep);
      const v = await runVerifyPass(ctx, verifyInFlight, { wait: true });
      return { ...w, verifications: v };
    },
    poke() {
      writes.poke();
    },
    async runDiscovery() {
      return await discovery.pass();
    },
    pokeDiscovery() {
      discoveries.poke();
    },
    jobCounts() {
      return ctx.jobs.counts();
    },
  };
}

/** A self-rescheduling loop: one pass at a time, woken early by poke(). */
function makeLoop(pass: () => Promise<unknown>, delay: () => number, onError: (e: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let active = false;

  const schedule = (ms: number) => {
    if (!active) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
  };
  const tick = () => {
    timer = undefined;
    if (!active) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        await pass();
      } catch (error) {
        onError(error);
      }
      let wait = 1000;
      try {
        wait = delay();
      } catch (error) {
        onError(error);
      }
      running = undefined;
      if (again) {
        again = false;
        schedule(0);
      } else schedule(wait);
    })();
  };
  return {
    start() {
      active = true;
      schedule(0);
    },
    poke() {
      if (!active) return;
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      active = false;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
