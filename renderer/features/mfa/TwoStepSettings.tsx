import { useId, useState, type FormEvent } from 'react';
import { useSession } from '../../session/session.js';
import { Icon, Time } from '../../ui/ui.js';
import { EnrolmentStep, RecoveryCodes } from './Enrolment.js';
import { mfaApi, type Enrolment } from './mfa-api.js';
import { codeProblem } from './mfa-model.js';
import { useStepUp } from './StepUp.js';
import './mfa.css';

type Stage = { kind: 'idle' } | { kind: 'enrolling'; enrolment: Enrolment } | { kind: 'codes'; codes: string[] } | { kind: 'removing' };

/** Settings' "Two-step verification" card: set up an authenticator app, see its state, turn it off. */
export function TwoStepSettings() {
  const { serverUrl, token } = useSession();
  const { state, refresh, recordFactor } = useStepUp();
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const start = async () => {
    setProblem(null);
    setBusy(true);
    try {
      setStage({ kind: 'enrolling', enrolment: await mfaApi.enrol(serverUrl, token) });
    } catch (error) {
      setProblem(codeProblem(error));
    } finally {
      setBusy(false);
    }
  };

  let body: React.ReactNode;
  if (stage.kind === 'enrolling') {
    body = (
      <EnrolmentStep
        enrolment={stage.enrolment}
        onConfirmed={(codes, at) => {
          recordFactor(at);
          setStage({ kind: 'codes', codes });
          void refresh();
        }}
        onCancel={() => setStage({ kind: 'idle' })}
      />
    );
  } else if (stage.kind === 'codes') {
    body = <RecoveryCodes codes={stage.codes} onDone={() => setStage({ kind: 'idle' })} />;
  } else if (state === null) {
    body = <p className="muted small">Reading your two-step verification from the server…</p>;
  } else if (!state.available) {
    body = (
      <div className="notice warning" role="status">
        <Icon name="alert" />
        <span>This server cannot keep authenticator secrets: it has no secrets key (JIT_SECRET_KEY_FILE). Ask an admin to configure one.</span>
      </div>
    );
  } else if (state.status !== 'active') {
    body = (
      <>
        <p className="small">
          Some access policies ask for a code from an authenticator app before a request or an approval goes through. Set one up once; the console asks for a code only when a policy needs a fresh one.
        </p>
        <button type="button" className="button primary" onClick={() => void start()} disabled={busy} data-testid="mfa-start">
          {busy ? 'Preparing…' : 'Set up an authenticator app'}
        </button>
      </>
    );
  } else {
    body = (
      <>
        <dl className="facts-grid">
          <dt>Status</dt>
          <dd>
            <span className="pill tone-success">On</span> {state.enrolledAt ? <span className="muted small">since <Time iso={state.enrolledAt} /></span> : null}
          </dd>
          <dt>Recovery codes</dt>
          <dd className={state.recoveryCodesLeft <= 2 ? 'mfa-warn' : undefined}>{state.recoveryCodesLeft} of 10 left</dd>
          <dt>This session</dt>
          <dd>{state.secondFactorAt ? <>verified <Time iso={state.secondFactorAt} /></> : <span className="muted">not verified yet</span>}</dd>
        </dl>
        {stage.kind === 'removing' ? (
          <RemoveForm
            onRemoved={() => {
              setStage({ kind: 'idle' });
              void refresh();
            }}
            onCancel={() => setStage({ kind: 'idle' })}
          />
        ) : (
          <div className="actions mfa-actions">
            <button type="button" className="button" onClick={() => setStage({ kind: 'removing' })} data-testid="mfa-remove">
              Turn off…
            </button>
          </div>
        )}
      </>
    );
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="two-step">
      <h3 id={`${id}-title`}>Two-step verification</h3>
      {body}
      {problem ? (
        <div className="notice danger" role="alert">
          <Icon name="alert" />
          <span>{problem}</span>
        </div>
      ) : null}
    </section>
  );
}

/** Turning it off needs a current code or the password. */
function RemoveForm({ onRemoved, onCancel }: { onRemoved(): void; onCancel(): void }) {
  const { serverUrl, token } = useSession();
  const [withPassword, setWithPassword] = useState(false);
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (value.trim() === '') return setProblem(withPassword ? 'Enter your password.' : 'Enter a code from your authenticator app or a recovery code.');
    setBusy(true);
    try {
      await mfaApi.disenrol(serverUrl, token, withPassword ? { password: value } : { code: value.trim() });
      onRemoved();
    } catch (error) {
      setProblem(codeProblem(error).replace(/^Password: /, ''));
      setValue('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="mfa-remove" onSubmit={(e) => void submit(e)} noValidate>
      <p className="small">Requests and approvals under policies that need two-step verification will be refused until you set it up again.</p>
      <label className="field">
        <span>{withPassword ? 'Your password' : 'Code from the app (or a recovery code)'}</span>
        <input
          type={withPassword ? 'password' : 'text'}
          className={withPassword ? undefined : 'code-input'}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoComplete={withPassword ? 'current-password' : 'one-time-code'}
          inputMode={withPassword ? undefined : 'numeric'}
          aria-invalid={problem ? true : undefined}
        />
      </label>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <button type="button" className="link-button small" onClick={() => (setWithPassword((p) => !p), setProblem(null), setValue(''))}>
        {withPassword ? 'Use a code instead' : 'Use your password instead'}
      </button>
      <div className="actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button danger" disabled={busy} data-testid="mfa-remove-confirm">
          {busy ? 'Turning off…' : 'Turn off two-step verification'}
        </button>
      </div>
    </form>
  );
}
