import { useEffect, useMemo, useState } from 'react';
import type { JitDatabase } from '../../../db/index.js';
import { AuditIndex } from './audit-index.js';
import { feedAuditEvents, heldCount } from './feed.js';

export type IndexState = {
  index: AuditIndex;
  /** Bumped on every append, so queries re-run. */
  version: number;
  /** Events indexed so far, and how many the replica held when last counted. */
  indexed: number;
  held: number;
  /** True until the replica's backlog has been read into the index. */
  building: boolean;
};

type Live = { state: IndexState; listeners: Set<(s: IndexState) => void> };

/**
 * One index per replica, built on first use and fed for as long as the replica is open, so
 * leaving the Audit screen and coming back (or opening a timeline from elsewhere) costs nothing.
 */
const live = new WeakMap<JitDatabase, Live>();

function start(db: JitDatabase): Live {
  const index = new AuditIndex();
  const entry: Live = { state: { index, version: 0, indexed: 0, held: 0, building: true }, listeners: new Set() };
  const publish = (next: Partial<IndexState>) => {
    entry.state = { ...entry.state, ...next };
    for (const listener of entry.listeners) listener(entry.state);
  };
  void heldCount(db).then((held) => publish({ held: Math.max(held, index.size) }));
  const feed = feedAuditEvents(
    db,
    (events) => {
      index.append(events);
      publish({ version: entry.state.version + 1, indexed: index.size, held: Math.max(entry.state.held, index.size) });
    },
    () => publish({ building: false, indexed: index.size, held: index.size }),
  );
  db.onClose.push(() => {
    feed.stop();
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
