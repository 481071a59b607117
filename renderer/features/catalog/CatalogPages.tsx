import { useDeferredValue, useMemo } from 'react';
import { map, of, type Observable } from 'rxjs';
import type { ChangedBy, DirectoryGroup, Proposal } from '../../../core/index.js';
import { describeTicketFormat, escalationInWords, minutesInWords, ticketFormatOf, ticketHookHost } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { formatDuration } from '../../lib/time.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { maySend } from '../../session/permissions.js';
import { EmptyState, Icon, Time } from '../../ui/ui.js';
import { resourceKindLabel } from '../../ui/words.js';
import { useConfigFileActions } from '../config-file/ConfigFileActions.js';

const joinNames = (names: string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

/** "changed by Mallory Reyes and Administrator, 3 days ago": who last changed it (a proposer and its approver change it together). */
function ChangedByLine({ changedBy, updatedAt }: { changedBy: ChangedBy | undefined; updatedAt: string }) {
  const { users } = useConsoleData();
  const latest = changedBy?.[0];
  if (!latest) {
    return (
      <span className="muted small">
        changed <Time iso={updatedAt} />
      </span>
    );
  }
  const together = (changedBy ?? []).filter((e) => e.at === latest.at).map((e) => users.get(e.userId)?.displayName ?? e.userId);
  return (
    <span className="muted small" data-testid="changed-by">
      changed by {joinNames(together)}, <Time iso={latest.at} />
    </span>
  );
}

/** Changes to this entity waiting for a second person. */
function WaitingChanges({ proposals }: { proposals: readonly Proposal[] }) {
  if (proposals.length === 0) return null;
  return (
    <a className="pill tone-warning inline-pill" href={href('proposals', proposals[0]!.id)} title="A change that widens access, waiting for a second person">
      {proposals.length === 1 ? '1 change waiting' : `${proposals.length} changes waiting`}
    </a>
  );
}

const waitingFor = (proposals: readonly Proposal[], kind: Proposal['kind'], id: string) => proposals.filter((p) => p.status === 'pending' && p.kind === kind && p.subjectId === id);

const SENSITIVITY_TONE = { low: 'tone-success', medium: 'tone-warning', high: 'tone-danger', critical: 'tone-danger' } as const;

/** Read-only for now: editing goes through policy_admin commands, which this console does not send yet. */
export function ResourcesPage() {
  const { resources, policies, users, proposals } = useConsoleData();
  const mayEdit = maySend(useSession().user, 'resource.upsert');
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(
    () =>
      [...resources.values()]
        .filter((r) => !r.archived)
        .filter((r) => !search || `${r.name} ${r.description} ${r.kind} ${r.target.externalId}`.toLowerCase().includes(search))
        .sort((a, b) => a.name.localeCompare(b.name)),
    [resources, search],
  );
  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Resources</h1>
          <span className="muted">
            {rows.length} requestable{mayEdit ? '' : ' · read-only'}
          </span>
        </div>
        {mayEdit ? (
          <a className="button primary" href={href('resources', 'new')}>
            <Icon name="plus" /> New resource
          </a>
        ) : null}
      </header>
      {rows.length === 0 ? (
        <EmptyState title={resources.size === 0 ? 'No resources yet' : 'No resource matches the search'} icon="box">
          Requestable resources (Entra ID groups and roles, PIM for groups, AD groups, application roles) appear here once a policy admin adds them.
        </EmptyState>
      ) : (
        <div className="grid-table catalog" role="table" aria-label="Resources">
          <div className="grid-row grid-head" role="row">
            <span role="columnheader">Name</span>
            <span role="columnheader">Kind</span>
            <span role="columnheader">Sensitivity</span>
            <span role="columnheader">Owner</span>
            <span role="columnheader">Access policies</span>
            <span role="columnheader">Changed</span>
          </div>
          {rows.map((r) => (
            <div key={r.id} className="grid-row" role="row" data-resource-id={r.id}>
              <span role="cell">
                <span className="strong">{r.name}</span>
                <WaitingChanges proposals={waitingFor(proposals, 'resource', r.id)} />
                {mayEdit ? (
                  <a className="button small catalog-edit" href={href('resources', r.id)} aria-label={`Edit ${r.name}`}>
                    Edit
                  </a>
                ) : null}
                <div className="muted small">{r.description}</div>
              </span>
              <span role="cell">{resourceKindLabel(r.kind)}</span>
              <span role="cell">
                <span className={`pill ${SENSITIVITY_TONE[r.sensitivity]}`}>{r.sensitivity}</span>
              </span>
              <span role="cell">{users.get(r.ownerId)?.displayName ?? r.ownerId}</span>
              <span role="cell">{r.policyIds.map((id) => policies.get(id)?.name ?? id).join(', ')}</span>
              <span role="cell">
                <ChangedByLine changedBy={r.changedBy} updatedAt={r.updatedAt} />
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

/** Group names, where this person's replica holds the directory's groups (ids otherwise). */
function useGroupName(): (groupId: string) => string {
  const { db } = useSession();
  const groups = useObservable(
    () => {
      // A replica opens only the collections its roles replicate.
      const collection = (db.collections as Record<string, unknown>).groups as { find(): { $: Observable<ReadonlyArray<{ toJSON(): unknown }>> } } | undefined;
      if (!collection) return of(new Map<string, string>());
      return collection.find().$.pipe(map((docs) => new Map(docs.map((d) => d.toJSON() as DirectoryGroup).map((g): [string, string] => [g.id, g.displayName]))));
    },
    new Map<string, string>(),
    [db],
  );
  return (groupId) => groups.data.get(groupId) ?? groupId;
}

export function PoliciesPage() {
  const { policies, resources, proposals, users } = useConsoleData();
  const mayEdit = maySend(useSession().user, 'policy.upsert');
  const configFile = useConfigFileActions();
  const groupName = useGroupName();
  const userName = (id: string) => users.get(id)?.displayName ?? id;
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(
    () => [...policies.values()].filter((p) => !search || `${p.name} ${p.description}`.toLowerCase().includes(search)).sort((a, b) => a.name.localeCompare(b.name)),
    [policies, search],
  );
  const usedBy = (policyId: string) => [...resources.values()].filter((r) => r.policyIds.includes(policyId)).length;
  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Access policies</h1>
          <span className="muted">
            {rows.length}
            {mayEdit ? '' : ' · read-only'}
          </span>
        </div>
        {mayEdit ? (
          <div className="filters">
            {configFile.buttons}
            <a className="button primary" href={href('policies', 'new')}>
              <Icon name="plus" /> New policy
            </a>
          </div>
        ) : null}
      </header>
      {configFile.below}
      {rows.length === 0 ? (
        <EmptyState title={policies.size === 0 ? 'No access policies yet' : 'No policy matches the search'} icon="file-text">
          Access policies bound every request: durations, justification and ticket rules, approval chains, extensions and break-glass.
        </EmptyState>
      ) : (
        <div className="grid-table catalog" role="table" aria-label="Access policies">
          <div className="grid-row grid-head" role="row">
            <span role="columnheader">Name</span>
            <span role="columnheader">Duration</span>
            <span role="columnheader">Requires</span>
            <span role="columnheader">Approval</span>
            <span role="columnheader">Extensions</span>
            <span role="columnheader">Resources</span>
          </div>
          {rows.map((p) => (
            <div key={p.id} className="grid-row" role="row" data-policy-id={p.id}>
              <span role="cell">
                <span className="strong">{p.name}</span>
                <WaitingChanges proposals={waitingFor(proposals, 'policy', p.id)} />
                {mayEdit ? (
                  <a className="button small catalog-edit" href={href('policies', p.id)} aria-label={`Edit ${p.name}`}>
                    Edit
                  </a>
                ) : null}
                <div className="muted small">{p.description}</div>
                <ChangedByLine changedBy={p.changedBy} updatedAt={p.updatedAt} />
              </span>
              <span role="cell">
                up to {formatDuration(p.maxDurationMinutes)}
                <div className="muted small">default {formatDuration(p.defaultDurationMinutes)}</div>
              </span>
              <span role="cell">
                {[p.requireJustification && 'justification', p.requireTicket && 'ticket', p.requireMfa && 'MFA', p.requireApproverMfa && 'approver MFA'].filter(Boolean).join(', ') || 'nothing'}
                {ticketFormatOf(p) ? <div className="muted small">a ticket given must be {describeTicketFormat(ticketFormatOf(p)!)}</div> : null}
                {p.ticketCheck ? (
                  <div className="muted small" data-testid="policy-ticket-check">
                    a ticket given is checked with {ticketHookHost(p.ticketCheck.url)}: closed is refused, unknown {p.ticketCheck.onUnknown === 'refuse' ? 'is refused' : 'goes to a person'}
                  </div>
                ) : null}
              </span>
              <span role="cell">
                {p.autoApprove && p.approvalSteps.length === 0 ? 'automatic' : p.approvalSteps.map((s) => s.name).join(' → ') || 'approver'}
                {p.breakGlass ? <span className="pill tone-warning inline-pill">break-glass</span> : null}
                {p.approvalSteps.map((s, i) => (
                  <div key={i} className="muted small" data-testid="step-timeout">
                    {s.name}: {escalationInWords(s, userName, groupName)}
                  </div>
                ))}
                {p.autoApprove && p.approvalSteps.length === 0 ? null : <div className="muted small">a request nobody decides within {minutesInWords(p.requestTtlMinutes)} expires</div>}
              </span>
              <span role="cell">{p.maxExtensions === 0 ? 'none' : `up to ${p.maxExtensions}`}</span>
              <span role="cell">{usedBy(p.id)}</span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
