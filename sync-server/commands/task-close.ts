import { err, ok } from '../../core/index.js';
import { hasAnyRole, type UseCase } from './context.js';

export const taskClose: UseCase<'task.close'> = (payload, ctx) => {
  const task = ctx.store.get('tasks', payload.taskId);
  if (!task) return err('not_found', `task ${payload.taskId} does not exist`);
  if (task.status !== 'open') {
    return err('already_decided', `the task was already ${task.status}${task.closedBy ? ` by ${ctx.names(task.closedBy)}` : ''}`);
  }
  if (task.assigneeId && task.assigneeId !== ctx.actor.id && !hasAnyRole(ctx.actor, ['admin'])) {
    return err('forbidden', `the task is assigned to ${ctx.names(task.assigneeId)}; only they or an admin can close it`);
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
