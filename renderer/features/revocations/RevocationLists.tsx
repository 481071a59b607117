/**
 * The lists of the Revocations screen: cards with a count, tables of grants and tasks, and the
 * recently verified grants with when each was last re-verified.
 */
import clsx from 'clsx';
import { useMemo, type ReactNode } from 'react';
import { map } from 'rxjs';
import type { Grant, Task, Verification } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { formatAbsolute } from '../../lib/time.js';
import { useObservable } from '../../lib/use-rx.js';
import { useSession } from '../../session/session.js';
import { formatMs } from '../../ui/charts/scale.js';
import { Time } from '../../ui/ui.js';
import { VerificationBadge } from './Receipt.js';
import { lastReverified, reverifiedView } from './revocation-model.js';

/** Longest list shown in full; the rest are counted, not hidden silently. */
export const LIST_LIMIT = 50;

export function ListCard({ id, title, count, tone, children, testId }: { id: string; title: string; count: number; tone: 'danger' | 'info' | 'success'; children: ReactNode; testId: string }) {
  return (
    <section className="card rv-card" id={id} aria-labelledby={`${id}-title`} data-testid={testId}>
      <header className="rv-card-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <span className={clsx('count-chip', count > 0 ? `tone-${tone}` : 'tone-neutral')}>{count.toLocaleString()}</span>
      </header>
      {children}
    </section>
  );
}

export function ListEmpty({ children }: { children: ReactNode }) {
  return <p className="rv-empty">{children}</p>;
}

export function More({ shown, total }: { shown: number; total: number }) {
  if (total <= shown) return null;
  return (
    <p className="muted small rv-more">
      Showing {shown.toLocaleString()} of {total.toLocaleString()}.
    </p>
  );
}

/** Person and resource, the resource linking to the grant's receipts. */
export function GrantCell({ grant, person, resource }: { grant: Pick<Grant, 'id'>; person: string; resource: string }) {
  return (
    <div className="rv-grant">
      <span className="strong">{person}</span>
      <a href={href('revocations', grant.id)} title="Show what was read back from the directory" data-testid="receipt-link">
        {resource}
      </a>
    </div>
  );
}

/** Open tasks of one kind, the first LIST_LIMIT of them in a table. */
export function TaskListCard({ id, title, tasks, loading, person, empty, testId }: { id: string; title: string; tasks: readonly Task[]; loading: boolean; person(id: string): string; empty: string; testId: string }) {
  return (
    <ListCard id={id} title={title} count={tasks.length} tone="danger" testId={testId}>
      {loading ? <ListEmpty>Loading tasks…</ListEmpty> : tasks.length === 0 ? <ListEmpty>{empty}</ListEmpty> : <TaskTable tasks={tasks.slice(0, LIST_LIMIT)} person={person} />}
      <More shown={Math.min(tasks.length, LIST_LIMIT)} total={tasks.length} />
    </ListCard>
  );
}

export function TaskTable({ tasks, person }: { tasks: readonly Task[]; person(id: string): string }) {
  return (
    <table className="rv-table">
      <thead>
        <tr>
          <th scope="col">Task</th>
          <th scope="col">Owner</th>
          <th scope="col">Opened</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((t) => (
          <tr key={t.id} data-task-id={t.id} data-grant-id={t.grantId ?? undefined}>
            <td>
              <div className="rv-task-title">
                <span className={clsx('pill', t.severity === 'critical' ? 'tone-danger' : t.severity === 'warning' ? 'tone-warning' : 'tone-info')}>{t.severity === 'critical' ? 'Critical' : t.severity === 'warning' ? 'Warning' : 'Info'}</span>
                <span className="strong">{t.title}</span>
              </div>
              {t.detail ? <div className="muted small rv-task-detail">{t.detail}</div> : null}
              {t.grantId ? (
                <div className="small">
                  <a href={href('revocations', t.grantId)} data-testid="receipt-link">
                    Show the grant's receipts
                  </a>
                  {t.requestId ? (
                    <>
                      {' · '}
                      <a href={href('requests', t.requestId)}>Open the request</a>
                    </>
                  ) : null}
                </div>
              ) : null}
            </td>
            <td>{t.assigneeId ? person(t.assigneeId) : <span className="muted">unassigned</span>}</td>
            <td>
              <Time iso={t.createdAt} />
              {t.dueAt ? (
                <div className="muted small">
                  due <Time iso={t.dueAt} />
                </div>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const NO_RECEIPTS: Verification[] = [];

/**
 * Grants verified gone, newest first, each with when a drift check last read it back (the fixed
 * re-checks after an hour and a day, or the rolling sweep over every grant ended within its window).
 */
export function VerifiedList({ grants, person, resource, now }: { grants: readonly Grant[]; person(id: string): string; resource(id: string): string; now: number }) {
  const { db } = useSession();
  const ids = useMemo(() => grants.map((g) => g.id), [grants]);
  const key = ids.join(',');
  const checks = useObservable(
    () => db.verifications.find({ selector: { grantId: { $in: ids }, purpose: 'drift_check' } }).$.pipe(map((docs) => lastReverified(docs.map((d) => d.toJSON() as Verification)))),
    lastReverified(NO_RECEIPTS),
    [db, key], // the ids, by value
  );
  return (
    <ListCard id="rv-verified" title="Recently verified gone" count={grants.length} tone="success" testId="list-verified">
      {grants.length === 0 ? (
        <ListEmpty>No revocation verified in this period. Once a removed access is read back and several reads agree it is gone, the grant appears here with its receipt.</ListEmpty>
      ) : (
        <table className="rv-table">
          <thead>
            <tr>
              <th scope="col">Grant</th>
              <th scope="col">Verification</th>
              <th scope="col">Removed</th>
              <th scope="col">Last re-verified</th>
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => {
              const last = checks.data.get(g.id);
              const view = reverifiedView(last, now);
              return (
                <tr key={g.id} data-grant-id={g.id}>
                  <td>
                    <GrantCell grant={g} person={person(g.userId)} resource={resource(g.resourceId)} />
                  </td>
                  <td>
                    <VerificationBadge grant={g} />
                    <div className="muted small">
                      <Time iso={g.verifiedAt} />
                    </div>
                  </td>
                  <td className="small">{g.latenessMs !== null ? `${formatMs(g.latenessMs)} after expiry` : 'early, on request'}</td>
                  <td className="small" data-testid="last-reverified" data-sweep={last?.sweep ? 'true' : undefined}>
                    {last ? (
                      <>
                        <time dateTime={last.at} title={formatAbsolute(last.at)}>
                          {view.label}
                        </time>
                        {last.sweep ? (
                          <>
                            {' '}
                            <span className="pill tone-info" title="Booked by the rolling sweep over grants ended within its window">
                              sweep
                            </span>
                          </>
                        ) : null}
                        {view.tone === 'success' ? <div className="muted small">{view.detail}</div> : <div className={clsx('pill', `tone-${view.tone}`)}>{view.detail}</div>}
                      </>
                    ) : (
                      <span className="muted" title={view.detail}>
                        {view.label}
                      </span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </ListCard>
  );
}
