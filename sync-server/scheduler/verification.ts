import { canTransition, markEffective, markVerifiedGone, type Grant, type VerifyOutcome } from '../../core/index.js';
import type { SchedulerContext } from './context.js';
import { jobId, type Job } from './jobs.js';
import { escalateRevocation } from './outcomes.js';
import { reverificationFor } from './sweep.js';

export const VERIFY_KINDS = ['verify_provision', 'verify_revocation', 'drift_check'] as const;

export type VerifySummary = { claimed: number; effective: number; gone: number; stillPresent: number; drift: number; inconclusive: number };

/** Grants whose state a verification kind still applies to. */
const APPLIES: Record<(typeof VERIFY_KINDS)[number], readonly Grant['status'][]> = {
  verify_provision: ['active'],
  verify_revocation: ['revoked'],
  drift_check: ['verified'],
};

/**
 * Reads the directory back after writes: provisioned access must be present, revoked access
 * absent (several agreeing reads, nested groups included), and stay absent (drift checks).
 * Each result is a verification receipt plus an audit event.
 */
export async function runVerifyPass(
  ctx: SchedulerContext,
  inFlight: Set<string>,
  opts: { wait: boolean; running?: Set<Promise<void>>; onSettled?: () => void; maxConcurrency?: number } = { wait: true },
): Promise<VerifySummary> {
  const summary: VerifySummary = { claimed: 0, effective: 0, gone: 0, stillPresent: 0, drift: 0, inconclusive: 0 };
  // Verifications mostly wait between reads: many run at once, each holding one slot until done.
  const capacity = Math.min(ctx.opts.verifyConcurrency, opts.maxConcurrency ?? Number.POSITIVE_INFINITY) - inFlight.size;
  if (capacity <= 0) return summary;
  const now = ctx.opts.now();
  const nowMs = now.getTime();
  const claimed: { job: Job; grant: Grant }[] = [];
  ctx.store.tx(() => {
    for (const job of ctx.jobs.due(VERIFY_KINDS, nowMs, capacity + inFlight.size)) {
      if (claimed.length >= capacity) break;
      if (inFlight.has(job.id)) continue;
      const grant = ctx.store.get('grants', job.grantId);
      const kind = job.kind as (typeof VERIFY_KINDS)[number];
      if (!grant || !APPLIES[kind].includes(grant.status)) {
        ctx.jobs.finish(job.id, nowMs, 'cancelled', grant ? `grant is ${grant.status}` : 'grant does not exist');
        continue;
      }
      if (!ctx.jobs.claim(job.id, nowMs, ctx.opts.leaseMs)) continue;
      inFlight.add(job.id);
      claimed.push({ job: { ...job, attempts: job.attempts + 1, state: 'running' }, grant });
      summary.claimed++;
    }
  });
  const started = claimed.map(({ job, grant }) => {
    const run = (async () => {
      try {
        await verifyOne(ctx, job, grant, summary);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const at = ctx.nowMs();
        ctx.store.tx(() => ctx.jobs.retry(job.id, at, at + ctx.retryDelayMs(job.attempts, undefined), `verification threw: ${message}`));
        ctx.opts.onError?.(error);
      } finally {
        inFlight.delete(job.id);
      }
    })();
    opts.running?.add(run);
    void run.finally(() => {
      opts.running?.delete(run);
      opts.onSettled?.();
    });
    return run;
  });
  if (opts.wait) await Promise.all(started);
  return summary;
}

async function verifyOne(ctx: SchedulerContext, job: Job, grant: Grant, summary: VerifySummary): Promise<void> {
  const startedAt = ctx.opts.now();
  const target = ctx.assignmentFor(grant);
  if (!target.ok) {
    const at = ctx.nowMs();
    ctx.store.tx(() => ctx.jobs.retry(job.id, at, at + ctx.opts.escalatedRetryMs, `${target.code}: ${target.message}`, true));
    return;
  }
  if (job.kind === 'drift_check') {
    // Access held through another live grant of the same user and resource is explained, not drift.
    const explainedBy = ctx.store
      .list('grants', { status: ['provisioning', 'active', 'revoking', 'revoke_failed'], where: { userId: grant.userId } })
      .find((g) => g.resourceId === grant.resourceId && g.id !== grant.id);
    if (explainedBy) {
      const now = ctx.opts.now();
      ctx.store.tx(() => {
        ctx.audit('grant.drift_check_passed', 'grant', grant.id, { explainedBy: explainedBy.id, note: 'access is held through a newer live grant' }, now);
        ctx.jobs.finish(job.id, now.getTime());
      });
      return;
    }
  }
  const expect = job.kind === 'verify_provision' ? 'present' : 'absent';
  const outcome = await target.connector.verify(target.ref, expect, { consistentReads: ctx.opts.consistentReads, maxReads: ctx.opts.maxVerifyReads });
  const finishedAt = ctx.opts.now();
  ctx.store.tx(() => {
    const current = ctx.store.get('grants', grant.id);
    const kind = job.kind as (typeof VERIFY_KINDS)[number];
    if (!current || !APPLIES[kind].includes(current.status)) {
      ctx.jobs.finish(job.id, finishedAt.getTime(), 'cancelled', current ? `grant became ${current.status} during verification` : 'grant does not exist');
      return;
    }
    if (job.kind === 'verify_provision') recordProvisionCheck(ctx, job, current, outcome, startedAt, finishedAt, summary);
    else if (job.kind === 'verify_revocation') recordRevocationCheck(ctx, job, current, outcome, startedAt, finishedAt, summary);
    else recordDriftCheck(ctx, job, current, outcome, startedAt, finishedAt, summary);
  });
}

const evidence = (outcome: VerifyOutcome, receiptId: string) => ({
  verificationId: receiptId,
  endpoint: outcome.endpoint,
  reads: outcome.reads.length,
  consistentReads: outcome.consistentReads,
  transitiveChecked: outcome.transitiveChecked,
  conclusive: outcome.conclusive,
  lastRead: outcome.reads.at(-1)?.detail,
});

function retryOrGiveUp(ctx: SchedulerContext, job: Job, at: number, reason: string): boolean {
  if (job.attempts >= ctx.opts.maxVerifyAttempts) {
    ctx.jobs.retry(job.id, at, at + ctx.opts.escalatedRetryMs, reason, true);
    return false;
  }
  ctx.jobs.retry(job.id, at, at + ctx.retryDelayMs(job.attempts, undefined), reason);
  return true;
}

function recordProvisionCheck(ctx: SchedulerContext, job: Job, grant: Grant, outcome: VerifyOutcome, startedAt: Date, finishedAt: Date, summary: VerifySummary): void {
  const at = finishedAt.getTime();
  if (outcome.conclusive && outcome.present) {
    const effective = markEffective(grant, { now: finishedAt });
    ctx.putGrant(effective);
    const receipt = ctx.writeReceipt(job, grant, 'provision', 'effective', outcome, startedAt, finishedAt);
    ctx.audit('grant.effective_verified', 'grant', grant.id, { ...evidence(outcome, receipt.id), timeToEffectiveMs: effective.timeToEffectiveMs }, finishedAt);
    ctx.jobs.finish(job.id, at);
    summary.effective++;
    return;
  }
  summary.inconclusive++;
  // Not visible yet (replication) or not there: look again; after several tries say so on the grant.
  if (!retryOrGiveUp(ctx, job, at, outcome.conclusive ? 'access not present after provisioning' : 'reads did not agree')) {
    const receipt = ctx.writeReceipt(job, grant, 'provision', 'inconclusive', outcome, startedAt, finishedAt);
    ctx.putGrant({ ...grant, verification: 'inconclusive', updatedAt: finishedAt.toISOString(), revision: grant.revision + 1 });
    ctx.audit('grant.provision_failed', 'grant', grant.id, { ...evidence(outcome, receipt.id), code: 'not_effective', retryable: true, note: 'provisioning reported success but the directory does not show the access' }, finishedAt);
  }
}

function recordRevocationCheck(ctx: SchedulerContext, job: Job, grant: Grant, outcome: VerifyOutcome, startedAt: Date, finishedAt: Date, summary: VerifySummary): void {
  const at = finishedAt.getTime();
  if (outcome.conclusive && !outcome.present) {
    const verified = markVerifiedGone(grant, { now: finishedAt });
    if (!verified.ok) {
      ctx.jobs.finish(job.id, at, 'cancelled', verified.message);
      return;
    }
    ctx.putGrant(verified.value);
    const receipt = ctx.writeReceipt(job, grant, 'revocation', 'gone', outcome, startedAt, finishedAt);
    ctx.audit('grant.revocation_verified', 'grant', grant.id, evidence(outcome, receipt.id), finishedAt);
    ctx.jobs.finish(job.id, at);
    ctx.closeTasks(grant.id, 'revocation_escalation', `Verified gone by the scheduler at ${finishedAt.toISOString()}.`, finishedAt);
    reverificationFor(ctx, job.connectorId).driftCheckAfterMs.forEach((afterMs, index) => {
      ctx.jobs.ensure({ id: jobId('drift_check', grant.id, index), grantId: grant.id, kind: 'drift_check', connectorId: job.connectorId, dueAt: at + afterMs }, at, false);
    });
    summary.gone++;
    return;
  }
  if (outcome.conclusive && outcome.present) {
    // The access is still there: back to revoking; the revoke job's attempts keep counting toward escalation.
    const receipt = ctx.writeReceipt(job, grant, 'revocation', 'still_present', outcome, startedAt, finishedAt);
    ctx.audit('grant.revocation_not_verified', 'grant', grant.id, { ...evidence(outcome, receipt.id), result: 'still_present' }, finishedAt);
    const revokeId = jobId('revoke', grant.id);
    ctx.jobs.ensure({ id: revokeId, grantId: grant.id, kind: 'revoke', connectorId: job.connectorId, dueAt: at }, at);
    const revokeJob = ctx.jobs.get(revokeId);
    const attempts = revokeJob?.attempts ?? 0;
    const message = `still_present: ${outcome.reads.at(-1)?.detail ?? 'the directory still shows the access'}`;
    if (attempts >= ctx.opts.maxAttempts) {
      // Removing it again keeps "succeeding" yet the access stays (nesting, another assignment): a person must look.
      escalateRevocation(ctx, grant, ctx.store.get('resources', grant.resourceId), { attempts, code: 'still_present', message, retryable: true }, finishedAt, {
        notify: !revokeJob?.escalated,
        patch: { verification: 'still_present' },
      });
      ctx.jobs.retry(revokeId, at, at + ctx.opts.escalatedRetryMs, message, true);
    } else if (canTransition(grant.status, 'revoking')) {
      ctx.putGrant({ ...grant, status: 'revoking', verification: 'still_present', lastError: message.slice(0, 2048), updatedAt: finishedAt.toISOString(), revision: grant.revision + 1 });
      ctx.jobs.retry(revokeId, at, at + ctx.retryDelayMs(attempts, undefined), message);
    }
    ctx.jobs.finish(job.id, at);
    summary.stillPresent++;
    return;
  }
  summary.inconclusive++;
  const receipt = ctx.writeReceipt(job, grant, 'revocation', 'inconclusive', outcome, startedAt, finishedAt);
  ctx.putGrant({ ...grant, verification: 'inconclusive', updatedAt: finishedAt.toISOString(), revision: grant.revision + 1 });
  ctx.audit('grant.revocation_not_verified', 'grant', grant.id, { ...evidence(outcome, receipt.id), result: 'inconclusive' }, finishedAt);
  retryOrGiveUp(ctx, job, at, 'verification reads did not agree');
}

function recordDriftCheck(ctx: SchedulerContext, job: Job, grant: Grant, outcome: VerifyOutcome, startedAt: Date, finishedAt: Date, summary: VerifySummary): void {
  const at = finishedAt.getTime();
  if (outcome.conclusive && !outcome.present) {
    const receipt = ctx.writeReceipt(job, grant, 'drift_check', 'gone', outcome, startedAt, finishedAt);
    ctx.audit('grant.drift_check_passed', 'grant', grant.id, evidence(outcome, receipt.id), finishedAt);
    ctx.jobs.finish(job.id, at);
    summary.gone++;
    return;
  }
  if (outcome.conclusive && outcome.present) {
    const receipt = ctx.writeReceipt(job, grant, 'drift_check', 'drift', outcome, startedAt, finishedAt);
    ctx.putGrant({ ...grant, verification: 'drift', updatedAt: finishedAt.toISOString(), revision: grant.revision + 1 });
    const resource = ctx.store.get('resources', grant.resourceId);
    const taskId = ctx.openGrantTask(
      grant,
      resource,
      {
        kind: 'drift_alert',
        key: job.id,
        title: `Access is back: ${resource?.name ?? grant.resourceId} for ${grant.userId}`,
        detail: `Grant ${grant.id} was revoked and verified gone, but the directory shows the access again and no live grant explains it. ${outcome.reads.at(-1)?.detail ?? ''}`.slice(0, 8192),
        severity: 'critical',
      },
      finishedAt,
    );
    ctx.audit('grant.drift_detected', 'grant', grant.id, { ...evidence(outcome, receipt.id), taskId }, finishedAt);
    ctx.jobs.finish(job.id, at);
    summary.drift++;
    return;
  }
  summary.inconclusive++;
  retryOrGiveUp(ctx, job, at, 'drift check reads did not agree');
}
