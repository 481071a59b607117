import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSession } from '../../../session/session.js';
import { Icon } from '../../../ui/ui.js';
import '../../../ui/load-progress.css';
import { readEvent } from './feed.js';
import type { IndexClient } from './index-client.js';
import { loadOlderHistory, olderPageFetcher, type OlderProgress } from './older-history.js';

const n = (value: number) => value.toLocaleString('en-US');

type Loading = { state: 'idle' } | { state: 'loading'; progress: OlderProgress | null; abort: AbortController } | { state: 'done'; progress: OlderProgress } | { state: 'failed'; message: string; progress: OlderProgress | null };

/** What was loaded, per index: it stays for as long as the replica is open. */
const loaded = new WeakMap<IndexClient, Loading>();

/**
 * For a console that holds only recent history: how far back this device goes, and "Load older
 * history", which fetches older sealed blocks (only the events this person may see), checks each
 * against the chain and adds it to the explorer.
 */
export function OlderHistory({ client }: { client: IndexClient }) {
  const { serverUrl, token, db } = useSession();
  const fetchPage = olderPageFetcher(serverUrl, token);
  const horizon = useQuery({ queryKey: ['audit-older-horizon', serverUrl], queryFn: () => fetchPage(null, 0), retry: false, staleTime: 60_000 });
  const [loading, setLoading] = useState<Loading>(() => loaded.get(client) ?? { state: 'idle' });
  useEffect(() => void loaded.set(client, loading), [client, loading]);

  const start = () => {
    const abort = new AbortController();
    let last: OlderProgress | null = null;
    setLoading({ state: 'loading', progress: null, abort });
    loadOlderHistory({
      fetchPage,
      held: (seq) => readEvent(db, seq),
      append: (events) => client.append(events),
      onProgress: (progress) => {
        last = progress;
        setLoading({ state: 'loading', progress, abort });
      },
      signal: abort.signal,
    }).then(
      (progress) => setLoading({ state: 'done', progress }),
      (error: unknown) => setLoading(abort.signal.aborted ? { state: 'idle' } : { state: 'failed', message: error instanceof Error ? error.message : String(error), progress: last }),
    );
  };

  const from = horizon.data?.horizon ?? 0;
  if (from === 0 && loading.state === 'idle') return null;
  return (
    <div className="ax-older" data-testid="older-history">
      {loading.state === 'idle' ? (
        <>
          <span className="muted">
            This device holds the events you may see after event {n(from)}; {n(horizon.data?.remaining ?? 0)} older blocks are on the server.
          </span>
          <button type="button" className="button small" onClick={start} data-testid="load-older-history">
            Load older history
          </button>
        </>
      ) : null}
      {loading.state === 'loading' ? (
        <div className="load-progress">
          <span className="load-progress-label">{loading.progress ? `Loading older history: ${n(loading.progress.blocks)} of ${n(loading.progress.of)} blocks checked, ${n(loading.progress.events)} events` : 'Loading older history…'}</span>
          <span
            className="load-progress-track"
            role="progressbar"
            aria-label="Loading older history"
            aria-valuemin={loading.progress ? 0 : undefined}
            aria-valuemax={loading.progress?.of}
            aria-valuenow={loading.progress?.blocks}
          >
            <span className={loading.progress?.of ? 'load-progress-fill' : 'load-progress-fill indeterminate'} style={loading.progress?.of ? { width: `${(100 * loading.progress.blocks) / loading.progress.of}%` } : undefined} />
          </span>
          <button type="button" className="button small" onClick={() => loading.abort.abort()}>
            Cancel
          </button>
        </div>
      ) : null}
      {loading.state === 'done' ? (
        <span className="notice success" role="status">
          <Icon name="check" />
          Older history loaded: {n(loading.progress.events)} events from {n(loading.progress.blocks)} blocks, each checked against the chain. They stay in the explorer until you sign out.
        </span>
      ) : null}
      {loading.state === 'failed' ? (
        <span className="notice danger" role="alert">
          <Icon name="alert" />
          Older history stopped{loading.progress ? ` after ${n(loading.progress.blocks)} blocks` : ''}: {loading.message}
        </span>
      ) : null}
    </div>
  );
}
