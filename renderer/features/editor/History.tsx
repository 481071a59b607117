import { useMemo } from 'react';
import { href } from '../../app/router.js';
import { useConsoleData } from '../../session/console-data.js';
import { useAuditEvents } from '../audit/use-audit-events.js';
import { FieldDiff } from '../../ui/field-diff.js';
import { Time } from '../../ui/ui.js';
import { EditorSection } from './EditorFrame.js';
import { versionsOf, type Version, type VersionKind } from './history-model.js';

const joinNames = (names: string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

/**
 * The versions of a policy, resource or access profile, newest first, each with who changed it and its fields
 * against the version before; "Restore" puts an earlier one in the form, to save as a new change.
 */
export function History<K extends VersionKind>({ kind, id, onRestore }: { kind: K; id: string; onRestore(version: Version<K>): void }) {
  const { users, resources, policies } = useConsoleData();
  // The audit trail is replicated to those who configure and audit; others have none to read.
  const events = useAuditEvents({ subjectIds: [id] });
  const versions = useMemo(() => versionsOf(kind, events.data, { users, resources, policies }), [kind, events.data, users, resources, policies]);
  const name = (userId: string) => users.get(userId)?.displayName ?? userId;
  return (
    <EditorSection title="History" lede="Each version as it was written, who changed it, and what changed against the one before. Restoring puts a version in the form; saving it is a new change, judged like any other.">
      {versions.length === 0 ? (
        <p className="muted">{events.loading ? 'Reading the audit trail…' : 'No version is recorded on this device yet.'}</p>
      ) : (
        <ol className="history-list" data-testid="history">
          {versions.map((v, i) => (
            <li key={v.seq} data-version-seq={v.seq}>
              <details open={i < 2}>
                <summary>
                  <span className="strong">{i === 0 ? 'Current version' : v.created ? 'Created' : 'Earlier version'}</span>
                  <span className="muted small">
                    {' '}
                    · {v.created ? 'created' : 'changed'} by {joinNames(v.editorIds.map(name))}
                    {v.proposalId ? (
                      <>
                        {' '}
                        through <a href={href('proposals', v.proposalId)}>a proposal</a>
                      </>
                    ) : null}
                    , <Time iso={v.at} /> · {v.changes.length} field{v.changes.length === 1 ? '' : 's'}
                  </span>
                </summary>
                <FieldDiff changes={v.changes} empty="No field a person reads changed." className="history-diff" />
                {i > 0 ? (
                  <button type="button" className="button small" onClick={() => onRestore(v)}>
                    Restore this version
                  </button>
                ) : null}
              </details>
            </li>
          ))}
        </ol>
      )}
    </EditorSection>
  );
}
