import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import clsx from 'clsx';
import { formatAbsolute, formatRelative } from '../../lib/time.js';
import { useSession } from '../../session/session.js';
import { fetchDirectorySync, mayRunDirectorySync, mayViewDirectorySync, startDirectorySync, syncState } from './directory-sync-model.js';

const REFRESH_MS = 15_000;

/** On a directory connector's card: its people sync's last report, and for admins "Sync now". Nothing for a connector that is no sync source. */
export function DirectorySyncSummary({ connectorId }: { connectorId: string }) {
  const { serverUrl, token, user } = useSession();
  const roles = user.roles as string[];
  const client = useQueryClient();
  const query = useQuery({ queryKey: ['directory-sync', serverUrl, token], queryFn: () => fetchDirectorySync(serverUrl, token), enabled: mayViewDirectorySync(roles), refetchInterval: REFRESH_MS, networkMode: 'always' });
  const run = useMutation<void, Error>({ mutationFn: () => startDirectorySync(serverUrl, token, connectorId), onSettled: () => void client.invalidateQueries({ queryKey: ['directory-sync'] }) });
  const source = query.data?.sources.find((s) => s.connectorId === connectorId);
  if (!source) return null;
  const state = syncState(source);
  return (
    <div className="connector-test" data-testid="directory-sync">
      <p className={clsx('small', state.tone === 'danger' ? 'text-danger' : 'muted')} role="status">
        {state.label}
        {source.lastRun && !source.running ? (
          <>
            {' '}
            <span title={formatAbsolute(source.lastRun.finishedAt)}>({formatRelative(source.lastRun.finishedAt, Date.now())})</span>
          </>
        ) : null}
      </p>
      {mayRunDirectorySync(roles) ? (
        <button type="button" className="button small" onClick={() => run.mutate()} disabled={run.isPending || source.running}>
          {source.running ? 'Syncing…' : 'Sync people now'}
        </button>
      ) : null}
      {run.error ? <p className="text-danger small" role="alert">{run.error.message}</p> : null}
    </div>
  );
}
