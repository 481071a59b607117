import { useMutation, useQuery } from '@tanstack/react-query';
import { readAuditEvents } from '../../db/audit-reader.js';
import { api } from '../../session/api-client.js';
import { useSession } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { useSeenCheckpoints } from '../evidence/signed-checkpoints.js';
import { AuditExplorer } from './explorer/AuditExplorer.js';
import { checkLocalChain } from './local-chain.js';
import { parseTimeline } from './explorer/explorer-filter.js';

/** The audit trail as this replica holds it: the explorer (search, filters, timelines), and the server's chain check. */
export function AuditPage({ id = null }: { id?: string | null }) {
  const { serverUrl, token, db, user } = useSession();
  // Only a whole copy can be re-hashed from its first event: the roles that replicate the whole log.
  const wholeLog = user.roles.includes('admin') || user.roles.includes('auditor');
  const seen = useSeenCheckpoints();
  const local = useMutation({ mutationFn: async () => checkLocalChain(await readAuditEvents(db), seen) });
  const verify = useQuery({ queryKey: ['audit-verify', serverUrl], queryFn: () => api.verifyAudit(serverUrl, token), enabled: false, retry: false });
  return (
    <div className="page audit-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Audit</h1>
          <span className="muted">every event on this device, searchable offline</span>
        </div>
        <div className="filters">
          {wholeLog ? (
            <button type="button" className="button small" onClick={() => local.mutate()} disabled={local.isPending} data-testid="check-local-chain">
              {local.isPending ? 'Checking this device’s copy…' : 'Check this device’s copy'}
            </button>
          ) : null}
          <button type="button" className="button small" onClick={() => void verify.refetch()} disabled={verify.isFetching}>
            {verify.isFetching ? 'Verifying…' : 'Verify the hash chain on the server'}
          </button>
        </div>
      </header>
      {local.data ? (
        <div className={`notice ${local.data.tone}`} role="status" data-testid="local-chain">
          <Icon name={local.data.tone === 'success' ? 'check' : 'alert'} />
          {local.data.text}
        </div>
      ) : null}
      {local.isError ? (
        <div className="notice danger" role="alert">
          <Icon name="alert" />
          This device’s copy could not be read: {local.error.message}
        </div>
      ) : null}
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
