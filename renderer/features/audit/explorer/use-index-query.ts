import { useEffect, useState } from 'react';
import type { AuditFilter, IndexedEvent } from './audit-index.js';
import type { Order } from './audit-result.js';
import type { IndexClient, RemoteResult } from './index-client.js';

/**
 * A filter's answer from the index's worker, asked again when the filter changes or the index
 * grew (`version`). The previous answer stays on screen until the next arrives; an answer that
 * arrives after a newer question was asked is dropped.
 */
export function useIndexQuery(client: IndexClient, filter: AuditFilter, version: number): { result: RemoteResult | null; error: Error | null } {
  const key = JSON.stringify(filter);
  const [state, setState] = useState<{ result: RemoteResult | null; error: Error | null }>({ result: null, error: null });
  useEffect(() => {
    let current = true;
    const asked = JSON.parse(key) as AuditFilter;
    client.query(asked).then(
      (result) => {
        if (current) setState((before) => {
          if (before.result) client.forget(before.result.answer.id);
          return { result, error: null };
        });
        else client.forget(result.answer.id);
      },
      (error: unknown) => current && setState((before) => ({ result: before.result, error: error instanceof Error ? error : new Error(String(error)) })),
    );
    return () => {
      current = false;
    };
  }, [client, key, version]);
  return state;
}

/** Re-renders when rows of the answer arrive from the worker. */
export function useRowsArriving(result: RemoteResult | null): void {
  const [, setTick] = useState(0);
  useEffect(() => result?.subscribe(() => setTick((t) => t + 1)), [result]);
}

/** The selected event as the index holds it, read from the answer (asked for when not in view). */
export function useSelectedEvent(result: RemoteResult | null, seq: number | null, order: Order): IndexedEvent | null {
  const [event, setEvent] = useState<IndexedEvent | null>(null);
  useEffect(() => {
    let current = true;
    if (!result || seq === null) {
      setEvent(null);
      return;
    }
    const at = result.positionOf(seq, order);
    if (at < 0) {
      setEvent(null);
      return;
    }
    void result.get(at, order).then((e) => current && setEvent(e));
    return () => {
      current = false;
    };
  }, [result, seq, order]);
  return event;
}
