import { useQuery } from '@tanstack/react-query';
import { href } from '../../../app/router.js';
import { useConsoleData } from '../../../session/console-data.js';
import { useSession } from '../../../session/session.js';
import type { IndexedEvent } from './audit-result.js';
import { eventTypeWords } from './event-words.js';
import { readEvent } from './feed.js';

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The selected event whole (its data read from the replica), with links to its timelines. */
export function EventDetail({ event }: { event: IndexedEvent }) {
  const { db } = useSession();
  const { users } = useConsoleData();
  const full = useQuery({ queryKey: ['audit-event', event.seq], queryFn: () => readEvent(db, event.seq), networkMode: 'always' });
  const grantId = event.subjectType === 'grant' ? event.subjectId : null;
  const name = (id: string | null) => (id ? (users.get(id)?.displayName ?? id) : '');
  return (
    <aside className="ax-detail" aria-label="Selected event" data-testid="explorer-detail">
      <h2>
        {eventTypeWords(event.type)} <span className="muted mono">#{event.seq}</span>
      </h2>
      <dl>
        <dt>When</dt>
        <dd>{new Date(event.at).toISOString()}</dd>
        <dt>By</dt>
        <dd>{event.actorId === 'system' ? 'system' : name(event.actorId)}</dd>
        <dt>Subject</dt>
        <dd className="mono">
          {event.subjectType} {event.subjectId}
        </dd>
        {full.data
          ? Object.entries(full.data.data ?? {}).map(([key, value]) => (
              <div key={key} className="ax-detail-row">
                <dt>{key}</dt>
                <dd>{show(value)}</dd>
              </div>
            ))
          : null}
        {full.data ? (
          <>
            <dt>Hash</dt>
            <dd className="mono">{full.data.hash.slice(0, 16)}…</dd>
          </>
        ) : null}
      </dl>
      <div className="ax-detail-links">
        {grantId ? (
          <a className="button small" href={href('audit', `grant:${grantId}`)} data-testid="open-grant-timeline">
            Grant timeline
          </a>
        ) : null}
        {event.personId ? (
          <a className="button small" href={href('audit', `person:${event.personId}`)} data-testid="open-person-timeline">
            {name(event.personId)}&apos;s timeline
          </a>
        ) : null}
        {event.actorId && event.actorId !== 'system' && event.actorId !== event.personId ? (
          <a className="button small" href={href('audit', `person:${event.actorId}`)}>
            {name(event.actorId)}&apos;s timeline
          </a>
        ) : null}
      </div>
    </aside>
  );
}
