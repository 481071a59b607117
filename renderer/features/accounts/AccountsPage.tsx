import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useSession } from '../../session/session.js';
import { Dialog, EmptyState, ErrorState, statusLabel, Time } from '../../ui/ui.js';
import { fetchAccounts, mayManageAccounts, outcomeText, ROLES, runAccountAction, type AccountAction, type AccountRow, type AccountsAnswer } from './accounts-model.js';

type Draft = { action: AccountAction['kind']; account: AccountRow | null; changeId?: string };

const TITLES: Record<AccountAction['kind'], string> = {
  create: 'Create account',
  roles: 'Change roles',
  password: 'Reset password',
  disable: 'Disable account',
  enable: 'Enable account',
  'sign-out-everywhere': 'Sign out everywhere',
  confirm: 'Confirm role change',
  cancel: 'Cancel role change',
};

/** Accounts (admin): list, create, roles, password reset, disable / enable, sign out everywhere, role changes waiting for a second admin. */
export function AccountsPage() {
  const { serverUrl, token, user } = useSession();
  const allowed = mayManageAccounts(user.roles as string[]);
  const client = useQueryClient();
  const query = useQuery<AccountsAnswer, Error>({ queryKey: ['accounts', serverUrl, token], queryFn: () => fetchAccounts(serverUrl, token), enabled: allowed });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [notice, setNotice] = useState('');

  const columns = useMemo<ColumnDef<AccountRow>[]>(
    () => [
      { header: 'Name', cell: ({ row }) => (<><strong>{row.original.displayName}</strong> <span className="muted">{row.original.username}</span></>) },
      { header: 'Roles', cell: ({ row }) => row.original.roles.map(statusLabel).join(', ') },
      { header: 'State', cell: ({ row }) => (row.original.disabled ? <span className="pill tone-danger">Disabled</span> : <span className="pill tone-success">Enabled</span>) },
      { header: 'Created', cell: ({ row }) => <Time iso={row.original.createdAt} /> },
      {
        header: 'Actions',
        cell: ({ row }) => (
          <div className="row-actions">
            {(['roles', 'password', row.original.disabled ? 'enable' : 'disable', 'sign-out-everywhere'] as const).map((kind) => (
              <button key={kind} type="button" className="button small" onClick={() => setDraft({ action: kind, account: row.original })}>
                {TITLES[kind]}
              </button>
            ))}
          </div>
        ),
      },
    ],
    [],
  );
  const table = useReactTable({ data: query.data?.accounts ?? [], columns, getCoreRowModel: getCoreRowModel(), getRowId: (row) => row.id });

  if (!allowed) return <EmptyState title="Accounts are managed by admins" />;
  const names = new Map((query.data?.accounts ?? []).map((a) => [a.id, a.displayName]));
  const pending = query.data?.pendingRoleChanges ?? [];

  return (
    <div className="page accounts-page" data-testid="accounts-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Accounts</h1>
        </div>
        <div className="filters">
          <button type="button" className="button primary small" onClick={() => setDraft({ action: 'create', account: null })}>
            Create account
          </button>
        </div>
      </header>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {query.error ? <ErrorState title="Could not load accounts" error={query.error} /> : null}
      {pending.length > 0 ? (
        <section aria-label="Waiting for a second admin" className="pending-role-changes">
          <h2>Waiting for a second admin</h2>
          <ul>
            {pending.map((change) => (
              <li key={change.id} data-testid="pending-role-change">
                {names.get(change.accountId) ?? change.accountId}: {change.rolesBefore.map(statusLabel).join(', ')} → {change.rolesAfter.map(statusLabel).join(', ')}, proposed by {names.get(change.proposedBy) ?? change.proposedBy}{' '}
                {change.proposedBy !== user.id && change.accountId !== user.id ? (
                  <button type="button" className="button small primary" onClick={() => setDraft({ action: 'confirm', account: null, changeId: change.id })}>
                    Confirm
                  </button>
                ) : null}
                <button type="button" className="button small" onClick={() => setDraft({ action: 'cancel', account: null, changeId: change.id })}>
                  {change.proposedBy === user.id ? 'Withdraw' : 'Turn down'}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <table className="table" data-testid="accounts-table">
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id}>{flexRender(header.column.columnDef.header, header.getContext())}</th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} data-testid={`account-${row.original.username}`}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {draft ? (
        <ActionDialog
          draft={draft}
          onClose={() => setDraft(null)}
          onDone={(text) => {
            setDraft(null);
            setNotice(text);
            void client.invalidateQueries({ queryKey: ['accounts'] });
          }}
          run={(action) => runAccountAction(serverUrl, token, action)}
        />
      ) : null}
    </div>
  );
}

function ActionDialog({ draft, onClose, onDone, run }: { draft: Draft; onClose(): void; onDone(text: string): void; run(action: AccountAction): Promise<{ status: number }> }) {
  const [roles, setRoles] = useState<string[]>(draft.account?.roles ?? ['requester']);
  const [password, setPassword] = useState('');
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [reason, setReason] = useState('');
  const action = ((): AccountAction => {
    const id = draft.account?.id ?? '';
    switch (draft.action) {
      case 'create':
        return { kind: 'create', username, displayName, password, roles };
      case 'roles':
        return { kind: 'roles', id, roles };
      case 'password':
        return { kind: 'password', id, password };
      case 'confirm':
      case 'cancel':
        return { kind: draft.action, changeId: draft.changeId ?? '' };
      default:
        return { kind: draft.action, id, reason };
    }
  })();
  const mutation = useMutation({ mutationFn: () => run(action), onSuccess: (answer) => onDone(outcomeText(action, answer.status)) });
  const who = draft.account ? `${draft.account.displayName} (${draft.account.username})` : '';
  return (
    <Dialog
      open
      title={TITLES[draft.action]}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button primary" data-testid="confirm-action" disabled={mutation.isPending} onClick={() => mutation.mutate()}>
            {TITLES[draft.action]}
          </button>
        </>
      }
    >
      {who ? <p>{who}</p> : null}
      {draft.action === 'create' ? (
        <>
          <label>
            Username <input value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
          <label>
            Display name <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </label>
        </>
      ) : null}
      {draft.action === 'create' || draft.action === 'password' ? (
        <label>
          Password <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
        </label>
      ) : null}
      {draft.action === 'create' || draft.action === 'roles' ? (
        <fieldset>
          <legend>Roles (admin and policy admin wait for a second admin)</legend>
          {ROLES.map((role) => (
            <label key={role}>
              <input type="checkbox" checked={roles.includes(role)} onChange={(e) => setRoles(e.target.checked ? [...roles, role] : roles.filter((r) => r !== role))} /> {statusLabel(role)}
            </label>
          ))}
        </fieldset>
      ) : null}
      {draft.action === 'disable' ? <p>Their sessions end, their live grants are revoked and their pending requests cancelled.</p> : null}
      {draft.action === 'disable' || draft.action === 'enable' ? (
        <label>
          Reason <input value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
      ) : null}
      {mutation.error ? (
        <p className="form-error" role="alert">
          {mutation.error.message}
        </p>
      ) : null}
    </Dialog>
  );
}
