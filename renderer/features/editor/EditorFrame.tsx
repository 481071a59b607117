import { useEffect, type ReactNode } from 'react';
import { href, type Screen } from '../../app/router.js';
import { useConsoleData } from '../../session/console-data.js';
import { EmptyState, Icon, sentence, Time } from '../../ui/ui.js';
import { readableWidening } from '../proposals/proposal-model.js';
import type { SaveState } from './use-config-save.js';
import { commandsWait, sentWhen } from '../../session/reach.js';

/** What became of the last save, in words, with the way on: the proposal to follow, or what to fix. */
export function SaveOutcome({ state, refusalShownOnField, what }: { state: SaveState; refusalShownOnField: boolean; what: string }) {
  const { status, users, resources, policies } = useConsoleData();
  // The server's sentence with names for ids and durations in the units people use.
  const words = (message: string) => sentence(readableWidening(message, { users, resources, policies }));
  const offline = commandsWait(status);
  const whenSent = sentWhen(status);
  switch (state.kind) {
    case 'idle':
      return null;
    case 'waiting':
      return (
        <div className="notice warning" role="status" data-testid="save-outcome">
          <Icon name="clock" />
          {offline ? `The ${what} is saved on this device and sent ${whenSent}; the server then applies it or proposes it.` : `Sent; waiting for the server to apply the ${what}.`}
        </div>
      );
    case 'applied':
      return (
        <div className="notice success" role="status" data-testid="save-outcome">
          <Icon name="check" />
          <span>Applied: {words(state.message)}</span>
        </div>
      );
    case 'proposed':
      return (
        <div className="notice warning" role="status" data-testid="save-outcome">
          <Icon name="users" />
          <span>
            Proposed for a second person: the change widens access, so it applies once another policy admin or admin approves it. <a href={href('proposals', state.proposalId)}>Follow it in Proposals</a>
          </span>
        </div>
      );
    case 'rejected':
      return (
        <div className="notice danger" role="alert" data-testid="save-outcome">
          <Icon name="alert" />
          <span>{refusalShownOnField ? `Not saved: the server refused it. The field it names is marked below: ${words(state.message)}` : `Not saved: ${words(state.message)}`}</span>
        </div>
      );
    case 'failed':
      return (
        <div className="notice danger" role="alert" data-testid="save-outcome">
          <Icon name="alert" />
          <span>Could not record the change: {sentence(state.message)}</span>
        </div>
      );
  }
}

/** The page around an editor: the way back, the title, the save button, the outcome, the form and the what-if side by side. */
export function EditorFrame({
  back,
  backLabel,
  title,
  subtitle,
  onSave,
  saving,
  saveLabel,
  outcome,
  children,
  aside,
}: {
  back: Screen;
  backLabel: string;
  title: string;
  subtitle?: ReactNode;
  onSave(): void;
  saving: boolean;
  saveLabel: string;
  outcome: ReactNode;
  children: ReactNode;
  aside: ReactNode;
}) {
  return (
    <div className="page editor-page">
      <header className="pane-header editor-header">
        <div className="editor-title">
          <a href={href(back)} className="muted small editor-back">
            ← {backLabel}
          </a>
          <h1>{title}</h1>
          {subtitle ? <div className="muted small">{subtitle}</div> : null}
        </div>
        <div className="actions">
          <a className="button" href={href(back)}>
            Cancel
          </a>
          <button type="button" className="button primary" onClick={onSave} disabled={saving} data-testid="save">
            {saveLabel} <span className="kbd-hint">Ctrl ↵</span>
          </button>
        </div>
      </header>
      {outcome}
      <div
        className="editor-layout"
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSave();
          }
        }}
      >
        <div className="editor-form">{children}</div>
        {aside}
      </div>
    </div>
  );
}

export function EditorSection({ title, children, lede }: { title: string; children: ReactNode; lede?: ReactNode }) {
  return (
    <section className="editor-section card" aria-label={title}>
      <h2>{title}</h2>
      {lede ? <p className="muted small editor-lede">{lede}</p> : null}
      {children}
    </section>
  );
}

export function NotEditable({ title, children, back }: { title: string; children: ReactNode; back: Screen }) {
  return (
    <div className="page">
      <EmptyState title={title} icon="file-text" action={<a className="button" href={href(back)}>Back</a>}>
        {children}
      </EmptyState>
    </div>
  );
}

/** The stored copy changed while this person edited it (someone else's save). */
export function StaleNotice({ at, what, onReload }: { at: string | null; what: string; onReload(): void }) {
  if (!at) return null;
  return (
    <div className="notice warning" role="status">
      <Icon name="alert" />
      <span>
        Someone changed this {what} <Time iso={at} /> while you edited it; saving replaces their change with yours.{' '}
        <button type="button" className="button small" onClick={onReload}>
          Start again from theirs
        </button>
      </span>
    </div>
  );
}

/** An earlier version is in the form: nothing is written until it is saved, as a new change. */
export function RestoredNotice({ at }: { at: string | null }) {
  useEffect(() => {
    if (at) document.querySelector('.editor-page')?.scrollTo({ top: 0, behavior: 'smooth' });
  }, [at]);
  if (!at) return null;
  return (
    <div className="notice info" role="status" data-testid="restored">
      <Icon name="clock" />
      <span>
        The version of <Time iso={at} /> is in the form. Read the what-if beside it, then save to apply it as a new change (a widening goes to a second person).
      </span>
    </div>
  );
}
