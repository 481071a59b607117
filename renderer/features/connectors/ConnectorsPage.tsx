import { useQuery } from '@tanstack/react-query';
import clsx from 'clsx';
import { href } from '../../app/router.js';
import { ApiError } from '../../session/api-client.js';
import { useConsoleData } from '../../session/console-data.js';
import { reachOf, serverView } from '../../session/reach.js';
import { useSession } from '../../session/session.js';
import { NeedsServer } from '../../ui/needs-server.js';
import { EmptyState, ErrorState, Icon } from '../../ui/ui.js';
import { fetchConnectors, healthWord, jobMatrix, mayViewConnectors, outstandingJobs, settingRows, type ConnectorView, type ConnectorsAnswer } from './connectors-model.js';
import { DirectorySyncSummary } from './DirectorySync.js';
import { SiemForwardingCard } from './SiemForwarding.js';
import { ConnectorTest } from './TestConnection.js';

const REFRESH_MS = 30_000;

/** Connector health from the server, refreshed every 30 s while shown; null for people who may not see it. */
export function useConnectors() {
  const { serverUrl, token, user } = useSession();
  const allowed = mayViewConnectors(user.roles as string[]);
  const query = useQuery<ConnectorsAnswer, Error>({
    queryKey: ['connectors', serverUrl, token],
    queryFn: () => fetchConnectors(serverUrl, token),
    enabled: allowed,
    refetchInterval: REFRESH_MS,
    retry: (count, error) => !(error instanceof ApiError && (error.status === 401 || error.status === 403)) && count < 2,
  });
  return { allowed, query };
}

export function HealthBadge({ connector }: { connector: Pick<ConnectorView, 'ok' | 'detail' | 'starting'> }) {
  const word = healthWord(connector);
  return (
    <span className={clsx('pill', 'verification-badge', `tone-${word.tone}`)} title={connector.detail}>
      <Icon name={word.icon} size={12} />
      {word.label}
    </span>
  );
}

function checkedAt(updatedAt: number): string {
  if (!updatedAt) return '';
  return new Date(updatedAt).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function ConnectorsPage() {
  const { allowed, query } = useConnectors();
  const { status } = useConsoleData();
  const reach = reachOf(status);
  const data = query.data;
  const forbidden = query.error instanceof ApiError && query.error.status === 403;
  const view = serverView({ hasData: Boolean(data), error: query.error, reach });

  return (
    <div className="page connectors-page" data-testid="connectors-page">
      <header className="pane-header">
        <div className="pane-title">
          <a className="back" href={href('revocations')}>
            ← Revocations
          </a>
          <h1>Connectors</h1>
          {data ? <span className="muted">health checked at {checkedAt(query.dataUpdatedAt)}</span> : null}
        </div>
        {allowed ? (
          <div className="filters">
            <button type="button" className="button small" onClick={() => void query.refetch()} disabled={query.isFetching}>
              {query.isFetching ? 'Checking…' : 'Check again'}
            </button>
          </div>
        ) : null}
      </header>
      {!allowed || forbidden ? (
        <EmptyState title="Connector settings are for administrators" icon="settings">
          Admins, auditors and policy admins can see how each directory connector is configured and whether it is healthy. Ask one of them if a revocation seems stuck.
        </EmptyState>
      ) : view === 'loading' ? (
        <EmptyState title="Checking the connectors…" icon="cloud">
          The server asks each connector for its health; this takes up to a few seconds.
        </EmptyState>
      ) : view === 'needs-server' ? (
        <NeedsServer what="Connector health" reach={reach} detail={query.error?.message} retrying={query.isFetching} onRetry={() => void query.refetch()} />
      ) : !data ? (
        <ErrorState
          title="Connector health could not be loaded"
          error={query.error}
          action={
            <button type="button" className="button" onClick={() => void query.refetch()}>
              Try again
            </button>
          }
        />
      ) : (
        <>
          {query.isError ? (
            <div className="notice warning" role="status">
              <Icon name="alert" />
              Showing the health checked at {checkedAt(query.dataUpdatedAt)}: the latest check failed ({query.error.message}).
            </div>
          ) : null}
          {data.connectors.length === 0 ? (
            <EmptyState title="No connectors are configured" icon="box">
              Connectors are configured on the server (a JSON list named by JIT_CONNECTORS_FILE). Until one serves a resource, its grants are escalated to the resource owner rather than silently skipped.
            </EmptyState>
          ) : (
            <div className="connector-grid">
              {data.connectors.map((c) => (
                <ConnectorCard key={c.id} connector={c} />
              ))}
            </div>
          )}
          <SchedulerCard scheduler={data.scheduler} />
          <SiemForwardingCard />
        </>
      )}
    </div>
  );
}

function ConnectorCard({ connector }: { connector: ConnectorView }) {
  const rows = settingRows(connector.settings);
  return (
    <section className="card connector-card" aria-labelledby={`connector-${connector.id}`} data-testid="connector-card" data-connector-id={connector.id}>
      <header className="connector-head">
        <div>
          <h2 id={`connector-${connector.id}`}>{connector.displayName}</h2>
          <div className="muted small">
            <span className="pill tone-neutral">{connector.kind}</span> <span className="mono">{connector.id}</span>
          </div>
        </div>
        <HealthBadge connector={connector} />
      </header>
      <p className={clsx('connector-detail', connector.ok || connector.starting ? 'muted' : 'text-danger')}>{connector.detail || (connector.ok ? 'Answering normally.' : 'No detail given.')}</p>
      {connector.facts?.length ? (
        <dl className="facts-grid connector-facts" aria-label="What the connector found on connecting">
          {connector.facts.map((f) => (
            <div key={f.key} className="setting">
              <dt>{f.label}</dt>
              <dd data-fact={f.key}>{f.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <ConnectorTest connector={connector} />
      <DirectorySyncSummary connectorId={connector.id} />
      {rows.length === 0 ? (
        <p className="muted small">{connector.kind === 'manual' ? 'No settings: this connector creates tasks for people instead of calling a directory.' : 'The server reports no settings for this connector.'}</p>
      ) : (
        <dl className="facts-grid connector-settings">
          {rows.map((r) => (
            <div key={r.key} className="setting">
              <dt>{r.label}</dt>
              <dd className={clsx(r.kind === 'secret' && 'secret', r.kind === 'empty' && 'muted', r.kind === 'plain' && 'mono')} data-setting={r.key}>
                {r.kind === 'secret' ? (
                  <>
                    {r.value === 'set' ? <span className="pill tone-neutral">Set</span> : <span className="muted">Not set</span>}
                    <span className="visually-hidden"> (secret, never shown)</span>
                  </>
                ) : (
                  r.value
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function SchedulerCard({ scheduler }: { scheduler: ConnectorsAnswer['scheduler'] }) {
  const matrix = jobMatrix(scheduler.jobs);
  const outstanding = outstandingJobs(scheduler.jobs);
  return (
    <section className="card scheduler-card" aria-labelledby="scheduler-title">
      <header className="connector-head">
        <div>
          <h2 id="scheduler-title">Revocation scheduler</h2>
          <div className="muted small">{scheduler.running ? 'Runs in this server process.' : 'Not running in this server process (a separate worker may run it).'}</div>
        </div>
        <span className={clsx('pill', 'verification-badge', scheduler.running ? 'tone-success' : 'tone-warning')}>
          <Icon name={scheduler.running ? 'check' : 'alert'} size={12} />
          {scheduler.running ? 'Running here' : 'Not running here'}
        </span>
      </header>
      {matrix.rows.length === 0 ? (
        <p className="muted">No jobs yet. Each grant gets jobs to grant access, verify it, remove it at expiry, verify the removal and check for drift later.</p>
      ) : (
        <>
          <p className="small">{outstanding === 0 ? 'Nothing waiting: every job has finished.' : `${outstanding.toLocaleString()} ${outstanding === 1 ? 'job is' : 'jobs are'} queued, running or waiting on a person.`}</p>
          <table className="rv-table jobs-table">
            <caption className="visually-hidden">Scheduler jobs by kind and state</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                {matrix.states.map((s) => (
                  <th key={s} scope="col" className="num">
                    {s[0]!.toUpperCase() + s.slice(1)}
                  </th>
                ))}
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {matrix.rows.map((row) => (
                <tr key={row.kind}>
                  <th scope="row">{row.label}</th>
                  {row.counts.map((n, i) => (
                    <td key={i} className={clsx('num', n === 0 && 'muted')}>
                      {n.toLocaleString()}
                    </td>
                  ))}
                  <td className="num strong">{row.total.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
