import clsx from 'clsx';
import { useEffect, useMemo, useState } from 'react';
import { map } from 'rxjs';
import type { Grant, Task } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { isTypingTarget } from '../../app/search.js';
import { sendCommand } from '../../db/index.js';
import { formatRelative } from '../../lib/time.js';
import { useNow, useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { EmptyState, Kbd, Time } from '../../ui/ui.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { reviewHref } from '../reviews/review-route.js';
import { decidedInReview, DONE_MEANS, filterTasks, NOT_DONE_MEANS, isOverdue, mayCloseTask, sortTasks, stepsOf, TASK_KIND_LABEL, type TaskFilter } from './tasks-model.js';
import './tasks.css';
import { commandsWait, sentWhen } from '../../session/reach.js';

type Closing = { task: Task; outcome: 'done' | 'dismissed' };

/** "My tasks": what the server handed to me to do by hand, live, with its steps and due time. */
export function TasksPage() {
  const { db, user } = useSession();
  const { users, resources, waiting, status } = useConsoleData();
  const toasts = useToasts();
  const now = useNow(30_000);
  const offline = commandsWait(status);
  const whenSent = sentWhen(status);
  const isAdmin = (user.roles as readonly string[]).includes('admin');
  const [filter, setFilter] = useState<TaskFilter>('mine');
  const [selected, setSelected] = useState<string | null>(null);
  const [closing, setClosing] = useState<Closing | null>(null);

  const tasks = useObservable(() => db.tasks.find().$.pipe(map((docs) => docs.map((d) => d.toJSON() as Task))), [] as Task[], [db]);
  const grantIds = useMemo(() => [...new Set(tasks.data.map((t) => t.grantId).filter((id): id is string => id !== null))], [tasks.data]);
  const grants = useObservable(
    () => db.grants.find({ selector: { id: { $in: grantIds } } }).$.pipe(map((docs) => new Map(docs.map((d) => [d.id, d.toJSON() as Grant])))),
    new Map<string, Grant>(),
    [db, grantIds.join(',')],
  );
  const counts = useMemo(
    () => ({ mine: filterTasks(tasks.data, 'mine', user.id, now).length, unassigned: filterTasks(tasks.data, 'unassigned', user.id, now).length }),
    [tasks.data, user.id, now],
  );
  const rows = useMemo(() => sortTasks(filterTasks(tasks.data, filter, user.id, now), now), [tasks.data, filter, user.id, now]);
  const active = rows.find((t) => t.id === selected) ?? rows[0];
  const person = (id: string | null) => (id ? (users.get(id)?.displayName ?? id) : 'nobody');

  const close = async ({ task, outcome }: Closing, note: string) => {
    try {
      await sendCommand(db, { type: 'task.close', actorId: user.id, payload: { taskId: task.id, outcome, note } });
      toasts.push({ tone: 'success', title: outcome === 'done' ? 'Marked done' : 'Marked could not be done', body: offline ? `${task.title}: sent ${whenSent}.` : task.title });
    } catch (error) {
      toasts.push({ tone: 'danger', title: 'Could not record it', body: error instanceof Error ? error.message : String(error) });
    }
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
      const at = active ? rows.indexOf(active) : -1;
      if (event.key === 'j' || event.key === 'k') {
        const next = rows[Math.max(0, Math.min(rows.length - 1, at + (event.key === 'j' ? 1 : -1)))];
        if (next) {
          event.preventDefault();
          setSelected(next.id);
        }
      } else if ((event.key === 'e' || event.key === 'n') && active && mayCloseTask(user, active, active.grantId ? grants.data.get(active.grantId) : undefined) && !waiting.has(active.id)) {
        event.preventDefault();
        setClosing({ task: active, outcome: event.key === 'e' ? 'done' : 'dismissed' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, active, user, grants.data, waiting]);

  useEffect(() => {
    if (active) document.querySelector(`[data-task-id="${CSS.escape(active.id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const filters: Array<{ key: TaskFilter; label: string; count?: number }> = [
    { key: 'mine', label: 'Assigned to me', count: counts.mine },
    ...(isAdmin ? [{ key: 'unassigned' as const, label: 'Assigned to nobody', count: counts.unassigned }] : []),
    { key: 'closed', label: 'Closed, last 30 days' },
  ];

  return (
    <div className="page tasks-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>My tasks</h1>
          <span className="muted">{tasks.loading ? 'Loading…' : `${counts.mine} open for you`}</span>
        </div>
        <fieldset className="segmented">
          <legend className="visually-hidden">Which tasks</legend>
          {filters.map((f) => (
            <label key={f.key} className={f.key === filter ? 'selected' : undefined}>
              <input type="radio" name="task-filter" value={f.key} checked={f.key === filter} onChange={() => setFilter(f.key)} />
              {f.label}
              {f.count !== undefined ? ` (${f.count})` : ''}
            </label>
          ))}
        </fieldset>
      </header>
      {rows.length === 0 ? (
        <EmptyState title={tasks.loading ? 'Loading tasks…' : filter === 'closed' ? 'Nothing closed in the last 30 days' : 'Nothing to do'} icon="check-square">
          {tasks.loading ? null : 'When access must be granted or removed by hand in an application you own, or a revocation needs a person, the task appears here with its steps and due time.'}
        </EmptyState>
      ) : (
        <ul className="tk-list" aria-label="Tasks">
          {rows.map((task) => {
            const grant = task.grantId ? grants.data.get(task.grantId) : undefined;
            const overdue = isOverdue(task, now);
            const sent = waiting.get(task.id);
            const closable = mayCloseTask(user, task, grant);
            return (
              <li key={task.id} className={clsx('tk-card', task === active && 'active', overdue && 'overdue')} data-task-id={task.id} aria-current={task === active ? 'true' : undefined} onClick={() => setSelected(task.id)}>
                <div className="tk-head">
                  <span className={clsx('pill', task.severity === 'critical' ? 'tone-danger' : task.severity === 'warning' ? 'tone-warning' : 'tone-info')}>{TASK_KIND_LABEL[task.kind]}</span>
                  <strong className="tk-title">{task.title}</strong>
                  {task.status !== 'open' ? <span className="pill tone-neutral">{task.status === 'done' ? 'Done' : 'Could not be done'}</span> : null}
                  {sent ? <span className="pill tone-warning">{offline ? 'Waiting to sync' : 'Sent'}</span> : null}
                </div>
                <p className="tk-meta muted small">
                  {grant ? (
                    <>
                      For {person(grant.userId)} on <a href={href('requests', grant.requestId)}>{resources.get(grant.resourceId)?.name ?? grant.resourceId}</a> ·{' '}
                    </>
                  ) : task.resourceId ? (
                    <>{resources.get(task.resourceId)?.name ?? task.resourceId} · </>
                  ) : null}
                  assigned to {task.assigneeId === user.id ? 'you' : person(task.assigneeId)} · opened <Time iso={task.createdAt} />
                  {task.status === 'open' && task.dueAt ? (
                    <span className={overdue ? 'text-danger strong' : undefined} title={task.dueAt}>
                      {' '}
                      · {overdue ? `overdue by ${formatRelative(task.dueAt, now).replace(/ ago$/, '')}` : Date.parse(task.dueAt) <= now ? 'due now' : <>due <Time iso={task.dueAt} /></>}
                    </span>
                  ) : null}
                  {task.status === 'open' && task.reminders > 0 && task.remindedAt ? (
                    <span data-testid="task-reminders">
                      {' '}
                      · reminded {task.reminders === 1 ? 'once' : `${task.reminders} times`}, last <Time iso={task.remindedAt} />
                    </span>
                  ) : null}
                  {task.status !== 'open' && task.closedAt ? (
                    <>
                      {' '}
                      · closed by {task.closedBy === user.id ? 'you' : person(task.closedBy)} <Time iso={task.closedAt} />
                    </>
                  ) : null}
                </p>
                {stepsOf(task.detail).length > 0 ? (
                  <ol className="tk-steps">
                    {stepsOf(task.detail).map((step, i) => (
                      <li key={i}>{step}</li>
                    ))}
                  </ol>
                ) : null}
                {closable ? (
                  <div className="tk-actions">
                    <button type="button" className="button small primary" disabled={Boolean(sent)} onClick={() => setClosing({ task, outcome: 'done' })}>
                      Done
                    </button>
                    <button type="button" className="button small danger" disabled={Boolean(sent)} onClick={() => setClosing({ task, outcome: 'dismissed' })}>
                      Could not
                    </button>
                  </div>
                ) : decidedInReview(task, grant) && grant?.userId !== user.id ? (
                  <p className="muted small" data-testid="decided-in-review">
                    Decided in <a href={reviewHref({ view: 'inbox', campaignId: 'rc-break-glass' })}>Access reviews</a>: keep or remove the access there, and this task closes with the decision.
                  </p>
                ) : task.status === 'open' && grant?.userId === user.id ? (
                  <p className="muted small">This is about your own access: someone else signs it off.</p>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      <p className="muted small tk-keys">
        <Kbd>j</Kbd>/<Kbd>k</Kbd> move · <Kbd>e</Kbd> done · <Kbd>n</Kbd> could not
      </p>
      <ReasonDialog
        open={closing !== null}
        title={closing?.outcome === 'done' ? 'Mark the task done' : 'The task could not be done'}
        tone={closing?.outcome === 'done' ? 'primary' : 'danger'}
        confirmLabel={closing?.outcome === 'done' ? 'Done' : 'Could not'}
        placeholder={closing?.outcome === 'done' ? 'What you did (kept in the audit log)' : 'What stopped you (kept in the audit log)'}
        intro={closing ? <p>{(closing.outcome === 'done' ? DONE_MEANS : NOT_DONE_MEANS)[closing.task.kind]}</p> : null}
        onClose={() => setClosing(null)}
        onConfirm={(note) => {
          const target = closing;
          setClosing(null);
          if (target) void close(target, note);
        }}
      />
    </div>
  );
}

/** The navigation's count: open tasks assigned to me, live. */
export function TasksBadge() {
  const { db, user } = useSession();
  // A find, not count(): RxDB counts only selectors its indexes fully cover.
  const open = useObservable(() => db.tasks.find({ selector: { assigneeId: user.id, status: 'open' } }).$.pipe(map((docs) => docs.length)), 0, [db, user.id]);
  return open.data > 0 ? (
    <span className="count" title={`${open.data} open task${open.data === 1 ? '' : 's'} assigned to you`} data-testid="tasks-badge">
      {open.data.toLocaleString()}
    </span>
  ) : null;
}
