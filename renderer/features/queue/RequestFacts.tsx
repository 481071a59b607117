import clsx from 'clsx';
import { CONFLICT_STEP_NAME, isEscalated, RULE_WITHHELD_STEP_NAME, SECOND_PERSON_STEP_NAME, type AccessRequest } from '../../../core/index.js';
import { formatAbsolute, formatDuration, formatStart } from '../../lib/time.js';
import { useConsoleData } from '../../session/console-data.js';
import { Avatar, RiskBadge, StatusPill, Time } from '../../ui/ui.js';
import { DecisionContext } from './DecisionContext.js';
import { RequesterHistory } from './RequesterHistory.js';
import { ExtensionNotice } from './ExtensionNotice.js';
import { TicketCheckFact } from './TicketCheckFact.js';
import { resourceKindLabel } from '../../ui/words.js';

function describeApprovers(step: { mode: 'any' | 'all'; approverIds: string[]; approverRoles: string[]; approverGroupIds?: string[] | undefined }, name: (id: string) => string): string {
  const groups = step.mode === 'any' ? (step.approverGroupIds ?? []).map((id) => `any member of directory group ${id}`) : [];
  const who = [...step.approverIds.map(name), ...step.approverRoles.map((r) => `anyone with the ${r.replace('_', ' ')} role`), ...groups];
  if (who.length === 0) return 'The resource owner or the requester\u2019s manager';
  if (who.length === 1) return step.mode === 'all' ? `${who[0]} must approve` : `${who[0]!.replace(/^anyone/, 'Anyone')}`;
  return `${step.mode === 'all' ? 'Every one of' : 'Any one of'}: ${who.join(', ')}`;
}

const hasEscalation = (step: { escalateToIds: string[]; escalateToGroupIds?: string[] | undefined; escalateToResourceOwner?: boolean | undefined; escalateToManagersManager?: boolean | undefined }) =>
  step.escalateToIds.length > 0 || (step.escalateToGroupIds?.length ?? 0) > 0 || Boolean(step.escalateToResourceOwner) || Boolean(step.escalateToManagersManager);

/** Everything an approver needs on one screen: who, what, which policy, why, how risky, and history. */
export function RequestFacts({ request }: { request: AccessRequest }) {
  const { users, resources, policies } = useConsoleData();
  const requester = users.get(request.requesterId);
  const resource = resources.get(request.resourceId);
  const policy = request.policy;
  const name = (id: string) => users.get(id)?.displayName ?? id;

  return (
    <div className="facts">
      {request.extendsGrantId ? <ExtensionNotice request={request} /> : null}
      <DecisionContext request={request} />
      <section className={clsx('facts-section', request.extendsGrantId && 'facts-section-lead')}>
        <div className="person">
          <Avatar name={requester?.displayName ?? request.requesterId} />
          <div>
            <div className="person-name">{requester?.displayName ?? request.requesterId}</div>
            <div className="muted small">
              {[requester?.username, requester?.department, requester?.email].filter(Boolean).join(' · ') || 'Not in the directory copy yet'}
            </div>
          </div>
        </div>
      </section>

      <dl className="facts-grid">
        <dt>Resource</dt>
        <dd>
          <strong>{resource?.name ?? request.resourceId}</strong>
          <div className="muted small">
            {resource ? `${resourceKindLabel(resource.kind)} · ${resource.sensitivity} sensitivity` : 'Unknown resource'}
          </div>
        </dd>
        <dt>Risk</dt>
        <dd>
          <RiskBadge score={request.riskScore} />
          {/* The score's reasons, so a number is never all an approver gets (older requests have none stored). */}
          {request.riskFactors?.length ? (
            <ul className="risk-factors muted small" aria-label="Why this risk" data-testid="risk-factors">
              {request.riskFactors.map((f) => (
                <li key={f.label}>
                  {f.label} <span className="risk-points">+{f.points}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </dd>
        <dt>{request.extendsGrantId ? 'More time' : 'Duration'}</dt>
        <dd>
          {request.extendsGrantId ? `+${formatDuration(request.durationMinutes)} on the grant held now` : formatDuration(request.durationMinutes)}
          {policy ? <span className="muted small"> {request.extendsGrantId ? 'within' : 'of'} at most {formatDuration(policy.maxDurationMinutes)}{request.extendsGrantId ? ' from its start' : ''}</span> : null}
        </dd>
        {request.startsAt ? (
          <>
            <dt>Starts</dt>
            <dd data-testid="starts-at" title={formatAbsolute(request.startsAt)}>
              {formatStart(request.startsAt, Date.now())}
              <span className="muted small"> · provisioned then, not at approval; ends <Time iso={new Date(Date.parse(request.startsAt) + request.durationMinutes * 60_000).toISOString()} /></span>
            </dd>
          </>
        ) : null}
        <dt>Justification</dt>
        <dd className={clsx(!request.justification && 'muted')}>{request.justification || 'None given'}</dd>
        <dt>Ticket</dt>
        <dd className={clsx(!request.ticket && 'muted')}>
          {request.ticket ? <code>{request.ticket}</code> : 'None'}
          <TicketCheckFact request={request} />
        </dd>
        <dt>Requested</dt>
        <dd>
          <Time iso={request.createdAt} />
        </dd>
        {/* A request already decided or withdrawn has no deadline left: when it ended instead. */}
        {request.decidedAt ? (
          <>
            <dt>{request.status === 'cancelled' ? 'Cancelled' : 'Decided'}</dt>
            <dd>
              <Time iso={request.decidedAt} />
            </dd>
          </>
        ) : (
          <>
            <dt>Decide by</dt>
            <dd>
              <Time iso={request.expiresAt} />
            </dd>
          </>
        )}
        <dt>Status</dt>
        <dd>
          <StatusPill status={request.status} />
          {isEscalated(request) ? (
            <span className="pill tone-danger" title="Not decided in time: the step escalated and more approvers were added">
              Escalated
            </span>
          ) : null}
        </dd>
        {request.outcomeReason && request.decidedAt ? (
          <>
            <dt>Outcome</dt>
            <dd data-testid="outcome-reason">{request.outcomeReason}</dd>
          </>
        ) : null}
        {/* Why the policy's auto-approval rules did or did not approve it (core/engine/auto-approval.ts), unless the outcome already says it. */}
        {request.autoApproval && !(request.decidedAt && request.outcomeReason === request.autoApproval.reason) ? (
          <>
            <dt>Auto-approval</dt>
            <dd data-testid="auto-approval">{request.autoApproval.reason}</dd>
          </>
        ) : null}
      </dl>

      <section className="facts-section">
        <h3>Access policy</h3>
        {policy ? (
          <>
            <p className="small">
              {policy.policyIds.map((id) => policies.get(id)?.name ?? id).join(' + ') || 'Unnamed policy'}
              <span className="muted">
                {' · '}
                {[policy.requireJustification && 'justification', policy.requireTicket && 'ticket', policy.requireMfa && 'MFA', policy.requireApproverMfa && 'approver MFA'].filter(Boolean).join(', ') || 'nothing'} required
                {policy.maxExtensions > 0 ? ` · up to ${policy.maxExtensions} extension${policy.maxExtensions === 1 ? '' : 's'}` : ' · no extensions'}
              </span>
            </p>
            {policy.approvalSteps.length > 0 ? (
              <ol className="steps">
                {policy.approvalSteps.map((step, index) => {
                  const decided = request.decisions.filter((d) => d.stepIndex === index);
                  const state = index < request.currentStep ? 'done' : index === request.currentStep && request.status === 'pending_approval' ? 'current' : 'later';
                  return (
                    <li key={index} className={clsx('step', `step-${state}`)}>
                      <span className="step-name">
                        {index + 1}. {step.name}
                      </span>
                      <span className="muted small">{describeApprovers(step, name)}</span>
                      {step.escalatedApproverIds?.length ? (
                        <span className="small">
                          <span className="pill tone-danger">Escalated</span> to {step.escalatedApproverIds.slice(0, 5).map(name).join(', ')}
                          {step.escalatedApproverIds.length > 5 ? ` and ${step.escalatedApproverIds.length - 5} more` : ''}
                        </span>
                      ) : null}
                      {state === 'current' && request.stepDueAt ? (
                        <span className="muted small">
                          {/* With nobody to escalate to, the step's timeout expires the request (core settleDeadline). */}
                          {isEscalated(request) || !hasEscalation(step) ? 'Expires undecided' : 'Escalates'} <Time iso={request.stepDueAt} />
                        </span>
                      ) : null}
                      {step.name === SECOND_PERSON_STEP_NAME ? (
                        <span className="small">The requester changed this access configuration recently, so instead of approving automatically an approver or admin decides.</span>
                      ) : null}
                      {step.name === RULE_WITHHELD_STEP_NAME ? (
                        <span className="small">An auto-approval rule matched, but separation of duties withheld it (see Auto-approval above), so an approver or admin decides.</span>
                      ) : null}
                      {step.name === CONFLICT_STEP_NAME ? (
                        <span className="small">The requester holds a resource that must not be held together with this one, so instead of approving automatically an approver or admin decides.</span>
                      ) : null}
                      {decided.map((d) => (
                        <span key={d.approverId} className="small">
                          {d.decision === 'approve' ? 'Approved' : 'Denied'} by {name(d.approverId)} <Time iso={d.decidedAt} />
                        </span>
                      ))}
                    </li>
                  );
                })}
              </ol>
            ) : (
              <p className="muted small">No approval steps: {policy.autoApprove ? 'approved automatically' : 'decided by an approver'}.</p>
            )}
          </>
        ) : (
          <p className="muted small">No policy resolved for this request.</p>
        )}
      </section>

      <RequesterHistory request={request} />
    </div>
  );
}
