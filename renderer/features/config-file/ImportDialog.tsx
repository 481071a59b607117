/**
 * Importing a configuration file: the server's diff against what it holds (added, changed field by
 * field, removed), what importing would do (apply at once, propose to a second person, refuse), and
 * the import's answer. Import sends the diff's baseHash, so a configuration changed in between
 * makes the import stale instead of applying something nobody read.
 */
import { useConsoleData } from '../../session/console-data.js';
import { FieldDiff } from '../../ui/field-diff.js';
import { Dialog, Icon, sentence } from '../../ui/ui.js';
import { readableWidening } from '../proposals/proposal-model.js';
import { kindLabel, valueText, type ConfigDiff, type ConfigFileError, type DiffAnswer, type ImportAnswer } from './config-file-api.js';

export type ImportStage =
  | { kind: 'comparing' }
  | { kind: 'diff'; diff: DiffAnswer; unreachable?: string }
  | { kind: 'importing'; diff: DiffAnswer }
  | { kind: 'done'; answer: ImportAnswer }
  | { kind: 'refused'; error: ConfigFileError; during: 'diff' | 'import' };

export type ImportState = { name: string; text: string; prune: boolean; stage: ImportStage };

type Props = {
  state: ImportState;
  minutes(n: number): string;
  proposalHref(id: string): string;
  onPrune(prune: boolean): void;
  onImport(): void;
  onClose(): void;
};

function Verdict({ diff }: { diff: DiffAnswer }) {
  const { users, resources, policies } = useConsoleData();
  const words = (text: string) => sentence(readableWidening(text, { users, resources, policies }));
  switch (diff.outcome.status) {
    case 'unchanged':
      return (
        <div className="notice success" role="status" data-testid="import-verdict">
          <Icon name="check" /> <span>Nothing to import: the file matches the server.</span>
        </div>
      );
    case 'apply':
      return (
        <div className="notice success" role="status" data-testid="import-verdict">
          <Icon name="check" /> <span>Importing applies at once: nothing in it widens access.</span>
        </div>
      );
    case 'propose':
      return (
        <div className="notice warning" role="status" data-testid="import-verdict">
          <Icon name="users" />
          <div>
            <strong>Importing proposes the whole file to a second person:</strong> it widens access, so nothing of it applies until another policy admin or admin approves it.
            <ul>
              {diff.widenings.flatMap((w) => w.widenings.map((text) => <li key={`${w.kind}:${w.id}:${text}`}>{`${kindLabel(w.kind)} ${w.name}: ${words(text)}`}</li>)).slice(0, 8)}
            </ul>
          </div>
        </div>
      );
    case 'refused':
      return (
        <div className="notice danger" role="alert" data-testid="import-verdict">
          <Icon name="ban" /> <span>The server would refuse this file: {words(diff.outcome.message ?? 'it cannot be imported')}</span>
        </div>
      );
  }
}

function Changes({ diff, minutes }: { diff: ConfigDiff; minutes(n: number): string }) {
  const nothing = diff.added.length + diff.changed.length + diff.removed.length === 0;
  if (nothing) return <p className="muted">Every entity in the file ({diff.unchanged}) is as the server holds it.</p>;
  const text = (path: string, value: unknown) => valueText(path, value, minutes);
  return (
    <div className="import-changes" data-testid="import-diff">
      {diff.added.length > 0 ? (
        <section aria-label="Added">
          <h3>Added ({diff.added.length})</h3>
          <ul>
            {diff.added.map((e) => (
              <li key={`${e.kind}:${e.id}`} data-entity-id={e.id}>
                <span className="pill tone-warning">new</span> {kindLabel(e.kind)} <strong>{e.name}</strong> <code>{e.id}</code>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {diff.changed.length > 0 ? (
        <section aria-label="Changed">
          <h3>Changed ({diff.changed.length})</h3>
          {diff.changed.map((e) => (
            <div key={`${e.kind}:${e.id}`} className="import-entity" data-entity-id={e.id}>
              <h4>
                {kindLabel(e.kind)} <strong>{e.name}</strong> <code>{e.id}</code>
              </h4>
              <FieldDiff
                empty="No field differs."
                changes={e.fields.map((f) => ({
                  field: f.path,
                  label: f.path,
                  before: f.before === undefined ? '—' : text(f.path, f.before),
                  after: f.after === undefined ? '(removed)' : text(f.path, f.after),
                  added: (f.added ?? []).map(String),
                  removed: (f.removed ?? []).map(String),
                }))}
              />
            </div>
          ))}
        </section>
      ) : null}
      {diff.removed.length > 0 ? (
        <section aria-label="Left out">
          <h3>Left out of the file ({diff.removed.length})</h3>
          <ul>
            {diff.removed.map((e) => (
              <li key={`${e.kind}:${e.id}`} data-entity-id={e.id}>
                {kindLabel(e.kind)} <strong>{e.name}</strong> <code>{e.id}</code>: {e.becomes ? `is ${e.becomes}` : sentence(e.refused ?? 'cannot be left out')}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {diff.unchanged > 0 ? <p className="muted small">and {diff.unchanged} unchanged.</p> : null}
    </div>
  );
}

function Refusal({ error, during }: { error: ConfigFileError; during: 'diff' | 'import' }) {
  return (
    <div className="notice danger" role="alert" data-testid="import-refused">
      <Icon name="alert" />
      <div>
        <strong>{during === 'diff' ? 'The file was not read.' : 'Not imported: the server refused it.'}</strong> {/* The server's words as they are: they start with the entity's path. */}
        {error.message.replace(/([^.])$/, '$1.')}
        {error.field ? (
          <div className="small">
            Field: <code>{error.field}</code>
          </div>
        ) : null}
      </div>
    </div>
  );
}

export function ImportDialog({ state, minutes, proposalHref, onPrune, onImport, onClose }: Props) {
  const { stage } = state;
  const diff = stage.kind === 'diff' || stage.kind === 'importing' ? stage.diff : null;
  const importable = stage.kind === 'diff' && (stage.diff.outcome.status === 'apply' || stage.diff.outcome.status === 'propose');
  const leavesOut = diff ? diff.diff.removed.length > 0 : false;
  return (
    <Dialog
      open
      title={`Import ${state.name}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            {stage.kind === 'done' ? 'Close' : 'Cancel'}
          </button>
          {stage.kind === 'done' || stage.kind === 'refused' ? null : (
            <button type="button" className="button primary" data-testid="confirm-import" disabled={!importable} onClick={onImport}>
              {stage.kind === 'importing' ? 'Importing…' : diff?.outcome.status === 'propose' ? 'Propose this import' : 'Import'}
            </button>
          )}
        </>
      }
    >
      <div className="import-dialog">
        {stage.kind === 'comparing' ? <p className="muted">Comparing the file with the server…</p> : null}
        {diff ? (
          <>
            <p className="import-summary" data-testid="import-summary">
              {sentence(diff.summary)}
            </p>
            <Verdict diff={diff} />
            <Changes diff={diff.diff} minutes={minutes} />
            {leavesOut || state.prune ? (
              <label className="import-prune">
                <input type="checkbox" checked={state.prune} disabled={stage.kind === 'importing'} onChange={(e) => onPrune(e.target.checked)} />
                <span>Archive the resources and disable the profiles the file leaves out (a policy is never removed)</span>
              </label>
            ) : null}
            {stage.kind === 'diff' && stage.unreachable ? (
              <div className="notice warning" role="alert">
                <Icon name="cloud-off" /> <span>{stage.unreachable}</span>
              </div>
            ) : null}
          </>
        ) : null}
        {stage.kind === 'refused' ? <Refusal error={stage.error} during={stage.during} /> : null}
        {stage.kind === 'done' ? (
          stage.answer.outcome === 'proposed' && stage.answer.proposalId ? (
            <div className="notice warning" role="status" data-testid="import-outcome">
              <Icon name="users" />
              <span>
                Proposed for a second person: {sentence(stage.answer.summary)} It applies, all of it, once another policy admin or admin approves it. <a href={proposalHref(stage.answer.proposalId)}>Follow it in Proposals</a>
              </span>
            </div>
          ) : (
            <div className="notice success" role="status" data-testid="import-outcome">
              <Icon name="check" />
              <span>{stage.answer.outcome === 'unchanged' ? 'Nothing changed: the file matched the server.' : `Imported: ${sentence(stage.answer.summary)}`}</span>
            </div>
          )
        ) : null}
      </div>
    </Dialog>
  );
}
