import type { SchedulerContext } from './context.js';

/** Tasks reminded per pass: a backlog is caught up over a few passes rather than in one long transaction. */
const BATCH = 200;

/**
 * Reminds assignees of open tasks past their due time: once when it falls due, then every
 * `taskReminderEveryMs` while it stays open. Each reminder is written on the task (its count and
 * time, which the console shows) and audited as task.reminded; delivery by mail or chat can follow
 * the same events. Tasks assigned to nobody are an admin's and are flagged on their screens instead.
 */
export function remindOverdueTasks(ctx: SchedulerContext, batch = BATCH): number {
  const now = ctx.opts.now();
  const at = now.toISOString();
  const again = new Date(now.getTime() - ctx.opts.taskReminderEveryMs).toISOString();
  return ctx.store.tx(() => {
    let reminded = 0;
    for (const task of ctx.store.list('tasks', { status: 'open' })) {
      if (reminded >= batch) break;
      if (!task.assigneeId || !task.dueAt || task.dueAt > at) continue;
      if (task.remindedAt && task.remindedAt > again) continue;
      const reminders = (task.reminders ?? 0) + 1;
      ctx.store.put('tasks', { ...task, reminders, remindedAt: at, updatedAt: at });
      ctx.audit('task.reminded', 'task', task.id, { assigneeId: task.assigneeId, kind: task.kind, reminders, overdueMs: now.getTime() - Date.parse(task.dueAt), grantId: task.grantId }, now);
      reminded++;
    }
    return reminded;
  });
}
