import { useEffect, useState } from 'react';
import type { Observable } from 'rxjs';

export type LiveState<T> = { data: T; loading: boolean; error: Error | null };

/**
 * Subscribes to an observable (an RxDB live query) for as long as the component shows it.
 * `deps` rebuild the subscription; the previous data stays on screen until the new one arrives.
 */
export function useObservable<T>(factory: () => Observable<T> | null, initial: T, deps: readonly unknown[]): LiveState<T> {
  const [state, setState] = useState<LiveState<T>>({ data: initial, loading: true, error: null });
  useEffect(() => {
    const source = factory();
    if (!source) {
      setState({ data: initial, loading: false, error: null });
      return;
    }
    setState((s) => ({ ...s, loading: true }));
    const sub = source.subscribe({
      next: (data) => setState({ data, loading: false, error: null }),
      error: (error: unknown) => setState((s) => ({ ...s, loading: false, error: error instanceof Error ? error : new Error(String(error)) })),
    });
    return () => sub.unsubscribe();
  }, deps);
  return state;
}

/** A clock for relative times and countdowns; one timer per interval, shared by every component. */
const clocks = new Map<number, { now: number; listeners: Set<(n: number) => void>; timer: ReturnType<typeof setInterval> | null }>();

export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let clock = clocks.get(intervalMs);
    if (!clock) {
      clock = { now: Date.now(), listeners: new Set(), timer: null };
      clocks.set(intervalMs, clock);
    }
    const c = clock;
    c.listeners.add(setNow);
    c.timer ??= setInterval(() => {
      c.now = Date.now();
      for (const l of c.listeners) l(c.now);
    }, intervalMs);
    return () => {
      c.listeners.delete(setNow);
      if (c.listeners.size === 0 && c.timer) {
        clearInterval(c.timer);
        c.timer = null;
      }
    };
  }, [intervalMs]);
  return now;
}
