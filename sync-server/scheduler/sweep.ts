import type { SchedulerContext } from './context.js';
import { jobId } from './jobs.js';

/** How ended grants are re-read: the fixed drift checks after verification, then a rolling sweep. */
export type Reverification = {
  /** Drift re-checks after a revocation is verified gone. */
  driftCheckAfterMs: readonly number[];
  /** Grants ended (revoked) within this long are re-read by the rolling sweep; 0 turns it off. */
  windowMs: number;
  /** Each of them is re-read about this often. */
  everyMs: number;
};

export type ReverificationSource = { reverification?: Partial<Reverification> | undefined };

/** The scheduler's defaults with what the connector's config says on top. */
export function reverificationFor(ctx: SchedulerContext, connectorId: string): Reverification {
  const own = (ctx.registry.get(connectorId) as ReverificationSource | undefined)?.reverification ?? {};
  return {
    driftCheckAfterMs: own.driftCheckAfterMs ?? ctx.opts.driftCheckAfterMs,
    windowMs: own.windowMs ?? ctx.opts.reverifyWindowMs,
    everyMs: own.everyMs ?? ctx.opts.reverifyEveryMs,
  };
}

/** The sweep's re-check of a grant: one job per grant, reopened each time it is due again. */
export const sweepJobId = (grantId: string): string => `${jobId('drift_check', grantId)}:sweep`;

export type SweepState = { lastAt: number; allowance: number; nextScanAt: number };

export const newSweepState = (): SweepState => ({ lastAt: Number.NaN, allowance: 0, nextScanAt: Number.NEGATIVE_INFINITY });

/** The scan reads every verified grant: at most this often, so it never competes with revocations. */
const SCAN_EVERY_MS = 10_000;

/**
 * The rolling sweep: books a drift check for every verified-gone grant ended within the window
 * whose last sweep check is older than `everyMs` (never checked first, then the oldest), at most
 * `reverifyPerMinute` a minute. Each check is a few reads (about 3 x 6 resource units for Entra),
 * so the default 30 a minute is about 9 units a second against the smallest tenant's 350: well
 * inside the read budget, which the connector's read limiter enforces anyway.
 * Returns how many checks were booked.
 */
export function bookSweep(ctx: SchedulerContext, state: SweepState): number {
  const nowMs = ctx.nowMs();
  if (Number.isNaN(state.lastAt)) state.lastAt = nowMs - 60_000;
  const perMinute = ctx.opts.reverifyPerMinute;
  state.allowance = Math.min(perMinute, state.allowance + ((nowMs - state.lastAt) / 60_000) * perMinute);
  state.lastAt = nowMs;
  if (state.allowance < 1 || perMinute <= 0 || nowMs < state.nextScanAt) return 0;
  state.nextScanAt = nowMs + SCAN_EVERY_MS;
  let booked = 0;
  ctx.store.tx(() => {
    const candidates: { grantId: string; connectorId: string; last: number }[] = [];
    const settings = new Map<string, Reverification & { connectorId: string }>();
    for (const grant of ctx.store.list('grants', { status: 'verified' })) {
      const revokedAt = grant.revokedAt ? Date.parse(grant.revokedAt) : Number.NaN;
      if (Number.isNaN(revokedAt)) continue;
      let s = settings.get(grant.resourceId);
      if (!s) {
        const connectorId = ctx.store.get('resources', grant.resourceId)?.connectorId ?? 'unknown';
        s = { ...reverificationFor(ctx, connectorId), connectorId };
        settings.set(grant.resourceId, s);
      }
      if (s.windowMs <= 0 || nowMs - revokedAt > s.windowMs) continue;
      const job = ctx.jobs.get(sweepJobId(grant.id));
      if (job && job.state !== 'done' && job.state !== 'cancelled') continue;
      const last = job ? job.updatedAt : Date.parse(grant.verifiedAt ?? grant.revokedAt ?? '') || 0;
      if (nowMs - last < s.everyMs) continue;
      candidates.push({ grantId: grant.id, connectorId: s.connectorId, last: job ? job.updatedAt : 0 });
    }
    candidates.sort((a, b) => a.last - b.last);
    for (const c of candidates.slice(0, Math.floor(state.allowance))) {
      ctx.jobs.ensure({ id: sweepJobId(c.grantId), grantId: c.grantId, kind: 'drift_check', connectorId: c.connectorId, dueAt: nowMs }, nowMs);
      booked++;
    }
  });
  state.allowance -= booked;
  return booked;
}
