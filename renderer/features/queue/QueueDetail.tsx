import { memo } from 'react';
import type { AccessRequest } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { isReadOnly, mayDecideRequest, requestRelation, type Viewer } from '../../session/permissions.js';
import { EmptyState, Icon, Kbd } from '../../ui/ui.js';
import type { QueueItem } from './queue-model.js';
import { RequestFacts } from './RequestFacts.js';

/** Why the signed-in person is offered no decision on this request (the server would refuse it). */
export function whyNotDecide(request: AccessRequest, viewer: Viewer): string {
  if (isReadOnly(viewer)) return 'Read-only: your roles do not decide requests.';
  const relation = requestRelation(request, viewer);
  if (relation === 'own') return 'This is your own request: someone else decides it.';
  const step = request.policy?.approvalSteps[request.currentStep];
  if (!step) return 'This request has no approval step waiting for a decision.';
  if (relation === 'approver') {
    const mine = request.decisions.some((d) => d.approverId === viewer.id && d.stepIndex === request.currentStep);
    return mine ? `You have already decided step “${step.name}”.` : `You approved an earlier step; step “${step.name}” needs a different person.`;
  }
  return `Waiting for step “${step.name}”, which does not name you or a role you hold.`;
}

type Props = {
  item: QueueItem | undefined;
  /** The cursor has moved on (the search is being typed): this pane still shows the request before, dimmed. */
  catchingUp: boolean;
  user: Viewer;
  /** A decision on it was sent or saved and the server has not answered yet. */
  waiting: boolean;
  offline: boolean;
  whenSent: string;
  onApprove: (item: QueueItem) => unknown;
  onDeny: (request: AccessRequest) => void;
};

/**
 * The request under the cursor, with the decisions this person may make on it. Memoised and fed
 * a deferred value by the queue: while someone types in the search, the list answers each
 * keystroke and this pane follows when the browser has time.
 */
export const QueueDetail = memo(function QueueDetail({ item, catchingUp, user, waiting, offline, whenSent, onApprove, onDeny }: Props) {
  if (!item) {
    return (
      <section className="detail-pane" aria-label="Request detail" data-testid="detail-pane">
        <EmptyState title="Select a request" icon="inbox">
          Move with <Kbd>j</Kbd> and <Kbd>k</Kbd>; approve with <Kbd>a</Kbd>, deny with <Kbd>d</Kbd>. Press <Kbd>?</Kbd> for every shortcut.
        </EmptyState>
      </section>
    );
  }
  const { request } = item;
  const offerDeny = mayDecideRequest(user, request, 'request.deny');
  const offerApprove = mayDecideRequest(user, request);
  return (
    <section className={catchingUp ? 'detail-pane catching-up' : 'detail-pane'} aria-label="Request detail" aria-busy={catchingUp || undefined} data-testid="detail-pane" data-shows={request.id}>
      <header className="detail-header">
        <div>
          <h2>{item.resourceName}</h2>
          <div className="muted small">
            {item.extension ? 'More time asked by' : 'Requested by'} {item.requesterName} · <a href={href('requests', request.id)}>Timeline</a>
          </div>
        </div>
        <div className="actions">
          {offerDeny ? (
            <button type="button" className="button danger" disabled={waiting || catchingUp} onClick={() => onDeny(request)}>
              Deny <Kbd>d</Kbd>
            </button>
          ) : null}
          {offerApprove ? (
            <button type="button" className="button primary" disabled={waiting || catchingUp} onClick={() => void onApprove(item)} data-testid="approve">
              Approve <Kbd>a</Kbd>
            </button>
          ) : null}
        </div>
      </header>
      {!offerApprove && !offerDeny ? (
        <div className="notice info" role="note" data-testid="not-yours">
          <Icon name="shield-off" />
          {whyNotDecide(request, user)}
        </div>
      ) : null}
      {waiting ? (
        <div className="notice warning" role="status">
          <Icon name="clock" />
          {offline ? `Your decision is saved on this device and syncs ${whenSent}.` : 'Your decision was sent; waiting for the server to apply it.'}
        </div>
      ) : null}
      <RequestFacts request={request} />
    </section>
  );
});
