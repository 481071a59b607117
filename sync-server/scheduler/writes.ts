import {
  canTransition,
  markFailed,
  markProvisioned,
  markRevoked,
  markEffective,
  markVerifiedGone,
  requestRevocation,
  revocationCategoryOf,
  type AssignmentRef,
  type Connector,
  type ConnectorOutcome,
  type Grant,
  type Resource,
} from '../../core/index.js';
import { inParallel, type SchedulerContext } from './context.js';
import { jobId, type Job } from './jobs.js';
import { emptySummary, recordRevoke, recordWrite, type PassSummary } from './outcomes.js';
import { endNeverProvisioned } from './never-provisioned.js';

export const WRITE_KINDS = ['provision', 'revoke'] as const;

export type { PassSummary } from './outcomes.js';
export { escalateRevocation } from './outcomes.js';

/**
 * Makes sure every live grant has its jobs: a provision job for a `provisioning` grant, a revoke
 * job due at expiry for every grant that has access or may get it, and a revoke job due now for
 * a `revoking` one. Deadlines then live in the job table, whose due index the passes read.
 * `grantIds` limits the check to grants known to have changed; without it every live grant is checked.
 */
export function discover(ctx: SchedulerContext, grantIds?: Iterable<string>): { queued: number } {
  const nowMs = ctx.nowMs();
  let queued = 0;
  ctx.store.tx(() => {
    const grants: Grant[] = [];
    if (grantIds) {
      for (const id of grantIds) {
        const g = ctx.store.get('grants', id);
        if (g) grants.push(g);
      }
    } else {
      grants.push(...ctx.store.list('grants', { status: ['provisioning', 'provision_failed', 'active', 'revoking', 'revoke_failed'] }));
    }
    const connectorIds = new Map<string, string>();
    const connectorOf = (resourceId: string): string => {
      let id = connectorIds.get(resourceId);
      if (id === undefined) {
        id = ctx.store.get('resources', resourceId)?.connectorId ?? 'unknown';
        connectorIds.set(resourceId, id);
      }
      return id;
    };
    for (const grant of grants) {
      const connectorId = connectorOf(grant.resourceId);
      const revokeJob = { id: jobId('revoke', grant.id), grantId: grant.id, kind: 'revoke' as const, connectorId };
      switch (grant.status) {
        case 'provisioning':
          // A scheduled grant is provisioned at its start; one whose start passed while the server was down, at once.
          ctx.jobs.ensure({ id: jobId('provision', grant.id), grantId: grant.id, kind: 'provision', connectorId, dueAt: Math.max(nowMs, Date.parse(grant.startsAt)) }, nowMs);
          ctx.jobs.schedule({ ...revokeJob, dueAt: Date.parse(grant.expiresAt) }, nowMs);
          break;
        case 'provision_failed':
        case 'active':
          // provision_failed keeps its own slow retry (or, dismissed by hand, waits for expiry).
          ctx.jobs.schedule({ ...revokeJob, dueAt: Date.parse(grant.expiresAt) }, nowMs);
          break;
        case 'revoking':
          // "Revoke now": an untried expiry job is brought forward; one in backoff keeps its time.
          ctx.jobs.ensure({ ...revokeJob, dueAt: nowMs }, nowMs);
          ctx.jobs.schedule({ ...revokeJob, dueAt: nowMs }, nowMs);
          ctx.jobs.cancelForGrant(grant.id, ['provision', 'verify_provision'], nowMs);
          break;
        case 'revoke_failed':
          ctx.jobs.ensure({ ...revokeJob, dueAt: nowMs }, nowMs);
          break;
        default:
          continue;
      }
      queued++;
    }
  });
  return { queued };
}

type Claimed = { job: Job; grant: Grant; ref: AssignmentRef; resource: Resource; connector: Connector };

/** Claims due write jobs, calls the connectors in batches, records each outcome. */
export async function runWritePass(ctx: SchedulerContext, inFlight: Set<string>): Promise<PassSummary> {
  const summary = emptySummary();
  const claimed = claimWrites(ctx, inFlight, summary);
  if (claimed.length === 0) return summary;
  // Group per connector and kind: one batched call per group of `batchSize`.
  const groups = new Map<string, Claimed[]>();
  for (const c of claimed) {
    const key = `${c.connector.id}\u0000${c.job.kind}`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  await Promise.all(
    [...groups.values()].map(async (list) => {
      // Writes for one resource side by side (stable: due order kept within it), so a connector that
      // can put several in one call (AD: one modify of a group with several members) gets them together.
      list.sort((a, b) => (a.resource.id < b.resource.id ? -1 : a.resource.id > b.resource.id ? 1 : 0));
      const chunks: Claimed[][] = [];
      for (let i = 0; i < list.length; i += ctx.opts.batchSize) chunks.push(list.slice(i, i + ctx.opts.batchSize));
      await inParallel(chunks, ctx.opts.writeConcurrency, async (chunk) => {
        const first = chunk[0] as Claimed;
        let outcomes: Map<string, ConnectorOutcome>;
        try {
          outcomes = await callConnector(first.connector, first.job.kind as 'provision' | 'revoke', chunk.map((c) => c.ref));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          outcomes = new Map(chunk.map((c) => [c.grant.id, { status: 'failed', retryable: true, code: 'connector_threw', message } as ConnectorOutcome]));
        }
        try {
          ctx.store.tx(() => {
            for (const c of chunk) {
              const outcome = outcomes.get(c.grant.id) ?? { status: 'failed', retryable: true, code: 'no_outcome', message: 'the connector gave no outcome for this grant' };
              recordWrite(ctx, c.job, outcome, summary);
            }
          });
        } finally {
          for (const c of chunk) inFlight.delete(c.job.id);
        }
      });
    }),
  );
  return summary;
}

async function callConnector(connector: Connector, kind: 'provision' | 'revoke', refs: AssignmentRef[]): Promise<Map<string, ConnectorOutcome>> {
  const many = kind === 'revoke' ? connector.revokeMany?.bind(connector) : connector.provisionMany?.bind(connector);
  if (many && refs.length > 1) return await many(refs);
  const out = new Map<string, ConnectorOutcome>();
  await Promise.all(refs.map(async (ref) => out.set(ref.grantId, kind === 'revoke' ? await connector.revoke(ref) : await connector.provision(ref))));
  return out;
}

/**
 * Claims due provision and revoke jobs in one transaction, before any connector is called:
 * a job is ours alone until its lease ends, so a grant is never written twice at once.
 * Grants whose work cannot even start (no connector, no principal) are escalated here.
 */
function claimWrites(ctx: SchedulerContext, inFlight: Set<string>, summary: PassSummary): Claimed[] {
  const now = ctx.opts.now();
  const nowMs = now.getTime();
  const claimed: Claimed[] = [];
  ctx.store.tx(() => {
    for (const job of ctx.jobs.due(['revoke', 'provision'], nowMs, ctx.opts.claimLimit)) {
      if (inFlight.has(job.id)) continue;
      // Never remove access while its provisioning call may still land afterwards.
      if (job.kind === 'revoke' && ctx.jobs.isRunning(job.grantId, 'provision')) continue;
      let grant = ctx.store.get('grants', job.grantId);
      if (grant && job.kind === 'revoke' && (grant.status === 'active' || grant.status === 'provisioning' || grant.status === 'provision_failed')) {
        const expiresAtMs = Date.parse(grant.expiresAt);
        if (expiresAtMs > nowMs) {
          // Extended since the deadline was booked: book the new one.
          ctx.jobs.retry(job.id, nowMs, expiresAtMs, '');
          continue;
        }
        // A provisioning call in flight finishes first; the next pass revokes what it made.
        if (ctx.jobs.isRunning(grant.id, 'provision')) continue;
        const from = grant.status;
        const revoking = requestRevocation(grant, 'system', 'expired', { now }, 'expiry');
        if (!revoking.ok) continue;
        grant = ctx.putGrant(revoking.value);
        ctx.jobs.cancelForGrant(grant.id, ['provision', 'verify_provision'], nowMs);
        ctx.audit('grant.revoke_requested', 'grant', grant.id, { category: 'expiry', reason: 'expired', expiresAt: grant.expiresAt, from }, now);
        summary.expired++;
      }
      if (grant && job.kind === 'provision' && grant.status === 'provisioning' && Date.parse(grant.startsAt) > nowMs) {
        // Booked before its start (a job brought back early): access is never written before the start.
        ctx.jobs.retry(job.id, nowMs, Date.parse(grant.startsAt), '');
        continue;
      }
      const wanted = job.kind === 'revoke' ? ['revoking', 'revoke_failed'] : ['provisioning', 'provision_failed'];
      if (!grant || !wanted.includes(grant.status)) {
        ctx.jobs.finish(job.id, nowMs, 'cancelled', grant ? `grant is ${grant.status}` : 'grant does not exist');
        continue;
      }
      // Ended before anything was written for it (cancelled before its start): nothing to remove.
      if (endNeverProvisioned(ctx, job, grant, now)) continue;
      // The claim is not an attempt: one whose process dies is taken over with nothing lost.
      if (!ctx.jobs.claim(job.id, nowMs, ctx.opts.leaseMs, false)) continue;
      const firstClaim = job.claims === 0 && job.attempts === 0;
      // The attempt this claim makes, if its outcome counts.
      const claimedJob: Job = { ...job, attempts: job.attempts + 1, claims: job.claims + 1, state: 'running' };
      summary.claimed++;
      if (grant.status === 'provision_failed') {
        // A retried provisioning is provisioning again (the lifecycle allows it).
        grant = ctx.putGrant({ ...grant, status: 'provisioning', updatedAt: now.toISOString(), revision: grant.revision + 1 });
      }
      if (firstClaim) {
        ctx.audit(job.kind === 'revoke' ? 'grant.revoke_started' : 'grant.provision_started', 'grant', grant.id, { connectorId: job.connectorId }, now);
      }
      const target = ctx.assignmentFor(grant);
      if (!target.ok) {
        recordWrite(ctx, claimedJob, { status: 'failed', retryable: false, code: target.code, message: target.message }, summary);
        continue;
      }
      inFlight.add(job.id);
      claimed.push({ job: claimedJob, grant, ref: target.ref, resource: target.resource, connector: target.connector });
    }
  });
  return claimed;
}

/**
 * Manual work: when the owner closes the task, the grant moves on. A closed manual revocation
 * is the owner's sign-off and becomes the verification receipt (the directory cannot be read).
 * A dismissed one is escalated, since the access may still be there.
 */
export function settleManualTasks(ctx: SchedulerContext): number {
  const now = ctx.opts.now();
  const nowMs = now.getTime();
  let settled = 0;
  ctx.store.tx(() => {
    for (const job of ctx.jobs.waiting(['provision', 'revoke'])) {
      const task = job.taskId ? ctx.store.get('tasks', job.taskId) : null;
      if (task && task.status === 'open') continue;
      const grant = ctx.store.get('grants', job.grantId);
      if (!grant) {
        ctx.jobs.finish(job.id, nowMs, 'cancelled', 'grant does not exist');
        continue;
      }
      settled++;
      const signedOff = task?.status === 'done';
      const who = task?.closedBy ?? 'unknown';
      if (job.kind === 'revoke') {
        if (!signedOff) {
          recordRevoke(ctx, { ...job, escalated: false, attempts: Math.max(job.attempts, ctx.opts.maxAttempts) }, grant, ctx.store.get('resources', grant.resourceId), { status: 'failed', retryable: false, code: 'manual_task_dismissed', message: `the manual revocation task was dismissed by ${who}` }, now, emptySummary());
          continue;
        }
        const revoked = markRevoked(grant, { now });
        if (!revoked.ok) {
          ctx.jobs.finish(job.id, nowMs, 'cancelled', revoked.message);
          continue;
        }
        ctx.putGrant(revoked.value);
        ctx.audit('grant.revoked', 'grant', grant.id, { category: revocationCategoryOf(revoked.value), connectorId: job.connectorId, detail: `removed by hand; signed off by ${who}`, taskId: job.taskId, latenessMs: revoked.value.latenessMs }, now);
        const verified = markVerifiedGone(ctx.store.get('grants', grant.id) as Grant, { now });
        if (verified.ok) {
          ctx.putGrant(verified.value);
          const receipt = ctx.writeReceipt(
            job,
            grant,
            'revocation',
            'gone',
            { present: false, endpoint: `sign-off: task ${job.taskId ?? ''}`, reads: [{ at: now.toISOString(), present: false, detail: `the application owner (${who}) confirmed the access is removed` }], consistentReads: 0, transitiveChecked: false, conclusive: true },
            now,
            now,
          );
          ctx.audit('grant.revocation_verified', 'grant', grant.id, { verificationId: receipt.id, method: 'sign-off', signedOffBy: who }, now);
        }
        ctx.jobs.finish(job.id, nowMs);
      } else {
        if (!signedOff || grant.status !== 'provisioning') {
          ctx.jobs.finish(job.id, nowMs, 'cancelled', signedOff ? `grant is ${grant.status}` : 'manual provisioning task was dismissed');
          if (!signedOff && canTransition(grant.status, 'provision_failed')) {
            const failed = markFailed(grant, 'provision_failed', `the manual provisioning task was dismissed by ${who}`, { now });
            if (failed.ok) ctx.putGrant(failed.value);
            ctx.audit('grant.provision_failed', 'grant', grant.id, { code: 'manual_task_dismissed', retryable: false, taskId: job.taskId }, now);
          }
          continue;
        }
        const active = markProvisioned(grant, { now });
        if (!active.ok) continue;
        ctx.audit('grant.provisioned', 'grant', grant.id, { connectorId: job.connectorId, detail: `granted by hand; signed off by ${who}`, taskId: job.taskId }, now);
        const effective = markEffective(active.value, { now });
        ctx.putGrant(effective);
        const receipt = ctx.writeReceipt(
          job,
          grant,
          'provision',
          'effective',
          { present: true, endpoint: `sign-off: task ${job.taskId ?? ''}`, reads: [{ at: now.toISOString(), present: true, detail: `the application owner (${who}) confirmed the access is granted` }], consistentReads: 0, transitiveChecked: false, conclusive: true },
          now,
          now,
        );
        ctx.audit('grant.effective_verified', 'grant', grant.id, { verificationId: receipt.id, method: 'sign-off', timeToEffectiveMs: effective.timeToEffectiveMs }, now);
        ctx.jobs.finish(job.id, nowMs);
      }
    }
  });
  return settled;
}
