import { useDeferredValue, useMemo, useState } from 'react';
import { map } from 'rxjs';
import { LIVE_GRANT_STATES, type Grant } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { formatAbsolute, formatCountdown, formatDuration } from '../../lib/time.js';
import { useNow, useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { isReadOnly, mayExtendGrant, mayRevokeGrant } from '../../session/permissions.js';
import { useSession } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { EmptyState, StatusPill, Time } from '../../ui/ui.js';
import { useDecisions } from '../decisions.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { GrantVerification } from '../revocations/Receipt.js';
import './grants.css';
import { askForMoreTime, moreTimeChoices, waitingExtensions } from './more-time.js';

export function GrantsPage() {
  const { db, user } = useSession();
  const { users, resources, waiting, status, pending } = useConsoleData();
  const decisions = useDecisions();
  const toasts = useToasts();
  const now = useNow(1_000);
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [asking, setAsking] = useState<Grant | null>(null);
  const [askFor, setAskFor] = useState(60);
  const offline = status.browserOffline || !status.online;
  const extensionRequests = useMemo(() => waitingExtensions(pending), [pending]);
  const choices = asking ? moreTimeChoices(asking) : [];
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
                        onClick={() => {
                          setAskFor(moreTimeChoices(g).includes(60) ? 60 : (moreTimeChoices(g)[0] ?? 60));
                          setAsking(g);
                        }}
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
                        onClick={() => setRevoking(g)}
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
      <ReasonDialog
        open={revoking !== null}
        title={revoking?.userId === user.id ? 'Give back access' : 'Revoke access now'}
        confirmLabel={revoking?.userId === user.id ? 'Give back' : 'Revoke'}
        intro={
          revoking ? (
            <p>
              {revoking.userId === user.id ? 'You lose' : `${users.get(revoking.userId)?.displayName ?? revoking.userId} loses`} {resources.get(revoking.resourceId)?.name ?? revoking.resourceId} now; the revocation is then verified in the directory.
            </p>
          ) : null
        }
        onClose={() => setRevoking(null)}
        onConfirm={(reason) => {
          const target = revoking;
          setRevoking(null);
          if (target) void decisions.revoke(target, reason).then((id) => id && toasts.push({ tone: 'success', title: target.userId === user.id ? 'Access given back' : 'Revocation sent', body: reason }));
        }}
      />
      <ReasonDialog
        open={asking !== null}
        title="Ask for more time"
        tone="primary"
        confirmLabel="Ask"
        placeholder="Why you need more time: the approvers read it"
        intro={
          asking ? (
            <p>
              Your request goes to the approvers of {resources.get(asking.resourceId)?.name ?? asking.resourceId}, like the first one. Until it is approved the grant still ends <Time iso={asking.expiresAt} />; it cannot run past the policy maximum of{' '}
              {formatDuration(asking.maxDurationMinutes)} from its start.
            </p>
          ) : null
        }
        onClose={() => setAsking(null)}
        onConfirm={(reason) => {
          const target = asking;
          setAsking(null);
          if (target) {
            void decisions
              .askForMoreTime(target, askFor, reason)
              .then((id) => id && toasts.push({ tone: 'success', title: `Request for ${formatDuration(askFor)} more sent`, body: `Decided under the access policy of ${resources.get(target.resourceId)?.name ?? target.resourceId}, like the first request.` }));
          }
        }}
      >
        <label className="field">
          <span>More time</span>
          <select value={askFor} onChange={(e) => setAskFor(Number(e.target.value))}>
            {choices.map((m) => (
              <option key={m} value={m}>
                {formatDuration(m)}
              </option>
            ))}
          </select>
        </label>
      </ReasonDialog>
    </div>
  );
}
