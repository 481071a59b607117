import { PENDING_REQUEST_STATES, settleDeadline, type AccessRequest, type EscalationDirectory } from '../../core/index.js';
import { personNow } from '../commands/context.js';
import { basisNow } from '../commands/request-decide.js';
import type { SchedulerContext } from './context.js';

export type DeadlineSummary = { requestsExpired: number; requestsEscalated: number };

/** Requests settled per transaction; a pass keeps going until nothing more is due. */
const BATCH = 200;

/**
 * The due-scan of pending requests: those past their deadline (`expiresAt`) or whose current step
 * timed out (`stepDueAt`), both read through an index, so a pass costs the same with 10,000
 * requests waiting as with none. The deadlines live on the requests themselves: a server that was
 * down settles everything that fell due meanwhile on its first pass. The rule is core's
 * (settleDeadline); this applies it and writes the request with its audit event in one transaction.
 */
export function settleRequestDeadlines(ctx: SchedulerContext, batch = BATCH): DeadlineSummary {
  const summary: DeadlineSummary = { requestsExpired: 0, requestsEscalated: 0 };
  // One attempt per request and pass: one the rule leaves alone is not read again and again.
  const tried = new Set<string>();
  for (;;) {
    const now = ctx.opts.now();
    const at = now.toISOString();
    const progress = ctx.store.tx(() => {
      const due = [
        ...ctx.store.list('requests', { status: PENDING_REQUEST_STATES, expiresAtOrBefore: at, limit: batch }),
        ...ctx.store.list('requests', { status: PENDING_REQUEST_STATES, stepDueAtOrBefore: at, limit: batch }),
      ];
      let settled = 0;
      for (const request of due) {
        if (tried.has(request.id)) continue;
        tried.add(request.id);
        const outcome = settle(ctx, request, now);
        if (outcome === 'expired') summary.requestsExpired++;
        if (outcome === 'escalated') summary.requestsEscalated++;
        if (outcome) settled++;
      }
      return { found: due.length, settled };
    });
    if (progress.settled === 0 || progress.found < batch) break;
  }
  return summary;
}

/** The people the rule may escalate to, as the directory and their accounts say now. */
function directoryFor(ctx: SchedulerContext, request: AccessRequest): EscalationDirectory {
  return {
    person: (id) => personNow(ctx.store, id),
    groupMembers: (groupId) => ctx.store.get('groups', groupId)?.memberUserIds ?? [],
    resourceOwnerId: ctx.store.get('resources', request.resourceId)?.ownerId ?? null,
  };
}

function settle(ctx: SchedulerContext, request: AccessRequest, now: Date): 'expired' | 'escalated' | null {
  const basis = basisNow(request, ctx);
  const result = settleDeadline(request, {
    now,
    directory: directoryFor(ctx, request),
    ...(basis ? { separation: { basis, settings: ctx.opts.separation } } : {}),
  });
  if (!result.ok) return null;
  const outcome = result.value;
  ctx.store.put('requests', outcome.request);
  if (outcome.kind === 'expired') {
    ctx.audit(
      'request.expired',
      'request',
      request.id,
      { reason: outcome.request.outcomeReason, cause: outcome.cause, stepIndex: outcome.stepIndex ?? undefined, stepName: outcome.stepName ?? undefined, expiresAt: request.expiresAt },
      now,
    );
    return 'expired';
  }
  const names = outcome.addedIds.slice(0, 5).map((id) => ctx.store.get('users', id)?.displayName ?? id);
  const more = outcome.addedIds.length - names.length;
  ctx.audit(
    'request.escalated',
    'request',
    request.id,
    {
      message: `step "${outcome.stepName}" was not decided in time and escalated to ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
      stepIndex: outcome.stepIndex,
      stepName: outcome.stepName,
      approverIds: outcome.addedIds,
      notAdded: outcome.overCap > 0 ? outcome.overCap : undefined,
      stepDueAt: outcome.request.stepDueAt,
    },
    now,
  );
  return 'escalated';
}
