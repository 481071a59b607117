import { TICKET_UNCHECKED_STEP_NAME, type AccessRequest } from '../../../core/index.js';
import { Time } from '../../ui/ui.js';

const LABEL = { open: 'Open', closed: 'Closed', unknown: 'Not verified' } as const;
const TONE = { open: 'tone-success', closed: 'tone-danger', unknown: 'tone-warning' } as const;

/** What the ticket system said of the request's ticket (its ticket-check hook), under the ticket: status, where, when and why. */
export function TicketCheckFact({ request }: { request: AccessRequest }) {
  const check = request.ticketCheck;
  if (!check) return null;
  const toPerson = check.status === 'unknown' && request.policy?.approvalSteps.some((s) => s.name === TICKET_UNCHECKED_STEP_NAME);
  return (
    <div className="ticket-check-fact small" data-testid="ticket-check">
      <span className={`pill ${TONE[check.status]}`}>{LABEL[check.status]}</span> <span className="muted">asked {check.hookHost}</span> <Time iso={check.checkedAt} className="muted" />
      <div className="muted">
        {check.reason}
        {toPerson ? '; so an approver decides instead of the policy approving automatically.' : ''}
      </div>
    </div>
  );
}
