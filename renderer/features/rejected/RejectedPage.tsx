import { useDeferredValue, useMemo } from 'react';
import { href } from '../../app/router.js';
import { useSearch } from '../../app/search.js';
import { subjectOf, useConsoleData } from '../../session/console-data.js';
import { EmptyState, sentence, Time } from '../../ui/ui.js';
import { COMMAND_LABEL } from '../decisions.js';

/** Decisions the server refused, each with its reason: nothing done offline is silently lost. */
export function RejectedPage() {
  const { rejections, commands } = useConsoleData();
  const { query } = useSearch();
  const search = useDeferredValue(query.trim().toLowerCase());
  const rows = useMemo(() => rejections.filter((r) => !search || `${r.message} ${r.type} ${r.subjectIds.join(' ')}`.toLowerCase().includes(search)), [rejections, search]);
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
          {rows.map((r) => {
            const command = commands.get(r.commandId);
            const subject = (command && subjectOf(command)) ?? r.subjectIds[0] ?? null;
            return (
              <li key={r.id} className="rejection">
                <div className="rejection-head">
                  <strong>{COMMAND_LABEL[r.type] ?? r.type} not applied</strong>
                  <span className="pill tone-danger">{r.code.replace(/_/g, ' ')}</span>
                  <Time iso={r.appliedAt} className="muted small" />
                </div>
                <p className="rejection-message">{sentence(r.message)}</p>
                {subject ? (
                  r.type.startsWith('proposal.') ? (
                    <a className="small" href={href('proposals', subject)}>
                      Open the proposal
                    </a>
                  ) : (
                    <a className="small" href={href(r.type.startsWith('grant.') ? 'grants' : 'requests', r.type.startsWith('grant.') ? null : subject)}>
                      {r.type.startsWith('grant.') ? 'Open active grants' : `Open request ${subject}`}
                    </a>
                  )
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
