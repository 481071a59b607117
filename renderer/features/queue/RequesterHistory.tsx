import { useEffect, useState } from 'react';
import type { Subscription } from 'rxjs';
import type { AccessRequest } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { formatDuration } from '../../lib/time.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { StatusPill, Time } from '../../ui/ui.js';

/**
 * How long the cursor rests on a request before its requester's history is read. Typing in the
 * search or holding j moves the cursor every few milliseconds, and each read walks all of that
 * person's requests (RxDB re-sorts a descending sort in memory), so reads wait until it stops.
 */
const SETTLE_MS = 150;
const REMEMBERED_REQUESTERS = 64;

/** The last answer per requester, per replica: shown at once when the cursor comes back to them. */
const answers = new WeakMap<object, Map<string, AccessRequest[]>>();

function remembered(db: object): Map<string, AccessRequest[]> {
  let byRequester = answers.get(db);
  if (!byRequester) answers.set(db, (byRequester = new Map()));
  return byRequester;
}

function remember(db: object, requesterId: string, docs: AccessRequest[]): void {
  const byRequester = remembered(db);
  byRequester.delete(requesterId);
  byRequester.set(requesterId, docs);
  // Oldest first in a Map's order: drop it past the bound.
  if (byRequester.size > REMEMBERED_REQUESTERS) byRequester.delete(byRequester.keys().next().value!);
}

/** The requester's latest requests besides this one, live once the cursor rests on it. */
export function RequesterHistory({ request }: { request: AccessRequest }) {
  const { db } = useSession();
  const { resources } = useConsoleData();
  const [answer, setAnswer] = useState<{ requesterId: string; docs: AccessRequest[] } | null>(null);
  const { requesterId } = request;
  useEffect(() => {
    let subscription: Subscription | undefined;
    const timer = setTimeout(() => {
      subscription = db.requests.find({ selector: { requesterId }, sort: [{ createdAt: 'desc' }], limit: 9 }).$.subscribe((found) => {
        const docs = found.map((d) => d.toJSON() as AccessRequest);
        remember(db, requesterId, docs);
        setAnswer({ requesterId, docs });
      });
    }, SETTLE_MS);
    return () => {
      clearTimeout(timer);
      subscription?.unsubscribe();
    };
  }, [db, requesterId]);
  // Never another person's history: the live answer only when it is this requester's, else the remembered one.
  const docs = answer?.requesterId === requesterId ? answer.docs : (remembered(db).get(requesterId) ?? null);
  const history = docs?.filter((r) => r.id !== request.id).slice(0, 8) ?? null;
  return (
    <section className="facts-section" data-testid="requester-history">
      <h3>Their recent requests</h3>
      {history === null || history.length === 0 ? (
        <p className="muted small">{history === null ? 'Loading…' : 'No other requests from this person.'}</p>
      ) : (
        <ul className="history">
          {history.map((r) => (
            <li key={r.id}>
              <a href={href('requests', r.id)}>{resources.get(r.resourceId)?.name ?? r.resourceId}</a>
              <span className="muted small">{formatDuration(r.durationMinutes)}</span>
              <StatusPill status={r.status} />
              <Time iso={r.createdAt} className="muted small" />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
