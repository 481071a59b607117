/**
 * Export and Import on the Policies screen (policy admins and admins): the whole configuration as
 * the YAML file `npm run config` reads and writes. Export downloads it; Import reads a file, shows
 * the server's diff (added, changed field by field, removed) and what importing would do, then
 * imports exactly that diff: applied at once, one proposal for a second person, or refused with the
 * server's sentence (entity, field and line). Both need the server: offline they say so, with Retry.
 */
import { useRef, useState, type ReactNode } from 'react';
import { formatDuration } from '../../../core/index.js';
import { href } from '../../app/router.js';
import { useConsoleData } from '../../session/console-data.js';
import { maySend } from '../../session/permissions.js';
import { needsServerReason, reachOf } from '../../session/reach.js';
import { useSession, useSessionApi } from '../../session/session.js';
import { Icon, sentence } from '../../ui/ui.js';
import { configFileApi, ConfigFileError } from './config-file-api.js';
import { ImportDialog, type ImportState } from './ImportDialog.js';
import './config-file.css';

/** No answer at all, or the server failing: what "needs the server" means here. */
const noAnswer = (error: unknown) => error instanceof ConfigFileError && (error.status === 0 || error.status >= 500);

/** The buttons (for the screen's header) and what they show below it: a problem with Retry, the import dialog. */
export function useConfigFileActions(): { buttons: ReactNode; below: ReactNode } {
  const { serverUrl, token, user } = useSession();
  const { host } = useSessionApi();
  const { status } = useConsoleData();
  const reason = needsServerReason(reachOf(status));
  const [problem, setProblem] = useState<{ what: 'Exporting' | 'Importing'; error: unknown; retry(): void } | null>(null);
  const [exporting, setExporting] = useState(false);
  const [dialog, setDialog] = useState<ImportState | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  if (!maySend(user, 'config.import')) return { buttons: null, below: null };

  const exportFile = async () => {
    setExporting(true);
    setProblem(null);
    try {
      const text = await configFileApi.export(serverUrl, token);
      await host.saveFile('jit-config.yaml', text, 'text/yaml');
    } catch (error) {
      setProblem({ what: 'Exporting', error, retry: () => void exportFile() });
    } finally {
      setExporting(false);
    }
  };

  /** Reads what importing the file would do (again with prune when asked). */
  const compare = async (name: string, text: string, prune: boolean) => {
    setProblem(null);
    setDialog({ name, text, prune, stage: { kind: 'comparing' } });
    try {
      const diff = await configFileApi.diff(serverUrl, token, text, prune);
      setDialog({ name, text, prune, stage: { kind: 'diff', diff } });
    } catch (error) {
      if (noAnswer(error)) {
        setDialog(null);
        setProblem({ what: 'Importing', error, retry: () => void compare(name, text, prune) });
      } else setDialog({ name, text, prune, stage: { kind: 'refused', error: error as ConfigFileError, during: 'diff' } });
    }
  };

  const importFile = async (state: ImportState) => {
    if (state.stage.kind !== 'diff') return;
    const { baseHash } = state.stage.diff;
    setDialog({ ...state, stage: { kind: 'importing', diff: state.stage.diff } });
    try {
      const answer = await configFileApi.import(serverUrl, token, state.text, state.prune, baseHash);
      setDialog({ ...state, stage: { kind: 'done', answer } });
    } catch (error) {
      if (noAnswer(error)) setDialog({ ...state, stage: { kind: 'diff', diff: state.stage.diff, unreachable: `Not imported: the import needs the server, ${reason}. Nothing changed; try again.` } });
      else setDialog({ ...state, stage: { kind: 'refused', error: error as ConfigFileError, during: 'import' } });
    }
  };

  const buttons = (
    <div className="config-file-actions">
      <button type="button" className="button" onClick={() => void exportFile()} disabled={exporting} title="The whole configuration as YAML, the file npm run config reads">
        <Icon name="download" /> {exporting ? 'Exporting…' : 'Export'}
      </button>
      <button type="button" className="button" onClick={() => picker.current?.click()} title="Compare a YAML file with the server, then import it">
        <Icon name="upload" /> Import…
      </button>
      <input
        ref={picker}
        type="file"
        accept=".yaml,.yml,text/yaml,application/yaml"
        hidden
        data-testid="config-import-file"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = '';
          if (file) void file.text().then((text) => compare(file.name, text, false));
        }}
      />
    </div>
  );
  const below = (
    <>
      {problem ? (
        <div className="notice warning config-file-problem" role="alert" data-testid="config-file-problem">
          <Icon name="cloud-off" />
          <span>
            {noAnswer(problem.error) ? `${problem.what} needs the server: ${reason}. The rest of the console works from this device.` : `${problem.what} failed: ${sentence(problem.error instanceof Error ? problem.error.message : String(problem.error))}`}
          </span>
          <button type="button" className="button small" onClick={problem.retry}>
            Retry
          </button>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setProblem(null)}>
            <Icon name="x" />
          </button>
        </div>
      ) : null}
      {dialog ? (
        <ImportDialog
          state={dialog}
          minutes={formatDuration}
          proposalHref={(id) => href('proposals', id)}
          onPrune={(prune) => void compare(dialog.name, dialog.text, prune)}
          onImport={() => void importFile(dialog)}
          onClose={() => setDialog(null)}
        />
      ) : null}
    </>
  );
  return { buttons, below };
}
