/** The campaign form's schedule, deadline, reminders and the decision nobody made. */
import { useId, useMemo } from 'react';
import { RECURRENCE_FREQUENCIES, WEEKDAYS, type Weekday } from '../../../core/index.js';
import { Icon } from '../../ui/ui.js';
import { knownTimeZones } from '../editor/rules-form.js';
import { Check, Choice, FieldError, TextField } from '../editor/fields.js';
import type { Problems } from '../editor/form-fields.js';
import type { CampaignDraft, Frequency, WeekDraft } from './campaign-form.js';

const FREQUENCY_LABEL: Record<Frequency, string> = { monthly: 'Monthly', quarterly: 'Quarterly', half_yearly: 'Every six months', yearly: 'Yearly' };
const WEEK_LABEL: Record<WeekDraft, string> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', last: 'last' };
const DAY_LABEL: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const STEP: Record<Frequency, number> = { monthly: 1, quarterly: 3, half_yearly: 6, yearly: 12 };

const DECISIONS: { value: CampaignDraft['defaultDecision']; label: string }[] = [
  { value: 'flag', label: 'Flag for follow-up' },
  { value: 'keep', label: 'Keep' },
  { value: 'remove', label: 'Remove' },
];
const DECISION_WORDS: Record<CampaignDraft['defaultDecision'], string> = {
  flag: 'The access is kept and the item is flagged for follow-up on the campaign and its evidence.',
  keep: 'The access is kept, recorded as kept by default (not by a reviewer).',
  remove: '',
};

/** "Jan, Apr, Jul, Oct" (or "March" for a year): the months a period starts in. */
function startMonths(frequency: Frequency, startMonth: number): string {
  const step = STEP[frequency];
  const months = Array.from({ length: 12 / step }, (_, i) => MONTHS[(startMonth - 1 + i * step) % 12]!);
  // One month in full; several as "Jan, Apr, Jul, Oct", which fits the field.
  return months.length === 1 ? months[0]! : months.map((m) => m.slice(0, 3)).join(', ');
}

function Select<T extends string>({ label, value, options, onChange, field }: { label: string; value: T; options: readonly { value: T; label: string }[]; onChange(v: T): void; field: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} data-field={field} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CampaignSchedule({ draft, problems, set }: { draft: CampaignDraft; problems: Problems; set<K extends keyof CampaignDraft>(key: K, value: CampaignDraft[K]): void }) {
  const zoneId = useId();
  const listId = useId();
  const opensId = useId();
  const zones = useMemo(knownTimeZones, []);
  const zoneProblem = problems['schedule.rule.timeZone'];
  return (
    <>
      <Choice
        legend="Schedule"
        name="schedule"
        value={draft.scheduleType}
        options={[
          { value: 'recurring', label: 'Recurring' },
          { value: 'once', label: 'Once' },
        ]}
        onChange={(v) => set('scheduleType', v)}
      />
      {draft.scheduleType === 'once' ? (
        <div className="field narrow-field rc-opens">
          <label htmlFor={opensId}>Opens at</label>
          <input id={opensId} type="datetime-local" data-field="schedule.opensAt" value={draft.opensAt} onChange={(e) => set('opensAt', e.target.value)} aria-invalid={problems['schedule.opensAt'] ? true : undefined} />
          {problems['schedule.opensAt'] ? <FieldError id="schedule-opensAt" problem={problems['schedule.opensAt']} /> : <span className="muted small">Your clock. Empty: it opens when someone presses Open now.</span>}
        </div>
      ) : (
        <>
          <div className="field-row rc-rule" data-field="schedule.rule">
            <Select label="Every" field="schedule.rule.frequency" value={draft.frequency} options={RECURRENCE_FREQUENCIES.map((f) => ({ value: f, label: FREQUENCY_LABEL[f] }))} onChange={(v) => set('frequency', v)} />
            <Select label="On the" field="schedule.rule.week" value={draft.week} options={(Object.keys(WEEK_LABEL) as WeekDraft[]).map((w) => ({ value: w, label: WEEK_LABEL[w] }))} onChange={(v) => set('week', v)} />
            <Select label="Day" field="schedule.rule.weekday" value={draft.weekday} options={WEEKDAYS.map((d) => ({ value: d, label: DAY_LABEL[d] }))} onChange={(v) => set('weekday', v)} />
          </div>
          <div className="field-row rc-rule">
            <TextField label="At" field="schedule.rule.time" value={draft.time} onChange={(v) => set('time', v)} problem={problems['schedule.rule.time']} placeholder="09:00" maxLength={5} hint="24-hour clock" />
            <div className="field">
              <label htmlFor={zoneId}>Time zone</label>
              <input id={zoneId} type="text" list={listId} value={draft.timeZone} autoComplete="off" spellCheck={false} maxLength={64} data-field="schedule.rule.timeZone" aria-invalid={zoneProblem ? true : undefined} aria-describedby={zoneProblem ? `${zoneId}-error` : undefined} onChange={(e) => set('timeZone', e.target.value)} />
              <datalist id={listId}>
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
              <FieldError id={zoneId} problem={zoneProblem} />
            </div>
            {draft.frequency !== 'monthly' ? (
              <div className="field">
                <label htmlFor={`${zoneId}-month`}>Periods start in</label>
                <select id={`${zoneId}-month`} data-field="schedule.rule.startMonth" value={draft.startMonth} onChange={(e) => set('startMonth', e.target.value)}>
                  {MONTHS.slice(0, STEP[draft.frequency]).map((m, i) => (
                    <option key={m} value={String(i + 1)}>
                      {startMonths(draft.frequency, i + 1)}
                    </option>
                  ))}
                </select>
                <FieldError id={`${zoneId}-month`} problem={problems['schedule.rule.startMonth']} />
              </div>
            ) : null}
          </div>
        </>
      )}
      <Check label="Open on schedule" field="enabled" checked={draft.enabled} onChange={(v) => set('enabled', v)} detail={draft.enabled ? 'Runs open as the schedule says.' : 'Off: the schedule opens nothing more; a run already open carries on, and Open now still works.'} />

      <div className="field-row">
        <TextField label="Open for (days)" field="durationDays" value={draft.durationDays} onChange={(v) => set('durationDays', v)} problem={problems.durationDays} maxLength={3} hint="from opening to the deadline, 1 to 90" />
        <TextField label="Remind every (days)" field="reminderEveryDays" value={draft.reminderEveryDays} onChange={(v) => set('reminderEveryDays', v)} problem={problems.reminderEveryDays} maxLength={2} hint="reviewers with items left to decide; 0: never" />
      </div>

      <h3 className="rc-subhead">No response by the deadline</h3>
      <Choice legend="No response by the deadline" name="defaultDecision" value={draft.defaultDecision} options={DECISIONS} onChange={(v) => set('defaultDecision', v)} />
      {draft.defaultDecision === 'remove' ? (
        <div className="notice danger rc-remove-warning" role="alert" data-testid="remove-warning">
          <Icon name="alert" />
          <span>
            <strong>This removes access automatically.</strong> Every item nobody decides by the deadline is removed through the connectors when the run closes, without anyone having looked at it.
          </span>
        </div>
      ) : (
        <p className="muted small">{DECISION_WORDS[draft.defaultDecision]}</p>
      )}
      <FieldError id="defaultDecision" problem={problems.defaultDecision} />
    </>
  );
}
