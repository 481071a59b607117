import { useId, useMemo, useState } from 'react';
import { Icon } from '../../ui/ui.js';

export type PickOption = { id: string; label: string; detail?: string };

const MATCHES = 6;

/**
 * Several things picked from a long list (people, groups, resources): the chosen ones as chips with
 * a remove button each, and a search box whose matches are buttons (Enter takes the first).
 */
export function PickList({
  label,
  options,
  value,
  onChange,
  placeholder,
  problem,
  hint,
  testId,
  allowNew = false,
  single = false,
}: {
  label: string;
  options: readonly PickOption[];
  value: readonly string[];
  onChange(next: string[]): void;
  placeholder: string;
  problem?: string | undefined;
  hint?: string;
  testId?: string;
  /** Whether something not in the list may be added as typed (a department nobody is in yet). */
  allowNew?: boolean;
  /** One pick only: a new one replaces it. */
  single?: boolean;
}) {
  const id = useId();
  const [query, setQuery] = useState('');
  const byId = useMemo(() => new Map(options.map((o) => [o.id, o])), [options]);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    return options.filter((o) => !value.includes(o.id) && `${o.label} ${o.detail ?? ''} ${o.id}`.toLowerCase().includes(q)).slice(0, MATCHES);
  }, [options, query, value]);
  const typed = query.trim();
  const offerNew = allowNew && typed !== '' && !value.includes(typed) && !options.some((o) => o.id.toLowerCase() === typed.toLowerCase());
  const add = (pick: string) => {
    onChange(single ? [pick] : [...value, pick]);
    setQuery('');
  };
  return (
    <div className="field pick" data-testid={testId}>
      <label htmlFor={id}>{label}</label>
      {value.length > 0 ? (
        <ul className="pick-chosen" aria-label={`${label}: chosen`}>
          {value.map((v) => (
            <li key={v} className="pick-chip">
              <span>{byId.get(v)?.label ?? v}</span>
              <button type="button" className="pick-remove" aria-label={`Remove ${byId.get(v)?.label ?? v}`} onClick={() => onChange(value.filter((x) => x !== v))}>
                <Icon name="x" size={12} />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <input
        id={id}
        type="search"
        value={query}
        placeholder={placeholder}
        autoComplete="off"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-error` : hint ? `${id}-hint` : undefined}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            if (matches[0]) add(matches[0].id);
            else if (offerNew) add(typed);
          }
        }}
      />
      {matches.length > 0 || offerNew ? (
        <ul className="pick-matches" aria-label={`Matches for ${label.toLowerCase()}`}>
          {matches.map((m) => (
            <li key={m.id}>
              <button type="button" onClick={() => add(m.id)}>
                <Icon name="plus" size={12} /> {m.label}
                {m.detail ? <span className="muted small"> · {m.detail}</span> : null}
              </button>
            </li>
          ))}
          {offerNew ? (
            <li>
              <button type="button" onClick={() => add(typed)}>
                <Icon name="plus" size={12} /> Add “{typed}”
              </button>
            </li>
          ) : null}
        </ul>
      ) : query.trim() ? (
        <span className="muted small">Nothing matches “{query.trim()}”.</span>
      ) : null}
      {hint && !problem ? (
        <span className="muted small" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {problem ? (
        <span className="field-error" id={`${id}-error`} role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
