import clsx from 'clsx';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { map } from 'rxjs';
import type { Grant, Verification } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { formatAbsolute } from '../../lib/time.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { formatMs } from '../../ui/charts/scale.js';
import { EmptyState, Icon, StatusPill, Time } from '../../ui/ui.js';
import { RECEIPT_RESULT, readsOf, receiptPurposeLabel, receiptSentence, receiptsNewestFirst, verificationView, type Tone, type VerificationIcon } from './revocation-model.js';

function ToneBadge({ tone, icon, label, title, testId }: { tone: Tone; icon: VerificationIcon; label: string; title?: string; testId?: string }) {
  return (
    <span className={clsx('pill', 'verification-badge', `tone-${tone}`)} title={title} data-testid={testId}>
      <Icon name={icon} size={12} />
      {label}
    </span>
  );
}

/** A grant's verification state: icon, colour and words (never colour alone). */
export function VerificationBadge({ grant }: { grant: Pick<Grant, 'status' | 'verification'> }) {
  const view = verificationView(grant);
  return <ToneBadge tone={view.tone} icon={view.icon} label={view.label} title={view.explanation} testId="verification-badge" />;
}

/**
 * The verification badge as a button that opens the grant's receipts in a drawer, in place: for
 * lists of grants elsewhere in the console.
 */
export function GrantVerification({ grant }: { grant: Pick<Grant, 'id' | 'status' | 'verification'> }) {
  const [open, setOpen] = useState(false);
  const view = verificationView(grant);
  return (
    <>
      <button type="button" className={clsx('pill', 'verification-badge', 'badge-button', `tone-${view.tone}`)} title={`${view.explanation} Show the verification receipts.`} onClick={() => setOpen(true)} data-testid="verification-badge">
        <Icon name={view.icon} size={12} />
        {view.label}
      </button>
      {open ? <ReceiptDrawer grantId={grant.id} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

/** A side sheet on <dialog>: modal, Escape closes, focus goes back where it was. Rendered at the body, so it can open from inside a table row. */
export function Drawer({ title, onClose, children, testId }: { title: string; onClose(): void; children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return createPortal(
    <dialog
      ref={ref}
      className="drawer"
      aria-labelledby="drawer-title"
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose();
      }}
    >
      <div className="drawer-inner">
        <header className="drawer-header">
          <h2 id="drawer-title">{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            <Icon name="x" />
          </button>
        </header>
        <div className="drawer-body">{children}</div>
      </div>
    </dialog>,
    document.body,
  );
}

export function ReceiptDrawer({ grantId, onClose }: { grantId: string; onClose(): void }) {
  return (
    <Drawer title="Verification receipts" onClose={onClose} testId="receipt-drawer">
      <GrantReceipts grantId={grantId} />
    </Drawer>
  );
}

const asJson = <T,>(docs: ReadonlyArray<{ toJSON(): unknown }>): T[] => docs.map((d) => d.toJSON() as T);

/** Everything read back from the directory for one grant, newest check first. */
export function GrantReceipts({ grantId }: { grantId: string }) {
  const session = useSession();
  const { db } = session;
  const { users, resources } = useConsoleData();
  const grant = useObservable(() => db.grants.findOne(grantId).$.pipe(map((d) => (d ? (d.toJSON() as Grant) : null))), null as Grant | null, [db, grantId]);
  const receipts = useObservable(
    () => db.verifications.find({ selector: { grantId } }).$.pipe(map((docs) => receiptsNewestFirst(asJson<Verification>(docs)))),
    [] as Verification[],
    [db, grantId],
  );

  if (!grant.data) {
    return (
      <EmptyState title={grant.loading ? 'Loading…' : 'This grant is not on this device'} icon="key">
        {grant.loading ? null : `No grant with id ${grantId} has synced to this device. If it was just created, it appears here once the server sends it.`}
      </EmptyState>
    );
  }
  const g = grant.data;
  const person = users.get(g.userId)?.displayName ?? g.userId;
  const resource = resources.get(g.resourceId)?.name ?? g.resourceId;
  const view = verificationView(g);

  return (
    <div className="receipts" data-grant-id={g.id}>
      <div className="receipt-grant">
        <div className="receipt-grant-title">
          <strong>{person}</strong>
          <span className="muted"> · </span>
          <span>{resource}</span>
        </div>
        <div className="receipt-grant-badges">
          {/* A verified grant's badge already says "Verified gone": one pill, not two saying the same. */}
          {g.status === 'verified' ? null : <StatusPill status={g.status} />}
          <VerificationBadge grant={g} />
        </div>
        <p className="muted small">{view.explanation}</p>
      </div>
      <dl className="facts-grid receipt-facts">
        <dt>Connector</dt>
        <dd>{resources.get(g.resourceId)?.connectorId ?? g.connector}</dd>
        <dt>Approved</dt>
        <dd>
          <Time iso={g.approvedAt} />
        </dd>
        <dt>Effective</dt>
        <dd>
          {g.effectiveAt ? (
            <>
              <Time iso={g.effectiveAt} />
              {g.timeToEffectiveMs !== null ? <span className="muted"> · {formatMs(g.timeToEffectiveMs)} after approval</span> : null}
            </>
          ) : (
            <span className="muted">not verified</span>
          )}
        </dd>
        {/* Once ended, "expires in 3 h" would contradict the status: the planned end, said as such. */}
        <dt>{g.revokedAt ? 'Was due to end' : 'Expires'}</dt>
        <dd>
          <Time iso={g.expiresAt} />
        </dd>
        <dt>Removed</dt>
        <dd>
          {g.revokedAt ? (
            <>
              <Time iso={g.revokedAt} />
              <span className="muted"> · {g.latenessMs !== null ? `${formatMs(g.latenessMs)} after expiry` : 'ended early on request'}</span>
            </>
          ) : (
            <span className="muted">not yet</span>
          )}
        </dd>
        <dt>Verified gone</dt>
        <dd>{g.verifiedAt ? <Time iso={g.verifiedAt} /> : <span className="muted">not yet</span>}</dd>
        {g.attempts > 0 || g.lastError ? (
          <>
            <dt>Attempts</dt>
            <dd>{g.attempts}</dd>
          </>
        ) : null}
        {g.lastError ? (
          <>
            <dt>Last error</dt>
            <dd className="receipt-error">{g.lastError}</dd>
          </>
        ) : null}
      </dl>
      <p className="small">
        <a href={href('requests', g.requestId)}>Open the request and its audit timeline</a>
      </p>
      <h3 className="receipts-heading">Receipts</h3>
      {receipts.loading ? (
        <p className="muted">Loading receipts…</p>
      ) : receipts.data.length === 0 ? (
        <EmptyState title="No receipt yet" icon="clock">
          A receipt appears here when the scheduler has read the directory back: after the access is granted, after it is removed, and at each later drift check.
        </EmptyState>
      ) : (
        <ol className="receipt-list">
          {receipts.data.map((r) => (
            <li key={r.id}>
              <ReceiptCard receipt={r} grant={g} />
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

export function ReceiptCard({ receipt, grant }: { receipt: Verification; grant: Pick<Grant, 'approvedAt' | 'latenessMs'> }) {
  const result = RECEIPT_RESULT[receipt.result];
  const reads = readsOf(receipt);
  const tookMs = Date.parse(receipt.finishedAt) - Date.parse(receipt.startedAt);
  const [copied, setCopied] = useState(false);
  return (
    <article className="receipt" data-testid="receipt" data-purpose={receipt.purpose} data-result={receipt.result} data-sweep={receipt.sweep ? 'true' : undefined} aria-label={`${receiptPurposeLabel(receipt)}: ${result.label}`}>
      <header className="receipt-head">
        <div>
          <span className="receipt-purpose">{receiptPurposeLabel(receipt)}</span>
          <ToneBadge tone={result.tone} icon={result.icon} label={result.label} />
        </div>
        <Time iso={receipt.finishedAt} className="muted small" />
      </header>
      <p className="receipt-sentence">{receiptSentence(receipt)}</p>
      <dl className="facts-grid receipt-facts">
        <dt>Endpoint</dt>
        <dd>
          {/* Several reads (role instances, then nested groups) are joined with " + ": one per line. */}
          {receipt.endpoint ? (
            receipt.endpoint.split(' + ').map((part, i) => (
              <code key={i} className="receipt-endpoint">
                {part}
              </code>
            ))
          ) : (
            <span className="muted">not recorded</span>
          )}
        </dd>
        <dt>Connector</dt>
        <dd>{receipt.connector}</dd>
        {receipt.actedVia ? (
          <>
            <dt>Acted via</dt>
            <dd>
              app registration <code>{receipt.actedVia}</code>
            </dd>
          </>
        ) : null}
        <dt>Started</dt>
        <dd>{formatAbsolute(receipt.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>
          {formatAbsolute(receipt.finishedAt)} <span className="muted">· took {formatMs(tookMs)}</span>
        </dd>
        <dt>Consistent reads</dt>
        <dd>
          {receipt.consistentReads} of {receipt.reads.length}
        </dd>
        <dt>Nested groups</dt>
        <dd>{receipt.transitiveChecked ? 'Checked (transitive membership read)' : 'Not checked'}</dd>
        {receipt.purpose === 'provision' && receipt.result === 'effective' ? (
          <>
            <dt>Time to effective</dt>
            <dd>{formatMs(Date.parse(receipt.finishedAt) - Date.parse(grant.approvedAt))} from approval</dd>
          </>
        ) : null}
        {receipt.purpose === 'revocation' && grant.latenessMs !== null ? (
          <>
            <dt>Lateness</dt>
            <dd>removed {formatMs(grant.latenessMs)} after expiry</dd>
          </>
        ) : null}
      </dl>
      {/* AD: what a directory read cannot show (issued Kerberos tickets keep their groups until renewed). */}
      {receipt.caveat ? (
        <p className="notice warning small receipt-caveat" data-testid="receipt-caveat">
          <Icon name="alert" size={12} /> {receipt.caveat}
        </p>
      ) : null}
      {reads.length > 0 ? (
        <table className="reads-table">
          <caption className="visually-hidden">Reads of {receipt.endpoint}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Read at</th>
              <th scope="col">Access</th>
              <th scope="col">What the directory answered</th>
            </tr>
          </thead>
          <tbody>
            {reads.map((r) => (
              <tr key={r.index} className={r.inConsistentRun ? 'consistent' : undefined}>
                <td className="muted">{r.index}</td>
                <td title={formatAbsolute(r.at)} className="read-time">
                  <span className="mono">{formatClock(r.at)}</span>
                  <span className="muted small">+{formatMs(Math.max(0, r.offsetMs))} from start</span>
                </td>
                <td>
                  {/* Green when the read shows what this check wants to see (present after granting, absent after removal). */}
                  <span className={clsx('read-result', r.present === (receipt.purpose === 'provision') ? 'as-wanted' : 'not-as-wanted')}>
                    <Icon name={r.present ? 'check' : 'x'} size={12} />
                    {r.present ? 'Present' : 'Not present'}
                  </span>
                </td>
                <td className="mono read-detail">{r.detail || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {reads.length > receipt.consistentReads && receipt.consistentReads > 0 ? (
        <p className="muted small receipt-note">
          <span className="consistent-mark" aria-hidden="true" /> The result rests on the last {receipt.consistentReads} reads, which agreed; earlier reads can differ while the directory replicates.
        </p>
      ) : null}
      <div className="receipt-actions">
        <span className="muted small mono">{receipt.id}</span>
        <button
          type="button"
          className="button small"
          onClick={() => {
            void navigator.clipboard
              ?.writeText(JSON.stringify(receipt, null, 2))
              .then(() => {
                setCopied(true);
                setTimeout(() => setCopied(false), 1500);
              })
              .catch(() => undefined);
          }}
        >
          {copied ? 'Copied' : 'Copy as JSON'}
        </button>
      </div>
    </article>
  );
}

/** Wall-clock time with milliseconds: reads are often less than a second apart. */
function formatClock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return `${time}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
