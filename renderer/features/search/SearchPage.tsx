import { useDeferredValue, useEffect, useMemo, type ReactNode } from 'react';
import { map, of, type Observable } from 'rxjs';
import type { AccessRequest, Grant } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { formatDuration } from '../../lib/time.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { EmptyState, StatusPill, Time } from '../../ui/ui.js';
import { resourceKindLabel } from '../../ui/words.js';
import { searchAll, searchWords } from './search-model.js';
import './search.css';

type Docs = { find(): { $: Observable<ReadonlyArray<{ toJSON(): unknown }>> } };

function Group({ title, shown, total, children }: { title: string; shown: number; total: number; children: ReactNode }) {
  if (total === 0) return null;
  return (
    <section className="sr-group" aria-label={title}>
      <h2>
        {title} <span className="muted">{shown < total ? `${shown} of ${total.toLocaleString()}` : total.toLocaleString()}</span>
      </h2>
      <ul>{children}</ul>
    </section>
  );
}

/** Search everything this replica holds: requests and grants of every status, people, resources. */
export function SearchPage({ initial }: { initial: string | null }) {
  const { db, user } = useSession();
  const { users, resources } = useConsoleData();
  const { query, setQuery, inputRef } = useSearch();
  // Opened from another screen's search box: carry the words over, and keep typing there.
  useEffect(() => {
    if (initial) setQuery(initial);
    inputRef.current?.focus();
  }, [initial, setQuery, inputRef]);
  const search = useDeferredValue(query);
  const all = <T,>(name: 'requests' | 'grants'): Observable<T[]> => {
    // A replica opens only the collections its roles replicate.
    const collection = (db.collections as Record<string, unknown>)[name] as Docs | undefined;
    return collection ? collection.find().$.pipe(map((docs) => docs.map((d) => d.toJSON() as T))) : of([]);
  };
  const requests = useObservable(() => all<AccessRequest>('requests'), [] as AccessRequest[], [db]);
  const grants = useObservable(() => all<Grant>('grants'), [] as Grant[], [db]);
  const found = useMemo(() => searchAll(search, { requests: requests.data, grants: grants.data, users, resources }), [search, requests.data, grants.data, users, resources]);
  const person = (id: string) => (id === user.id ? 'you' : (users.get(id)?.displayName ?? id));
  const resource = (id: string) => resources.get(id)?.name ?? id;
  const total = found.totals.requests + found.totals.grants + found.totals.people + found.totals.resources;

  return (
    <div className="page search-page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Search</h1>
          <span className="muted">{searchWords(search).length === 0 ? 'type in the box above' : `${total.toLocaleString()} found for “${search.trim()}”`}</span>
        </div>
      </header>
      {searchWords(search).length === 0 ? (
        <EmptyState title="Search everything on this device" icon="search">
          Requests and grants of every status (by ticket, justification, person, resource or id), people and resources. Works offline, over what your replica holds.
        </EmptyState>
      ) : total === 0 ? (
        <EmptyState title="Nothing found" icon="search">
          {requests.loading || grants.loading ? 'Still loading…' : 'No request, grant, person or resource on this device matches every word.'}
        </EmptyState>
      ) : (
        <div className="sr-groups">
          <Group title="Requests" shown={found.requests.length} total={found.totals.requests}>
            {found.requests.map((r) => (
              <li key={r.id}>
                <a href={href('requests', r.id)}>{resource(r.resourceId)}</a>
                <span>for {person(r.requesterId)}</span>
                <span className="muted">{formatDuration(r.durationMinutes)}</span>
                {r.ticket ? <code>{r.ticket}</code> : null}
                <StatusPill status={r.status} />
                <Time iso={r.createdAt} className="muted small" />
              </li>
            ))}
          </Group>
          <Group title="Grants" shown={found.grants.length} total={found.totals.grants}>
            {found.grants.map((g) => (
              <li key={g.id}>
                <a href={href('requests', g.requestId)}>{resource(g.resourceId)}</a>
                <span>held by {person(g.userId)}</span>
                <StatusPill status={g.status} />
                <span className="muted small">
                  {g.revokedAt ? (
                    <>
                      ended <Time iso={g.revokedAt} />
                    </>
                  ) : (
                    <>
                      ends <Time iso={g.expiresAt} />
                    </>
                  )}
                </span>
              </li>
            ))}
          </Group>
          <Group title="People" shown={found.people.length} total={found.totals.people}>
            {found.people.map((u) => (
              <li key={u.id}>
                <strong>{u.displayName}</strong>
                <span className="muted">{[u.username, u.department].filter(Boolean).join(' · ')}</span>
              </li>
            ))}
          </Group>
          <Group title="Resources" shown={found.resources.length} total={found.totals.resources}>
            {found.resources.map((r) => (
              <li key={r.id}>
                <a href={href('resources')}>{r.name}</a>
                <span className="muted">{resourceKindLabel(r.kind)}</span>
              </li>
            ))}
          </Group>
        </div>
      )}
    </div>
  );
}
