import { useId, useMemo } from 'react';
import { WEEKDAYS, type Weekday } from '../../../core/index.js';
import { useNow } from '../../lib/use-rx.js';
import { Icon } from '../../ui/ui.js';
import { Check, FieldError, TextField } from './fields.js';
import type { Problems } from './form-fields.js';
import { knownTimeZones, ruleList, windowList, windowPreview, type RuleDraft, type WindowDraft } from './rules-form.js';
import { useDirectoryGroups } from './use-directory-groups.js';
import './rules-and-windows.css';

const DAY_LABEL: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** The IANA zones this host knows, offered as the zone field is typed. */
function ZoneSuggestions({ id }: { id: string }) {
  const zones = useMemo(knownTimeZones, []);
  return (
    <datalist id={id}>
      {zones.map((z) => (
        <option key={z} value={z} />
      ))}
    </datalist>
  );
}

/** Days, hours and a time zone, each checked on its field, with what the window means now beside it. */
function WindowFields({ draft, field, label, problems, onChange }: { draft: WindowDraft; field: string; label: string; problems: Problems; onChange(patch: Partial<Omit<WindowDraft, 'key'>>): void }) {
  const zoneId = useId();
  const listId = useId();
  const now = useNow(60_000);
  const at = (f: string) => problems[`${field}${f}`];
  const zoneProblem = at('.timeZone');
  const preview = windowPreview(draft, [at(''), at('.days'), at('.start'), at('.end'), zoneProblem], now);
  return (
    <div className="time-window" data-field={field}>
      <fieldset className="window-days" data-field={`${field}.days`}>
        <legend>{label}: days</legend>
        {WEEKDAYS.map((day) => (
          <label key={day} className="window-day">
            <input type="checkbox" checked={draft.days.includes(day)} data-field={`${field}.days.${day}`} onChange={(e) => onChange({ days: e.target.checked ? [...draft.days, day] : draft.days.filter((d) => d !== day) })} />
            {DAY_LABEL[day]}
          </label>
        ))}
        <FieldError id={`${field}-days`} problem={at('.days')} />
      </fieldset>
      <div className="field-row window-hours">
        <TextField label="From" field={`${field}.start`} value={draft.start} onChange={(start) => onChange({ start })} problem={at('.start')} placeholder="08:00" maxLength={5} hint="24-hour clock" />
        <TextField label="Until" field={`${field}.end`} value={draft.end} onChange={(end) => onChange({ end })} problem={at('.end')} placeholder="18:00" maxLength={5} hint="before From: the next morning; 24:00 is midnight" />
        <div className="field">
          <label htmlFor={zoneId}>Time zone</label>
          <input
            id={zoneId}
            type="text"
            list={listId}
            value={draft.timeZone}
            autoComplete="off"
            spellCheck={false}
            maxLength={64}
            data-field={`${field}.timeZone`}
            aria-invalid={zoneProblem ? true : undefined}
            aria-describedby={zoneProblem ? `${zoneId}-error` : undefined}
            onChange={(e) => onChange({ timeZone: e.target.value })}
          />
          <ZoneSuggestions id={listId} />
          <FieldError id={zoneId} problem={zoneProblem} />
        </div>
      </div>
      <FieldError id={`${field}-whole`} problem={at('')} />
      {preview ? (
        <p className="muted small window-preview" data-testid="window-preview">
          <Icon name="clock" size={12} /> {preview}
        </p>
      ) : null}
    </div>
  );
}

/** The auto-approval rules, each a card of conditions that must all hold. */
export function AutoApprovalRules({ rules, problems, autoApprove, onChange }: { rules: readonly RuleDraft[]; problems: Problems; autoApprove: boolean; onChange(next: RuleDraft[]): void }) {
  const groups = useDirectoryGroups();
  const sorted = useMemo(() => [...groups].sort((a, b) => a.displayName.localeCompare(b.displayName)), [groups]);
  return (
    <div className="rules" data-testid="auto-approval-rules">
      {rules.length === 0 ? <p className="muted">No rule: {autoApprove ? 'every eligible request is approved automatically.' : 'every request goes to the approval chain.'}</p> : null}
      <FieldError id="autoApprovalRules" problem={problems.autoApprovalRules} />
      <ol className="rule-list">
        {rules.map((rule, i) => {
          const field = `autoApprovalRules.${i}`;
          const at = (f: string) => problems[`${field}${f}`];
          const set = (patch: Partial<Omit<RuleDraft, 'key'>>) => onChange(ruleList.update(rules, rule.key, patch));
          return (
            <li key={rule.key} className="rule-card" data-rule-index={i} aria-label={`Rule ${i + 1}: ${rule.name || 'unnamed'}`}>
              <header className="step-head">
                <TextField label={`Rule ${i + 1} name`} field={`${field}.name`} value={rule.name} onChange={(name) => set({ name })} problem={at('.name')} maxLength={128} className="step-name" placeholder="e.g. On call, office hours" />
                <button type="button" className="button small danger" aria-label={`Remove rule ${i + 1}`} onClick={() => onChange(ruleList.remove(rules, rule.key))}>
                  <Icon name="x" size={13} /> Remove
                </button>
              </header>
              <FieldError id={field} problem={at('')} />
              <p className="muted small">Approved automatically when every condition ticked holds:</p>
              <div className="rule-condition">
                <Check label="Risk score below" field={`${field}.useRisk`} checked={rule.useRisk} onChange={(useRisk) => set({ useRisk })} />
                {rule.useRisk ? <TextField label="Threshold" field={`${field}.riskBelow`} value={rule.riskBelow} onChange={(riskBelow) => set({ riskBelow })} problem={at('.riskBelow')} className="narrow-field" maxLength={3} hint="1 to 100; the score is 0 to 100" /> : null}
              </div>
              <div className="rule-condition">
                <Check label="Asked within a time window" field={`${field}.useWindow`} checked={rule.useWindow} onChange={(useWindow) => set({ useWindow })} />
                {rule.useWindow ? <WindowFields draft={rule.window} field={`${field}.window`} label={`Rule ${i + 1} window`} problems={problems} onChange={(patch) => set({ window: { ...rule.window, ...patch } })} /> : null}
              </div>
              <div className="rule-condition field">
                <label htmlFor={`rule-${rule.key}-group`}>Requester on call</label>
                <select id={`rule-${rule.key}-group`} data-field={`${field}.onCallGroupId`} value={rule.onCallGroupId ?? ''} onChange={(e) => set({ onCallGroupId: e.target.value || null })}>
                  <option value="">Not asked</option>
                  {rule.onCallGroupId && !sorted.some((g) => g.id === rule.onCallGroupId) ? <option value={rule.onCallGroupId}>{rule.onCallGroupId}</option> : null}
                  {sorted.map((g) => (
                    <option key={g.id} value={g.id}>
                      Member of {g.displayName} ({g.memberUserIds.length})
                    </option>
                  ))}
                </select>
                <FieldError id={`${field}-group`} problem={at('.onCallGroupId')} />
              </div>
              <Check label="Ticket verified open" field={`${field}.ticketOpen`} checked={rule.ticketOpen} onChange={(ticketOpen) => set({ ticketOpen })} detail="The policy’s ticket-check hook answered that the request’s ticket is open." />
            </li>
          );
        })}
      </ol>
      <button type="button" className="button" onClick={() => onChange(ruleList.add(rules))} disabled={rules.length >= 8 || autoApprove} title={autoApprove ? 'Turn “Approve automatically” off first: it approves every request already' : undefined}>
        <Icon name="plus" /> Add a rule
      </button>
      {rules.length >= 8 ? <span className="muted small"> A policy has at most 8 rules.</span> : null}
    </div>
  );
}

/** When access may start: the policy's windows, any one of which lets a request in. */
export function AccessWindows({ windows, problems, onChange }: { windows: readonly WindowDraft[]; problems: Problems; onChange(next: WindowDraft[]): void }) {
  return (
    <div className="windows" data-testid="access-windows">
      {windows.length === 0 ? <p className="muted">No window: access may start at any time.</p> : null}
      <FieldError id="accessWindows" problem={problems.accessWindows} />
      <ol className="rule-list">
        {windows.map((w, i) => (
          <li key={w.key} className="rule-card" data-window-index={i} aria-label={`Access window ${i + 1}`}>
            <header className="step-head">
              <strong>Window {i + 1}</strong>
              <button type="button" className="button small danger" aria-label={`Remove window ${i + 1}`} onClick={() => onChange(windowList.remove(windows, w.key))}>
                <Icon name="x" size={13} /> Remove
              </button>
            </header>
            <WindowFields draft={w} field={`accessWindows.${i}`} label={`Window ${i + 1}`} problems={problems} onChange={(patch) => onChange(windowList.update(windows, w.key, patch))} />
          </li>
        ))}
      </ol>
      <button type="button" className="button" onClick={() => onChange(windowList.add(windows))} disabled={windows.length >= 8}>
        <Icon name="plus" /> Add a window
      </button>
    </div>
  );
}
