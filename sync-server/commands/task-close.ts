import { err, LIVE_GRANT_STATES, ok } from '../../core/index.js';
import { BREAK_GLASS_CAMPAIGN } from '../reviews/break-glass.js';
import { getCampaign } from '../reviews/docs.js';
import { hasAnyRole, type UseCase } from './context.js';

const LIVE_WORDS: Partial<Record<string, string>> = { provisioning: 'being granted', provision_failed: 'granting failed', active: 'active', revoking: 'being removed', revoke_failed: 'removal failed' };

export const taskClose: UseCase<'task.close'> = (payload, ctx) => {
  const task = ctx.store.get('tasks', payload.taskId);
  if (!task) return err('not_found', `task ${payload.taskId} does not exist`);
  if (task.status !== 'open') {
    return err('already_decided', `the task was already ${task.status}${task.closedBy ? ` by ${ctx.names(task.closedBy)}` : ''}`);
  }
  const isAdmin = hasAnyRole(ctx.actor, ['admin']);
  if (task.assigneeId === null && !isAdmin) return err('forbidden', 'the task is assigned to nobody; only an admin can close it');
  if (task.assigneeId !== null && task.assigneeId !== ctx.actor.id && !isAdmin) {
    return err('forbidden', `the task is assigned to ${ctx.names(task.assigneeId)}; only they or an admin can close it`);
  }
  // Closing a task signs off that access was granted or removed by hand: never about one's own access.
  const grant = task.grantId ? ctx.store.get('grants', task.grantId) : null;
  if (grant && grant.userId === ctx.actor.id) {
    return err('forbidden', 'the task is about your own grant; someone else must sign it off');
  }
  // The break-glass follow-up is decided as a review item; its task closes with that decision, never by hand while the access stays.
  if (task.kind === 'break_glass_review' && grant && LIVE_GRANT_STATES.includes(grant.status)) {
    const item = ctx.store.get('reviews', `ri-break-glass-${task.requestId ?? ''}`.slice(0, 128));
    const where = item ? ` (Access reviews, ${getCampaign(ctx.store, BREAK_GLASS_CAMPAIGN)?.name ?? 'Break-glass follow-up'})` : '';
    return err('invalid_transition', `the break-glass follow-up cannot be ${payload.outcome === 'done' ? 'marked done' : 'dismissed'} while the access it granted stays (${LIVE_WORDS[grant.status] ?? grant.status}): keep or remove the access in its review item${where}, and the task closes with that decision`);
  }
  const now = ctx.now.toISOString();
  const note = payload.note.trim();
  ctx.store.put('tasks', {
    ...task,
    status: payload.outcome,
    closedAt: now,
    closedBy: ctx.actor.id,
    detail: note ? `${task.detail}${task.detail ? '\n\n' : ''}${ctx.actor.displayName}: ${note}`.slice(0, 8192) : task.detail,
    updatedAt: now,
  });
  ctx.audit('task.closed', 'task', task.id, { outcome: payload.outcome, note, kind: task.kind, grantId: task.grantId });
  return ok({ message: `task "${task.title}" marked ${payload.outcome}`, subjectIds: [task.id] });
};
