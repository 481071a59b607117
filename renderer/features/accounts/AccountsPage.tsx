import { useQuery, useQueryClient } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import clsx from 'clsx';
import { useMemo, useState } from 'react';
import { useConsoleData } from '../../session/console-data.js';
import { reachOf, serverView } from '../../session/reach.js';
import { useSession } from '../../session/session.js';
import { NeedsServer } from '../../ui/needs-server.js';
import { EmptyState, ErrorState, Icon, statusLabel, Time } from '../../ui/ui.js';
import { adminResetNeed } from '../mfa/mfa-model.js';
import { useStepUp } from '../mfa/StepUp.js';
import { ACTION_TITLES, AccountDialog, type Draft } from './AccountDialog.js';
import { fetchAccounts, mayManageAccounts, roleDiff, rowActions, runAccountAction, type AccountAction, type AccountRow, type AccountsAnswer, type RoleChange } from './accounts-model.js';
import './accounts.css';
import { OffboardDialog } from './OffboardDialog.js';
import { TableHead } from '../../ui/table.js';

const roleList = (roles: readonly string[]) => roles.map(statusLabel).join(', ') || 'none';

/** Accounts (admin): list, create, roles, password reset, disable / enable, sign out everywhere, authenticator reset, role changes waiting for a second admin. */
export function AccountsPage() {
  const { serverUrl, token, user } = useSession();
  const allowed = mayManageAccounts(user.roles as string[]);
  const client = useQueryClient();
  const query = useQuery<AccountsAnswer, Error>({ queryKey: ['accounts', serverUrl, token], queryFn: () => fetchAccounts(serverUrl, token), enabled: allowed });
  // Accounts are read live from the server: offline, or with the server silent, the screen says so.
  const reach = reachOf(useConsoleData().status);
  const view = serverView({ hasData: Boolean(query.data), error: query.error, reach });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [notice, setNotice] = useState('');
  const [offboarding, setOffboarding] = useState<AccountRow | null>(null);
  const accounts = useMemo(() => query.data?.accounts ?? [], [query.data]);
  const pending = useMemo(() => query.data?.pendingRoleChanges ?? [], [query.data]);
  const stepUp = useStepUp();

  /** An authenticator reset needs the admin's own fresh code where they have one: asked first, and again if the server says so. */
  const run = async (action: AccountAction) => {
    if (action.kind !== 'mfa-reset') return runAccountAction(serverUrl, token, action);
    const need = adminResetNeed(accounts.find((a) => a.id === action.id)?.displayName ?? action.id);
    const mine = stepUp.state ?? (await stepUp.refresh());
    if (mine?.status === 'active' && !(await stepUp.ensureFreshFactor(need))) throw new Error('Not reset: your own authenticator code is needed first.');
    try {
      return await runAccountAction(serverUrl, token, action);
    } catch (error) {
      if ((error as { code?: string }).code !== 'mfa_required' || !(await stepUp.ensureFreshFactor(need))) throw error;
      return runAccountAction(serverUrl, token, action);
    }
  };

  const columns = useMemo<ColumnDef<AccountRow>[]>(
    () => [
      {
        header: 'Name',
        cell: ({ row }) => (
          <div className="acc-name">
            <strong>{row.original.displayName}</strong>
            {row.original.id === user.id ? <span className="pill tone-neutral">You</span> : null}
            <span className="muted small">{row.original.username}</span>
          </div>
        ),
      },
      {
        header: 'Roles',
        cell: ({ row }) => {
          const waiting = pending.filter((c) => c.accountId === row.original.id).flatMap((c) => roleDiff(c.rolesBefore, c.rolesAfter).added);
          return (
            <div className="acc-roles">
              {row.original.roles.map((role) => (
                <span key={role} className="pill tone-neutral">
                  {statusLabel(role)}
                </span>
              ))}
              {waiting.map((role) => (
                <span key={role} className="pill tone-warning" title="Waits for another admin to confirm">
                  + {statusLabel(role)} (waiting)
                </span>
              ))}
            </div>
          );
        },
      },
      {
        header: 'State',
        cell: ({ row }) => (
          <div className="acc-roles">
            {row.original.disabled ? <span className="pill tone-danger">Disabled</span> : <span className="pill tone-success">Enabled</span>}
            {row.original.mfa === 'active' ? <span className="pill tone-info" data-testid="has-authenticator">Authenticator</span> : row.original.mfa === 'pending' ? <span className="pill tone-neutral">Authenticator being set up</span> : null}
          </div>
        ),
      },
      { header: 'Created', cell: ({ row }) => <Time iso={row.original.createdAt} /> },
      {
        header: 'Actions',
        cell: ({ row }) => (
          <div className="acc-actions">
            {rowActions(row.original, user.id, accounts).map(({ kind, blocked }) => (
              <button
                key={kind}
                type="button"
                className={clsx('button small', kind === 'disable' && 'danger')}
                disabled={blocked !== null}
                title={blocked ?? undefined}
                data-action={kind}
                onClick={() => setDraft({ action: kind, account: row.original })}
              >
                {ACTION_TITLES[kind]}
              </button>
            ))}
            {row.original.id === user.id ? null : (
              <button type="button" className="button small danger" data-action="offboard" onClick={() => setOffboarding(row.original)}>
                Offboard
              </button>
            )}
          </div>
        ),
      },
    ],
    [accounts, pending, user.id],
  );
  const table = useReactTable({ data: accounts, columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => row.id });

  if (!allowed) return <EmptyState title="Accounts are managed by admins" icon="shield-off" />;
  const names = new Map(accounts.map((a) => [a.id, a.displayName]));

  return (
    <div className="page accounts-page" data-testid="accounts-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Accounts</h1>
          {query.data ? <span className="muted">{accounts.length} accounts</span> : null}
        </div>
        <div className="filters">
          <button type="button" className="button primary small" onClick={() => setDraft({ action: 'create', account: null })}>
            Create account
          </button>
        </div>
      </header>
      {notice ? (
        <div className="notice success acc-notice" role="status" data-testid="accounts-notice">
          <Icon name="check" />
          <span>{notice}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setNotice('')}>
            <Icon name="x" />
          </button>
        </div>
      ) : null}
      {view === 'needs-server' ? (
        <NeedsServer what="The account list" reach={reach} detail={query.error?.message} retrying={query.isFetching} onRetry={() => void query.refetch()} />
      ) : query.error ? (
        <ErrorState title="Could not load accounts" error={query.error} />
      ) : null}
      {pending.length > 0 ? (
        <section aria-labelledby="acc-pending-title" className="card acc-pending">
          <h2 id="acc-pending-title">Waiting for a second admin</h2>
          <ul>
            {pending.map((change) => (
              <PendingChange key={change.id} change={change} names={names} meId={user.id} onDecide={(action) => setDraft({ action, account: accounts.find((a) => a.id === change.accountId) ?? null, change })} />
            ))}
          </ul>
        </section>
      ) : null}
      <div className="acc-table-wrap" hidden={view === 'needs-server'}>
        <table className="acc-table" data-testid="accounts-table" aria-busy={query.isLoading}>
          <TableHead table={table} />
          <tbody>
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id} data-testid={`account-${row.original.username}`} className={clsx(row.original.disabled && 'acc-disabled')}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {offboarding ? (
        <OffboardDialog
          account={offboarding}
          accounts={accounts}
          onClose={(text) => {
            setOffboarding(null);
            if (text) setNotice(text);
            void client.invalidateQueries({ queryKey: ['accounts'] });
          }}
        />
      ) : null}
      {draft ? (
        <AccountDialog
          draft={draft}
          meId={user.id}
          accounts={accounts}
          names={names}
          onClose={() => setDraft(null)}
          onDone={(text) => {
            setDraft(null);
            setNotice(text);
            void client.invalidateQueries({ queryKey: ['accounts'] });
          }}
          run={run}
        />
      ) : null}
    </div>
  );
}

function PendingChange({ change, names, meId, onDecide }: { change: RoleChange; names: Map<string, string>; meId: string; onDecide(action: 'confirm' | 'cancel'): void }) {
  const { added, removed } = roleDiff(change.rolesBefore, change.rolesAfter);
  const mine = change.proposedBy === meId;
  const why = mine ? 'You proposed this; another admin confirms it.' : change.accountId === meId ? 'This change is to your account; another admin confirms it.' : null;
  return (
    <li data-testid="pending-role-change" data-change-id={change.id}>
      <div className="acc-change">
        <strong>{names.get(change.accountId) ?? change.accountId}</strong>
        <span>
          {added.length ? `adds ${roleList(added)}` : null}
          {added.length && removed.length ? '; ' : null}
          {removed.length ? `removes ${roleList(removed)}` : null}
        </span>
        <span className="muted small">
          {roleList(change.rolesBefore)} → {roleList(change.rolesAfter)} · proposed by {names.get(change.proposedBy) ?? change.proposedBy} <Time iso={change.proposedAt} />
        </span>
        {why ? <span className="muted small">{why}</span> : null}
      </div>
      <div className="acc-change-actions">
        <button type="button" className="button small" onClick={() => onDecide('cancel')}>
          {mine ? 'Withdraw' : 'Turn down'}
        </button>
        {why ? null : (
          <button type="button" className="button small primary" onClick={() => onDecide('confirm')}>
            Confirm
          </button>
        )}
      </div>
    </li>
  );
}
