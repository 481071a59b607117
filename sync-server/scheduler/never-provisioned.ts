import { markRevoked, markVerifiedGone, revocationCategoryOf, type Grant } from '../../core/index.js';
import type { SchedulerContext } from './context.js';
import { jobId, type Job } from './jobs.js';

/**
 * A grant ended before anything was written for it (a scheduled grant cancelled before its start,
 * or revoked before its provisioning ran): its provision job was never claimed, so no connector
 * call was made and there is nothing to remove. It is marked revoked without a write (a manual
 * application's owner gets no task to remove what they never granted). A directory that can be
 * read is still read back by the usual verification; a manual one has nothing to read, and the
 * receipt says the access was never provisioned.
 * Runs inside claimWrites' transaction; false when a write may have happened and the connector must revoke.
 */
export function endNeverProvisioned(ctx: SchedulerContext, job: Job, grant: Grant, now: Date): boolean {
  if (job.kind !== 'revoke' || grant.status !== 'revoking' || grant.provisionedAt !== null) return false;
  const provision = ctx.jobs.get(jobId('provision', grant.id));
  if (provision && (provision.claims > 0 || provision.state === 'running' || provision.state === 'waiting')) return false;
  const revoked = markRevoked(grant, { now });
  if (!revoked.ok) return false;
  const nowMs = now.getTime();
  if (provision) ctx.jobs.finish(provision.id, nowMs, 'cancelled', 'the grant ended before its provisioning ran');
  const saved = ctx.putGrant(revoked.value);
  ctx.audit('grant.revoked', 'grant', grant.id, { category: revocationCategoryOf(saved), connectorId: job.connectorId, detail: 'never provisioned: no write was made, so there was nothing to remove', neverProvisioned: true, latenessMs: saved.latenessMs }, now);
  ctx.jobs.finish(job.id, nowMs, 'done', '', job.attempts);
  if (grant.connector !== 'manual') {
    ctx.jobs.ensure({ id: jobId('verify_revocation', grant.id), grantId: grant.id, kind: 'verify_revocation', connectorId: job.connectorId, dueAt: nowMs + ctx.opts.verifyDelayMs }, nowMs);
    return true;
  }
  const verified = markVerifiedGone(saved, { now });
  if (verified.ok) {
    ctx.putGrant(verified.value);
    const detail = 'the grant ended before its provisioning ran: the application owner was never asked to grant it';
    const receipt = ctx.writeReceipt(job, grant, 'revocation', 'gone', { present: false, endpoint: 'never provisioned', reads: [{ at: now.toISOString(), present: false, detail }], consistentReads: 0, transitiveChecked: false, conclusive: true }, now, now);
    ctx.audit('grant.revocation_verified', 'grant', grant.id, { verificationId: receipt.id, method: 'never-provisioned' }, now);
  }
  return true;
}
