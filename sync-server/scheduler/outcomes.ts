import { markFailed, markProvisioned, markRevoked, revocationCategoryOf, type ConnectorOutcome, type Grant, type Resource, type Task } from '../../core/index.js';
import type { SchedulerContext } from './context.js';
import { jobId, type Job } from './jobs.js';

/**
 * How a write's outcome lands: grant state, job state, tasks and audit. Attempts count outcomes,
 * not claims: the job's `attempts` grows here, when an answer that counts is recorded. Throttling
 * (429, 503: `throttled` outcomes) is pacing: the job goes back to the queue for when the
 * directory said, without using an attempt, an audit record or a change to the grant.
 */

export type PassSummary = { expired: number; claimed: number; applied: number; failed: number; throttled: number; pending: number; escalated: number };
export const emptySummary = (): PassSummary => ({ expired: 0, claimed: 0, applied: 0, failed: 0, throttled: 0, pending: 0, escalated: 0 });

/** Writes one outcome: grant state, job state, tasks and audit, in the caller's transaction. `job.attempts` counts this attempt. */
export function recordWrite(ctx: SchedulerContext, job: Job, outcome: ConnectorOutcome, summary: PassSummary): void {
  const now = ctx.opts.now();
  const nowMs = now.getTime();
  const grant = ctx.store.get('grants', job.grantId);
  if (!grant) {
    ctx.jobs.finish(job.id, nowMs, 'cancelled', 'grant does not exist');
    return;
  }
  const resource = ctx.store.get('resources', grant.resourceId);
  if (job.kind === 'revoke') recordRevoke(ctx, job, grant, resource, outcome, now, summary);
  else recordProvision(ctx, job, grant, resource, outcome, now, summary);
}

export function recordRevoke(ctx: SchedulerContext, job: Job, grant: Grant, resource: Resource | null, outcome: ConnectorOutcome, now: Date, summary: PassSummary): void {
  const nowMs = now.getTime();
  if (outcome.status === 'applied') {
    const revoked = markRevoked(grant, { now });
    if (!revoked.ok) {
      ctx.jobs.finish(job.id, nowMs, 'cancelled', revoked.message);
      return;
    }
    const saved = ctx.putGrant({ ...revoked.value, attempts: job.attempts });
    ctx.audit('grant.revoked', 'grant', grant.id, {
      category: revocationCategoryOf(saved),
      connectorId: job.connectorId,
      detail: outcome.detail,
      alreadyInState: outcome.alreadyInState ?? false,
      latenessMs: saved.latenessMs,
      attempts: job.attempts,
      actedVia: outcome.actedVia,
    }, now);
    ctx.jobs.finish(job.id, nowMs, 'done', '', job.attempts);
    ctx.jobs.ensure({ id: jobId('verify_revocation', grant.id), grantId: grant.id, kind: 'verify_revocation', connectorId: job.connectorId, dueAt: nowMs + ctx.opts.verifyDelayMs, actedVia: outcome.actedVia }, nowMs);
    summary.applied++;
    return;
  }
  if (outcome.status === 'pending') {
    awaitManualTask(ctx, job, grant, resource, outcome, 'manual_revoke', 'warning', now, summary);
    return;
  }
  if (outcome.throttled) {
    recordThrottled(ctx, job, outcome, nowMs, summary);
    return;
  }
  const { escalate, message, current } = recordFailedAttempt(ctx, job, grant, outcome, now, summary);
  ctx.audit('grant.revoke_failed', 'grant', grant.id, { attempt: job.attempts, code: outcome.code, retryable: outcome.retryable, message: outcome.message.slice(0, 1024) }, now);
  if (escalate && !job.escalated) {
    escalateRevocation(ctx, current, resource, { attempts: job.attempts, code: outcome.code, message, retryable: outcome.retryable }, now);
    summary.escalated++;
  }
  retryLater(ctx, job, outcome, escalate, message, nowMs);
}

/**
 * A revocation a person must look at: the grant becomes `revoke_failed`, the resource owner gets
 * a critical task, the audit log says so. The scheduler keeps retrying at the slower cadence.
 */
export function escalateRevocation(
  ctx: SchedulerContext,
  grant: Grant,
  resource: Resource | null,
  why: { attempts: number; code: string; message: string; retryable: boolean },
  now: Date,
  opts: { notify?: boolean; patch?: Partial<Pick<Grant, 'verification'>> } = {},
): Grant {
  let current = grant;
  // From `revoked` (verification found the access still there) the way to revoke_failed is through revoking.
  if (current.status === 'revoked') current = ctx.putGrant({ ...current, status: 'revoking', updatedAt: now.toISOString(), revision: current.revision + 1 });
  const failed = markFailed({ ...current, ...opts.patch }, 'revoke_failed', why.message, { now });
  if (failed.ok) current = ctx.putGrant(failed.value);
  if (opts.notify === false) return current;
  const taskId = ctx.openGrantTask(
    grant,
    resource,
    {
      kind: 'revocation_escalation',
      key: `${grant.id}:${why.attempts}`,
      title: `Revocation keeps failing: ${resource?.name ?? grant.resourceId} for ${grant.userId}`,
      detail: `The access could not be removed after ${why.attempts} attempt(s). Last error: ${why.message}. ${
        why.retryable
          ? `The failure looks transient: the scheduler keeps retrying at least every ${Math.max(1, Math.round(ctx.opts.escalatedTransientRetryMs / 1000))} s`
          : `This needs a person (permission, missing object, configuration); the scheduler retries every ${Math.round(ctx.opts.escalatedRetryMs / 60_000)} min meanwhile`
      }; remove the access by hand if it cannot wait.`.slice(0, 8192),
      severity: 'critical',
    },
    now,
  );
  ctx.audit('grant.revoke_escalated', 'grant', grant.id, { attempts: why.attempts, code: why.code, retryable: why.retryable, taskId }, now);
  return current;
}

function recordProvision(ctx: SchedulerContext, job: Job, grant: Grant, resource: Resource | null, outcome: ConnectorOutcome, now: Date, summary: PassSummary): void {
  const nowMs = now.getTime();
  if (grant.status !== 'provisioning') {
    // Revoked or expired while the call was out: the revoke job removes whatever landed.
    ctx.jobs.finish(job.id, nowMs, 'cancelled', `grant became ${grant.status} during provisioning`);
    if (outcome.status === 'applied') ctx.audit('grant.provisioned', 'grant', grant.id, { connectorId: job.connectorId, detail: outcome.detail, supersededBy: grant.status }, now);
    return;
  }
  if (outcome.status === 'applied') {
    const active = markProvisioned(grant, { now });
    if (!active.ok) {
      ctx.jobs.finish(job.id, nowMs, 'cancelled', active.message);
      return;
    }
    ctx.putGrant({ ...active.value, attempts: job.attempts, verification: 'pending' });
    ctx.audit('grant.provisioned', 'grant', grant.id, { connectorId: job.connectorId, detail: outcome.detail, alreadyInState: outcome.alreadyInState ?? false, attempts: job.attempts, actedVia: outcome.actedVia }, now);
    ctx.jobs.finish(job.id, nowMs, 'done', '', job.attempts);
    if (job.escalated) ctx.closeTasks(grant.id, 'provision_escalation', `Provisioned by the scheduler at ${now.toISOString()}.`, now);
    ctx.jobs.ensure({ id: jobId('verify_provision', grant.id), grantId: grant.id, kind: 'verify_provision', connectorId: job.connectorId, dueAt: nowMs }, nowMs);
    summary.applied++;
    return;
  }
  if (outcome.status === 'pending') {
    awaitManualTask(ctx, job, grant, resource, outcome, 'manual_provision', 'info', now, summary);
    return;
  }
  if (outcome.throttled) {
    recordThrottled(ctx, job, outcome, nowMs, summary);
    return;
  }
  const { escalate, message, current } = recordFailedAttempt(ctx, job, grant, outcome, now, summary);
  if (escalate) {
    const failed = markFailed(current, 'provision_failed', message, { now });
    if (failed.ok) ctx.putGrant(failed.value);
  }
  ctx.audit('grant.provision_failed', 'grant', grant.id, { attempt: job.attempts, code: outcome.code, retryable: outcome.retryable, escalated: escalate, message: outcome.message.slice(0, 1024) }, now);
  if (escalate && !job.escalated) {
    ctx.openGrantTask(
      grant,
      resource,
      {
        kind: 'provision_escalation',
        key: `${grant.id}:${job.attempts}`,
        title: `Provisioning keeps failing: ${resource?.name ?? grant.resourceId} for ${grant.userId}`,
        detail: `The access could not be granted after ${job.attempts} attempt(s). Last error: ${message}.`.slice(0, 8192),
        severity: 'warning',
      },
      now,
    );
    summary.escalated++;
  }
  retryLater(ctx, job, outcome, escalate, message, nowMs);
}

type PendingOutcome = Extract<ConnectorOutcome, { status: 'pending' }>;
type FailedOutcome = Extract<ConnectorOutcome, { status: 'failed' }>;

/** The connector handed the work to a person: open their task and park the job until it is closed. */
function awaitManualTask(
  ctx: SchedulerContext,
  job: Job,
  grant: Grant,
  resource: Resource | null,
  outcome: PendingOutcome,
  kind: 'manual_revoke' | 'manual_provision',
  severity: Task['severity'],
  now: Date,
  summary: PassSummary,
): void {
  const taskId = ctx.openGrantTask(grant, resource, { kind, key: `${grant.id}:${job.attempts}`, title: outcome.taskTitle, detail: outcome.detail, severity }, now);
  ctx.jobs.waitForTask(job.id, taskId, now.getTime());
  summary.pending++;
}

/**
 * A failed write attempt: the grant keeps the error. It is escalated when the failure is final
 * or the attempts have run out; the caller records the kind-specific state, audit and task.
 */
function recordFailedAttempt(ctx: SchedulerContext, job: Job, grant: Grant, outcome: FailedOutcome, now: Date, summary: PassSummary): { escalate: boolean; message: string; current: Grant } {
  summary.failed++;
  const escalate = !outcome.retryable || job.attempts >= ctx.opts.maxAttempts;
  const message = `${outcome.code}: ${outcome.message}`;
  const current = ctx.putGrant({ ...grant, attempts: job.attempts, lastError: message.slice(0, 2048), updatedAt: now.toISOString(), revision: grant.revision + 1 });
  return { escalate, message, current };
}

/**
 * Backs off before the next attempt, never sooner than the directory asked. Once escalated, a
 * transient failure keeps the short cadence (capped at `escalatedTransientRetryMs`): a busy
 * directory never parks a revocation. Only a failure a person must fix waits `escalatedRetryMs`.
 */
function retryLater(ctx: SchedulerContext, job: Job, outcome: FailedOutcome, escalate: boolean, message: string, nowMs: number): void {
  let delay: number;
  if (!escalate) delay = ctx.retryDelayMs(job.attempts, outcome.retryAfterMs);
  else if (outcome.retryable) delay = Math.max(Math.min(ctx.retryDelayMs(job.attempts, undefined), ctx.opts.escalatedTransientRetryMs), outcome.retryAfterMs ?? 0);
  else delay = Math.max(ctx.opts.escalatedRetryMs, outcome.retryAfterMs ?? 0);
  ctx.jobs.retry(job.id, nowMs, nowMs + delay, message, escalate, job.attempts);
}

/**
 * The directory asked to slow down: back to the queue for when it said (or a short jittered wait;
 * the connector paces the rest), the attempt not used. The grant and the audit log are left alone:
 * pacing is not an event.
 */
function recordThrottled(ctx: SchedulerContext, job: Job, outcome: FailedOutcome, nowMs: number, summary: PassSummary): void {
  summary.throttled++;
  const floor = Math.round(ctx.opts.retryBaseMs * (0.5 + ctx.opts.random() * 0.5));
  ctx.jobs.retry(job.id, nowMs, nowMs + Math.max(floor, outcome.retryAfterMs ?? 0), `throttled: ${outcome.code}: ${outcome.message}`, false, job.attempts - 1);
}

