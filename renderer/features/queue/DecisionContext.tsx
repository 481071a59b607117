import { useMemo } from 'react';
import { map } from 'rxjs';
import type { AccessRequest, Grant } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { Icon, Time } from '../../ui/ui.js';
import { decisionContext } from './decision-context.js';

/** "Already holds this access until …", "Same request pending since …", conflicting holdings: above the facts, live. */
export function DecisionContext({ request }: { request: AccessRequest }) {
  const { db } = useSession();
  const { resources, pending } = useConsoleData();
  // Every grant of the requester's: a conflicting pair is about another resource.
  const grants = useObservable(() => db.grants.find({ selector: { userId: request.requesterId } }).$.pipe(map((docs) => docs.map((d) => d.toJSON() as Grant))), [] as Grant[], [db, request.requesterId]);
  // A duplicate is a pending request, and every pending request is in memory already: no query per request shown.
  const notes = useMemo(() => {
    const same = pending.filter((r) => r.requesterId === request.requesterId && r.resourceId === request.resourceId);
    // The last answer may still be the previous requester's for a render: only this requester's grants count.
    return decisionContext(request, grants.data.filter((g) => g.userId === request.requesterId), same, resources);
  }, [pending, request, grants, resources]);
  if (notes.length === 0) return null;
  return (
    <div className="decision-context" data-testid="decision-context">
      {notes.map((note) =>
        note.kind === 'conflict' ? (
          <p key={`conflict-${note.conflict.resourceId}`} className="notice danger" data-testid="sod-conflict">
            <Icon name="alert" /> Separation of duties: {note.grant ? 'holds' : 'held when asking'} <strong>{note.conflict.resourceName}</strong>, which must not be held together with this resource
            {note.grant ? (
              <>
                {' '}
                (until <Time iso={note.grant.expiresAt} />)
              </>
            ) : null}
            . Approve only with a reason that covers both.
          </p>
        ) : note.kind === 'holds' ? (
          <p key={note.grant.id} className="notice warning">
            <Icon name="key" /> Already holds this access; it ends <Time iso={note.grant.expiresAt} />. <a href={href('requests', note.grant.requestId)}>See that grant’s request</a>
          </p>
        ) : (
          <p key={note.request.id} className="notice warning">
            <Icon name="clock" /> Asked for the same <Time iso={note.request.createdAt} /> in another request, still pending. <a href={href('requests', note.request.id)}>Open it</a>
          </p>
        ),
      )}
    </div>
  );
}
