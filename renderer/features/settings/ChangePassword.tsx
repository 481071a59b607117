import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { useSession } from '../../session/session.js';
import { Icon } from '../../ui/ui.js';
import { changeOwnPassword, localProblem, MIN_PASSWORD_LENGTH, passwordProblem, sessionsEndedText, type PasswordField, type PasswordProblem } from './password-model.js';

/** Settings' "Password" card: the current password, the new one twice; the server's refusal on the field it names. */
export function ChangePassword() {
  const { serverUrl, token } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<PasswordProblem | null>(null);
  const [done, setDone] = useState('');
  const refs = { currentPassword: useRef<HTMLInputElement>(null), newPassword: useRef<HTMLInputElement>(null) };
  const id = useId();
  const mutation = useMutation({
    mutationFn: () => changeOwnPassword(serverUrl, token, current, next),
    onSuccess: (answer) => {
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(sessionsEndedText(answer.sessionsEnded));
    },
    onError: (error: Error) => show(passwordProblem(error.message)),
  });

  function show(found: PasswordProblem) {
    setProblem(found);
    if (found.field) refs[found.field].current?.focus();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone('');
    const found = localProblem(current, next, repeat);
    if (found) return show(found);
    setProblem(null);
    mutation.mutate();
  }

  const errorOf = (field: PasswordField) => (problem?.field === field ? problem.text : null);
  const fieldProps = (field: PasswordField) => ({
    'aria-invalid': errorOf(field) ? true : undefined,
    'aria-describedby': errorOf(field) ? `${id}-${field}-error` : field === 'newPassword' ? `${id}-hint` : undefined,
  });

  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid="change-password">
      <h2 className="section-label" id={`${id}-title`}>Password</h2>
      <form className="password-form" onSubmit={submit} noValidate>
        <label className="field">
          <span>Current password</span>
          <input ref={refs.currentPassword} type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} {...fieldProps('currentPassword')} />
        </label>
        {errorOf('currentPassword') ? (
          <p className="field-error" id={`${id}-currentPassword-error`} role="alert">
            {errorOf('currentPassword')}
          </p>
        ) : null}
        <label className="field">
          <span>New password</span>
          <input ref={refs.newPassword} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} {...fieldProps('newPassword')} />
        </label>
        {errorOf('newPassword') ? (
          <p className="field-error" id={`${id}-newPassword-error`} role="alert">
            {errorOf('newPassword')}
          </p>
        ) : (
          <p className="field-hint muted small" id={`${id}-hint`}>
            At least {MIN_PASSWORD_LENGTH} characters; not your username nor a common password.
          </p>
        )}
        <label className="field">
          <span>Repeat new password</span>
          <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </label>
        {problem && !problem.field ? (
          <div className="notice danger" role="alert">
            <Icon name="alert" />
            <span>{problem.text}</span>
          </div>
        ) : null}
        {done ? (
          <div className="notice success" role="status">
            <Icon name="check" />
            <span>{done}</span>
          </div>
        ) : null}
        <p className="muted small">Your other sessions are signed out; this one stays signed in.</p>
        <button type="submit" className="button primary" disabled={mutation.isPending} data-testid="change-password-submit">
          {mutation.isPending ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
