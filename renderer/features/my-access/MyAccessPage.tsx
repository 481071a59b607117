import { useEffect, useMemo, useState } from 'react';
import { map, of } from 'rxjs';
import { LIVE_GRANT_STATES, type AccessRequest, type DirectoryUser, type Grant } from '../../../core/index.js';
import { href, navigate } from '../../app/router.js';
import { isTypingTarget } from '../../app/search.js';
import { useNow, useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { mayCancelRequest, mayExtendGrant, mayRevokeGrant } from '../../session/permissions.js';
import { useSession } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { EmptyState, Kbd } from '../../ui/ui.js';
import { useDecisions } from '../decisions.js';
import { useGrantActions } from '../grants/GrantDialogs.js';
import { askForMoreTime, waitingExtensions } from '../grants/more-time.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { historyOf, isPending, ownedIdentities, unsentRequests } from './my-access-model.js';
import { IdentitiesSection } from './IdentitiesSection.js';
import { GrantCard, HistoryTable, PendingCard, UnsentRow } from './MyAccessSections.js';
import './my-access.css';
import { commandsWait } from '../../session/reach.js';

const HISTORY_ROWS = 200;

/** "My access": what I asked for and where it stands, what I hold and until when, and what ended and why. Live from the replica, offline too. */
export function MyAccessPage({ id }: { id: string | null }) {
  const { db, user } = useSession();
  const { users, resources, waiting, commands, status } = useConsoleData();
  const decisions = useDecisions();
  const toasts = useToasts();
  const grantActions = useGrantActions();
  const now = useNow(1_000);
  const offline = commandsWait(status);
  const [cancelling, setCancelling] = useState<AccessRequest | null>(null);

  const requests = useObservable(
    () => db.requests.find({ selector: { requesterId: user.id }, sort: [{ createdAt: 'desc' }] }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as AccessRequest))),
    [] as AccessRequest[],
    [db, user.id],
  );
  const grants = useObservable(
    () => db.grants.find({ selector: { userId: user.id }, sort: [{ expiresAt: 'asc' }] }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as Grant))),
    [] as Grant[],
    [db, user.id],
  );
  // Service identities I own, and their grants: mine to give back and ask more time on (the replica holds exactly these).
  const identities = useMemo(() => ownedIdentities(users.values(), user.id), [users, user.id]);
  const identityKey = identities.map((i) => i.id).join('\u0000');
  const identityGrants = useObservable(
    () => (identityKey ? db.grants.find({ selector: { userId: { $in: identityKey.split('\u0000') } }, sort: [{ expiresAt: 'asc' }] }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as Grant))) : of([] as Grant[])),
    [] as Grant[],
    [db, identityKey],
  );
  const names = useMemo(
    () => ({ person: (uid: string) => (uid === user.id ? 'you' : (users.get(uid)?.displayName ?? uid)), resource: (rid: string) => resources.get(rid)?.name ?? rid }),
    [users, resources, user.id],
  );
  const pending = useMemo(() => requests.data.filter(isPending), [requests.data]);
  const live = useMemo(() => grants.data.filter((g) => LIVE_GRANT_STATES.includes(g.status)), [grants.data]);
  const identityLive = useMemo(() => identityGrants.data.filter((g) => LIVE_GRANT_STATES.includes(g.status)), [identityGrants.data]);
  const holderOf = useMemo(() => new Map<string, DirectoryUser>(identities.map((i) => [i.id, i])), [identities]);
  // What ended includes the grants of the identities I own that I asked for.
  const history = useMemo(
    () => historyOf(requests.data, [...grants.data, ...identityGrants.data.filter((g) => g.requestedBy === user.id)], names.person).slice(0, HISTORY_ROWS),
    [requests.data, grants.data, identityGrants.data, user.id, names],
  );
  const extensions = useMemo(() => waitingExtensions(pending), [pending]);
  // Approved requests whose access begins later: cancelled (before the start) from their grant's card.
  const scheduled = useMemo(() => new Map(requests.data.filter((r) => r.status === 'approved' && r.startsAt && mayCancelRequest(user, r, now)).map((r) => [r.id, r])), [requests.data, user, now]);
  const unsent = useMemo(() => unsentRequests(waiting, commands, new Set(requests.data.map((r) => r.id))), [waiting, commands, requests.data]);
  const loading = requests.loading || grants.loading;

  // The rows j/k move over, by request id: pending requests, then live grants, then those of the identities I own.
  const order = useMemo(() => [...pending.map((r) => r.id), ...live.map((g) => g.requestId), ...identityLive.map((g) => g.requestId)], [pending, live, identityLive]);
  const selected = id && order.includes(id) ? id : null;

  useEffect(() => {
    if (selected) document.querySelector(`.ma-card[data-request-id="${CSS.escape(selected)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
      const at = selected ? order.indexOf(selected) : -1;
      if (event.key === 'j' || event.key === 'k') {
        const next = order[Math.max(0, Math.min(order.length - 1, at + (event.key === 'j' ? 1 : -1)))];
        if (next) {
          event.preventDefault();
          navigate('my-access', next);
        }
        return;
      }
      if (!selected) return;
      const request = pending.find((r) => r.id === selected) ?? scheduled.get(selected);
      const grant = live.find((g) => g.requestId === selected) ?? identityLive.find((g) => g.requestId === selected);
      const holder = grant ? holderOf.get(grant.userId) : undefined;
      if (event.key === 'Enter') {
        event.preventDefault();
        navigate('requests', selected);
      } else if (event.key === 'c' && request && mayCancelRequest(user, request) && !waiting.has(request.id)) {
        event.preventDefault();
        setCancelling(request);
      } else if (event.key === 'm' && grant && mayExtendGrant(user, grant, holder) && askForMoreTime(grant, grant.userId, extensions.get(grant.id), Date.now()).enabled && !waiting.has(grant.id)) {
        event.preventDefault();
        grantActions.openMoreTime(grant);
      } else if (event.key === 'b' && grant && mayRevokeGrant(user, grant, holder) && !waiting.has(grant.id) && grant.status !== 'revoking') {
        event.preventDefault();
        grantActions.openRevoke(grant);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [order, selected, pending, scheduled, live, identityLive, holderOf, user, waiting, extensions, grantActions]);

  const nothing = !loading && pending.length === 0 && live.length === 0 && unsent.length === 0;
  const waitingWord = (subject: string, type: string) => (waiting.get(subject)?.type === type ? (offline ? 'waiting to sync' : 'sent') : null);

  return (
    <div className="page ma-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>My access</h1>
          <span className="muted">
            {loading ? 'Loading…' : `${pending.length + unsent.length} waiting · ${live.length} held${identities.length > 0 ? ` · ${identityLive.length} held by service identities I own` : ''}`}
          </span>
        </div>
        <a className="button primary" href={href('request-access')}>
          Request access
        </a>
      </header>

      {nothing ? (
        <EmptyState title="You hold no access and are waiting for none" icon="key" action={<a className="button primary" href={href('request-access')}>Request access</a>}>
          Ask for a resource for the time a task needs; your requests and grants appear here, with where each stands.
        </EmptyState>
      ) : (
        <>
          <section className="ma-section" aria-labelledby="ma-waiting">
            <h2 id="ma-waiting">Waiting for approval</h2>
            {pending.length === 0 && unsent.length === 0 ? (
              <p className="muted">{loading ? 'Loading your requests…' : 'Nothing waiting: every request you made has been decided.'}</p>
            ) : (
              <ul className="ma-cards" aria-label="Waiting for approval">
                {unsent.map((c) => (
                  <UnsentRow key={c.id} command={c} names={names} offline={offline} />
                ))}
                {pending.map((r) => (
                  <PendingCard key={r.id} request={r} names={names} active={r.id === selected} cancelling={waitingWord(r.id, 'request.cancel')} mayCancel={mayCancelRequest(user, r)} onCancel={() => setCancelling(r)} />
                ))}
              </ul>
            )}
          </section>
          <section className="ma-section" aria-labelledby="ma-held">
            <h2 id="ma-held">Held now</h2>
            {live.length === 0 ? (
              <p className="muted">{loading ? 'Loading your grants…' : 'No access held now. An approved request shows here with a countdown to its end.'}</p>
            ) : (
              <ul className="ma-cards" aria-label="Held now">
                {live.map((g) => (
                  <GrantCard
                    key={g.id}
                    grant={g}
                    names={names}
                    now={now}
                    active={g.requestId === selected}
                    waitingType={waiting.get(g.id)?.type ?? (scheduled.has(g.requestId) ? (waiting.get(g.requestId)?.type ?? null) : null)}
                    extension={extensions.get(g.id)}
                    userId={user.id}
                    mayExtend={mayExtendGrant(user, g)}
                    mayGiveBack={mayRevokeGrant(user, g)}
                    onMoreTime={() => grantActions.openMoreTime(g)}
                    onGiveBack={() => grantActions.openRevoke(g)}
                    onCancelBeforeStart={scheduled.has(g.requestId) ? () => setCancelling(scheduled.get(g.requestId) ?? null) : undefined}
                  />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
      <IdentitiesSection
        identities={identities}
        grants={identityLive}
        userId={user.id}
        nameOf={names.person}
        loading={identityGrants.loading}
        renderGrant={(g, holder) => (
          <GrantCard
            key={g.id}
            grant={g}
            names={names}
            now={now}
            active={g.requestId === selected}
            waitingType={waiting.get(g.id)?.type ?? null}
            extension={extensions.get(g.id)}
            // The owner asks as the holder would; whether they may is mayExtendGrant's (core/engine/principal.ts).
            userId={g.userId}
            mayExtend={mayExtendGrant(user, g, holder)}
            mayGiveBack={mayRevokeGrant(user, g, holder)}
            onMoreTime={() => grantActions.openMoreTime(g)}
            onGiveBack={() => grantActions.openRevoke(g)}
          />
        )}
      />
      {history.length > 0 ? (
        <section className="ma-section" aria-labelledby="ma-history">
          <h2 id="ma-history">History</h2>
          <HistoryTable rows={history} names={names} />
        </section>
      ) : null}
      <p className="muted small ma-keys">
        <Kbd>j</Kbd>/<Kbd>k</Kbd> move · <Kbd>Enter</Kbd> open · <Kbd>c</Kbd> cancel a request · <Kbd>m</Kbd> ask for more time · <Kbd>b</Kbd> give back
      </p>

      {grantActions.dialogs}
      <ReasonDialog
        open={cancelling !== null}
        title="Cancel this request"
        confirmLabel="Withdraw"
        placeholder="Why you no longer need it; kept in the audit log"
        intro={
          cancelling ? (
            <p>
              {cancelling.status === 'approved'
                ? `Your access to ${names.resource(cancelling.resourceId)} is cancelled before it starts; nothing is provisioned.`
                : `Your request for ${names.resource(cancelling.resourceId)} leaves the approvers’ queues; nothing is provisioned.`}
            </p>
          ) : null
        }
        onClose={() => setCancelling(null)}
        onConfirm={(reason) => {
          const target = cancelling;
          setCancelling(null);
          if (target) void decisions.cancel(target, reason).then((sent) => sent && toasts.push({ tone: 'success', title: offline ? 'Cancellation saved' : 'Cancellation sent', body: reason }));
        }}
      />
    </div>
  );
}
