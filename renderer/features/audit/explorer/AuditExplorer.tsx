import { useDeferredValue, useMemo, useState } from 'react';
import { href, navigate } from '../../../app/router.js';
import { useSearch } from '../../../app/search.js';
import { useConsoleData } from '../../../session/console-data.js';
import { useSession } from '../../../session/session.js';
import { LoadProgressBar } from '../../../ui/load-progress.js';
import { EmptyState } from '../../../ui/ui.js';
import type { IndexedEvent } from './audit-result.js';
import { EventDetail } from './EventDetail.js';
import { EventTable } from './EventTable.js';
import { eventTypeWords } from './event-words.js';
import { indexFilter, isFiltered, NO_FILTER, type ExplorerFilter, type Timeline } from './explorer-filter.js';
import { FilterBar } from './FilterBar.js';
import { useAuditIndex } from './use-audit-index.js';
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
  const { db } = useSession();
  const { users, resources } = useConsoleData();
  const { query, setQuery } = useSearch();
  const state = useAuditIndex(db);
  const version = useDeferredValue(state.version);
  const [picked, setPicked] = useState<Omit<ExplorerFilter, 'text'>>(NO_FILTER);
  const filter: ExplorerFilter = { ...picked, text: query };
  const text = useDeferredValue(query);
  const [selected, setSelected] = useState<number | null>(null);
  const names = useMemo(() => ({ personName: (id: string) => users.get(id)?.displayName, resourceName: (id: string) => resources.get(id)?.name }), [users, resources]);

  const result = useMemo(() => {
    if (timeline) return state.index.query(timeline.kind === 'grant' ? { grantId: timeline.id } : { people: [timeline.id] }, names);
    return state.index.query(indexFilter({ ...picked, text }, Date.now()), names);
    // version: the index grew.
  }, [state.index, version, timeline, picked, text, names]);
  const order = timeline ? 'oldest' : 'newest';
  const selectedEvent = useMemo(() => {
    if (selected === null) return null;
    const at = result.positionOf(selected, order);
    return at >= 0 ? result.at(at, order) : null;
  }, [result, selected, order]);
  const counts = useMemo(() => result.countsByType().slice(0, 4), [result]);

  const onOpen = (seq: number) => {
    const at = result.positionOf(seq, order);
    if (at < 0) return;
    const e = result.at(at, order);
    const grant = e.subjectType === 'grant' ? e.subjectId : null;
    if (grant) navigate('audit', `grant:${grant}`);
    else if (e.personId) navigate('audit', `person:${e.personId}`);
  };
  const total = state.index.size;
  const filtered = !timeline && isFiltered(filter);
  const title = timeline ? timelineTitle(timeline, result.total > 0 ? result.at(0, 'oldest') : null, (id) => users.get(id)?.displayName ?? id, (id) => resources.get(id)?.name ?? id) : null;

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
        {state.building
          ? `Showing ${n(result.total)} of ${n(total)} events indexed so far (${n(state.held)} on this device)`
          : filtered || timeline
            ? `Showing ${n(result.total)} of ${n(total)} events`
            : `Showing all ${n(total)} events on this device`}
        {counts.length > 0 && result.total > 0 ? <span className="muted"> · {counts.map((c) => `${n(c.count)} ${eventTypeWords(c.type).toLowerCase()}`).join(' · ')}</span> : null}
      </p>
      {state.building ? <LoadProgressBar what="audit events into the explorer" progress={{ received: state.indexed, expected: state.held || null }} /> : null}
      {result.total === 0 ? (
        state.building ? (
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
          <EventTable result={result} order={order} selected={selectedEvent?.seq ?? null} onSelect={setSelected} onOpen={onOpen} label={title ?? 'Audit events'} />
          {selectedEvent ? <EventDetail event={selectedEvent} /> : null}
        </div>
      )}
    </div>
  );
}
