import { useId } from 'react';
import { formatAbsolute, formatStart } from '../../lib/time.js';
import { useNow } from '../../lib/use-rx.js';
import { localInputValue, startBounds, type StartChoice } from './start-model.js';

const HOUR = 60 * 60_000;

/** When the access begins: as soon as it is approved, or later (a maintenance window); provisioning waits for the start. */
export function StartField({ value, onChange, choice, showProblem }: { value: string; onChange(value: string): void; choice: StartChoice; showProblem: boolean }) {
  const id = useId();
  const now = useNow(30_000);
  const later = value !== '';
  const bounds = startBounds(now);
  return (
    <fieldset className="field ra-start">
      <legend>Starts</legend>
      <label className="ra-start-option">
        <input type="radio" name={`${id}-when`} checked={!later} onChange={() => onChange('')} /> When approved
      </label>
      <label className="ra-start-option">
        {/* A first later time: the next full hour after an hour from now. */}
        <input type="radio" name={`${id}-when`} checked={later} onChange={() => onChange(localInputValue(Math.ceil((now + HOUR) / HOUR) * HOUR))} /> Later, at
      </label>
      <input
        id={id}
        type="datetime-local"
        aria-label="Start time"
        value={value}
        min={bounds.min}
        max={bounds.max}
        disabled={!later}
        aria-invalid={showProblem && choice.problem ? true : undefined}
        aria-describedby={showProblem && choice.problem ? `${id}-error` : `${id}-note`}
        onChange={(e) => onChange(e.target.value)}
      />
      {later && choice.iso && !choice.problem ? (
        <span className="muted small" id={`${id}-note`} data-testid="start-note" title={formatAbsolute(choice.iso)}>
          Starts {formatStart(choice.iso, now)}: approved as usual, provisioned then; it ends its duration after the start.
        </span>
      ) : null}
      {showProblem && choice.problem ? (
        <span className="field-error" id={`${id}-error`} role="alert">
          {choice.problem}
        </span>
      ) : null}
    </fieldset>
  );
}
