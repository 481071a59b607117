import { useDeferredValue, useMemo } from 'react';
import { href } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { formatDuration } from '../../lib/time.js';
import { useConsoleData } from '../../session/console-data.js';
import { maySend } from '../../session/permissions.js';
import { useSession } from '../../session/session.js';
import { EmptyState, Icon, Time } from '../../ui/ui.js';
import { useProfiles } from '../editor/use-what-if.js';

const ROLE_WORDS: Record<string, string> = { requester: 'requesters', approver: 'approvers', policy_admin: 'policy admins', reviewer: 'reviewers', auditor: 'auditors', admin: 'admins' };

/** Access profiles: who may request which resources. Only they make anyone eligible. */
export function ProfilesPage() {
  const { user } = useSession();
  const { resources, users, proposals } = useConsoleData();
  const { profiles } = useProfiles();
  const mayEdit = maySend(user, 'profile.upsert');
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(
    () =>
      profiles
        .filter((p) => !search || `${p.name} ${p.description} ${p.departments.join(' ')}`.toLowerCase().includes(search))
        .sort((a, b) => Number(b.enabled) - Number(a.enabled) || a.name.localeCompare(b.name)),
    [profiles, search],
  );
  const name = (id: string) => users.get(id)?.displayName ?? id;
  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Access profiles</h1>
          <span className="muted">
            {rows.length}
            {mayEdit ? '' : ' · read-only'}
          </span>
        </div>
        {mayEdit ? (
          <a className="button primary" href={href('profiles', 'new')}>
            <Icon name="plus" /> New profile
          </a>
        ) : null}
      </header>
      {rows.length === 0 ? (
        <EmptyState title={profiles.length === 0 ? 'No access profiles yet' : 'No profile matches the search'} icon="users">
          Access profiles say who may request which resources: named people, whole departments, or holders of an account role.
        </EmptyState>
      ) : (
        <div className="grid-table catalog profiles" role="table" aria-label="Access profiles">
          <div className="grid-row grid-head" role="row">
            <span role="columnheader">Name</span>
            <span role="columnheader">Members</span>
            <span role="columnheader">Resources</span>
            <span role="columnheader">Duration cap</span>
            <span role="columnheader">State</span>
          </div>
          {rows.map((p) => {
            const waiting = proposals.filter((x) => x.status === 'pending' && x.kind === 'profile' && x.subjectId === p.id);
            const latest = p.changedBy[0];
            return (
              <div key={p.id} className="grid-row" role="row" data-profile-id={p.id}>
                <span role="cell">
                  <span className="strong">{p.name}</span>
                  {waiting.length > 0 ? (
                    <a className="pill tone-warning inline-pill" href={href('proposals', waiting[0]!.id)} title="A change that widens access, waiting for a second person">
                      {waiting.length === 1 ? '1 change waiting' : `${waiting.length} changes waiting`}
                    </a>
                  ) : null}
                  {mayEdit ? (
                    <a className="button small catalog-edit" href={href('profiles', p.id)} aria-label={`Edit ${p.name}`}>
                      Edit
                    </a>
                  ) : null}
                  <div className="muted small">{p.description}</div>
                  <span className="muted small">
                    changed {latest ? `by ${name(latest.userId)}, ` : ''}
                    <Time iso={latest?.at ?? p.updatedAt} />
                  </span>
                </span>
                <span role="cell">
                  {[...p.departments.map((d) => `everyone in ${d}`), ...p.roles.map((r) => `all ${ROLE_WORDS[r] ?? r}`), ...(p.userIds.length > 0 ? [p.userIds.length <= 3 ? p.userIds.map(name).join(', ') : `${p.userIds.length} named people`] : [])].join('; ') || <span className="muted">nobody</span>}
                </span>
                <span role="cell">{p.resourceIds.map((id) => resources.get(id)?.name ?? id).join(', ') || <span className="muted">none</span>}</span>
                <span role="cell">{p.maxDurationMinutes === null ? <span className="muted">the policies’</span> : `up to ${formatDuration(p.maxDurationMinutes)}`}</span>
                <span role="cell">
                  <span className={`pill ${p.enabled ? 'tone-success' : 'tone-neutral'}`}>{p.enabled ? 'In force' : 'Disabled'}</span>
                </span>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
