import { useQuery } from '@tanstack/react-query';
import { api } from '../../session/api-client.js';
import { useSession } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { AuditExplorer } from './explorer/AuditExplorer.js';
import { parseTimeline } from './explorer/explorer-filter.js';

/** The audit trail as this replica holds it: the explorer (search, filters, timelines), and the server's chain check. */
export function AuditPage({ id = null }: { id?: string | null }) {
  const { serverUrl, token } = useSession();
  const verify = useQuery({ queryKey: ['audit-verify', serverUrl], queryFn: () => api.verifyAudit(serverUrl, token), enabled: false, retry: false });
  return (
    <div className="page audit-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Audit</h1>
          <span className="muted">every event on this device, searchable offline</span>
        </div>
        <div className="filters">
          <button type="button" className="button small" onClick={() => void verify.refetch()} disabled={verify.isFetching}>
            {verify.isFetching ? 'Verifying…' : 'Verify the hash chain on the server'}
          </button>
        </div>
      </header>
      {verify.data ? (
        <div className={`notice ${verify.data.ok ? 'success' : 'danger'}`} role="status">
          <Icon name={verify.data.ok ? 'check' : 'alert'} />
          {verify.data.ok
            ? `Chain intact: ${verify.data.events.toLocaleString()} events, head hash ${verify.data.headHash.slice(0, 16)}…`
            : `Chain broken: ${verify.data.message ?? 'an event was altered or removed'}`}
        </div>
      ) : null}
      {verify.isError ? (
        <div className="notice danger" role="alert">
          <Icon name="alert" />
          Verification failed: {verify.error.message}
        </div>
      ) : null}
      <AuditExplorer timeline={parseTimeline(id)} />
    </div>
  );
}
