import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Dialog, Icon, sentence, statusLabel } from '../../ui/ui.js';
import { isLastEnabledAdmin, outcomeText, roleDiff, ROLES, willWait, type AccountAction, type AccountRow, type RoleChange } from './accounts-model.js';

export type Draft = { action: AccountAction['kind']; account: AccountRow | null; change?: RoleChange };

export const ACTION_TITLES: Record<AccountAction['kind'], string> = {
  create: 'Create account',
  roles: 'Change roles',
  password: 'Reset password',
  disable: 'Disable',
  enable: 'Enable',
  'sign-out-everywhere': 'Sign out everywhere',
  'mfa-reset': 'Reset authenticator',
  confirm: 'Confirm role change',
  cancel: 'Cancel role change',
};

const DIALOG_TITLES: Partial<Record<AccountAction['kind'], string>> = { disable: 'Disable account', enable: 'Enable account' };
const ROLE_HINTS: Record<string, string> = {
  requester: 'asks for access',
  approver: 'decides requests',
  policy_admin: 'changes policies',
  reviewer: 'runs access reviews',
  auditor: 'reads everything',
  admin: 'manages the console and accounts',
};

type Props = {
  draft: Draft;
  meId: string;
  accounts: readonly AccountRow[];
  names: Map<string, string>;
  onClose(): void;
  onDone(text: string): void;
  run(action: AccountAction): Promise<{ status: number; body: unknown }>;
};

/** One account action, confirmed in a dialog that says what will happen and shows the server's refusal. */
export function AccountDialog({ draft, meId, accounts, names, onClose, onDone, run }: Props) {
  const formId = useId();
  const [roles, setRoles] = useState<string[]>(draft.account?.roles ?? ['requester']);
  const [password, setPassword] = useState('');
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [reason, setReason] = useState('');
  const id = draft.account?.id ?? '';
  const cancelling = draft.change && draft.change.proposedBy === meId;
  const action: AccountAction = (() => {
    switch (draft.action) {
      case 'create':
        return { kind: 'create', username, displayName, password, roles };
      case 'roles':
        return { kind: 'roles', id, roles };
      case 'password':
        return { kind: 'password', id, password };
      case 'confirm':
      case 'cancel':
        return { kind: draft.action, changeId: draft.change?.id ?? '' };
      default:
        return { kind: draft.action, id, reason };
    }
  })();
  const mutation = useMutation({ mutationFn: () => run(action), onSuccess: (answer) => onDone(outcomeText(action, answer)) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    mutation.mutate();
  };

  const title = draft.action === 'cancel' ? (cancelling ? 'Withdraw role change' : 'Turn down role change') : (DIALOG_TITLES[draft.action] ?? ACTION_TITLES[draft.action]);
  const button = draft.action === 'cancel' ? (cancelling ? 'Withdraw' : 'Turn down') : (DIALOG_TITLES[draft.action] ?? ACTION_TITLES[draft.action]);
  const danger = draft.action === 'disable' || draft.action === 'sign-out-everywhere' || draft.action === 'mfa-reset';
  const before = draft.account?.roles ?? [];
  const { added, removed } = roleDiff(before, roles);
  const waits = willWait(draft.account, added, meId, accounts);
  const keepsAdmin = draft.account !== null && isLastEnabledAdmin(draft.account, accounts);
  const who = draft.account ? `${draft.account.displayName} (${draft.account.username})` : '';
  const unchanged = draft.action === 'roles' && added.length === 0 && removed.length === 0;
  const empty = (draft.action === 'create' || draft.action === 'roles') && roles.length === 0;

  return (
    <Dialog
      open
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className={danger ? 'button danger' : 'button primary'} data-testid="confirm-action" disabled={mutation.isPending || unchanged || empty}>
            {mutation.isPending ? 'Working…' : button}
          </button>
        </>
      }
    >
      <form id={formId} className="acc-form" onSubmit={submit} noValidate>
        {who ? <p className="acc-who">{who}</p> : null}
        {draft.action === 'create' ? (
          <>
            <label className="field">
              <span>Username</span>
              <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" data-autofocus />
            </label>
            <label className="field">
              <span>Display name</span>
              <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} autoComplete="off" />
            </label>
          </>
        ) : null}
        {draft.action === 'create' || draft.action === 'password' ? (
          <>
            <label className="field">
              <span>{draft.action === 'create' ? 'Password' : 'New password'}</span>
              <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" data-autofocus={draft.action === 'password' ? true : undefined} />
            </label>
            <p className="acc-hint muted small">At least 12 characters; not the username nor a common password.{draft.action === 'password' ? ' Their sessions end; tell them the new password another way.' : ''}</p>
          </>
        ) : null}
        {draft.action === 'create' || draft.action === 'roles' ? (
          <fieldset className="acc-roles-field">
            <legend>Roles</legend>
            {ROLES.map((role) => {
              const locked = role === 'admin' && keepsAdmin;
              return (
                <label key={role} className="acc-role">
                  <input type="checkbox" checked={roles.includes(role)} disabled={locked} onChange={(e) => setRoles(e.target.checked ? [...roles, role] : roles.filter((r) => r !== role))} />
                  <span>{statusLabel(role)}</span>
                  <span className="muted small">{locked ? 'the last enabled admin keeps admin' : ROLE_HINTS[role]}</span>
                </label>
              );
            })}
          </fieldset>
        ) : null}
        {draft.action === 'roles' && (added.length > 0 || removed.length > 0) ? (
          <p className="acc-hint small" data-testid="roles-effect">
            {removed.length ? `Removes ${removed.map(statusLabel).join(', ')} at once. ` : ''}
            {added.length ? (waits ? `Adding ${added.map(statusLabel).join(', ')} waits for another admin to confirm.` : `Adds ${added.map(statusLabel).join(', ')} at once.`) : ''}
          </p>
        ) : null}
        {draft.action === 'create' && waits ? <p className="acc-hint small">The account starts without {added.filter((r) => r === 'admin' || r === 'policy_admin').map(statusLabel).join(' and ')}; another admin confirms it.</p> : null}
        {empty ? <p className="acc-hint small">Every account needs at least one role.</p> : null}
        {draft.action === 'disable' ? <p>Their sessions end, their live grants are revoked and their pending requests cancelled. Enabling the account again does not bring them back.</p> : null}
        {draft.action === 'sign-out-everywhere' ? <p>Every session of this account ends at once, live streams included. They can sign in again.</p> : null}
        {draft.action === 'mfa-reset' ? (
          <p>
            Their authenticator and recovery codes are removed, and their sessions lose their last code. They set up a new one in Settings before a policy that asks for a code lets them through. Do this for a lost or replaced phone, once you know it is really them asking.
          </p>
        ) : null}
        {draft.action === 'disable' || draft.action === 'enable' || draft.action === 'mfa-reset' ? (
          <label className="field">
            <span>Reason (optional, kept in the audit log)</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} data-autofocus />
          </label>
        ) : null}
        {draft.change ? <ChangeSummary change={draft.change} names={names} /> : null}
        {mutation.error ? (
          <div className="notice danger" role="alert">
            <Icon name="alert" />
            <span>{sentence(mutation.error.message)}</span>
          </div>
        ) : null}
      </form>
    </Dialog>
  );
}

function ChangeSummary({ change, names }: { change: RoleChange; names: Map<string, string> }) {
  const list = (roles: readonly string[]) => roles.map(statusLabel).join(', ') || 'none';
  return (
    <dl className="facts-grid acc-change-facts">
      <dt>Roles now</dt>
      <dd>{list(change.rolesBefore)}</dd>
      <dt>Roles after</dt>
      <dd>{list(change.rolesAfter)}</dd>
      <dt>Proposed by</dt>
      <dd>{names.get(change.proposedBy) ?? change.proposedBy}</dd>
    </dl>
  );
}
