import { useMemo, useState, type ReactNode } from 'react';
import { map } from 'rxjs';
import { importChangesOf, type CommandResult, type Proposal } from '../../../core/index.js';
import { useObservable } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { useSession } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { FieldDiff } from '../../ui/field-diff.js';
import { Dialog, Icon, sentence, StatusPill, Time } from '../../ui/ui.js';
import { useDecisions } from '../decisions.js';
import { ReasonDialog } from '../ReasonDialog.js';
import { governedIds, useWhatIf } from '../editor/use-what-if.js';
import { ProposalReplay } from '../editor/WhatIfPanel.js';
import { diffChange, KIND_LABEL, proposalActions, proposalState, readableWidening, summariseEffect, type Viewer } from './proposal-model.js';
import { commandsWait, sentWhen } from '../../session/reach.js';

const NAMED_SHOWN = 24;

/** Who proposed what and when, why it needs a second person, what it would do, and the fields it changes. */
export function ProposalDetail({ proposal, now, viewer }: { proposal: Proposal; now: number; viewer: Viewer }) {
  const { users, resources, policies } = useConsoleData();
  const names = useMemo(() => ({ users, resources, policies }), [users, resources, policies]);
  const name = (id: string) => users.get(id)?.displayName ?? id;
  const state = proposalState(proposal, now);
  const actions = proposalActions(proposal, viewer, now);
  const effect = useMemo(() => summariseEffect(proposal.effect, names), [proposal.effect, names]);
  const diff = useMemo(() => diffChange(proposal.change, names), [proposal.change, names]);
  const [dialog, setDialog] = useState<'approve' | 'reject' | 'withdraw' | null>(null);
  const decisions = useDecisions();
  const toasts = useToasts();
  const outcome = useLastOutcome(proposal.id, proposal.status === 'pending');
  const { status } = useConsoleData();
  const offline = commandsWait(status);
  const whenSent = sentWhen(status);
  const sent = (what: string, body?: string) =>
    toasts.push({ tone: 'success', title: `${what} ${offline ? 'saved' : 'sent'}: ${proposal.subjectName}`, body: offline ? `Saved on this device; it syncs ${whenSent}.` : body });
  const busy = outcome.waiting;

  return (
    <article className="pr-detail" data-proposal-id={proposal.id}>
      <header className="detail-header">
        <div>
          <div className="muted small">
            {KIND_LABEL[proposal.kind]} <code>{proposal.subjectId}</code>
          </div>
          <h2>
            {proposal.subjectName} <StatusPill status={state} />
          </h2>
          <div className="muted small" data-testid="proposal-byline">
            {proposal.change.before ? 'Change' : 'New entity'} proposed by <strong className="pr-who">{name(proposal.proposedBy)}</strong> <Time iso={proposal.proposedAt} />
            {proposal.status === 'pending' ? (
              <>
                {' · '}
                {state === 'expired' ? 'expired' : 'expires'} <Time iso={proposal.expiresAt} />
              </>
            ) : null}
          </div>
        </div>
        <div className="actions" data-testid="proposal-actions">
          {actions.reject ? (
            <button type="button" className="button danger" disabled={busy} onClick={() => setDialog('reject')}>
              Reject
            </button>
          ) : null}
          {actions.approve ? (
            <button type="button" className="button primary" disabled={busy} onClick={() => setDialog('approve')}>
              Approve
            </button>
          ) : null}
          {actions.withdraw ? (
            <button type="button" className="button" disabled={busy} onClick={() => setDialog('withdraw')}>
              Withdraw
            </button>
          ) : null}
        </div>
      </header>

      <StateNotice proposal={proposal} state={state} isProposer={actions.isProposer} mayDecide={actions.mayDecide} name={name} />
      {outcome.node}

      <section className="pr-section">
        <h3>Why it needs a second person</h3>
        <ul className="pr-widenings" data-testid="proposal-widenings">
          {proposal.widenings.map((w, i) => (
            <li key={i}>
              <Icon name="alert" />
              <span>{sentence(readableWidening(w, names))}</span>
            </li>
          ))}
        </ul>
      </section>

      <section className="pr-section" data-testid="proposal-effect">
        <h3>{state === 'applied' ? 'What it does' : state === 'pending' ? 'What it would do' : 'What it would have done'}</h3>
        <p className="pr-headline">{effect.headline}</p>
        <dl className="facts-grid">
          <dt>Newly eligible</dt>
          <dd>
            {effect.newlyNamed.length === 0 && effect.newlyUnnamed === 0 ? (
              <span className="muted">Nobody</span>
            ) : (
              <>
                {effect.newlyNamed.slice(0, NAMED_SHOWN).join(', ')}
                {effect.newlyNamed.length > NAMED_SHOWN || effect.newlyUnnamed > 0 ? (
                  <span className="muted"> and {(Math.max(0, effect.newlyNamed.length - NAMED_SHOWN) + effect.newlyUnnamed).toLocaleString()} more</span>
                ) : null}
              </>
            )}
          </dd>
          <dt>Resources</dt>
          <dd>{effect.resources.length === 0 ? <span className="muted">None yet</span> : effect.resources.join(', ')}</dd>
        </dl>
        <p className="muted small pr-note">Computed by the server when the change was proposed; approving after it expires is refused, so a stale what-if is never applied.</p>
        {state === 'pending' ? <Replay proposal={proposal} /> : null}
      </section>

      {importChangesOf(proposal).length > 0 ? (
        // A configuration import: every change it makes is reviewed, and applied, together.
        <section className="pr-section" data-testid="proposal-import">
          <h3>Every change in this import ({importChangesOf(proposal).length}), applied together or not at all</h3>
          {importChangesOf(proposal).map((change) => (
            <div key={`${change.kind}:${change.after.id}`} data-subject-id={change.after.id}>
              <h4>
                {KIND_LABEL[change.kind]} {change.after.name} <code>{change.after.id}</code> {change.before ? '' : '(new)'}
              </h4>
              <DiffTable diff={diffChange(change, names)} />
            </div>
          ))}
        </section>
      ) : (
        <section className="pr-section">
          <h3>{proposal.change.before ? 'What changes' : 'The new entity'}</h3>
          <DiffTable diff={diff} />
        </section>
      )}

      <ApproveDialog
        open={dialog === 'approve'}
        proposal={proposal}
        headline={effect.headline}
        onClose={() => setDialog(null)}
        onConfirm={(reason) => {
          setDialog(null);
          void decisions.approveProposal(proposal, reason).then((id) => id && sent('Approval'));
        }}
      />
      <ReasonDialog
        open={dialog === 'reject'}
        title="Reject the change"
        confirmLabel="Reject"
        placeholder="Recorded in the audit log and shown to the proposer"
        intro={<p>{name(proposal.proposedBy)} sees this reason; {proposal.subjectName} stays as it is.</p>}
        onClose={() => setDialog(null)}
        onConfirm={(reason) => {
          setDialog(null);
          void decisions.rejectProposal(proposal, reason).then((id) => id && sent('Rejection', reason));
        }}
      />
      <Dialog
        open={dialog === 'withdraw'}
        title="Withdraw this proposal?"
        onClose={() => setDialog(null)}
        footer={
          <>
            <button type="button" className="button" onClick={() => setDialog(null)}>
              Keep it
            </button>
            <button
              type="button"
              className="button primary"
              data-autofocus
              onClick={() => {
                setDialog(null);
                void decisions.rejectProposal(proposal, '').then((id) => id && sent('Withdrawal'));
              }}
            >
              Withdraw
            </button>
          </>
        }
      >
        <p>{proposal.subjectName} stays as it is and nobody can approve this change any more. To make it later, propose it again.</p>
      </Dialog>
    </article>
  );
}

/** How the recent requests on what it governs would be decided under it, and the grants past a new maximum: computed here, from this device's replica. */
function Replay({ proposal }: { proposal: Proposal }) {
  const { resources } = useConsoleData();
  const ids = useMemo(() => governedIds(proposal.change, resources), [proposal.change, resources]);
  return <ProposalReplay view={useWhatIf(proposal.change, ids)} />;
}

function StateNotice({ proposal, state, isProposer, mayDecide, name }: { proposal: Proposal; state: ReturnType<typeof proposalState>; isProposer: boolean; mayDecide: boolean; name(id: string): string }) {
  const by = proposal.decidedBy ? name(proposal.decidedBy) : 'the server';
  const why = proposal.decisionReason ? `: “${proposal.decisionReason}”` : '';
  let tone: 'warning' | 'success' | 'danger' | 'info' = 'info';
  let text: ReactNode;
  if (state === 'expired') {
    tone = 'warning';
    text = <>Expired <Time iso={proposal.expiresAt} />: it can no longer be approved. Propose the change again so its effect is computed against the organisation as it is now.</>;
  } else if (state === 'applied') {
    tone = 'success';
    text = <>Approved by {by} <Time iso={proposal.decidedAt} /> and applied{why}.</>;
  } else if (state === 'rejected') {
    tone = 'danger';
    text = <>Rejected by {by} <Time iso={proposal.decidedAt} />{why}.</>;
  } else if (state === 'withdrawn') {
    text = <>Withdrawn by {by} <Time iso={proposal.decidedAt} />{why}.</>;
  } else if (state === 'superseded') {
    text = <>Superseded <Time iso={proposal.decidedAt} />{proposal.decisionReason ? `: ${proposal.decisionReason}` : ''}. Nobody can approve it any more.</>;
  } else if (isProposer) {
    text = 'You proposed this change: another policy admin or admin must approve it. You can withdraw it.';
  } else if (!mayDecide) {
    text = 'Read-only: a policy admin or admin other than the proposer decides it.';
  } else {
    return null;
  }
  return (
    <div className={`notice ${tone === 'info' ? 'pr-info' : tone}`} role="status" data-testid="proposal-state">
      <Icon name={tone === 'success' ? 'check' : tone === 'info' ? 'users' : 'alert'} />
      <span>{text}</span>
    </div>
  );
}

/** This user's latest decision on the proposal: waiting for the server, or what the server answered. */
function useLastOutcome(proposalId: string, stillPending: boolean): { waiting: boolean; node: ReactNode } {
  const { db } = useSession();
  const { commands, waiting, status } = useConsoleData();
  const last = useMemo(
    () => [...commands.values()].filter((c) => (c.payload as { proposalId?: unknown }).proposalId === proposalId).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0],
    [commands, proposalId],
  );
  const lastId = last?.id ?? null;
  const result = useObservable(() => (lastId ? db.commandResults.findOne(lastId).$.pipe(map((d) => (d ? (d.toJSON() as CommandResult) : null))) : null), null as CommandResult | null, [db, lastId]);
  const offline = commandsWait(status);
  const whenSent = sentWhen(status);
  if (waiting.has(proposalId)) {
    return {
      waiting: true,
      node: (
        <div className="notice warning" role="status" data-testid="proposal-outcome">
          <Icon name="clock" />
          {offline ? `Your decision is saved on this device and syncs ${whenSent}.` : 'Your decision was sent; waiting for the server to apply it.'}
        </div>
      ),
    };
  }
  if (!result.data) return { waiting: false, node: null };
  const rejected = result.data.status === 'rejected';
  // Once applied, the proposal's own state says what happened; a refusal stays in view with its reason.
  if (!rejected && !stillPending) return { waiting: false, node: null };
  return {
    waiting: false,
    node: (
      <div className={`notice ${rejected ? 'danger' : 'success'}`} role={rejected ? 'alert' : 'status'} data-testid="proposal-outcome">
        <Icon name={rejected ? 'alert' : 'check'} />
        <span>
          {rejected ? 'Not applied: ' : ''}
          {sentence(result.data.message)}
        </span>
      </div>
    ),
  };
}

function ApproveDialog({ open, proposal, headline, onClose, onConfirm }: { open: boolean; proposal: Proposal; headline: string; onClose(): void; onConfirm(reason: string): void }) {
  const [note, setNote] = useState('');
  return (
    <Dialog
      open={open}
      title="Approve and apply the change?"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel <span className="kbd-hint">Esc</span>
          </button>
          <button type="submit" form="approve-proposal-form" className="button primary" data-autofocus>
            Approve and apply <span className="kbd-hint">↵</span>
          </button>
        </>
      }
    >
      <form
        id="approve-proposal-form"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm(note.trim());
          setNote('');
        }}
      >
        <div className="dialog-intro">
          <p>
            {proposal.subjectName} changes as soon as the server applies your approval. {headline}
          </p>
        </div>
        <label className="field">
          <span>Note (optional)</span>
          <input name="note" value={note} maxLength={2048} autoComplete="off" placeholder="Recorded in the audit log" onChange={(e) => setNote(e.target.value)} />
        </label>
      </form>
    </Dialog>
  );
}

/** The fields a change sets, before and after, with the ids a list gains and loses. */
function DiffTable({ diff }: { diff: ReturnType<typeof diffChange> }) {
  return <FieldDiff changes={diff} empty="No field a person reads differs; the change is in its bookkeeping." testId="proposal-diff" />;
}
