import { useEffect, useMemo, useState } from 'react';
import type { JitDatabase } from '../../../db/index.js';
import { feedAuditEvents, heldCount } from './feed.js';
import { IndexClient } from './index-client.js';

export type IndexState = {
  /** The index, in its worker: ask it with `client.query`. */
  client: IndexClient;
  /** Bumped whenever the index grew, so queries re-run. */
  version: number;
  /** Events indexed so far, and how many the replica holds. */
  indexed: number;
  held: number;
  /** True until every event the replica holds is indexed. */
  building: boolean;
};

type Live = { state: IndexState; listeners: Set<(s: IndexState) => void> };

/**
 * One index per replica, built on first use and fed for as long as the replica is open, so
 * leaving the Audit screen and coming back (or opening a timeline from elsewhere) costs nothing.
 */
const live = new WeakMap<JitDatabase, Live>();

function start(db: JitDatabase): Live {
  const client = new IndexClient();
  const entry: Live = { state: { client, version: 0, indexed: 0, held: 0, building: true }, listeners: new Set() };
  let read = false;
  const publish = (next: Partial<IndexState>) => {
    const state = { ...entry.state, ...next };
    state.held = Math.max(state.held, state.indexed);
    state.building = !read || client.progress.queued > 0 || state.indexed < state.held;
    entry.state = state;
    for (const listener of entry.listeners) listener(entry.state);
  };
  let counting = false;
  const count = () => {
    if (counting) return;
    counting = true;
    void heldCount(db)
      .then((held) => publish({ held }))
      .finally(() => (counting = false));
  };
  count();
  const stopProgress = client.onProgress((p) => publish({ indexed: p.indexed, version: entry.state.version + 1 }));
  const feed = feedAuditEvents(db, client, {
    onRead: () => {
      read = false;
      count();
    },
    onIdle: () => {
      read = true;
      count();
      publish({});
    },
  });
  db.onClose.push(() => {
    feed.stop();
    stopProgress();
    client.dispose();
    live.delete(db);
  });
  return entry;
}

/** The explorer's index over this replica's audit events, kept up to date as events arrive. */
export function useAuditIndex(db: JitDatabase): IndexState {
  const entry = useMemo(() => live.get(db) ?? live.set(db, start(db)).get(db)!, [db]);
  const [state, setState] = useState(entry.state);
  useEffect(() => {
    setState(entry.state);
    entry.listeners.add(setState);
    return () => void entry.listeners.delete(setState);
  }, [entry]);
  return state;
}
