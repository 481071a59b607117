import clsx from 'clsx';
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { map } from 'rxjs';
import { LIVE_GRANT_STATES, PENDING_REQUEST_STATES, type AccessRequest, type Grant } from '../../../core/index.js';
import { navigate } from '../../app/router.js';
import { isTypingTarget, useSearch } from '../../app/search.js';
import { formatDuration } from '../../lib/time.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { reachOf, serverView, commandsWait, sentWhen } from '../../session/reach.js';
import { useSession } from '../../session/session.js';
import { NeedsServer } from '../../ui/needs-server.js';
import { EmptyState, ErrorState, Icon, statusLabel, Time } from '../../ui/ui.js';
import { resourceKindLabel } from '../../ui/words.js';
import { alreadyHeld, filterCatalog, useCatalog } from './catalog-model.js';
import { RequestForm } from './RequestForm.js';
import './request-access.css';

/** "Request access": the eligible catalog on the left (search, j/k), the chosen resource's policy and the form on the right. */
export function RequestAccessPage({ id }: { id: string | null }) {
  const { db, user } = useSession();
  const { status } = useConsoleData();
  const catalog = useCatalog();
  const { query } = useSearch();
  const search = useDeferredValue(query);
  const rows = useMemo(() => filterCatalog(catalog.entries, search), [catalog.entries, search]);
  // Enter on the list moves into that resource's form (counted per resource, so moving on does not).
  const [focus, setFocus] = useState({ id: '', n: 0 });
  const offline = commandsWait(status);
  const whenSent = sentWhen(status);
  const selected = rows.find((e) => e.id === id) ?? (id ? catalog.entries.find((e) => e.id === id) : undefined) ?? rows[0];

  const mine = useObservable(
    () => db.grants.find({ selector: { userId: user.id, status: { $in: [...LIVE_GRANT_STATES] } } }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as Grant))),
    [] as Grant[],
    [db, user.id],
  );
  const asked = useObservable(
    () => db.requests.find({ selector: { requesterId: user.id, status: { $in: [...PENDING_REQUEST_STATES] } } }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as AccessRequest))),
    [] as AccessRequest[],
    [db, user.id],
  );

  // j/k (and the arrow keys) move through the catalog; Enter moves into the form.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey || document.querySelector('dialog[open]')) return;
      const at = selected ? rows.findIndex((e) => e.id === selected.id) : -1;
      if (event.key === 'j' || event.key === 'ArrowDown' || event.key === 'k' || event.key === 'ArrowUp') {
        const next = rows[Math.max(0, Math.min(rows.length - 1, at + (event.key === 'j' || event.key === 'ArrowDown' ? 1 : -1)))];
        if (next) {
          event.preventDefault();
          navigate('request-access', next.id);
        }
      } else if (event.key === 'Enter' && selected) {
        event.preventDefault();
        setFocus((f) => ({ id: selected.id, n: f.id === selected.id ? f.n + 1 : 1 }));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, selected]);

  useEffect(() => {
    if (selected) document.querySelector(`[data-resource-id="${CSS.escape(selected.id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  let list: React.ReactNode;
  // Nothing kept on this device and the server cannot be asked: say so, with Retry, rather than "Loading".
  const reach = reachOf(status);
  if (serverView({ hasData: catalog.generatedAt !== null, error: catalog.error, reach }) === 'needs-server') {
    list = <NeedsServer what="The catalog" reach={reach} retrying={catalog.fetching} onRetry={catalog.retry} />;
  } else if (catalog.loading) list = <EmptyState title="Loading what you may request…" icon="box" />;
  else if (catalog.entries.length === 0 && catalog.error) list = <ErrorState title="The catalog could not be loaded" error={catalog.error} />;
  else if (catalog.entries.length === 0) {
    list = (
      <EmptyState title="Nothing you may request yet" icon="box">
        Access profiles decide who may request what. Ask a policy admin to add you to a profile for the resource you need.
      </EmptyState>
    );
  } else if (rows.length === 0) {
    list = (
      <EmptyState title="Nothing matches the search" icon="search">
        {catalog.entries.length} resources are open to you; change the search to see them.
      </EmptyState>
    );
  } else {
    list = (
      <ul className="ra-list" aria-label="Resources you may request">
        {rows.map((entry) => (
          <li key={entry.id}>
            <a
              href={`#/request-access/${encodeURIComponent(entry.id)}`}
              className={clsx('ra-item', selected?.id === entry.id && 'active')}
              aria-current={selected?.id === entry.id ? 'true' : undefined}
              data-resource-id={entry.id}
            >
              <span className="ra-item-name">{entry.name}</span>
              <span className="ra-item-meta muted small">
                {resourceKindLabel(entry.kind)} · {statusLabel(entry.sensitivity)} · up to {formatDuration(entry.policy?.maxDurationMinutes ?? 0)}
                {entry.policy?.autoApprove ? ' · automatic' : entry.policy ? ` · ${entry.policy.steps.length} approval${entry.policy.steps.length === 1 ? '' : 's'}` : ''}
              </span>
              {mine.data.some((g) => g.resourceId === entry.id) ? <span className="pill tone-success">Held</span> : asked.data.some((r) => r.resourceId === entry.id) ? <span className="pill tone-info">Asked</span> : null}
            </a>
          </li>
        ))}
      </ul>
    );
  }

  return (
    <div className="split ra-page">
      <section className="list-pane" aria-label="Catalog">
        <header className="pane-header">
          <div className="pane-title">
            <h1>Request access</h1>
            <span className="muted">{catalog.entries.length ? `${rows.length} of ${catalog.entries.length}` : ''}</span>
          </div>
          {catalog.fromDevice && catalog.generatedAt ? (
            <span className="pill tone-warning" title="The server could not be asked; this is the catalog kept on this device">
              <Icon name="cloud-off" /> As of <Time iso={catalog.generatedAt} />
            </span>
          ) : null}
        </header>
        <div className="ra-list-scroll">{list}</div>
      </section>
      <section className="detail-pane" aria-label="Request">
        {selected ? (
          <RequestForm key={selected.id} entry={selected} held={alreadyHeld(selected.id, mine.data, asked.data)} offline={offline} whenSent={whenSent} focusToken={focus.id === selected.id ? focus.n : 0} />
        ) : (
          <EmptyState title="Choose a resource" icon="box">
            Pick what you need on the left; its policy and the request form appear here.
          </EmptyState>
        )}
      </section>
    </div>
  );
}
