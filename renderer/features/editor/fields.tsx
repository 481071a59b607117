import clsx from 'clsx';
import { useId, type ReactNode } from 'react';
import { formatDuration } from '../../lib/time.js';
import { readDuration } from './form-fields.js';

/** A problem under its field, announced when it appears; the field points at it. */
export function FieldError({ id, problem }: { id: string; problem: string | undefined }) {
  if (!problem) return null;
  return (
    <span className="field-error" id={`${id}-error`} role="alert">
      {problem}
    </span>
  );
}

const described = (id: string, problem: string | undefined, hint: ReactNode) => (problem ? `${id}-error` : hint ? `${id}-hint` : undefined);

export function TextField({
  label,
  value,
  onChange,
  problem,
  hint,
  multiline = false,
  placeholder,
  maxLength,
  className,
  field,
  mono = false,
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  problem?: string | undefined;
  hint?: ReactNode;
  multiline?: boolean;
  placeholder?: string;
  maxLength?: number;
  className?: string;
  /** The entity's field path, so a test (or a refusal) finds it. */
  field: string;
  mono?: boolean;
}) {
  const id = useId();
  const common = {
    id,
    value,
    placeholder,
    maxLength,
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': described(id, problem, hint),
    'data-field': field,
    className: clsx(mono && 'mono'),
  };
  return (
    <div className={clsx('field', className)}>
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea {...common} rows={2} onChange={(e) => onChange(e.target.value)} /> : <input {...common} type="text" autoComplete="off" spellCheck={false} onChange={(e) => onChange(e.target.value)} />}
      {hint && !problem ? (
        <span className="muted small" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      <FieldError id={id} problem={problem} />
    </div>
  );
}

/** A duration typed as people say it (2h, 1d, 90m), with what it reads as beside it. */
export function DurationField({ label, value, onChange, problem, hint, field, className }: { label: string; value: string; onChange(value: string): void; problem?: string | undefined; hint?: string; field: string; className?: string }) {
  const read = readDuration(value);
  const reads = 'minutes' in read ? `= ${formatDuration(read.minutes)}` : '';
  return (
    <TextField
      label={label}
      value={value}
      onChange={onChange}
      problem={problem}
      field={field}
      className={clsx('duration-field', className)}
      placeholder="e.g. 4h, 1d, 90m"
      hint={
        <>
          {reads ? <strong className="duration-reads">{reads}</strong> : null}
          {reads && hint ? ' · ' : ''}
          {hint}
        </>
      }
    />
  );
}

/** A yes/no setting with a sentence saying what it does. */
export function Check({ label, checked, onChange, detail, disabled = false, field }: { label: string; checked: boolean; onChange(checked: boolean): void; detail?: ReactNode; disabled?: boolean; field: string }) {
  const id = useId();
  return (
    <div className={clsx('check', disabled && 'disabled')}>
      <input id={id} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} data-field={field} aria-describedby={detail ? `${id}-detail` : undefined} />
      <label htmlFor={id}>
        <span className="check-label">{label}</span>
        {detail ? (
          <span className="muted small check-detail" id={`${id}-detail`}>
            {detail}
          </span>
        ) : null}
      </label>
    </div>
  );
}

/** One of a few choices, as a segmented control (radio buttons underneath). */
export function Choice<T extends string>({ legend, value, options, onChange, name }: { legend: string; value: T; options: readonly { value: T; label: string }[]; onChange(value: T): void; name: string }) {
  return (
    <fieldset className="segmented choice" data-field={name}>
      <legend className="visually-hidden">{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className={clsx(o.value === value && 'selected')}>
          <input type="radio" name={name} value={o.value} checked={o.value === value} onChange={() => onChange(o.value)} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}
