import { useDeferredValue, useMemo } from 'react';
import { href } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { EmptyState, sentence, Time } from '../../ui/ui.js';
import { describeRejection } from './rejection-model.js';
import { useRejectionLookup } from './use-rejection-lookup.js';

/** Decisions the server refused, each naming what it was about and why: nothing done offline is silently lost. */
export function RejectedPage() {
  const { user } = useSession();
  const { rejections, commands } = useConsoleData();
  const lookup = useRejectionLookup(rejections, commands);
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const views = useMemo(() => rejections.map((r) => ({ result: r, view: describeRejection(r, commands.get(r.commandId), lookup, user.id) })), [rejections, commands, lookup, user.id]);
  const rows = useMemo(() => views.filter(({ result, view }) => !search || `${view.title} ${view.why} ${result.message} ${result.subjectIds.join(' ')}`.toLowerCase().includes(search)), [views, search]);
  return (
    <div className="page">
      <header className="pane-header">
        <div className="pane-title">
          <h1>Rejected decisions</h1>
          <span className="muted">{rows.length} from you</span>
        </div>
      </header>
      {rows.length === 0 ? (
        <EmptyState title="None of your decisions were rejected" icon="check">
          When the server cannot apply one of your decisions (for example someone else decided the request first, or it expired while you were offline), it appears here with the reason.
        </EmptyState>
      ) : (
        <ul className="rejections" data-testid="rejections">
          {rows.map(({ result: r, view }) => (
            <li key={r.id} className="rejection">
              <div className="rejection-head">
                <strong>{view.title}</strong>
                <span className="pill tone-danger">{view.why}</span>
                <Time iso={r.appliedAt} className="muted small" />
              </div>
              <p className="rejection-message">{sentence(r.message)}</p>
              {view.link ? (
                <a className="small" href={href(view.link.screen, view.link.id)}>
                  {view.link.label}
                </a>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
