import { useDeferredValue, useMemo } from 'react';
import { map } from 'rxjs';
import { LIVE_GRANT_STATES, type Grant } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { formatAbsolute, formatCountdown, formatDuration } from '../../lib/time.js';
import { useNow, useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { isReadOnly, mayExtendGrant, mayRevokeGrant } from '../../session/permissions.js';
import { useSession } from '../../session/session.js';
import { EmptyState, StatusPill, Time } from '../../ui/ui.js';
import { GrantVerification } from '../revocations/Receipt.js';
import './grants.css';
import { useGrantActions } from './GrantDialogs.js';
import { askForMoreTime, waitingExtensions } from './more-time.js';
import { commandsWait } from '../../session/reach.js';

export function GrantsPage() {
  const { db, user } = useSession();
  const { users, resources, waiting, status, pending } = useConsoleData();
  const now = useNow(1_000);
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const actions = useGrantActions();
  const offline = commandsWait(status);
  const extensionRequests = useMemo(() => waitingExtensions(pending), [pending]);
  // Someone whose roles send nothing (an auditor) gets no actions column at all.
  const readOnly = isReadOnly(user);

  const grants = useObservable(
    () => db.grants.find({ selector: { status: { $in: [...LIVE_GRANT_STATES] } }, sort: [{ expiresAt: 'asc' }] }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as Grant))),
    [] as Grant[],
    [db],
  );
  const rows = useMemo(
    () =>
      grants.data.filter((g) => {
        if (!search) return true;
        const text = `${users.get(g.userId)?.displayName ?? g.userId} ${resources.get(g.resourceId)?.name ?? g.resourceId} ${g.id}`.toLowerCase();
        return search.split(/\s+/).every((t) => text.includes(t));
      }),
    [grants.data, search, users, resources],
  );

  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Active grants</h1>
          <span className="muted">{rows.length === grants.data.length ? `${rows.length.toLocaleString()} live` : `${rows.length.toLocaleString()} of ${grants.data.length.toLocaleString()} live`}</span>
        </div>
      </header>
      {rows.length === 0 && grants.data.length > 0 ? (
        <EmptyState title="No grant matches the search" icon="search">
          {grants.data.length.toLocaleString()} grants are live; change the search to see them.
        </EmptyState>
      ) : rows.length === 0 ? (
        <EmptyState title={grants.loading ? 'Loading grants…' : 'No active grants'} icon="key">
          {grants.loading ? null : 'When a request is approved its grant appears here, with a countdown to the moment the access is revoked.'}
        </EmptyState>
      ) : (
        <div className={readOnly ? 'grid-table grants-table read-only' : 'grid-table grants-table'} role="table" aria-label="Active grants" data-testid="grants-table">
          <div className="grid-row grid-head" role="row">
            <span role="columnheader">Person</span>
            <span role="columnheader">Resource</span>
            <span role="columnheader">Status</span>
            <span role="columnheader">Expires</span>
            <span role="columnheader">Extensions</span>
            {readOnly ? null : (
              <span role="columnheader" className="right">
                Actions
              </span>
            )}
          </div>
          {rows.map((g) => {
            const pendingCmd = waiting.get(g.id);
            const expiringSoon = Date.parse(g.expiresAt) - now < 10 * 60_000;
            const extensionRequest = extensionRequests.get(g.id);
            const ask = askForMoreTime(g, user.id, extensionRequest, now);
            const own = g.userId === user.id;
            const offerRevoke = mayRevokeGrant(user, g);
            return (
              <div key={g.id} className="grid-row" role="row" data-grant-id={g.id} data-request-id={g.requestId}>
                <span role="cell" className="strong">
                  {users.get(g.userId)?.displayName ?? g.userId}
                </span>
                <span role="cell">
                  <a href={href('requests', g.requestId)}>{resources.get(g.resourceId)?.name ?? g.resourceId}</a>
                </span>
                <span role="cell">
                  <StatusPill status={g.status} />
                  <GrantVerification grant={g} />
                  {pendingCmd ? <span className="pill tone-warning">{pendingCmd.type === 'grant.revoke' ? 'Revocation' : 'Request for more time'} {offline ? 'waiting to sync' : 'sent'}</span> : null}
                  {extensionRequest ? (
                    <a className="pill tone-info" href={href('requests', extensionRequest.id)} title="An extension request waiting for its approvers">
                      +{formatDuration(extensionRequest.durationMinutes)} asked
                    </a>
                  ) : null}
                  {g.lastError ? (
                    <span className="muted small" title={g.lastError}>
                      {' '}
                      {g.lastError.slice(0, 60)}
                    </span>
                  ) : null}
                </span>
                <span role="cell" title={formatAbsolute(g.expiresAt)} className={expiringSoon ? 'text-warning' : undefined}>
                  <span className="countdown">{formatCountdown(g.expiresAt, now)}</span>
                  <span className="muted small"> · granted <Time iso={g.startsAt} /></span>
                </span>
                <span role="cell" className="muted">
                  {g.extensions} of {g.maxExtensions}
                </span>
                {readOnly ? null : (
                  <span role="cell" className="right actions">
                    {ask.show && mayExtendGrant(user, g) ? (
                      <button
                        type="button"
                        className="button small"
                        disabled={!ask.enabled || Boolean(pendingCmd)}
                        title={ask.why}
                        onClick={() => actions.openMoreTime(g)}
                      >
                        Ask for more time
                      </button>
                    ) : null}
                    {offerRevoke ? (
                      <button
                        type="button"
                        className="button small danger"
                        disabled={Boolean(pendingCmd) || g.status === 'revoking'}
                        title={own ? 'Give this access back now; it is removed and the removal verified' : undefined}
                        onClick={() => actions.openRevoke(g)}
                      >
                        {own ? 'Give back' : 'Revoke now'}
                      </button>
                    ) : null}
                  </span>
                )}
              </div>
            );
          })}
        </div>
      )}
      {actions.dialogs}
    </div>
  );
}
