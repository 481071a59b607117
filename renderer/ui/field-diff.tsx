import type { FieldChange } from '../features/proposals/proposal-model.js';
import './field-diff.css';

/**
 * A change field by field: before and after in the words people read, and for a list the items it
 * gains and loses. One table for the Proposals screen and the editors' history alike.
 */
export function FieldDiff({ changes, empty, testId, className }: { changes: readonly FieldChange[]; empty: string; testId?: string; className?: string }) {
  if (changes.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <table className={className ? `pr-diff ${className}` : 'pr-diff'} data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {changes.map((row) => (
          <tr key={row.field} data-field={row.field}>
            <th scope="row">{row.label}</th>
            <td className="pr-before">{row.before}</td>
            <td className="pr-after">
              {row.after}
              {row.added.length > 0 || row.removed.length > 0 ? (
                <div className="pr-items">
                  {row.added.map((x) => (
                    <span key={`+${x}`} className="pill tone-warning">
                      + {x}
                    </span>
                  ))}
                  {row.removed.map((x) => (
                    <span key={`-${x}`} className="pill tone-neutral">
                      − {x}
                    </span>
                  ))}
                </div>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
