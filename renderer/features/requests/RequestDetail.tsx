import clsx from 'clsx';
import { useState } from 'react';
import { map } from 'rxjs';
import { REVOCATION_CATEGORY_WORDS, revocationCategoryOf, type AccessRequest, type Grant } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { formatDuration } from '../../lib/time.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { mayCancelRequest } from '../../session/permissions.js';
import { useSession, useSessionApi } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { EmptyState, StatusPill, Time } from '../../ui/ui.js';
import { useDecisions } from '../decisions.js';
import { RequestFacts } from '../queue/RequestFacts.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { useAuditEvents } from '../audit/use-audit-events.js';
import { commandsWait } from '../../session/reach.js';

const EVENT_TEXT: Record<string, string> = {
  'request.created': 'Request submitted',
  'request.eligibility_checked': 'Eligibility confirmed',
  'request.ineligible': 'Found ineligible',
  'request.approval_recorded': 'Approval recorded',
  'request.approved': 'Request approved',
  'request.denied': 'Request denied',
  'request.cancelled': 'Request cancelled',
  'request.expired': 'Request expired undecided',
  'request.escalated': 'Escalated: not decided in time',
  'request.break_glass': 'Break-glass self-approval',
  'grant.created': 'Grant created',
  'grant.provision_started': 'Provisioning started',
  'grant.provisioned': 'Access provisioned',
  'grant.provision_failed': 'Provisioning failed',
  'grant.effective_verified': 'Verified effective in the directory',
  'grant.extended': 'More time given',
  'grant.revoke_requested': 'Revocation requested',
  'grant.revoke_started': 'Revocation started',
  'grant.revoked': 'Access revoked',
  'grant.revoke_failed': 'Revocation failed',
  'grant.revoke_escalated': 'Revocation escalated',
  'grant.revocation_verified': 'Verified gone from the directory',
  'grant.revocation_not_verified': 'Still present after revocation',
  'grant.drift_detected': 'Drift detected',
  'grant.drift_check_passed': 'Drift check passed',
  'command.rejected': 'Decision rejected',
};

function tone(type: string): string {
  if (/failed|denied|rejected|not_verified|drift_detected|ineligible|escalated/.test(type)) return 'danger';
  if (/approved|provisioned|verified|passed/.test(type)) return 'success';
  if (/revoke|expired|cancelled/.test(type)) return 'warning';
  return 'neutral';
}

/** Why a grant ended: its revocation category in words, then the note (a grant ended before categories: read from its reason). */
function endedWhy(grant: Grant): string {
  const category = revocationCategoryOf(grant);
  const words = [category ? REVOCATION_CATEGORY_WORDS[category] : '', category === 'expiry' && grant.endedReason === 'expired' ? '' : grant.endedReason].filter(Boolean);
  return words.length > 0 ? ` · ${words.join(': ')}` : '';
}

function describeData(data: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of ['reason', 'message', 'minutes', 'step', 'error', 'endpoint']) {
    const value = data[key];
    if (typeof value === 'string' && value) parts.push(value);
    else if (typeof value === 'number') parts.push(key === 'minutes' ? `+${formatDuration(value)}` : `${key} ${value}`);
  }
  return parts.join(' · ');
}

export function RequestDetail({ id }: { id: string }) {
  const { db, user } = useSession();
  const { host } = useSessionApi();
  const { users, waiting, status } = useConsoleData();
  const decisions = useDecisions();
  const toasts = useToasts();
  const [cancelling, setCancelling] = useState(false);
  const offline = commandsWait(status);
  const request = useObservable(() => db.requests.findOne(id).$.pipe(map((d) => (d ? (d.toJSON() as AccessRequest) : null))), null as AccessRequest | null, [db, id]);
  // An extension request names the grant it would lengthen before it is approved.
  const grantId = request.data?.grantId ?? request.data?.extendsGrantId ?? null;
  const grant = useObservable(() => (grantId ? db.grants.findOne(grantId).$.pipe(map((d) => (d ? (d.toJSON() as Grant) : null))) : null), null as Grant | null, [db, grantId]);
  const subjects = grantId ? [id, grantId] : [id];
  const events = useAuditEvents({ subjectIds: subjects });

  if (!request.data) {
    return request.loading ? (
      <EmptyState title="Loading…" icon="clock" />
    ) : (
      <EmptyState title="Request not found" icon="alert" action={<a className="button" href={href('requests')}>Back to requests</a>}>
        This request is not in your local copy. It may belong to another organisation, or it has not synced yet.
      </EmptyState>
    );
  }

  return (
    <div className="page detail-page">
      <header className="pane-header">
        <div className="pane-title">
          <a href={href('requests')} className="back">
            Requests
          </a>
          <span className="muted">/</span>
          <h1>
            Request <code>{id}</code>
          </h1>
          <StatusPill status={request.data.status} />
          {request.data.extendsGrantId ? <span className="pill more-time">More time</span> : null}
        </div>
        <div className="filters no-print">
          {waiting.get(id)?.type === 'request.cancel' ? <span className="pill tone-warning">Cancellation {offline ? 'waiting to sync' : 'sent'}</span> : null}
          {mayCancelRequest(user, request.data) ? (
            <button type="button" className="button small danger" disabled={waiting.has(id)} onClick={() => setCancelling(true)}>
              Cancel request
            </button>
          ) : null}
          <button type="button" className="button small" onClick={() => void host.printToPdf(`request-${id}.pdf`)}>
            Save as PDF
          </button>
        </div>
      </header>
      <ReasonDialog
        open={cancelling}
        title="Cancel this request"
        confirmLabel="Withdraw"
        placeholder="Why it is no longer needed: recorded in the audit log"
        intro={<p>{request.data.requesterId === user.id ? 'Your request is withdrawn; its approvers no longer see it.' : 'The request is withdrawn for its requester; its approvers no longer see it.'}</p>}
        onClose={() => setCancelling(false)}
        onConfirm={(reason) => {
          setCancelling(false);
          const target = request.data;
          if (target) void decisions.cancel(target, reason).then((sent) => sent && toasts.push({ tone: 'success', title: offline ? 'Cancellation saved' : 'Cancellation sent', body: reason }));
        }}
      />
      <div className="detail-columns">
        <div className="card">
          <RequestFacts request={request.data} />
        </div>
        <div className="card">
          <h3>Timeline</h3>
          {grant.data ? (
            <p className="small">
              Grant <code>{grant.data.id}</code> <StatusPill status={grant.data.status} />{' '}
              {/* An ended grant has no expiry left: when it ended, and why. */}
              {grant.data.revokedAt ? (
                <>
                  ended <Time iso={grant.data.revokedAt} />
                  {endedWhy(grant.data)}
                </>
              ) : (
                <>
                  expires <Time iso={grant.data.expiresAt} />
                </>
              )}
            </p>
          ) : null}
          {events.data.length === 0 ? (
            <p className="muted small">{events.loading ? 'Loading…' : 'No audit events have synced for this request yet.'}</p>
          ) : (
            <ol className="timeline" data-testid="timeline">
              {events.data.map((e) => (
                <li key={e.id} className={clsx('timeline-item', `tone-${tone(e.type)}`)}>
                  <span className="timeline-dot" aria-hidden="true" />
                  <div>
                    <div>
                      <strong>{EVENT_TEXT[e.type] ?? e.type}</strong> <span className="muted small">by {e.actorId === 'system' ? 'the system' : (users.get(e.actorId)?.displayName ?? e.actorId)}</span>
                    </div>
                    {describeData(e.data) ? <div className="small">{describeData(e.data)}</div> : null}
                    <div className="muted small">
                      <Time iso={e.at} /> · event #{e.seq}
                    </div>
                  </div>
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </div>
  );
}
