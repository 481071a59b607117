import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { AccountRole, replicatedCollections, type CollectionName } from '../../core/index.js';
import { createJitDatabase, prefetchFirstPages, prepareSchemas, startReplication, type JitDatabase, type ReplicationHandle } from '../db/index.js';
import type { HostApi } from '../host/index.js';
import { api, ApiError, normaliseServerUrl, type LoginAnswer, type SessionUser } from './api-client.js';
import { clearCached } from './offline-cache.js';
import { accountPrefix, carryOverUnsentCommands, replicaName, replicaOfIndexedDb, staleReplicas } from './replica.js';
import { beginWebSignIn, completeWebSignIn, takeWebCallback } from './sso.js';

/**
 * The collections the console may open; each person opens those their roles replicate (consoleCollections).
 * At most 13: RxDB's open edition refuses a 15th collection open in one page, and retiring a stale
 * replica opens one more beside these at a time.
 * Profiles are here for the editors' what-if (eligibility); directory groups, which only their
 * pickers name, are read over HTTP instead (features/editor/use-directory-groups.ts).
 */
export const CONSOLE_COLLECTIONS: readonly CollectionName[] = [
  'users',
  'resources',
  'policies',
  'profiles',
  'proposals',
  'requests',
  'grants',
  'tasks',
  'verifications',
  'audit',
  'commands',
  'commandResults',
  // Access reviews: campaigns and their items in one collection (core/schema/review.ts).
  'reviews',
];

/** The account's roles as the console knows them (unknown names dropped). */
export function rolesOf(user: Pick<SessionUser, 'roles'>): AccountRole[] {
  return (user.roles as readonly string[]).filter((role): role is AccountRole => AccountRole.safeParse(role).success);
}

/** What this person's replica opens: the console's collections their roles replicate (core SYNC_READ). */
export function consoleCollections(roles: readonly AccountRole[]): CollectionName[] {
  return replicatedCollections(roles, CONSOLE_COLLECTIONS);
}

export type Session = {
  serverUrl: string;
  token: string;
  user: SessionUser;
  db: JitDatabase;
  replication: ReplicationHandle;
};

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; notice: string | null }
  | { status: 'reloading'; serverUrl: string }
  /** The server accepted the sign-in; this device's copy is opening and its first pages are on their way. */
  | { status: 'opening'; displayName: string }
  | { status: 'signed-in'; session: Session };

type SessionApi = {
  state: SessionState;
  host: HostApi;
  signIn(serverUrl: string, username: string, password: string): Promise<void>;
  /** Single sign-on: the desktop's system browser, or (web) off to the provider and back to /signin-oidc. */
  signInWithProvider(serverUrl: string): Promise<void>;
  /** keepData: the session expired; unsent decisions stay in the replica for the next sign-in. */
  signOut(notice?: string, opts?: { keepData?: boolean }): Promise<void>;
};

const SessionContext = createContext<SessionApi | null>(null);

export function useSessionApi(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSessionApi outside SessionProvider');
  return value;
}

export function useSession(): Session {
  const { state } = useSessionApi();
  if (state.status !== 'signed-in') throw new Error('useSession needs a signed-in console');
  return state.session;
}

/**
 * One replica per server and account, so two people on one machine never share data; the name
 * ends with a fingerprint of the collection schemas, so a console whose schemas changed opens a
 * fresh replica (RxDB cannot open one stored under another schema) and pulls it from the server.
 */
export function databaseName(serverUrl: string, userId: string, roles: readonly AccountRole[] = ['admin']): string {
  return replicaName(serverUrl, userId, consoleCollections(roles));
}

type Running = Session;

/** signedIn: just signed in, so the replica is most likely empty: its first pages are asked for while it opens. */
async function openSession(serverUrl: string, token: string, user: SessionUser, signedIn = false): Promise<Running> {
  // Another set of roles may replicate another set of collections, hence another replica (the old one is retired below).
  const roles = rolesOf(user);
  const collections = consoleCollections(roles);
  const firstPages = signedIn ? prefetchFirstPages(serverUrl, token, collections) : undefined;
  const name = databaseName(serverUrl, user.id, roles);
  const db = await createJitDatabase({
    name,
    storage: 'dexie',
    devMode: import.meta.env.DEV,
    collections,
  });
  // One multiplexed live stream carries every collection (browsers allow six connections per host).
  const replication = startReplication(db, { serverUrl, token, firstPages });
  void retireStaleReplicas(db, accountPrefix(serverUrl, user.id)).catch(() => undefined);
  return { serverUrl, token, user, db, replication };
}

async function indexedDbNames(): Promise<string[]> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return [];
  return (await indexedDB.databases()).map((d) => d.name ?? '');
}

/** RxDB's Dexie storage empties its IndexedDB databases on remove but leaves them behind: delete them too. */
async function deleteIndexedDbFiles(isOf: (replica: string) => boolean): Promise<void> {
  const names = (await indexedDbNames()).filter((name) => {
    const replica = replicaOfIndexedDb(name);
    return replica !== null && isOf(replica);
  });
  await Promise.all(
    names.map(
      (name) =>
        new Promise<void>((resolve) => {
          const request = indexedDB.deleteDatabase(name);
          request.onsuccess = request.onerror = request.onblocked = () => resolve();
        }),
    ),
  );
}

/**
 * Replicas this account left under an older schema: their unanswered commands move to the new
 * replica (replication then sends them; the server ignores an id it has seen), then their files
 * go. One whose commands cannot be read by this console is deleted as it is.
 */
async function retireStaleReplicas(db: JitDatabase, prefix: string): Promise<void> {
  for (const stale of staleReplicas(await indexedDbNames(), db.name, prefix)) {
    try {
      // One collection open at a time beside this console's: two more would pass RxDB's open edition's limit for an admin.
      const results = await createJitDatabase({ name: stale, storage: 'dexie', collections: ['commandResults'] });
      let answered: unknown[];
      try {
        answered = await results.commandResults.find().exec();
      } finally {
        await results.close();
      }
      const old = await createJitDatabase({ name: stale, storage: 'dexie', collections: ['commands'] });
      try {
        const readResults = { find: () => ({ exec: async () => answered }) } as unknown as JitDatabase['commandResults'];
        await carryOverUnsentCommands({ commands: old.commands, commandResults: readResults }, db);
      } finally {
        await old.close();
      }
    } catch {
      // Stored under a commands schema this console does not know: nothing here can send it.
    }
    await deleteIndexedDbFiles((replica) => replica === stale);
  }
}

async function closeSession(running: Running, removeData: boolean): Promise<void> {
  await running.replication.cancel().catch(() => undefined);
  if (removeData) {
    await running.db.remove();
    // This replica and any an older console left for the same account.
    const prefix = accountPrefix(running.serverUrl, running.user.id);
    clearCached(prefix);
    await deleteIndexedDbFiles((replica) => replica === running.db.name || replica === prefix || replica.startsWith(`${prefix}-`));
  } else {
    await running.db.close();
  }
}

export function SessionProvider({ host, children }: { host: HostApi; children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const running = useRef<Running | null>(null);

  const signOut = useCallback(
    async (notice?: string, opts: { keepData?: boolean } = {}) => {
      const current = running.current;
      running.current = null;
      setState({ status: 'loading' });
      let problem: string | null = null;
      if (current) {
        if (!opts.keepData) void api.logout(current.serverUrl, current.token).catch(() => undefined);
        // Signing out removes the local replica: nothing of this account stays on the machine.
        await closeSession(current, !opts.keepData).catch((error: unknown) => {
          problem = `Signed out, but the local copy could not be removed (${error instanceof Error ? error.message : String(error)}). Clear this site's data in the browser settings.`;
        });
      }
      await host.clearToken();
      await host.setSettings({ user: null });
      setState({ status: 'signed-out', notice: problem ?? notice ?? null });
    },
    [host],
  );

  const start = useCallback(async (serverUrl: string, token: string, user: SessionUser, signedIn = false) => {
    const session = await openSession(serverUrl, token, user, signedIn);
    running.current = session;
    setState({ status: 'signed-in', session });
  }, []);

  /** The token a sign-in (password or provider) answered: kept, remembered, and the session opened. */
  const finishSignIn = useCallback(
    async (serverUrl: string, answer: LoginAnswer, username?: string) => {
      // From the server's answer on, the person sees the data coming, not a sign-in form that seems stuck.
      setState({ status: 'opening', displayName: answer.user.displayName });
      try {
        await host.setToken(answer.token);
        await host.setSettings({ serverUrl, ...(username !== undefined ? { lastUsername: username } : {}), user: { id: answer.user.id, displayName: answer.user.displayName, roles: [...answer.user.roles] } });
        await start(serverUrl, answer.token, answer.user, true);
      } catch (error) {
        // The sign-in form is gone by now: say it on the one that comes back.
        setState({ status: 'signed-out', notice: `Signed in, but the local copy could not be opened: ${error instanceof Error ? error.message : String(error)}` });
      }
    },
    [host, start],
  );

  // Restore the last session: the replica opens offline too; the server is asked afterwards.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      // Back from the sign-in provider (web console): finish that sign-in first.
      const callback = host.kind === 'browser' ? takeWebCallback() : null;
      if (callback) {
        try {
          const answer = await completeWebSignIn(callback);
          if (!cancelled) await finishSignIn(callback.serverUrl, answer);
        } catch (error) {
          if (!cancelled) setState({ status: 'signed-out', notice: error instanceof Error ? error.message : String(error) });
        }
        return;
      }
      const [settings, token] = await Promise.all([host.getSettings(), host.getToken()]);
      if (cancelled) return;
      if (!settings.serverUrl || !settings.user || !token) {
        setState({ status: 'signed-out', notice: null });
        return;
      }
      try {
        await start(settings.serverUrl, token, settings.user);
      } catch (error) {
        setState({ status: 'signed-out', notice: `The local copy could not be opened: ${error instanceof Error ? error.message : String(error)}` });
        return;
      }
      api.me(settings.serverUrl, token).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) void signOut('Your session has expired. Sign in again.', { keepData: true });
      });
    })();
    return () => {
      cancelled = true;
    };
  }, [host, start, signOut, finishSignIn]);

  // While the sign-in form shows, the replica's schemas are derived, so signing in does not wait for them.
  useEffect(() => {
    if (state.status !== 'signed-out') return;
    const idle = globalThis.requestIdleCallback ?? ((fn: () => void) => setTimeout(fn, 50));
    idle(() => prepareSchemas());
  }, [state.status]);

  // A token that expires mid-session surfaces as a replication 401.
  useEffect(() => {
    if (state.status !== 'signed-in') return;
    let checkedRoles = false;
    const sub = state.session.replication.status$.subscribe((status) => {
      if (status.lastError === 'unauthenticated') {
        void signOut('Your session has expired. Sign in again; decisions not yet sent stay on this device and sync after you sign in.', { keepData: true });
      }
      // What the server lets this account see changed: if its roles did, the console follows them.
      if (status.viewChanged && !checkedRoles) {
        checkedRoles = true;
        void refreshRoles(state.session).catch(() => undefined);
      }
    });
    return () => sub.unsubscribe();
  }, [state, signOut]);

  /** Re-reads the account's roles; when they changed, reopens the session under them (navigation, collections). */
  const refreshRoles = async (session: Session) => {
    const { user: me } = await api.me(session.serverUrl, session.token);
    const next = rolesOf(me);
    if ([...next].sort().join(',') === [...rolesOf(session.user)].sort().join(',')) return;
    if (running.current !== session) return;
    const user = { id: session.user.id, displayName: session.user.displayName, roles: next };
    await host.setSettings({ user });
    running.current = null;
    await closeSession(session, false);
    await start(session.serverUrl, session.token, user);
  };

  const signIn = useCallback(
    async (serverInput: string, username: string, password: string) => {
      const serverUrl = normaliseServerUrl(serverInput);
      const settings = await host.getSettings();
      if (host.kind === 'electron' && settings.serverUrl !== serverUrl) {
        // The desktop window's security policy names its server; a new one needs a reload first.
        setState({ status: 'reloading', serverUrl });
        await host.setSettings({ serverUrl, lastUsername: username.trim() });
        return;
      }
      const answer = await api.login(serverUrl, username.trim(), password);
      await finishSignIn(serverUrl, answer, username.trim());
    },
    [host, finishSignIn],
  );

  const signInWithProvider = useCallback(
    async (serverInput: string) => {
      const serverUrl = normaliseServerUrl(serverInput);
      if (host.kind === 'browser') {
        await host.setSettings({ serverUrl });
        await beginWebSignIn(serverUrl);
        return;
      }
      if ((await host.getSettings()).serverUrl !== serverUrl) {
        // As for a password: the desktop window's security policy names its server; a new one needs a reload first.
        setState({ status: 'reloading', serverUrl });
        await host.setSettings({ serverUrl });
        return;
      }
      if (!host.signInWithProvider) throw new Error('this console cannot open the sign-in provider');
      await finishSignIn(serverUrl, await host.signInWithProvider());
    },
    [host, finishSignIn],
  );

  useEffect(
    () => () => {
      if (running.current) void closeSession(running.current, false);
    },
    [],
  );

  const value = useMemo(() => ({ state, host, signIn, signInWithProvider, signOut }), [state, host, signIn, signInWithProvider, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
