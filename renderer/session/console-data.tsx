import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { map, of, type Observable } from 'rxjs';
import {
  PENDING_REQUEST_STATES,
  type AccessPolicy,
  type AccessRequest,
  type Command,
  type CommandResult,
  type DirectoryUser,
  type Proposal,
  type Resource,
} from '../../core/index.js';
import type { LoadingState, LoadProgress, ReplicationStatus } from '../db/index.js';
import { StepUpProvider } from '../features/mfa/StepUp.js';
import { useObservable } from '../lib/use-rx.js';
import { withLoadState, type PartialDocs } from './load-state.js';
import { useSession } from './session.js';

/** What a command waiting for the server is about, so lists can mark the row. */
export type WaitingDecision = { commandId: string; type: Command['type']; createdAt: string };

type ConsoleData = {
  users: ReadonlyMap<string, DirectoryUser>;
  resources: ReadonlyMap<string, Resource>;
  policies: ReadonlyMap<string, AccessPolicy>;
  /** Every configuration change proposal, pending or decided. */
  proposals: readonly Proposal[];
  pending: readonly AccessRequest[];
  /**
   * The pending list is not complete yet: the local query has not answered, or the requests are
   * still loading from scratch (the list then holds what has arrived so far).
   */
  pendingLoading: boolean;
  /** How far the requests' first load is while it runs; null once they are all here. */
  pendingProgress: LoadProgress | null;
  /** No people or no resources have arrived yet: the names they give are not known. */
  lookupsLoading: boolean;
  /** Every collection still loading from scratch, with its progress (absent: complete). */
  loading: LoadingState;
  /** Subject id (request, grant, task or proposal) -> this user's command not yet answered. */
  waiting: ReadonlyMap<string, WaitingDecision>;
  rejections: readonly CommandResult[];
  /** False until the local results were read once, so old rejections are not announced as new. */
  resultsLoaded: boolean;
  /** Every command this user sent, by id: what a rejection was about. */
  commands: ReadonlyMap<string, Command>;
  status: ReplicationStatus & { browserOffline: boolean };
};

const DataContext = createContext<ConsoleData | null>(null);

export function useConsoleData(): ConsoleData {
  const value = useContext(DataContext);
  if (!value) throw new Error('useConsoleData outside ConsoleDataProvider');
  return value;
}

function byId<T extends { id: string }>(docs: readonly T[]): Map<string, T> {
  return new Map(docs.map((d) => [d.id, d]));
}

export function subjectOf(command: Pick<Command, 'payload'>): string | null {
  const p = command.payload as { requestId?: unknown; grantId?: unknown; taskId?: unknown; proposalId?: unknown };
  // grant.extend may name the request it creates: its subject is still the grant.
  const id = p.grantId ?? p.requestId ?? p.taskId ?? p.proposalId;
  return typeof id === 'string' ? id : null;
}

const asJson = <T,>(docs: ReadonlyArray<{ toJSON(): unknown }>): T[] => docs.map((d) => d.toJSON() as T);

/** The live queries every screen shares, subscribed once per session. */
export function ConsoleDataProvider({ children }: { children: ReactNode }) {
  const { db, replication, user } = useSession();
  // A replica opens only the collections its roles replicate: a missing one reads as empty.
  const docs = <T,>(name: keyof typeof db.collections, selector?: Record<string, unknown>): Observable<T[]> => {
    const collection = db.collections[name] as unknown as { find(query?: { selector: Record<string, unknown> }): { $: Observable<ReadonlyArray<{ toJSON(): unknown }>> } } | undefined;
    return collection ? collection.find(selector ? { selector } : undefined).$.pipe(map((d) => asJson<T>(d))) : of([]);
  };
  // The same, with whether the collection is still loading from scratch (load-state.ts).
  const partialDocs = <T,>(name: keyof typeof db.collections, selector?: Record<string, unknown>): Observable<PartialDocs<T>> => {
    const collection = db.collections[name] as unknown as { find(query?: { selector: Record<string, unknown> }): Parameters<typeof withLoadState>[0] } | undefined;
    return collection ? withLoadState<T>(collection.find(selector ? { selector } : undefined), name, replication.loading$) : of({ docs: [], partial: false });
  };
  const usersLoad = useObservable(() => partialDocs<DirectoryUser>('users'), { docs: [] as DirectoryUser[], partial: true }, [db, replication]);
  const resourcesLoad = useObservable(() => partialDocs<Resource>('resources'), { docs: [] as Resource[], partial: true }, [db, replication]);
  // Keyed on the documents, not on whether they are complete: a load ending must not rebuild every list that names people.
  const usersById = useMemo(() => byId(usersLoad.data.docs), [usersLoad.data.docs]);
  const resourcesById = useMemo(() => byId(resourcesLoad.data.docs), [resourcesLoad.data.docs]);
  const loading = useObservable(() => replication.loading$, new Map() as LoadingState, [replication]);
  const policies = useObservable(() => docs<AccessPolicy>('policies').pipe(map(byId)), new Map(), [db]);
  const proposals = useObservable(() => docs<Proposal>('proposals'), [] as Proposal[], [db]);
  const pendingLoad = useObservable(() => partialDocs<AccessRequest>('requests', { status: { $in: [...PENDING_REQUEST_STATES] } }), { docs: [] as AccessRequest[], partial: true }, [db, replication]);
  const commands = useObservable(() => docs<Command>('commands', { actorId: user.id }), [] as Command[], [db, user.id]);
  const results = useObservable(() => docs<CommandResult>('commandResults', { actorId: user.id }), [] as CommandResult[], [db, user.id]);
  const status = useObservable(() => replication.status$, { online: false, pendingCommands: 0 } as ReplicationStatus, [replication]);
  const [browserOffline, setBrowserOffline] = useState(() => typeof navigator !== 'undefined' && navigator.onLine === false);

  useEffect(() => {
    const offline = () => setBrowserOffline(true);
    const online = () => {
      setBrowserOffline(false);
      // Back online: catch up now rather than at the next retry.
      replication.reSync();
    };
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    };
  }, [replication]);

  const value = useMemo<ConsoleData>(() => {
    const answered = new Set(results.data.map((r) => r.commandId));
    const waiting = new Map<string, WaitingDecision>();
    for (const command of commands.data) {
      if (answered.has(command.id)) continue;
      const subject = subjectOf(command);
      if (subject) waiting.set(subject, { commandId: command.id, type: command.type, createdAt: command.createdAt });
    }
    const rejections = results.data.filter((r) => r.status === 'rejected').sort((a, b) => (a.appliedAt < b.appliedAt ? 1 : -1));
    return {
      users: usersById,
      resources: resourcesById,
      policies: policies.data,
      proposals: proposals.data,
      pending: pendingLoad.data.docs,
      pendingLoading: pendingLoad.loading || pendingLoad.data.partial,
      pendingProgress: pendingLoad.loading || pendingLoad.data.partial ? (loading.data.get('requests') ?? null) : null,
      // Names can be shown once people and resources have arrived, even while more may follow (their
      // completeness is read after the writes queued before it, which can be the requests' large pages).
      lookupsLoading: usersLoad.loading || (usersLoad.data.partial && usersLoad.data.docs.length === 0) || resourcesLoad.loading || (resourcesLoad.data.partial && resourcesLoad.data.docs.length === 0),
      loading: loading.data,
      waiting,
      rejections,
      resultsLoaded: !results.loading && !commands.loading,
      commands: byId(commands.data),
      status: { ...status.data, browserOffline },
    };
  }, [usersById, resourcesById, usersLoad.loading, usersLoad.data.partial, resourcesLoad.loading, resourcesLoad.data.partial, loading.data, policies.data, proposals.data, pendingLoad, commands.data, commands.loading, results.data, results.loading, status.data, browserOffline]);

  // Step-up MFA reads this session's data (its commands and their results) and serves every screen below.
  return (
    <DataContext.Provider value={value}>
      <StepUpProvider>{children}</StepUpProvider>
    </DataContext.Provider>
  );
}

/**
 * Calls back with rejections of commands sent from this device that arrive while the console is
 * open; the ones already here when it opened are in the Rejected list, not announced again.
 */
export function useNewRejections(onNew: (results: CommandResult[]) => void): void {
  const { rejections, resultsLoaded, commands } = useConsoleData();
  const seen = useRef<Set<string> | null>(null);
  const callback = useRef(onNew);
  callback.current = onNew;
  useEffect(() => {
    if (!resultsLoaded) return;
    if (seen.current === null) {
      seen.current = new Set(rejections.map((r) => r.id));
      return;
    }
    const fresh = rejections.filter((r) => !seen.current!.has(r.id) && commands.has(r.commandId));
    for (const r of fresh) seen.current.add(r.id);
    if (fresh.length > 0) callback.current(fresh);
  }, [rejections, resultsLoaded, commands]);
}
