import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { href } from '../../app/router.js';
import { Dialog, Icon, Time } from '../../ui/ui.js';
import type { MfaState } from './mfa-api.js';
import { codeProblem, needText, type StepUpNeed } from './mfa-model.js';
import './mfa.css';

export type StepUpPrompt = {
  need: StepUpNeed | null;
  /** Decisions the server refused for want of a second factor, sent again once the code is right. */
  resendCount: number;
};

/**
 * Asks for an authenticator code (or a recovery code) before a decision that needs a fresh second
 * factor; Enter verifies, Escape cancels. Without an authenticator it says where to set one up.
 */
export function StepUpDialog({
  prompt,
  state,
  onVerify,
  onCancel,
  onQueueOffline,
}: {
  prompt: StepUpPrompt | null;
  state: MfaState | null;
  onVerify(code: string): Promise<void>;
  onCancel(): void;
  /** Offered when the server cannot be reached: the decision waits on this device and the code is asked for when it syncs. */
  onQueueOffline?: () => void;
}) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [offline, setOffline] = useState(false);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const open = prompt !== null;

  useEffect(() => {
    if (!open) return;
    setCode('');
    setRecovery(false);
    setProblem(null);
    setOffline(false);
    setTimeout(() => input.current?.focus(), 0);
  }, [open]);

  // Unknown (the state could not be read, e.g. offline): the code is asked for; the server says if none is set up.
  const enrolled = state === null || state.status === 'active';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (code.trim() === '') return setProblem(recovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code your authenticator app shows.');
    setBusy(true);
    try {
      await onVerify(code.trim());
    } catch (error) {
      setOffline((error as { status?: number }).status === 0);
      setProblem(codeProblem(error));
      setCode('');
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const title = 'Confirm it’s you';
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onCancel}
      footer={
        enrolled ? (
          <>
            <button type="button" className="button" onClick={onCancel}>
              Cancel <span className="kbd-hint">Esc</span>
            </button>
            {offline && onQueueOffline && prompt?.resendCount === 0 ? (
              <button type="button" className="button" onClick={onQueueOffline} data-testid="step-up-queue-offline">
                Save on this device
              </button>
            ) : null}
            <button type="submit" form={`${id}-form`} className="button primary" disabled={busy} data-testid="step-up-verify">
              {busy ? 'Checking…' : prompt?.resendCount ? 'Verify and send again' : 'Verify'} <span className="kbd-hint">↵</span>
            </button>
          </>
        ) : (
          <>
            <button type="button" className="button" onClick={onCancel}>
              Close
            </button>
            <a className="button primary" href={href('settings')} onClick={onCancel}>
              Set up in Settings
            </a>
          </>
        )
      }
    >
      <div className="step-up" data-testid="step-up-dialog">
        <div className="step-up-badge" aria-hidden="true">
          <Icon name="key" size={20} />
        </div>
        <div className="step-up-body">
          <p className="dialog-intro">{needText(prompt?.need ?? null)}</p>
          {prompt?.resendCount ? (
            <p className="small">
              The server refused {prompt.resendCount === 1 ? 'one decision' : `${prompt.resendCount} decisions`} from this device for want of it; {prompt.resendCount === 1 ? 'it is' : 'they are'} sent again once the code is checked.
            </p>
          ) : null}
          {!enrolled ? (
            <div className="notice info" role="status">
              <Icon name="alert" />
              <span>You have not set up an authenticator yet. Set one up under Settings, Two-step verification, then try again.</span>
            </div>
          ) : (
            <form id={`${id}-form`} onSubmit={(e) => void submit(e)} noValidate>
              <label className="field">
                <span>{recovery ? 'Recovery code' : 'Authenticator code'}</span>
                <input
                  ref={input}
                  name="code"
                  className="code-input"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  inputMode={recovery ? 'text' : 'numeric'}
                  autoComplete="one-time-code"
                  maxLength={recovery ? 20 : 9}
                  placeholder={recovery ? 'xxxx-xxxx-xxxx' : '123 456'}
                  spellCheck={false}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={problem ? `${id}-error` : undefined}
                />
              </label>
              {problem ? (
                <p id={`${id}-error`} className="field-error" role="alert">
                  {problem}
                </p>
              ) : null}
              {state?.lockedUntil ? (
                <p className="muted small">
                  Too many wrong codes: the next try is possible <Time iso={state.lockedUntil} />.
                </p>
              ) : null}
              <button type="button" className="link-button small" onClick={() => (setRecovery((r) => !r), setProblem(null), input.current?.focus())}>
                {recovery ? 'Use the authenticator app instead' : 'Lost your phone? Use a recovery code'}
              </button>
            </form>
          )}
        </div>
      </div>
    </Dialog>
  );
}
