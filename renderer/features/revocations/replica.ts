/**
 * Tasks and verification receipts in the local replica, for the revocation views.
 *
 * The session opens the collections every screen needs; these two are only read here, so they
 * are added to the same database the first time a revocation view asks for them and replicated
 * from then on, live, over one multiplexed stream of their own. Being in the session's database
 * they persist for offline use, are removed with it on sign-out, and stop replicating when it
 * closes. If the session already opens them, nothing is added or started.
 */
import { useEffect, useState } from 'react';
import type { CollectionName } from '../../../core/index.js';
import { collectionSchema, startReplication, type JitDatabase } from '../../db/index.js';

export const REVOCATION_COLLECTIONS = ['tasks', 'verifications'] as const satisfies readonly CollectionName[];

export type RevocationCollections = { tasks: JitDatabase['tasks']; verifications: JitDatabase['verifications'] };

type SessionLike = { db: JitDatabase; serverUrl: string; token: string };

export type ReplicaOptions = { fetch?: typeof fetch };

const opened = new WeakMap<JitDatabase, Promise<RevocationCollections>>();

/** Adds and replicates the collections once per database; later calls get the same answer. */
export function ensureRevocationReplica(session: SessionLike, opts: ReplicaOptions = {}): Promise<RevocationCollections> {
  let pending = opened.get(session.db);
  if (!pending) {
    pending = open(session, opts);
    opened.set(session.db, pending);
    // A failure (e.g. the database closed meanwhile) may be retried by the next caller.
    pending.catch(() => opened.delete(session.db));
  }
  return pending;
}

async function open({ db, serverUrl, token }: SessionLike, opts: ReplicaOptions): Promise<RevocationCollections> {
  if (db.closed) throw new Error('the local replica is closed');
  const missing = REVOCATION_COLLECTIONS.filter((name) => !db.collections[name]);
  if (missing.length > 0) {
    await db.addCollections(Object.fromEntries(missing.map((name) => [name, { schema: collectionSchema(name) }])) as Parameters<JitDatabase['addCollections']>[0]);
    // startReplication replicates every collection of the database it is given: give it a view
    // holding only the ones added here, since the session already replicates the others.
    const view = { collections: Object.fromEntries(missing.map((name) => [name, db.collections[name]])) } as unknown as JitDatabase;
    const replication = startReplication(view, { serverUrl, token, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
    db.onClose.push(() => replication.cancel().catch(() => undefined));
  }
  return { tasks: db.tasks, verifications: db.verifications };
}

export type ReplicaState = { collections: RevocationCollections | null; error: Error | null };

/** The tasks and verifications collections once they are open. */
export function useRevocationReplica(session: SessionLike): ReplicaState {
  const [state, setState] = useState<ReplicaState>(() => ({ collections: null, error: null }));
  const { db, serverUrl, token } = session;
  useEffect(() => {
    let cancelled = false;
    ensureRevocationReplica({ db, serverUrl, token }).then(
      (collections) => !cancelled && setState({ collections, error: null }),
      (error: unknown) => !cancelled && setState({ collections: null, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      cancelled = true;
    };
  }, [db, serverUrl, token]);
  return state;
}
