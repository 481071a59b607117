import { useQuery } from '@tanstack/react-query';
import clsx from 'clsx';
import { useSession } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { fetchSiem, mayViewSiem, SINK_KIND_LABEL, sinkState } from './siem-model.js';
import './siem.css';

const REFRESH_MS = 15_000;

/** Admins: whether every audit event reaches the SIEM, per receiver. Nothing for anyone else. */
export function SiemForwardingCard() {
  const { serverUrl, token, user } = useSession();
  const allowed = mayViewSiem(user.roles as string[]);
  const query = useQuery({ queryKey: ['siem', serverUrl, token], queryFn: () => fetchSiem(serverUrl, token), enabled: allowed, refetchInterval: REFRESH_MS });
  if (!allowed || !query.data) return null;
  const { configured, sinks } = query.data;
  const now = query.dataUpdatedAt;
  return (
    <section className="card siem-card" aria-labelledby="siem-title" data-testid="siem-card">
      <header className="connector-head">
        <div>
          <h2 id="siem-title">Audit forwarding to a SIEM</h2>
          <div className="muted small">Every audit event, at least once, resumed from the last one the receiver acknowledged.</div>
        </div>
      </header>
      {!configured ? (
        <p className="muted">
          Not configured. The server forwards when started with <span className="mono">JIT_SIEM_SYSLOG_URL</span> (syslog over TLS) or <span className="mono">JIT_SIEM_HTTPS_URL</span> (HTTPS); a SIEM can also pull <span className="mono">GET /api/v1/audit/events?after=SEQ</span>.
        </p>
      ) : (
        <ul className="siem-sinks">
          {sinks.map((sink) => {
            const state = sinkState(sink, now);
            return (
              <li key={sink.id} data-testid="siem-sink" data-sink={sink.id}>
                <div className="connector-head">
                  <div>
                    <strong>{SINK_KIND_LABEL[sink.kind]}</strong> <span className="mono small">{sink.target}</span>
                  </div>
                  <span className={clsx('pill', 'verification-badge', `tone-${state.tone}`)}>
                    <Icon name={state.tone === 'success' ? 'check' : state.tone === 'danger' ? 'x' : 'clock'} size={12} />
                    {state.label}
                  </span>
                </div>
                <p className={clsx('small', state.tone === 'danger' ? 'text-danger' : 'muted')} role="status">
                  {state.detail}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
