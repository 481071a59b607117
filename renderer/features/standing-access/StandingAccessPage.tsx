import { useQuery, useQueryClient } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import clsx from 'clsx';
import { useDeferredValue, useMemo, useRef, useState } from 'react';
import { convertible } from '../../../core/engine/standing-access.js';
import { useSearch } from '../../app/search.js';
import { awaitCommandResult, sendCommand } from '../../db/index.js';
import { useNow } from '../../lib/use-rx.js';
import { ApiError } from '../../session/api-client.js';
import { useConsoleData } from '../../session/console-data.js';
import { maySend } from '../../session/permissions.js';
import { reachOf, serverView } from '../../session/reach.js';
import { useSession } from '../../session/session.js';
import { NeedsServer } from '../../ui/needs-server.js';
import { TableHead } from '../../ui/table.js';
import { useToasts } from '../../ui/toasts.js';
import { EmptyState, ErrorState, Icon } from '../../ui/ui.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { CLASS_WORDS, fetchStanding, holderRows, mayRunDiscovery, mayViewStanding, runDiscovery, runWords, signInWords, type ClassFilter, type HolderRow, type StandingAnswer } from './standing-model.js';
import './standing-access.css';

const ROW = 44;
const FILTERS: { value: ClassFilter; label: string }[] = [
  { value: 'all', label: 'Every holder' },
  { value: 'standing', label: 'Standing' },
  { value: 'orphaned', label: 'Orphaned' },
  { value: 'explained', label: 'Explained' },
  { value: 'stale', label: 'Stale' },
];

function ClassPill({ holder }: { holder: Pick<HolderRow, 'class' | 'reason'> }) {
  const words = CLASS_WORDS[holder.class];
  return (
    <span className={clsx('pill', `tone-${words.tone}`)} title={holder.reason}>
      {words.label}
    </span>
  );
}

/** Who holds each resource in the directory, explained or not; admins convert standing holders to eligible ones. */
export function StandingAccessPage() {
  const { serverUrl, token, user, db } = useSession();
  const { status } = useConsoleData();
  const toasts = useToasts();
  const queryClient = useQueryClient();
  const allowed = mayViewStanding(user.roles as string[]);
  const mayConvert = maySend(user, 'standing.convert');
  const mayRun = mayRunDiscovery(user.roles as string[]);
  const key = ['standing-access', serverUrl, token];
  const query = useQuery<StandingAnswer, Error>({
    queryKey: key,
    queryFn: () => fetchStanding(serverUrl, token),
    enabled: allowed,
    networkMode: 'always',
    refetchInterval: 30_000,
    retry: (count, error) => !(error instanceof ApiError && (error.status === 401 || error.status === 403)) && count < 2,
  });
  const data = query.data;
  const reach = reachOf(status);
  const view = serverView({ hasData: Boolean(data), error: query.error, reach });
  const now = useNow(60_000);
  const { query: searchText } = useSearch();
  const search = useDeferredValue(searchText);
  const [resourceId, setResourceId] = useState<string | 'all'>('all');
  const [filter, setFilter] = useState<ClassFilter>('all');
  const [converting, setConverting] = useState<HolderRow | null>(null);
  const [busy, setBusy] = useState(false);
  const rows = useMemo(() => holderRows(data, resourceId, filter, search), [data, resourceId, filter, search]);

  const convert = async (holder: HolderRow, reason: string) => {
    setConverting(null);
    setBusy(true);
    try {
      const id = await sendCommand(db, { type: 'standing.convert', actorId: user.id, payload: { resourceId: holder.resourceId, userId: holder.userId as string, reason } });
      const result = await awaitCommandResult(db, id, 30_000);
      if (result.status === 'applied') toasts.push({ tone: 'success', title: `Converting ${holder.displayName}`, body: result.message });
      else toasts.push({ tone: 'danger', title: 'Not converted', body: result.message });
      await queryClient.invalidateQueries({ queryKey: key });
    } catch (error) {
      toasts.push({ tone: 'danger', title: 'Could not record the conversion', body: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const discover = async () => {
    try {
      const answer = await runDiscovery(serverUrl, token);
      toasts.push({ tone: 'info', title: 'Discovery asked for', body: `The server reads who holds the resources of ${answer.booked.join(', ') || 'no directory'} next; this list updates when it is done.` });
      await queryClient.invalidateQueries({ queryKey: key });
    } catch (error) {
      toasts.push({ tone: 'danger', title: 'Discovery not started', body: error instanceof Error ? error.message : String(error) });
    }
  };

  const columns = useMemo<ColumnDef<HolderRow>[]>(
    () => [
      { id: 'holder', header: 'Holder', cell: ({ row }) => <span className="strong">{row.original.displayName}</span> },
      { id: 'resource', header: 'Resource', cell: ({ row }) => row.original.resourceName },
      { id: 'class', header: 'Class', cell: ({ row }) => <ClassPill holder={row.original} /> },
      { id: 'why', header: 'Why', cell: ({ row }) => <span className="muted sa-why" title={row.original.reason}>{row.original.reason}</span> },
      {
        id: 'signin',
        header: 'Last sign-in',
        cell: ({ row }) => (
          <span className={clsx(row.original.stale && 'sa-stale')} title={row.original.lastSignInAt ?? undefined}>
            {signInWords(row.original, now)}
            {row.original.stale ? ' · stale' : ''}
          </span>
        ),
      },
      {
        id: 'action',
        header: () => <span className="visually-hidden">Action</span>,
        cell: ({ row }) => {
          if (!mayConvert) return null;
          const can = convertible(row.original);
          if (!can.ok) return null;
          return (
            <button type="button" className="button small" data-testid="convert" disabled={busy} onClick={() => setConverting(row.original)}>
              Convert to eligible
            </button>
          );
        },
      },
    ],
    [mayConvert, busy, now],
  );
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => `${row.resourceId}|${row.principalId}` });
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  const tableRows = table.getRowModel().rows;

  if (!allowed) {
    return (
      <EmptyState title="Standing access is for admins, security reviewers and auditors" icon="shield-off">
        It lists who holds each resource in the directory outside the console&apos;s grants.
      </EmptyState>
    );
  }

  return (
    <div className="page standing-page" data-testid="standing-access-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Standing access</h1>
          {data ? (
            <span className="muted" data-testid="standing-totals">
              {data.totals.standing} standing · {data.totals.orphaned} orphaned · {data.totals.explained} explained · {data.totals.stale} stale
            </span>
          ) : null}
        </div>
        <div className="filters">
          <select aria-label="Class" value={filter} onChange={(e) => setFilter(e.target.value as ClassFilter)}>
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
          {mayRun ? (
            <button type="button" className="button small" onClick={() => void discover()} data-testid="run-discovery">
              Run discovery now
            </button>
          ) : null}
        </div>
      </header>
      {view === 'needs-server' ? (
        <NeedsServer what="Standing access" reach={reach} detail={query.error?.message} retrying={query.isFetching} onRetry={() => void query.refetch()} />
      ) : view === 'error' ? (
        <ErrorState title="Could not load standing access" error={query.error} />
      ) : !data ? (
        <EmptyState title="Reading standing access…" icon="cloud" />
      ) : (
        <div className="sa-body">
          <aside className="sa-resources" aria-label="Resources">
            <button type="button" className={clsx('sa-resource', resourceId === 'all' && 'selected')} aria-pressed={resourceId === 'all'} onClick={() => setResourceId('all')}>
              <span className="strong">Every resource</span>
              <span className="muted">{data.resources.length} with holders</span>
            </button>
            {data.resources.map((r) => (
              <button
                key={r.resourceId}
                type="button"
                className={clsx('sa-resource', resourceId === r.resourceId && 'selected')}
                aria-pressed={resourceId === r.resourceId}
                data-testid={`sa-resource-${r.resourceId}`}
                onClick={() => setResourceId(r.resourceId)}
              >
                <span className="strong">{r.name}</span>
                <span className="sa-counts">
                  {r.counts.standing > 0 ? <span className="pill tone-warning">{r.counts.standing} standing</span> : null}
                  {r.counts.orphaned > 0 ? <span className="pill tone-danger">{r.counts.orphaned} orphaned</span> : null}
                  <span className="pill tone-success">{r.counts.explained} explained</span>
                  {r.counts.stale > 0 ? <span className="muted">{r.counts.stale} stale</span> : null}
                </span>
              </button>
            ))}
            <section className="sa-runs" aria-label="Discovery runs">
              <h2>Discovery</h2>
              {data.runs.length === 0 ? <p className="muted">No run yet: {mayRun ? 'run discovery to read the directories.' : 'an admin starts the first.'}</p> : null}
              {data.runs.map((run) => (
                <p key={run.connectorId} className={clsx('muted', run.state === 'failed' && 'sa-run-failed')}>
                  {run.state === 'failed' ? <Icon name="alert" size={12} /> : null} {runWords(run)}
                  {run.summary.signInReadable === false && run.summary.signInNote ? <span className="sa-note"> · sign-ins: {run.summary.signInNote}</span> : null}
                </p>
              ))}
            </section>
          </aside>
          {rows.length === 0 ? (
            <EmptyState title="Nobody to show" icon="users">
              {data.resources.length === 0 ? 'Discovery lists who holds each Entra and AD resource in the directory. Nothing has been read yet, or nobody holds them.' : 'No holder matches the filters.'}
            </EmptyState>
          ) : (
            <div ref={scroller} className="sa-table-wrap">
              <table className="sa-table" data-testid="standing-table" aria-rowcount={rows.length}>
                <TableHead table={table} />
                <tbody>
                  {padTop > 0 ? <tr aria-hidden="true" style={{ height: padTop }} /> : null}
                  {items.map((item) => {
                    const row = tableRows[item.index]!;
                    return (
                      <tr key={row.id} data-testid={`holder-${row.original.userId ?? row.original.principalId}`} data-class={row.original.class} style={{ height: ROW }}>
                        {row.getVisibleCells().map((cell) => (
                          <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                        ))}
                      </tr>
                    );
                  })}
                  {padBottom > 0 ? <tr aria-hidden="true" style={{ height: padBottom }} /> : null}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
      <ReasonDialog
        open={converting !== null}
        title={converting ? `Convert ${converting.displayName}'s ${converting.resourceName} to eligible` : ''}
        intro={
          converting ? (
            <p>
              {converting.displayName} is removed from {converting.resourceName} in the directory (verified gone, with a receipt, like any revocation) and made eligible to request it under its access policy.
            </p>
          ) : null
        }
        confirmLabel="Convert to eligible"
        tone="primary"
        placeholder="Why: recorded in the audit log"
        onConfirm={(reason) => converting && void convert(converting, reason)}
        onClose={() => setConverting(null)}
      />
    </div>
  );
}
