import type {
  AssignmentRef,
  AuditEvent,
  AuditEventType,
  Connector,
  Grant,
  Resource,
  SeparationSettings,
  Task,
  Verification,
  VerifyOutcome,
} from '../../core/index.js';
import { DEFAULT_SEPARATION } from '../../core/index.js';
import { directoryIdFor } from '../../core/engine/principal.js';
import type { Store } from '../store/types.js';
import { JobQueue, type Job } from './jobs.js';

/** What the scheduler needs from the connector registry: a connector by its configured id. */
export type ConnectorLookup = { get(id: string): Connector | undefined };

export type SchedulerOptions = {
  store: Store;
  registry: ConnectorLookup;
  /** The clock; tests inject one. */
  now?: () => Date;
  /** Longest pause between passes when nothing is due sooner. */
  intervalMs?: number;
  /** Failed attempts before a revocation (or provisioning) is escalated to a person. */
  maxAttempts?: number;
  /** Retry cadence once escalated for a failure a person must fix (forbidden, not found, misconfigured): slower, but never stopped. */
  escalatedRetryMs?: number;
  /** Longest wait between retries of an escalated revocation whose failures are transient: it is never parked. */
  escalatedTransientRetryMs?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  /** When to re-check a verified revocation for drift (access re-added out of band); a connector's config may say otherwise. */
  driftCheckAfterMs?: readonly number[];
  /** The rolling sweep: grants ended within this long are re-read (0: no sweep); a connector's config may say otherwise. */
  reverifyWindowMs?: number;
  /** How often the sweep re-reads each of them. */
  reverifyEveryMs?: number;
  /** Most sweep checks booked per minute (each is a few reads), so the sweep stays inside the read budget. */
  reverifyPerMinute?: number;
  /** Consecutive agreeing reads a verification needs, and the most reads it may take. */
  consistentReads?: number;
  maxVerifyReads?: number;
  /** Wait between a revocation and its first verification read. */
  verifyDelayMs?: number;
  /** Inconclusive verifications retried this often before slowing down. */
  maxVerifyAttempts?: number;
  /** How long a claimed job is ours before another pass may take it over. */
  leaseMs?: number;
  /** Grants per connector call (Graph's $batch holds 20). */
  batchSize?: number;
  /** Connector calls in flight per connector. */
  writeConcurrency?: number;
  verifyConcurrency?: number;
  /** Jobs claimed per pass. */
  claimLimit?: number;
  /** An open task past its due time reminds its assignee then, and again this often while it stays open. */
  taskReminderEveryMs?: number;
  random?: () => number;
  /** Separation of duties: who changed a request's configuration recently cannot be escalated to. */
  separation?: SeparationSettings;
  /** Standing-access discovery reads each connector's holders again this long after its last run; 0 (default): only on demand. */
  discoveryEveryMs?: number;
  /** Unexpected errors of a pass (the loop keeps going). */
  onError?: (error: unknown) => void;
};

export type ResolvedOptions = Required<Omit<SchedulerOptions, 'store' | 'registry' | 'onError'>> & Pick<SchedulerOptions, 'onError'>;

export const HOUR = 3_600_000;

export function resolveOptions(opts: SchedulerOptions): ResolvedOptions {
  return {
    now: opts.now ?? (() => new Date()),
    intervalMs: opts.intervalMs ?? 1000,
    maxAttempts: opts.maxAttempts ?? 5,
    escalatedRetryMs: opts.escalatedRetryMs ?? 15 * 60_000,
    escalatedTransientRetryMs: opts.escalatedTransientRetryMs ?? 60_000,
    retryBaseMs: opts.retryBaseMs ?? 1000,
    retryCapMs: opts.retryCapMs ?? 5 * 60_000,
    driftCheckAfterMs: opts.driftCheckAfterMs ?? [HOUR, 24 * HOUR],
    reverifyWindowMs: opts.reverifyWindowMs ?? 30 * 24 * HOUR,
    reverifyEveryMs: opts.reverifyEveryMs ?? 24 * HOUR,
    reverifyPerMinute: opts.reverifyPerMinute ?? 30,
    consistentReads: opts.consistentReads ?? 3,
    maxVerifyReads: opts.maxVerifyReads ?? (opts.consistentReads ?? 3) * 4,
    verifyDelayMs: opts.verifyDelayMs ?? 0,
    maxVerifyAttempts: opts.maxVerifyAttempts ?? 5,
    leaseMs: opts.leaseMs ?? 10 * 60_000,
    batchSize: opts.batchSize ?? 20,
    writeConcurrency: opts.writeConcurrency ?? 4,
    verifyConcurrency: opts.verifyConcurrency ?? 64,
    claimLimit: opts.claimLimit ?? 500,
    taskReminderEveryMs: opts.taskReminderEveryMs ?? 4 * HOUR,
    random: opts.random ?? Math.random,
    separation: opts.separation ?? DEFAULT_SEPARATION,
    discoveryEveryMs: opts.discoveryEveryMs ?? 0,
    onError: opts.onError,
  };
}

export const SYSTEM_ACTOR = 'system';

/** Shared by the passes: the store, the job table, the connectors and small write helpers. */
export class SchedulerContext {
  readonly jobs: JobQueue;
  readonly opts: ResolvedOptions;

  constructor(
    readonly store: Store,
    readonly registry: ConnectorLookup,
    opts: ResolvedOptions,
  ) {
    this.jobs = new JobQueue(store.db);
    this.opts = opts;
  }

  nowMs(): number {
    return this.opts.now().getTime();
  }

  audit(type: AuditEventType, subjectType: AuditEvent['subjectType'], subjectId: string, data: Record<string, unknown>, at: Date): void {
    this.store.appendAudit({ type, actorId: SYSTEM_ACTOR, subjectType, subjectId, data: dropUndefined(data), at: at.toISOString() });
  }

  /** A grant write with its revision bumped; the caller has checked the transition. */
  putGrant(grant: Grant): Grant {
    return this.store.put('grants', grant);
  }

  /** Creates a task once (by id) and audits it; returns the id. */
  openTask(task: Omit<Task, 'status' | 'createdAt' | 'updatedAt' | 'closedAt' | 'closedBy' | 'reminders' | 'remindedAt'>, at: Date): string {
    const existing = this.store.get('tasks', task.id);
    if (existing) return existing.id;
    const iso = at.toISOString();
    this.store.put('tasks', { ...task, status: 'open', createdAt: iso, updatedAt: iso, closedAt: null, closedBy: null, reminders: 0, remindedAt: null });
    this.audit('task.created', 'task', task.id, { kind: task.kind, grantId: task.grantId, assigneeId: task.assigneeId, severity: task.severity }, at);
    return task.id;
  }

  /** Opens a task about a grant, due now, for the resource's owner; `key` keeps it to one per attempt (or per job). */
  openGrantTask(
    grant: Grant,
    resource: Resource | null,
    task: { kind: Task['kind']; key: string; title: string; detail: string; severity: Task['severity'] },
    at: Date,
  ): string {
    return this.openTask(
      {
        id: `task:${task.kind}:${task.key}`.slice(0, 128),
        kind: task.kind,
        title: task.title.slice(0, 512),
        detail: task.detail,
        assigneeId: resource?.ownerId ?? null,
        grantId: grant.id,
        requestId: grant.requestId,
        resourceId: grant.resourceId,
        severity: task.severity,
        dueAt: at.toISOString(),
      },
      at,
    );
  }

  /** Closes the scheduler's own open tasks of a kind for a grant (the problem went away). */
  closeTasks(grantId: string, kind: Task['kind'], note: string, at: Date): void {
    const iso = at.toISOString();
    for (const task of this.store.list('tasks', { status: 'open', where: { grantId } })) {
      if (task.kind !== kind) continue;
      this.store.put('tasks', { ...task, status: 'done', closedAt: iso, closedBy: SYSTEM_ACTOR, detail: `${task.detail}\n\n${note}`.slice(0, 8192), updatedAt: iso });
      this.audit('task.closed', 'task', task.id, { outcome: 'done', kind, grantId, note }, at);
    }
  }

  writeReceipt(job: Job, grant: Grant, purpose: Verification['purpose'], result: Verification['result'], outcome: VerifyOutcome, startedAt: Date, finishedAt: Date): Verification {
    return this.store.put('verifications', {
      id: receiptId(job),
      grantId: grant.id,
      purpose,
      result,
      connector: grant.connector,
      endpoint: outcome.endpoint.slice(0, 2048),
      reads: outcome.reads.slice(-64).map((r) => ({ at: r.at, present: r.present, detail: r.detail.slice(0, 2048) })),
      consistentReads: outcome.consistentReads,
      transitiveChecked: outcome.transitiveChecked,
      ...(job.actedVia ? { actedVia: job.actedVia.slice(0, 256) } : {}),
      ...(job.id.endsWith(':sweep') ? { sweep: true } : {}),
      ...(outcome.caveat ? { caveat: outcome.caveat.slice(0, 1024) } : {}),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
    });
  }

  /** The connector call's input for a grant, or why it cannot be built (a problem for a person). */
  assignmentFor(grant: Grant): { ok: true; ref: AssignmentRef; resource: Resource; connector: Connector } | { ok: false; code: string; message: string; resource: Resource | null } {
    const resource = this.store.get('resources', grant.resourceId);
    if (!resource) return { ok: false, code: 'resource_missing', message: `resource ${grant.resourceId} no longer exists`, resource: null };
    const connector = this.registry.get(resource.connectorId);
    if (!connector) return { ok: false, code: 'connector_missing', message: `no connector is configured with id ${resource.connectorId}`, resource };
    const user = this.store.get('users', grant.userId);
    if (!user) return { ok: false, code: 'user_missing', message: `user ${grant.userId} does not exist`, resource };
    const principalId = directoryIdFor(user, resource);
    if (!principalId) return { ok: false, code: 'no_principal', message: `${user.displayName} has no ${resource.connector} object id`, resource };
    return {
      ok: true,
      resource,
      connector,
      ref: {
        grantId: grant.id,
        resource: { id: resource.id, kind: resource.kind, connector: resource.connector, connectorId: resource.connectorId, target: resource.target, name: resource.name },
        principalId,
        expiresAt: grant.expiresAt,
        justification: grant.endedReason || undefined,
      },
    };
  }

  /** Backoff for the nth failed attempt, never sooner than the directory asked. */
  retryDelayMs(attempts: number, retryAfterMs: number | undefined): number {
    const ceiling = Math.min(this.opts.retryCapMs, this.opts.retryBaseMs * 2 ** Math.max(0, attempts - 1));
    const jittered = Math.round(ceiling / 2 + this.opts.random() * (ceiling / 2));
    return Math.max(jittered, retryAfterMs ?? 0);
  }
}

function dropUndefined(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
}

/** One receipt per verification attempt; long grant ids are shortened so the id stays valid. */
function receiptId(job: Job): string {
  const id = `vr:${job.id}:${job.attempts}`;
  if (id.length <= 128) return id;
  let hash = 0;
  for (const ch of id) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0;
  return `vr:${id.slice(-100)}:${(hash >>> 0).toString(16)}`;
}

/** Runs tasks with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
