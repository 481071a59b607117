import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { href, navigate } from '../../../app/router.js';
import { useSearch } from '../../../app/search.js';
import { useConsoleData } from '../../../session/console-data.js';
import { useSession } from '../../../session/session.js';
import { EmptyState } from '../../../ui/ui.js';
import type { IndexedEvent } from './audit-result.js';
import { EventDetail } from './EventDetail.js';
import { EventTable } from './EventTable.js';
import { eventTypeWords } from './event-words.js';
import { indexFilter, isFiltered, NO_FILTER, type ExplorerFilter, type Timeline } from './explorer-filter.js';
import { FilterBar } from './FilterBar.js';
import { IndexProgressBar } from './IndexProgressBar.js';
import { OlderHistory } from './OlderHistory.js';
import { useAuditIndex } from './use-audit-index.js';
import { useIndexQuery, useSelectedEvent } from './use-index-query.js';
import './explorer.css';

const n = (value: number) => value.toLocaleString('en-US');

/** "Timeline of Frank Schmidt's ERP payment approver grant (g-1)", or of a person. */
function timelineTitle(timeline: Timeline, first: IndexedEvent | null, person: (id: string) => string, resource: (id: string) => string): string {
  if (timeline.kind === 'person') return `Timeline of ${person(timeline.id)}`;
  if (!first?.personId || !first.resourceId) return `Timeline of grant ${timeline.id}`;
  return `Timeline of grant ${timeline.id}: ${person(first.personId)}, ${resource(first.resourceId)}`;
}

/** Search and filter every audit event this replica holds, offline, or read one grant's or person's timeline. */
export function AuditExplorer({ timeline }: { timeline: Timeline | null }) {
  const { db, user } = useSession();
  // Auditors and admins replicate the whole log; everyone else holds recent history and loads older on demand.
  const wholeLog = user.roles.includes('admin') || user.roles.includes('auditor');
  const { users, resources, loading } = useConsoleData();
  // The replica's copy of the log is still arriving: what is indexed is not the whole of it yet.
  const arriving = loading.has('audit');
  const { query, setQuery } = useSearch();
  const state = useAuditIndex(db);
  const version = useDeferredValue(state.version);
  const [picked, setPicked] = useState<Omit<ExplorerFilter, 'text'>>(NO_FILTER);
  const filter: ExplorerFilter = { ...picked, text: query };
  const text = useDeferredValue(query);
  const [selected, setSelected] = useState<number | null>(null);
  const { client } = state;
  // Free text finds people and resources by their names as this replica has them now.
  useEffect(() => {
    client.setNames(
      [...users.values()].map((u) => [u.id, u.displayName]),
      [...resources.values()].map((r) => [r.id, r.name]),
    );
  }, [client, users, resources]);

  // The period is taken from the minute, so the question stays the same while the index grows.
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const asked = timeline ? (timeline.kind === 'grant' ? { grantId: timeline.id } : { people: [timeline.id] }) : indexFilter({ ...picked, text }, minute);
  const { result, error } = useIndexQuery(client, asked, version);
  const order = timeline ? 'oldest' : 'newest';
  const selectedEvent = useSelectedEvent(result, selected, order);
  const counts = useMemo(() => result?.countsByType.slice(0, 4) ?? [], [result]);

  const onOpen = async (seq: number) => {
    if (!result) return;
    const e = await result.get(result.positionOf(seq, order), order);
    if (!e) return;
    const grant = e.subjectType === 'grant' ? e.subjectId : null;
    if (grant) navigate('audit', `grant:${grant}`);
    else if (e.personId) navigate('audit', `person:${e.personId}`);
  };
  const total = state.indexed;
  const building = state.building || arriving;
  const matched = result?.total ?? 0;
  const filtered = !timeline && isFiltered(filter);
  const title = timeline ? timelineTitle(timeline, result?.first ?? null, (id) => users.get(id)?.displayName ?? id, (id) => resources.get(id)?.name ?? id) : null;

  return (
    <div className="ax-explorer">
      {timeline ? (
        <div className="ax-timeline-head">
          <h2 data-testid="timeline-title">{title}</h2>
          <a href={href('audit')} className="button small">
            Back to every event
          </a>
        </div>
      ) : (
        <FilterBar filter={filter} onChange={(f) => { setQuery(f.text); setPicked({ personId: f.personId, resourceId: f.resourceId, type: f.type, period: f.period }); }} onClear={() => { setQuery(''); setPicked(NO_FILTER); }} filtered={filtered} />
      )}
      <p className="ax-counts" role="status" aria-live="polite" data-testid="explorer-counts">
        {building
          ? `Showing ${n(matched)} of ${n(result?.answer.indexed ?? 0)} events indexed so far`
          : filtered || timeline
            ? `Showing ${n(matched)} of ${n(total)} events`
            : `Showing all ${n(total)} events on this device`}
        {counts.length > 0 && matched > 0 ? <span className="muted"> · {counts.map((c) => `${n(c.count)} ${eventTypeWords(c.type).toLowerCase()}`).join(' · ')}</span> : null}
      </p>
      {!wholeLog && !timeline ? <OlderHistory client={client} /> : null}
      {building ? <IndexProgressBar indexed={state.indexed} held={state.held} arriving={arriving} /> : null}
      {error ? (
        <div className="notice danger" role="alert">
          The explorer could not search: {error.message}
        </div>
      ) : null}
      {result === null && !building ? null : result === null || matched === 0 ? (
        building ? (
          <EmptyState title="Indexing audit events…" icon="scroll">
            Events appear here as they are read from this device&apos;s replica.
          </EmptyState>
        ) : total === 0 ? (
          <EmptyState title="No audit events on this device yet" icon="scroll">
            Every request, decision, provisioning and revocation is recorded as a hash-chained event and arrives here with the replica.
          </EmptyState>
        ) : (
          <EmptyState title="No event matches" icon="search">
            {timeline ? 'This replica holds no events for it.' : 'Try fewer filters or other words.'}
          </EmptyState>
        )
      ) : (
        <div className="ax-body">
          <EventTable result={result} order={order} selected={selected} onSelect={setSelected} onOpen={(seq) => void onOpen(seq)} label={title ?? 'Audit events'} />
          {selectedEvent ? <EventDetail event={selectedEvent} /> : null}
        </div>
      )}
    </div>
  );
}
