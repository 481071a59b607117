import { AdConnector } from '../connectors/ad/index.js';
import { EntraConnector } from '../connectors/entra/index.js';
import type { ConnectorLookup } from '../scheduler/context.js';
import type { Store } from '../store/types.js';
import { AdDirectorySource } from './ad-source.js';
import { parseDirectorySyncConfig, type DirectorySyncConfig, type DirectorySyncConfigInput, type DirectorySyncSource } from './config.js';
import { EntraDirectorySource } from './entra-source.js';
import { DIRECTORY_SYNC_MIGRATIONS } from './migrations.js';
import { listRuns, runSource, syncState, type RunOutcome } from './run.js';
import type { DirectorySource } from './types.js';

export { DIRECTORY_SYNC_MIGRATIONS } from './migrations.js';
export { parseDirectorySyncConfig, type DirectorySyncConfig, type DirectorySyncConfigInput } from './config.js';
export { getRun, listRuns, type RunOutcome, type RunView, type RunSummary } from './run.js';
export type { ChangeReport } from './report.js';

export type DirectorySync = {
  readonly config: DirectorySyncConfig;
  /** Runs (or resumes) one source now and resolves with its outcome; a run already under way is joined. */
  runNow(connectorId: string, actorId?: string): Promise<RunOutcome>;
  /** Runs every source whose interval has passed, or whose last run stopped part-way. The scheduler's loop calls this. */
  runDue(): Promise<RunOutcome[]>;
  /** How long the scheduler's loop may sleep before a source is due. */
  nextDelayMs(): number;
  /** Starts the loop beside the scheduler's: each source on the configured interval. */
  start(onError?: (error: unknown) => void): void;
  /** Stops the loop; resolves when a run under way has committed its last page. */
  stop(): Promise<void>;
  status(): { connectorId: string; running: boolean; runId: string | null; pages: number; lastRun: ReturnType<typeof listRuns>[number] | null; lastError: string | null }[];
};

export type DirectorySyncDeps = { store: Store; registry: ConnectorLookup; now: () => Date; config: DirectorySyncConfigInput };

/** The one place a configured connector becomes a directory source (no special case for any directory). */
function sourceFor(registry: ConnectorLookup, source: DirectorySyncSource): DirectorySource {
  const connector = registry.get(source.connectorId);
  if (connector instanceof EntraConnector) return new EntraDirectorySource(connector, { groups: source.groups, servicePrincipals: source.servicePrincipals, pageSize: source.pageSize });
  if (connector instanceof AdConnector) return new AdDirectorySource(connector, { pageSize: source.pageSize, groups: source.groups, serviceAccounts: source.serviceAccounts, ...(source.serviceAccountEmployeeType ? { serviceAccountEmployeeType: source.serviceAccountEmployeeType } : {}) });
  if (!connector) throw new Error(`directory sync: no connector is configured with id ${source.connectorId}`);
  throw new Error(`directory sync: connector ${source.connectorId} is a ${connector.kind} connector; people are read from entra and ad connectors`);
}

export function createDirectorySync(deps: DirectorySyncDeps): DirectorySync {
  const config = parseDirectorySyncConfig(deps.config);
  const { store, now } = deps;
  store.applyMigrations(DIRECTORY_SYNC_MIGRATIONS);
  const inFlight = new Map<string, Promise<RunOutcome>>();
  /** After a failed run: not before this time (the directory's Retry-After, else a minute). */
  const retryAt = new Map<string, number>();
  const lastError = new Map<string, string>();
  let stopping = false;

  const configured = (connectorId: string): DirectorySyncSource => {
    const source = config.sources.find((s) => s.connectorId === connectorId);
    if (!source) throw new Error(`directory sync: ${connectorId} is not a configured directory sync source`);
    return source;
  };

  const runNow = (connectorId: string, actorId?: string): Promise<RunOutcome> => {
    const running = inFlight.get(connectorId);
    if (running) return running;
    const source = configured(connectorId);
    const run = (async (): Promise<RunOutcome> => {
      try {
        let directory: DirectorySource;
        try {
          directory = sourceFor(deps.registry, source);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          lastError.set(connectorId, `misconfigured: ${message}`);
          retryAt.set(connectorId, now().getTime() + Math.max(config.intervalMs, 60_000));
          return { ok: false, runId: '', code: 'misconfigured', message };
        }
        const outcome = await runSource(directory, source, { store, now, newPersonRoles: config.newPersonRoles, shouldStop: () => stopping, ...(actorId ? { actorId } : {}) });
        if (outcome.ok) {
          retryAt.delete(connectorId);
          lastError.delete(connectorId);
        } else {
          retryAt.set(connectorId, now().getTime() + (outcome.retryAfterMs ?? 60_000));
          lastError.set(connectorId, `${outcome.code}: ${outcome.message}`);
        }
        return outcome;
      } finally {
        inFlight.delete(connectorId);
      }
    })();
    inFlight.set(connectorId, run);
    return run;
  };

  const dueAt = (connectorId: string): number => {
    const retry = retryAt.get(connectorId);
    if (retry !== undefined) return retry;
    if (syncState(store, connectorId).running) return 0;
    const last = listRuns(store, { connectorId, limit: 1 })[0];
    if (!last) return 0;
    return config.intervalMs > 0 ? Date.parse(last.finishedAt) + config.intervalMs : Number.POSITIVE_INFINITY;
  };

  let timer: NodeJS.Timeout | undefined;
  let loopRun: Promise<unknown> | undefined;
  let active = false;
  const service: DirectorySync = {
    config,
    runNow,
    async runDue() {
      const nowMs = now().getTime();
      const due = config.sources.filter((s) => !inFlight.has(s.connectorId) && dueAt(s.connectorId) <= nowMs && (config.intervalMs > 0 || syncState(store, s.connectorId).running));
      // One source at a time: each reads on its directory's budget, and the store takes one writer.
      const outcomes: RunOutcome[] = [];
      for (const source of due) outcomes.push(await runNow(source.connectorId));
      return outcomes;
    },
    nextDelayMs() {
      const nowMs = now().getTime();
      const next = Math.min(...config.sources.map((s) => dueAt(s.connectorId)), Number.POSITIVE_INFINITY);
      return Math.max(1000, Math.min(next - nowMs, 60_000));
    },
    start(onError = (error: unknown) => console.error('directory sync failed:', error)) {
      if (active || config.sources.length === 0) return;
      active = true;
      const tick = (): void => {
        timer = undefined;
        if (!active) return;
        loopRun = service
          .runDue()
          .catch(onError)
          .finally(() => {
            loopRun = undefined;
            if (active) timer = setTimeout(tick, service.nextDelayMs());
          });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      active = false;
      stopping = true;
      if (timer) clearTimeout(timer);
      await loopRun;
      await Promise.allSettled([...inFlight.values()]);
    },
    status() {
      return config.sources.map((s) => {
        const state = syncState(store, s.connectorId);
        return { connectorId: s.connectorId, running: state.running, runId: state.runId, pages: state.pages, lastRun: listRuns(store, { connectorId: s.connectorId, limit: 1 })[0] ?? null, lastError: lastError.get(s.connectorId) ?? null };
      });
    },
  };
  return service;
}
