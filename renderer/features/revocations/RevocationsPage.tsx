import clsx from 'clsx';
import { useMemo, useState, type ReactNode } from 'react';
import { map } from 'rxjs';
import { LIVE_GRANT_STATES, type Grant, type Task } from '../../../core/index.js';
import { href, navigate } from '../../app/router.js';
import { formatAbsolute, formatCountdown } from '../../lib/time.js';
import type { JitDatabase } from '../../db/database.js';
import { useNow, useObservable, type LiveState } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { needsServerReason, reachOf, serverView, commandsWait } from '../../session/reach.js';
import { useSession } from '../../session/session.js';
import { DurationHistogram } from '../../ui/charts/Histogram.js';
import { bucketStart, formatMs } from '../../ui/charts/scale.js';
import { TimeSeriesChart } from '../../ui/charts/TimeSeries.js';
import { Icon, StatusPill, Time, type IconName } from '../../ui/ui.js';
import { HealthBadge, useConnectors } from '../connectors/ConnectorsPage.js';
import { ReceiptDrawer } from './Receipt.js';
import { GrantCell, LIST_LIMIT, ListCard, ListEmpty, More, TaskListCard, VerifiedList } from './RevocationLists.js';
import {
  needsAPerson,
  FAILED_STATES,
  latenessValues,
  OVER_TIME_SERIES,
  revocationsOverTime,
  reviewOverdue,
  reviewOverdueWords,
  SCHEDULED_STATES,
  startOfLocalDay,
  summarise,
  timeToEffectiveValues,
  WINDOWS,
  type WindowChoice,
} from './revocation-model.js';

const HOUR = 3_600_000;
const asJson = <T,>(docs: ReadonlyArray<{ toJSON(): unknown }>): T[] => docs.map((d) => d.toJSON() as T);

type GrantSelector = NonNullable<NonNullable<Parameters<JitDatabase['grants']['find']>[0]>['selector']>;
const NO_GRANTS: Grant[] = [];

/** Grants matching a selector, live from the local replica; `deps` are the values the selector is built from. */
function useGrants(db: JitDatabase, selector: GrantSelector, deps: readonly unknown[]): LiveState<Grant[]> {
  return useObservable(() => db.grants.find({ selector }).$.pipe(map((d) => asJson<Grant>(d))), NO_GRANTS, [db, ...deps]);
}

/** The admin's fleet view of revocations, read from the local replica only (works offline). */
export function RevocationsPage({ grantId }: { grantId: string | null }) {
  const session = useSession();
  const { db } = session;
  const { users, resources, status } = useConsoleData();
  const now = useNow(15_000);
  const [windowKey, setWindowKey] = useState<WindowChoice['key']>('24h');
  const period = WINDOWS.find((w) => w.key === windowKey) ?? WINDOWS[0]!;
  // Queries start on a bucket boundary, so they change once per bucket rather than every tick.
  const since = bucketStart(now - period.ms, period.bucket);
  const sinceIso = new Date(since).toISOString();
  const todayIso = new Date(startOfLocalDay(now)).toISOString();

  const live = useGrants(db, { status: { $in: [...LIVE_GRANT_STATES] } }, []);
  const ended = useGrants(db, { status: { $in: ['revoked', 'verified'] }, revokedAt: { $gte: sinceIso } }, [sinceIso]);
  const verifiedToday = useGrants(db, { status: 'verified', verifiedAt: { $gte: todayIso } }, [todayIso]);
  const effective = useGrants(db, { effectiveAt: { $gte: sinceIso } }, [sinceIso]);
  const openTasks = useObservable(
    () => db.tasks.find({ selector: { status: 'open' } }).$.pipe(map((d) => asJson<Task>(d))),
    [] as Task[],
    [db],
  );

  const summary = useMemo(
    () => summarise({ live: live.data, ended: verifiedToday.data, openTasks: openTasks.data, now }),
    [live.data, verifiedToday.data, openTasks.data, now],
  );
  const lateness = useMemo(() => latenessValues(ended.data, since), [ended.data, since]);
  const toEffective = useMemo(() => timeToEffectiveValues(effective.data, since), [effective.data, since]);
  const overTime = useMemo(() => revocationsOverTime(ended.data, { since, now, bucket: period.bucket }), [ended.data, since, now, period.bucket]);

  const failures = useMemo(() => live.data.filter((g) => FAILED_STATES.includes(g.status) || reviewOverdue(g)).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)), [live.data]);
  const escalations = useMemo(() => openTasks.data.filter((t) => needsAPerson(t, now)).sort(bySeverityThenAge), [openTasks.data, now]);
  const drift = useMemo(() => openTasks.data.filter((t) => t.kind === 'drift_alert').sort(bySeverityThenAge), [openTasks.data]);
  const manualRemovals = useMemo(() => new Set(openTasks.data.filter((t) => t.kind === 'manual_revoke' && t.grantId).map((t) => t.grantId!)), [openTasks.data]);
  const inProgress = useMemo(
    () =>
      live.data
        .filter((g) => g.status === 'revoking' || (SCHEDULED_STATES.includes(g.status) && Date.parse(g.expiresAt) <= now + HOUR))
        .sort((a, b) => (a.status === 'revoking' ? 0 : 1) - (b.status === 'revoking' ? 0 : 1) || a.expiresAt.localeCompare(b.expiresAt)),
    [live.data, now],
  );
  const recentlyVerified = useMemo(
    () => ended.data.filter((g) => g.status === 'verified' && g.verifiedAt).sort((a, b) => b.verifiedAt!.localeCompare(a.verifiedAt!)).slice(0, 15),
    [ended.data],
  );
  const removedInWindow = ended.data.filter((g) => g.revokedAt && Date.parse(g.revokedAt) >= since).length;

  const person = (id: string) => users.get(id)?.displayName ?? id;
  const resource = (id: string) => resources.get(id)?.name ?? id;
  const offline = commandsWait(status);
  const tasksLoading = openTasks.loading;
  const scrollTo = (id: string) => document.getElementById(id)?.scrollIntoView({ behavior: 'smooth', block: 'start' });

  return (
    <div className="page revocations-page" data-testid="revocations-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Revocations</h1>
          <span className="muted">{offline ? 'offline: showing what is on this device' : 'live from the local replica'}</span>
        </div>
        <div className="filters">
          <fieldset className="segmented">
            <legend className="visually-hidden">Period for the charts</legend>
            {WINDOWS.map((w) => (
              <label key={w.key} className={w.key === windowKey ? 'selected' : undefined}>
                <input type="radio" name="revocation-window" value={w.key} checked={w.key === windowKey} onChange={() => setWindowKey(w.key)} />
                {w.label}
              </label>
            ))}
          </fieldset>
          <a className="button small" href={href('connectors')}>
            Connector health
          </a>
        </div>
      </header>

      <section className="rv-tiles" aria-label="Summary">
        <Tile
          label="Due in the next hour"
          value={summary.dueNextHour}
          tone={summary.dueNextHour > 0 ? 'info' : 'neutral'}
          icon="clock"
          detail={dueDetail(summary.nextDueAt, now)}
          onClick={() => scrollTo('rv-in-progress')}
          testId="tile-due"
        />
        <Tile label="Revoking now" value={summary.revokingNow} tone={summary.revokingNow > 0 ? 'info' : 'neutral'} icon="shield-off" detail={summary.revokingNow > 0 ? 'removal in progress' : 'nothing in flight'} onClick={() => scrollTo('rv-in-progress')} testId="tile-revoking" />
        <Tile
          label="Failed or escalated"
          value={summary.failedOrEscalated}
          tone={summary.failedOrEscalated > 0 ? 'danger' : 'success'}
          icon={summary.failedOrEscalated > 0 ? 'alert' : 'check'}
          detail={summary.failedOrEscalated > 0 ? 'needs attention' : 'all clear'}
          onClick={() => scrollTo('rv-failures')}
          testId="tile-failed"
        />
        <Tile
          label="Drift alerts"
          value={summary.driftAlerts}
          tone={summary.driftAlerts > 0 ? 'danger' : 'success'}
          icon={summary.driftAlerts > 0 ? 'alert' : 'check'}
          detail={summary.driftAlerts > 0 ? 'access came back' : 'none open'}
          onClick={() => scrollTo('rv-drift')}
          testId="tile-drift"
        />
        <Tile label="Verified gone today" value={summary.verifiedGoneToday} tone="success" icon="check" detail="proven by directory reads" onClick={() => scrollTo('rv-verified')} testId="tile-verified" />
      </section>

      <ConnectorStrip />

      <section className="rv-charts" aria-label="Charts">
        <DurationHistogram
          title="Revocation lateness"
          subtitle={`Removed after expiry · ${period.label.toLowerCase()}`}
          values={lateness}
          xLabel="Late by (removed at − expires at)"
          noun={{ one: 'revocation', other: 'revocations' }}
          summarise={(d) =>
            `${d.count.toLocaleString()} ${d.count === 1 ? 'revocation' : 'revocations'} at expiry: half were removed within ${formatMs(d.p50)} of expiry, 95% within ${formatMs(d.p95)}, 99% within ${formatMs(d.p99)}; the latest took ${formatMs(d.max)}.`
          }
          emptyText={
            <>
              <strong>No revocation at expiry in this period.</strong> When a grant expires and its access is removed, how late the removal was appears here, with the median, p95 and p99 marked.
            </>
          }
          testId="chart-lateness"
        />
        <DurationHistogram
          title="Time to effective"
          subtitle={`Approval to access verified in the directory · ${period.label.toLowerCase()}`}
          values={toEffective}
          xLabel="Approved → verified effective"
          noun={{ one: 'grant', other: 'grants' }}
          summarise={(d) =>
            `${d.count.toLocaleString()} ${d.count === 1 ? 'grant' : 'grants'} took effect: half within ${formatMs(d.p50)} of approval, 95% within ${formatMs(d.p95)}, 99% within ${formatMs(d.p99)}; the slowest ${formatMs(d.max)}.`
          }
          emptyText={
            <>
              <strong>No grant took effect in this period.</strong> When an approved grant is read back from the directory and found in place, the time from approval appears here.
            </>
          }
          testId="chart-effective"
        />
        <div className="rv-chart-wide">
          <TimeSeriesChart
            title="Revocations over time"
            subtitle={period.label}
            buckets={overTime}
            size={period.bucket}
            series={OVER_TIME_SERIES}
            yLabel="Revocations"
            summary={`${removedInWindow.toLocaleString()} ${removedInWindow === 1 ? 'grant' : 'grants'} removed in this period; ${overTime.reduce((s, b) => s + b.values[0]!, 0).toLocaleString()} verified gone, ${overTime.reduce((s, b) => s + b.values[1]!, 0).toLocaleString()} not yet verified.`}
            emptyText={
              <>
                <strong>No access was removed in this period.</strong> Each removal (at expiry or by “Revoke now”) is counted here per {period.bucket === 'day' ? 'day' : period.bucket === 'hour' ? 'hour' : 'six hours'}, split into verified gone and not yet verified.
              </>
            }
            testId="chart-over-time"
          />
        </div>
      </section>

      <div className="rv-lists">
        <div className="rv-column">
          <ListCard id="rv-failures" title="Failures" count={failures.length} tone="danger" testId="list-failures">
            {failures.length === 0 ? (
              <ListEmpty>No failed revocation or provisioning, and no overdue break-glass review. A grant the connector could not change shows here with its last error and attempts; after repeated failures it is escalated to the resource owner. A break-glass grant nobody reviewed by its deadline shows here too, with who it is escalated to.</ListEmpty>
            ) : (
              <table className="rv-table">
                <thead>
                  <tr>
                    <th scope="col">Grant</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Attempts
                    </th>
                    <th scope="col">Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {failures.slice(0, LIST_LIMIT).map((g) =>
                    FAILED_STATES.includes(g.status) || !g.reviewFlag ? (
                      <tr key={g.id} data-grant-id={g.id}>
                        <td>
                          <GrantCell grant={g} person={person(g.userId)} resource={resource(g.resourceId)} />
                        </td>
                        <td>
                          <StatusPill status={g.status} />
                          <div className="muted small">
                            since <Time iso={g.updatedAt} />
                          </div>
                        </td>
                        <td className="num">{g.attempts}</td>
                        <td className="rv-error" title={g.lastError}>
                          {g.lastError || <span className="muted">no error recorded</span>}
                        </td>
                      </tr>
                    ) : (
                      <tr key={g.id} data-grant-id={g.id} data-testid="review-overdue">
                        <td>
                          <GrantCell grant={g} person={person(g.userId)} resource={resource(g.resourceId)} />
                        </td>
                        <td>
                          <span className="pill tone-danger">Review overdue</span>
                          <div className="muted small">
                            escalated <Time iso={g.reviewFlag.at} />
                          </div>
                        </td>
                        <td className="num">
                          <span className="muted">—</span>
                        </td>
                        <td className="rv-error" data-testid="escalated-to">
                          {reviewOverdueWords(g.reviewFlag, person)}
                          <div className="small">
                            <a href="#/reviews/inbox/rc-break-glass">Open the break-glass review</a>
                          </div>
                        </td>
                      </tr>
                    ),
                  )}
                </tbody>
              </table>
            )}
            <More shown={Math.min(failures.length, LIST_LIMIT)} total={failures.length} />
          </ListCard>

          <TaskListCard
            id="rv-escalations"
            title="Open escalations and late manual removals"
            tasks={escalations}
            loading={tasksLoading}
            person={person}
            empty="No open escalation. When a revocation keeps failing, the access stays after removal, or an application owner has not signed off a removal by hand in time, it appears here until the access is verified gone."
            testId="list-escalations"
          />

          <TaskListCard
            id="rv-drift"
            title="Drift alerts"
            tasks={drift}
            loading={tasksLoading}
            person={person}
            empty="No drift. Revoked access is checked again later (by default after an hour and a day, then by a rolling sweep over every grant ended in the last 30 days); if it is back in the directory with no grant to explain it, an alert appears here."
            testId="list-drift"
          />
        </div>

        <div className="rv-column">
          <ListCard id="rv-in-progress" title="Revoking now and due within the hour" count={inProgress.length} tone="info" testId="list-in-progress">
            {inProgress.length === 0 ? (
              <ListEmpty>Nothing due. Grants expiring within the hour, and removals in flight, appear here with a countdown.</ListEmpty>
            ) : (
              <table className="rv-table">
                <thead>
                  <tr>
                    <th scope="col">Grant</th>
                    <th scope="col">Status</th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {inProgress.slice(0, LIST_LIMIT).map((g) => (
                    <tr key={g.id} data-grant-id={g.id}>
                      <td>
                        <GrantCell grant={g} person={person(g.userId)} resource={resource(g.resourceId)} />
                      </td>
                      <td>
                        <StatusPill status={g.status} />
                        {manualRemovals.has(g.id) ? <div className="muted small">waiting for the owner to remove it by hand</div> : null}
                      </td>
                      <td title={formatAbsolute(g.expiresAt)}>
                        <span className="countdown">{formatCountdown(g.expiresAt, now)}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <More shown={Math.min(inProgress.length, LIST_LIMIT)} total={inProgress.length} />
          </ListCard>

          <VerifiedList grants={recentlyVerified} person={person} resource={resource} now={now} />
        </div>
      </div>

      {grantId ? <ReceiptDrawer grantId={grantId} onClose={() => navigate('revocations')} /> : null}
    </div>
  );
}

/** "next in 4 min", or "overdue by 2 min" when the earliest expiry has passed (removal is about to run). */
function dueDetail(nextDueAt: string | null, now: number): string {
  if (!nextDueAt) return 'none scheduled';
  const left = Date.parse(nextDueAt) - now;
  if (left <= 0) return `overdue by ${formatMs(-left)}`;
  return `next in ${formatCountdown(nextDueAt, now).replace(/ left$/, '')}`;
}

const SEVERITY_RANK: Record<Task['severity'], number> = { critical: 0, warning: 1, info: 2 };
function bySeverityThenAge(a: Task, b: Task): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.createdAt.localeCompare(b.createdAt);
}

function Tile({ label, value, detail, tone, icon, onClick, testId }: { label: string; value: number; detail: ReactNode; tone: 'neutral' | 'info' | 'success' | 'danger'; icon: IconName; onClick(): void; testId: string }) {
  return (
    <button type="button" className={clsx('rv-tile', `rv-tile-${tone}`)} onClick={onClick} data-testid={testId}>
      <span className="rv-tile-label">
        <Icon name={icon} size={14} />
        {label}
      </span>
      <span className="rv-tile-value">{value.toLocaleString()}</span>
      <span className="rv-tile-detail">{detail}</span>
    </button>
  );
}

/** Each connector's health in one line, for people who may see it; nothing for the others. */
function ConnectorStrip() {
  const { allowed, query } = useConnectors();
  const reach = reachOf(useConsoleData().status);
  if (!allowed) return null;
  const view = serverView({ hasData: Boolean(query.data), error: query.error, reach });
  return (
    <section className="rv-connectors" aria-label="Connector health" data-testid="connector-strip">
      <span className="rv-connectors-label">Connectors</span>
      {query.data ? (
        query.data.connectors.length === 0 ? (
          <span className="muted">none configured</span>
        ) : (
          query.data.connectors.map((c) => (
            <a key={c.id} className="rv-connector" href={href('connectors')} title={c.detail}>
              <span>{c.displayName}</span>
              <HealthBadge connector={c} />
            </a>
          ))
        )
      ) : view === 'loading' ? (
        <span className="muted">checking…</span>
      ) : view === 'needs-server' ? (
        <>
          <span className="muted">health needs the server: {needsServerReason(reach)}</span>
          <button type="button" className="button small" onClick={() => void query.refetch()} disabled={query.isFetching}>
            {query.isFetching ? 'Retrying…' : 'Retry'}
          </button>
        </>
      ) : (
        <span className="muted">health unavailable ({query.error?.message ?? 'no answer'})</span>
      )}
    </section>
  );
}
