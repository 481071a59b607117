import clsx from 'clsx';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { insideAny, isTimeZone, momentInWords, nextOpening, type CatalogEntry, type TimeWindow } from '../../../core/index.js';
import { href, navigate } from '../../app/router.js';
import { sendCommand } from '../../db/index.js';
import { formatDuration } from '../../lib/time.js';
import { StartField } from './StartField.js';
import { startFromInput } from './start-model.js';
import { useNow } from '../../lib/use-rx.js';
import { useConsoleData } from '../../session/console-data.js';
import { maySend } from '../../session/permissions.js';
import { requestNeed } from '../mfa/mfa-model.js';
import { useStepUp } from '../mfa/StepUp.js';
import { useSession } from '../../session/session.js';
import { useToasts } from '../../ui/toasts.js';
import { Icon, Kbd, statusLabel, Time } from '../../ui/ui.js';
import { resourceKindLabel } from '../../ui/words.js';
import { checkDraft, durationChoices, durationText, newRequestId, ticketExample, type AlreadyHeld, type FormDraft } from './catalog-model.js';
import { ownedIdentities } from '../my-access/my-access-model.js';

function TypicalApproval({ entry }: { entry: CatalogEntry }) {
  if (entry.policy?.autoApprove) return <p className="ra-typical">Approved automatically, as soon as the server receives the request.</p>;
  const typical = entry.typicalApproval;
  if (!typical) return <p className="ra-typical muted">Not enough approvals yet to say how long this usually takes.</p>;
  return (
    <p className="ra-typical" data-testid="typical-approval">
      <Icon name="clock" /> Typically approved in <strong>{formatDuration(Math.max(1, Math.round(typical.medianMinutes)))}</strong>
      <span className="muted">
        {' '}
        (median of {typical.samples.toLocaleString()} approvals, last {typical.windowDays} days)
      </span>
    </p>
  );
}

/** Outside the policy's access windows now: when the next one opens (the server refuses until then), live. */
function WindowNotice({ windows }: { windows: readonly TimeWindow[] }) {
  const now = useNow(60_000);
  const valid = windows.filter((w) => isTimeZone(w.timeZone));
  if (valid.length === 0 || insideAny(valid, now)) return null;
  const next = nextOpening(valid, now);
  const zone = next ? (valid.find((w) => insideAny([w], next)) ?? valid[0]!).timeZone : '';
  return (
    <div className="notice warning" role="note" data-testid="window-notice">
      <Icon name="clock" />
      <span>
        Outside the access window now: {next ? <>the next one opens {momentInWords(next, zone)} (<Time iso={next.toISOString()} />)</> : 'none opens within nine days'}; a request sent before then is refused.
      </span>
    </div>
  );
}

/** The policy in plain words and the request form, with the server's checks inline. */
export function RequestForm({ entry, held, offline, whenSent, focusToken }: { entry: CatalogEntry; held: AlreadyHeld; offline: boolean; whenSent: string; focusToken: number }) {
  const { db, user } = useSession();
  const { users, resources, policies } = useConsoleData();
  const { ensureFreshFactor } = useStepUp();
  const toasts = useToasts();
  const policy = entry.policy;
  const recommended = policy?.defaultDurationMinutes ?? 60;
  const [draft, setDraft] = useState<FormDraft>({ duration: durationText(recommended), justification: '', ticket: '' });
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [sending, setSending] = useState(false);
  // Scheduled start: '' for "when approved", else the picked local time (start-model.ts).
  const [start, setStart] = useState('');
  const startChoice = startFromInput(start, Date.now());
  const durationRef = useRef<HTMLInputElement>(null);
  const ids = { duration: useId(), justification: useId(), ticket: useId(), for: useId() };
  // For me ('') or for a service identity I own: the server grants it to the identity and judges me (docs/decisions/service-identities.md).
  const identities = useMemo(() => ownedIdentities(users.values(), user.id, { enabledOnly: true }), [users, user.id]);
  const [forId, setForId] = useState('');
  const forIdentity = identities.find((i) => i.id === forId) ?? null;
  // A different resource starts a fresh form with its own recommended duration.
  useEffect(() => {
    setDraft({ duration: durationText(recommended), justification: '', ticket: '' });
    setTouched({});
    setStart('');
  }, [entry.id, recommended]);
  // Enter on the catalog list moves into the form.
  useEffect(() => {
    if (focusToken > 0) durationRef.current?.focus();
  }, [focusToken]);
  const { problems, fields, minutes } = useMemo(() => checkDraft(entry, draft), [entry, draft]);
  const choices = policy ? durationChoices(policy.maxDurationMinutes, recommended) : [];
  const canAsk = maySend(user, 'request.create');
  const show = (field: keyof FormDraft) => (touched[field] ? problems[field] : undefined);

  const submit = async () => {
    setTouched({ duration: true, justification: true, ticket: true, start: true });
    if (!fields || sending || !canAsk || startChoice.problem) return;
    setSending(true);
    const requestId = newRequestId();
    try {
      // A policy that asks for a second factor: the code first (a refusal for a stale one is resent too).
      if (!(await ensureFreshFactor(requestNeed(resources.get(entry.id), policies, `Asking for ${entry.name}`)))) return;
      await sendCommand(db, { type: 'request.create', actorId: user.id, payload: { requestId, resourceId: entry.id, durationMinutes: fields.durationMinutes, justification: fields.justification.trim(), ticket: fields.ticket.trim(), ...(startChoice.iso ? { startsAt: startChoice.iso } : {}), ...(forIdentity ? { onBehalfOf: forIdentity.id } : {}) } });
      toasts.push({
        tone: 'success',
        title: offline ? 'Request saved on this device' : 'Request sent',
        body: `${entry.name}${forIdentity ? `, for ${forIdentity.displayName},` : ''} for ${formatDuration(fields.durationMinutes)}${offline ? `: it is sent ${whenSent}.` : '.'}`,
        action: { label: 'See it in My access', href: href('my-access', requestId) },
      });
      navigate('my-access', requestId);
    } catch (error) {
      toasts.push({ tone: 'danger', title: 'Could not record the request', body: error instanceof Error ? error.message : String(error) });
    } finally {
      setSending(false);
    }
  };

  const field = (name: keyof FormDraft) => ({
    id: ids[name],
    value: draft[name],
    'aria-invalid': show(name) ? true : undefined,
    'aria-describedby': show(name) ? `${ids[name]}-error` : undefined,
    // Checked as it is typed, not on blur: a message appearing on blur moves the button from under the pointer.
    onChange: (e: { target: { value: string } }) => {
      setDraft((d) => ({ ...d, [name]: e.target.value }));
      setTouched((t) => ({ ...t, [name]: true }));
    },
  });
  const error = (name: keyof FormDraft) =>
    show(name) ? (
      <span className="field-error" id={`${ids[name]}-error`} role="alert">
        {show(name)}
      </span>
    ) : null;

  return (
    <form
      className="ra-form"
      aria-label={`Request ${entry.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void submit();
        }
      }}
    >
      <header className="ra-head">
        <h2>{entry.name}</h2>
        <div className="ra-tags">
          <span className="pill tone-neutral">{resourceKindLabel(entry.kind)}</span>
          <span className={clsx('pill', entry.sensitivity === 'critical' || entry.sensitivity === 'high' ? 'tone-warning' : 'tone-neutral')}>{statusLabel(entry.sensitivity)} sensitivity</span>
        </div>
        {entry.description ? <p className="muted">{entry.description}</p> : null}
      </header>

      {forIdentity ? null : held?.kind === 'grant' ? (
        <div className="notice info" role="note">
          <Icon name="key" /> You hold this access now, until <Time iso={held.grant.expiresAt} />. Ask for more time on it in <a href={href('my-access', held.grant.requestId)}>My access</a> instead.
        </div>
      ) : held?.kind === 'request' ? (
        <div className="notice info" role="note">
          <Icon name="clock" /> You asked for this <Time iso={held.request.createdAt} />; <a href={href('my-access', held.request.id)}>that request</a> is still waiting for its approvers.
        </div>
      ) : null}

      <section className="ra-policy" aria-label="The policy that applies">
        <h3>How it is decided</h3>
        {policy ? (
          <ul>
            {entry.policyInWords.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ) : (
          <p className="text-danger">{entry.problem ?? 'This resource cannot be requested now.'}</p>
        )}
        <TypicalApproval entry={entry} />
        {policy?.accessWindows?.length ? <WindowNotice windows={policy.accessWindows} /> : null}
      </section>

      {policy ? (
        <>
          {identities.length > 0 ? (
            <div className="field">
              <label htmlFor={ids.for}>For</label>
              <select id={ids.for} value={forId} onChange={(e) => setForId(e.target.value)} aria-describedby={`${ids.for}-note`}>
                <option value="">Me ({users.get(user.id)?.displayName ?? user.displayName})</option>
                {identities.map((identity) => (
                  <option key={identity.id} value={identity.id}>
                    {identity.displayName} (service identity you own)
                  </option>
                ))}
              </select>
              <span className="muted small" id={`${ids.for}-note`}>
                {forIdentity
                  ? `Granted to ${forIdentity.displayName} in the directory. You ask on its behalf: your eligibility and this policy apply, and you can give it back from My access.`
                  : 'Access for you. A service identity you own can be chosen instead.'}
              </span>
            </div>
          ) : null}
          <div className="field">
            <label htmlFor={ids.duration}>Duration</label>
            <div className="ra-duration">
              <input ref={durationRef} {...field('duration')} inputMode="text" autoComplete="off" spellCheck={false} placeholder="e.g. 2h, 90m, 1d" />
              <span className="muted small">
                {problems.duration || minutes === null ? '' : `= ${formatDuration(minutes)} · `}at most {formatDuration(policy.maxDurationMinutes)}
              </span>
            </div>
            <div className="ra-chips" role="group" aria-label="Quick durations">
              {choices.map((m) => (
                <button
                  key={m}
                  type="button"
                  className={clsx('chip', draft.duration === durationText(m) && 'selected')}
                  aria-pressed={draft.duration === durationText(m)}
                  onClick={() => setDraft((d) => ({ ...d, duration: durationText(m) }))}
                >
                  {formatDuration(m)}
                  {m === recommended ? <span className="chip-note">recommended</span> : null}
                </button>
              ))}
            </div>
            {error('duration')}
          </div>
          <StartField value={start} onChange={(v) => { setStart(v); setTouched((t) => ({ ...t, start: true })); }} choice={startChoice} showProblem={Boolean(touched.start)} />
          <div className="field">
            <label htmlFor={ids.justification}>Justification{policy.requireJustification ? '' : ' (optional)'}</label>
            <textarea {...field('justification')} rows={3} maxLength={4096} placeholder="What you will do with this access; the approvers read it" />
            {error('justification')}
          </div>
          <div className="field">
            <label htmlFor={ids.ticket}>Ticket{policy.requireTicket ? '' : ' (optional)'}</label>
            <input {...field('ticket')} maxLength={256} autoComplete="off" spellCheck={false} placeholder={ticketExample(entry)} />
            {error('ticket')}
          </div>
          <footer className="ra-actions">
            <button type="submit" className="button primary" disabled={sending || !canAsk}>
              Request access <span className="kbd-hint">Ctrl ↵</span>
            </button>
            {offline ? (
              <span className="muted small" data-testid="offline-note">
                <Icon name="cloud-off" /> Not connected: the request is kept on this device and sent {whenSent}.
              </span>
            ) : (
              <span className="muted small">
                {startChoice.iso && !startChoice.problem ? 'Provisioned at the start you chose, once approved.' : policy.autoApprove ? 'Provisioned as soon as the server receives it.' : `Goes to ${policy.steps.length === 1 ? 'its approver' : `${policy.steps.length} approval steps`}; you follow it in My access.`}
              </span>
            )}
          </footer>
          <p className="muted small ra-keys">
            <Kbd>j</Kbd>/<Kbd>k</Kbd> choose a resource · <Kbd>Enter</Kbd> fill in the form · <Kbd>Ctrl</Kbd>+<Kbd>Enter</Kbd> send · requested as {users.get(user.id)?.displayName ?? user.displayName}
            {forIdentity ? `, for ${forIdentity.displayName}` : ''}
          </p>
        </>
      ) : null}
    </form>
  );
}
