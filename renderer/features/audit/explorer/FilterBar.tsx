import { useMemo } from 'react';
import { useConsoleData } from '../../../session/console-data.js';
import { PERIODS, type ExplorerFilter, type Period } from './explorer-filter.js';
import { typeGroups } from './event-words.js';

/** People, resource, event type, period and words: names and words, never ids. */
export function FilterBar({ filter, onChange, onClear, filtered }: { filter: ExplorerFilter; onChange(f: ExplorerFilter): void; onClear(): void; filtered: boolean }) {
  const { users, resources } = useConsoleData();
  const people = useMemo(() => [...users.values()].sort((a, b) => a.displayName.localeCompare(b.displayName)), [users]);
  const resourceList = useMemo(() => [...resources.values()].sort((a, b) => a.name.localeCompare(b.name)), [resources]);
  const groups = useMemo(() => typeGroups(), []);
  const set = <K extends keyof ExplorerFilter>(key: K, value: ExplorerFilter[K]) => onChange({ ...filter, [key]: value });
  return (
    <form className="ax-filters" role="search" aria-label="Filter audit events" onSubmit={(e) => e.preventDefault()}>
      <label className="ax-field ax-words">
        <span>Words</span>
        <input type="search" value={filter.text} placeholder="ticket, reason, name, event…" onChange={(e) => set('text', e.target.value)} data-testid="explorer-text" />
      </label>
      <label className="ax-field">
        <span>Person</span>
        <select value={filter.personId} onChange={(e) => set('personId', e.target.value)} data-testid="explorer-person">
          <option value="">Anyone</option>
          {people.map((u) => (
            <option key={u.id} value={u.id}>
              {u.displayName}
            </option>
          ))}
        </select>
      </label>
      <label className="ax-field">
        <span>Resource</span>
        <select value={filter.resourceId} onChange={(e) => set('resourceId', e.target.value)} data-testid="explorer-resource">
          <option value="">Any resource</option>
          {resourceList.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label className="ax-field">
        <span>Event</span>
        <select value={filter.type} onChange={(e) => set('type', e.target.value)} data-testid="explorer-type">
          <option value="">Any event</option>
          {groups.map((g) => (
            <optgroup key={g.group} label={g.group}>
              {g.types.map((t) => (
                <option key={t.type} value={t.type}>
                  {t.words}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label className="ax-field">
        <span>Period</span>
        <select value={filter.period} onChange={(e) => set('period', e.target.value as Period)} data-testid="explorer-period">
          {PERIODS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="button small ax-clear" onClick={onClear} disabled={!filtered}>
        Clear filters
      </button>
    </form>
  );
}
