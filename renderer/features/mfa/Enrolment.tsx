import { useId, useRef, useState, type FormEvent } from 'react';
import { useSession, useSessionApi } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { mfaApi, type Enrolment } from './mfa-api.js';
import { codeProblem, groupedSecret, recoveryCodesFile } from './mfa-model.js';
import { QrCode } from './QrCode.js';

/** Setting up: the QR code and the same secret as text and URI, then the app's first code. */
export function EnrolmentStep({ enrolment, onConfirmed, onCancel }: { enrolment: Enrolment; onConfirmed(codes: string[], at: string): void; onCancel(): void }) {
  const { serverUrl, token } = useSession();
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (code.trim() === '') return setProblem('Enter the 6-digit code the app shows for this account.');
    setBusy(true);
    try {
      const answer = await mfaApi.confirm(serverUrl, token, code.trim());
      onConfirmed(answer.recoveryCodes, answer.secondFactorAt);
    } catch (error) {
      setProblem(codeProblem(error));
      setCode('');
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="mfa-enrol" data-testid="mfa-enrolment">
      <ol className="mfa-steps">
        <li>
          <h4>Scan the code with your authenticator app</h4>
          <p className="muted small">Microsoft Authenticator, Google Authenticator, 1Password, Bitwarden or any app that reads TOTP codes.</p>
          <div className="mfa-qr">
            <QrCode text={enrolment.uri} label={`QR code for ${enrolment.issuer}: ${enrolment.accountName}`} />
            <div className="mfa-manual">
              <span className="muted small">Or type this key into the app</span>
              <code className="mfa-secret" data-testid="mfa-secret">
                {groupedSecret(enrolment.secret)}
              </code>
              <span className="muted small">
                {enrolment.digits} digits, every {enrolment.periodSeconds} seconds, time based
              </span>
              <details className="mfa-uri">
                <summary className="small">Setup link (otpauth URI)</summary>
                <code data-testid="mfa-uri">{enrolment.uri}</code>
              </details>
            </div>
          </div>
        </li>
        <li>
          <h4>Enter the code the app shows</h4>
          <form className="mfa-confirm" onSubmit={(e) => void submit(e)} noValidate>
            <label className="field">
              <span>Code from the app</span>
              <input
                ref={input}
                className="code-input"
                value={code}
                onChange={(e) => setCode(e.target.value)}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={9}
                placeholder="123 456"
                aria-invalid={problem ? true : undefined}
                aria-describedby={problem ? `${id}-error` : undefined}
              />
            </label>
            {problem ? (
              <p className="field-error" id={`${id}-error`} role="alert">
                {problem}
              </p>
            ) : null}
            <div className="actions">
              <button type="button" className="button" onClick={onCancel}>
                Cancel
              </button>
              <button type="submit" className="button primary" disabled={busy} data-testid="mfa-confirm">
                {busy ? 'Checking…' : 'Turn on two-step verification'}
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

/** The recovery codes, shown this once: copy or download them before leaving. */
export function RecoveryCodes({ codes, onDone }: { codes: readonly string[]; onDone(): void }) {
  const { serverUrl, user } = useSession();
  const { host } = useSessionApi();
  const [saved, setSaved] = useState<string | null>(null);
  const file = () => recoveryCodesFile(codes, user.displayName, serverUrl, new Date());

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(file());
      setSaved('Copied to the clipboard.');
    } catch {
      setSaved('This browser did not allow copying; download the codes instead.');
    }
  };
  const download = async () => {
    const result = await host.saveFile('jit-recovery-codes.txt', file(), 'text/plain');
    if (result.saved) setSaved(result.path ? `Saved to ${result.path}.` : 'Downloaded.');
  };

  return (
    <div className="mfa-codes" data-testid="recovery-codes">
      <div className="notice success" role="status">
        <Icon name="check" />
        <span>Two-step verification is on.</span>
      </div>
      <h4>Save your recovery codes</h4>
      <p className="small">
        If you lose your phone, each of these codes works once in place of a code from the app. <strong>They are shown only now.</strong> Keep them in a password manager or another safe place.
      </p>
      <ol className="mfa-code-list" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" className="button" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button" onClick={() => void download()}>
          Download
        </button>
        <button type="button" className="button primary" onClick={onDone} data-testid="recovery-codes-done">
          I have saved them
        </button>
      </div>
      {saved ? <p className="muted small" role="status">{saved}</p> : null}
    </div>
  );
}
