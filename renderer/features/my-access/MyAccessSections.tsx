import clsx from 'clsx';
import { waitsForStart, type AccessRequest, type Command, type Grant } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { formatAbsolute, formatCountdown, formatDuration, formatStart } from '../../lib/time.js';
import { Icon, StatusPill, Time } from '../../ui/ui.js';
import { askForMoreTime } from '../grants/more-time.js';
import { GrantVerification } from '../revocations/Receipt.js';
import { chainProgress, type HistoryRow } from './my-access-model.js';
import { ShortenedNotice } from './ShortenedNotice.js';

type Names = { person(id: string): string; resource(id: string): string };

/** A request written on this device the server has not answered yet. */
export function UnsentRow({ command, names, offline }: { command: Command; names: Names; offline: boolean }) {
  const p = command.payload as { resourceId: string; durationMinutes: number; requestId?: string };
  return (
    <li className="ma-card ma-unsent" data-request-id={p.requestId}>
      <div className="ma-card-head">
        <strong>{names.resource(p.resourceId)}</strong>
        <span className="muted">for {formatDuration(p.durationMinutes)}</span>
        <span className="pill tone-warning">
          <Icon name={offline ? 'cloud-off' : 'cloud'} size={12} /> {offline ? 'Waiting to sync' : 'Sending…'}
        </span>
      </div>
      <p className="muted small">Written <Time iso={command.createdAt} /> on this device; the approval chain starts when the server receives it.</p>
    </li>
  );
}

/** A pending request: where it is in its chain, live. */
export function PendingCard({
  request,
  names,
  active,
  cancelling,
  mayCancel,
  onCancel,
}: {
  request: AccessRequest;
  names: Names;
  active: boolean;
  cancelling: string | null;
  mayCancel: boolean;
  onCancel(): void;
}) {
  const chain = chainProgress(request, names.person);
  return (
    <li className={clsx('ma-card', active && 'active')} data-request-id={request.id} aria-current={active ? 'true' : undefined}>
      <div className="ma-card-head">
        <a href={href('requests', request.id)} className="strong">
          {names.resource(request.resourceId)}
        </a>
        <span className="muted">
          {request.extendsGrantId ? `+${formatDuration(request.durationMinutes)} on a grant ${request.onBehalfOf ? `${names.person(request.onBehalfOf)} holds` : 'you hold'}` : `for ${formatDuration(request.durationMinutes)}`} · asked <Time iso={request.createdAt} />
        </span>
        {/* Asked on behalf of a service identity I own: the access is its, not mine. */}
        {request.onBehalfOf ? (
          <span className="pill tone-info" data-testid="on-behalf-of">
            For {names.person(request.onBehalfOf)}
          </span>
        ) : null}
        <StatusPill status={request.status} />
        <StartsPill startsAt={request.startsAt} />
        {cancelling ? <span className="pill tone-warning">Cancellation {cancelling}</span> : null}
        <span className="ma-spacer" />
        {mayCancel ? (
          <button type="button" className="button small danger" disabled={Boolean(cancelling)} onClick={onCancel}>
            Cancel request
          </button>
        ) : null}
      </div>
      <p className="ma-summary" data-testid="chain-summary">
        {chain.summary}
      </p>
      {/* Why the policy's auto-approval rules left it to the chain (core/engine/auto-approval.ts). */}
      {request.autoApproval && !request.autoApproval.approved ? (
        <p className="muted small" data-testid="auto-approval">
          {request.autoApproval.reason}
        </p>
      ) : null}
      {chain.total > 0 ? (
        <ol className="ma-chain" aria-label="Approval chain">
          {chain.steps.map((step, i) => (
            <li key={i} className={`ma-step ${step.state}`}>
              <span className="ma-step-dot" aria-hidden="true">
                {step.state === 'approved' ? <Icon name="check" size={12} /> : i + 1}
              </span>
              <span className="ma-step-text">
                <strong>{step.name}</strong>
                <span className="muted small">
                  {step.state === 'approved'
                    ? `approved by ${step.approvedBy.map((a) => a.name).join(', ')}`
                    : step.state === 'current'
                      ? `waiting for ${step.who}${step.approvedBy.length ? ` (approved so far by ${step.approvedBy.map((a) => a.name).join(', ')})` : ''}`
                      : `then ${step.who}`}
                </span>
              </span>
            </li>
          ))}
        </ol>
      ) : null}
      {request.expiresAt ? (
        <p className="muted small">
          Expires undecided <Time iso={request.expiresAt} />.
        </p>
      ) : null}
    </li>
  );
}

/** "Starts Sat 22:00" for access asked to begin later (the absolute time and zone on hover). */
export function StartsPill({ startsAt, now = Date.now() }: { startsAt?: string | null | undefined; now?: number }) {
  if (!startsAt || Date.parse(startsAt) <= now) return null;
  return (
    <span className="pill tone-info" data-testid="starts-at" title={formatAbsolute(startsAt)}>
      Starts {formatStart(startsAt, now)}
    </span>
  );
}

/** A live grant: countdown, verification, and what its holder may do with it. */
export function GrantCard({
  grant,
  names,
  now,
  active,
  waitingType,
  extension,
  userId,
  mayExtend,
  mayGiveBack,
  onMoreTime,
  onGiveBack,
  onCancelBeforeStart,
}: {
  grant: Grant;
  names: Names;
  now: number;
  active: boolean;
  waitingType: string | null;
  extension: AccessRequest | undefined;
  userId: string;
  mayExtend: boolean;
  mayGiveBack: boolean;
  onMoreTime(): void;
  onGiveBack(): void;
  /** Set for a grant waiting for its start whose request its holder may still cancel. */
  onCancelBeforeStart?: (() => void) | undefined;
}) {
  const ask = askForMoreTime(grant, userId, extension, now);
  // Approved for a later start: nothing is provisioned yet, so it is cancelled, not given back.
  if (waitsForStart(grant, new Date(now))) return <ScheduledGrantCard grant={grant} names={names} now={now} active={active} waitingType={waitingType} onCancel={onCancelBeforeStart} />;
  const soon = Date.parse(grant.expiresAt) - now < 10 * 60_000;
  return (
    <li className={clsx('ma-card', active && 'active')} data-request-id={grant.requestId} data-grant-id={grant.id} aria-current={active ? 'true' : undefined}>
      <div className="ma-card-head">
        <a href={href('requests', grant.requestId)} className="strong">
          {names.resource(grant.resourceId)}
        </a>
        <StatusPill status={grant.status} />
        <GrantVerification grant={grant} />
        {waitingType ? <span className="pill tone-warning">{waitingType === 'grant.revoke' ? 'Giving back' : 'More time asked'}…</span> : null}
        {extension ? (
          <a className="pill tone-info" href={href('requests', extension.id)}>
            +{formatDuration(extension.durationMinutes)} asked
          </a>
        ) : null}
        <span className="ma-spacer" />
        {mayExtend && ask.show ? (
          <button type="button" className="button small" disabled={!ask.enabled || Boolean(waitingType)} title={ask.why} onClick={onMoreTime}>
            Ask for more time
          </button>
        ) : null}
        {mayGiveBack ? (
          <button type="button" className="button small danger" disabled={Boolean(waitingType) || grant.status === 'revoking'} title="Give this access back now; it is removed and the removal verified" onClick={onGiveBack}>
            Give back
          </button>
        ) : null}
      </div>
      <p className={clsx('ma-countdown', soon && 'text-warning')} title={formatAbsolute(grant.expiresAt)}>
        <span className="countdown" data-testid="grant-countdown">
          {formatCountdown(grant.expiresAt, now)}
        </span>
        <span className="muted small">
          {' '}
          · ends <Time iso={grant.expiresAt} /> · granted <Time iso={grant.startsAt} /> · more time used {grant.extensions} of {grant.maxExtensions}
        </span>
      </p>
      {grant.lastError ? <p className="small text-danger">{grant.lastError}</p> : null}
      <ShortenedNotice grant={grant} person={names.person} />
    </li>
  );
}

function ScheduledGrantCard({ grant, names, now, active, waitingType, onCancel }: { grant: Grant; names: Names; now: number; active: boolean; waitingType: string | null; onCancel?: (() => void) | undefined }) {
  return (
    <li className={clsx('ma-card', active && 'active')} data-request-id={grant.requestId} data-grant-id={grant.id} aria-current={active ? 'true' : undefined}>
      <div className="ma-card-head">
        <a href={href('requests', grant.requestId)} className="strong">
          {names.resource(grant.resourceId)}
        </a>
        <StartsPill startsAt={grant.startsAt} now={now} />
        {waitingType === 'request.cancel' ? <span className="pill tone-warning">Cancelling…</span> : null}
        <span className="ma-spacer" />
        {onCancel ? (
          <button type="button" className="button small danger" disabled={Boolean(waitingType)} title="Cancel before it starts: nothing is provisioned" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <p className="muted small" data-testid="scheduled-window">
        Approved · provisioned at its start, <Time iso={grant.startsAt} /> · ends <Time iso={grant.expiresAt} /> ({formatDuration(Math.round((Date.parse(grant.expiresAt) - Date.parse(grant.startsAt)) / 60_000))})
      </p>
    </li>
  );
}

export function HistoryTable({ rows, names }: { rows: readonly HistoryRow[]; names: Names }) {
  return (
    <div className="grid-table ma-history" role="table" aria-label="History">
      <div className="grid-row grid-head" role="row">
        <span role="columnheader">Resource</span>
        <span role="columnheader">Outcome</span>
        <span role="columnheader">Why</span>
        <span role="columnheader">When</span>
      </div>
      {rows.map((row) => (
        <div key={row.key} className="grid-row" role="row" data-request-id={row.requestId}>
          <span role="cell">
            <a href={href('requests', row.requestId)}>{names.resource(row.resourceId)}</a>
            {row.forId ? <span className="muted small"> for {names.person(row.forId)}</span> : null}
          </span>
          <span role="cell">
            <span className={`pill tone-${row.tone}`}>{row.outcome}</span>
          </span>
          <span role="cell" className="ma-reason" title={row.reason}>
            {row.reason || <span className="muted">—</span>}
          </span>
          <span role="cell">
            <Time iso={row.at} />
          </span>
        </div>
      ))}
    </div>
  );
}
