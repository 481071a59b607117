import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Dialog } from '../ui/ui.js';

/** Asks for the reason a decision needs (deny, revoke, reject a change, ask for more time), or an optional note; Enter confirms, Escape cancels. */
export function ReasonDialog({
  open,
  title,
  intro,
  confirmLabel,
  tone = 'danger',
  placeholder = 'Recorded in the audit log and shown to the requester',
  onConfirm,
  onClose,
  children,
  optional = false,
}: {
  open: boolean;
  title: string;
  intro?: ReactNode;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  placeholder?: string;
  onConfirm(reason: string): void;
  onClose(): void;
  children?: ReactNode;
  /** The reason may be left empty (a note beside a choice made in `children`). */
  optional?: boolean;
}) {
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) {
      setReason('');
      setTouched(false);
      setTimeout(() => input.current?.focus(), 0);
    }
  }, [open]);
  const missing = !optional && reason.trim() === '';
  const submit = () => {
    setTouched(true);
    if (!missing) onConfirm(reason.trim());
  };
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel <span className="kbd-hint">Esc</span>
          </button>
          <button type="submit" form="reason-form" className={tone === 'danger' ? 'button danger' : 'button primary'}>
            {confirmLabel} <span className="kbd-hint">↵</span>
          </button>
        </>
      }
    >
      <form
        id="reason-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {intro ? <div className="dialog-intro">{intro}</div> : null}
        {children}
        <label className="field">
          <span>{optional ? 'Reason (optional)' : 'Reason'}</span>
          <input
            ref={input}
            name="reason"
            value={reason}
            maxLength={2048}
            autoComplete="off"
            placeholder={placeholder}
            onChange={(e) => setReason(e.target.value)}
            aria-invalid={touched && missing}
            aria-describedby="reason-error"
          />
        </label>
        {touched && missing ? (
          <p id="reason-error" className="field-error" role="alert">
            A reason is required.
          </p>
        ) : null}
      </form>
    </Dialog>
  );
}
