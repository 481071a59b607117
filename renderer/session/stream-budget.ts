import { Subject, throttleTime, type Observable } from 'rxjs';
import { syncPath, type CollectionName } from '../../core/index.js';

/**
 * Browsers (and Electron) open at most six HTTP/1.1 connections per server, and every live stream
 * holds one for good. With a stream per collection the console would starve its own pulls, pushes
 * and sign-in calls. So only the collections a person watches change by change stream for real;
 * the others get a local stand-in stream that asks for a re-pull ("RESYNC") when the watched data
 * moves and on a slow timer. Nothing is missed: a RESYNC pulls everything after the checkpoint.
 */
export type StreamBudget = {
  fetch: typeof fetch;
  /** Call when watched data changed, so the others catch up soon. */
  nudge(): void;
  stop(): void;
};

export function createStreamBudget(opts: {
  serverUrl: string;
  live: readonly CollectionName[];
  polled: readonly CollectionName[];
  intervalMs?: number;
  baseFetch?: typeof fetch;
}): StreamBudget {
  const baseFetch = opts.baseFetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const base = opts.serverUrl.replace(/\/+$/, '');
  const polledPaths = new Map(opts.polled.map((c) => [base + syncPath(c, 'stream'), c]));
  const nudges = new Subject<void>();
  const nudged$: Observable<void> = nudges.pipe(throttleTime(750, undefined, { leading: true, trailing: true }));
  const intervalMs = opts.intervalMs ?? 20_000;
  const encoder = new TextEncoder();
  let stopped = false;

  const standInStream = (signal: AbortSignal | null | undefined): Response => {
    let timer: ReturnType<typeof setInterval> | undefined;
    let sub: { unsubscribe(): void } | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const resync = () => {
          try {
            controller.enqueue(encoder.encode('data: "RESYNC"\n\n'));
          } catch {
            // the reader went away
          }
        };
        const close = () => {
          if (timer) clearInterval(timer);
          sub?.unsubscribe();
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        timer = setInterval(resync, intervalMs);
        sub = nudged$.subscribe(resync);
        if (signal?.aborted || stopped) close();
        signal?.addEventListener('abort', close, { once: true });
      },
      cancel() {
        if (timer) clearInterval(timer);
        sub?.unsubscribe();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };

  const budgetedFetch: typeof fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    if (polledPaths.has(url)) {
      // A stand-in has no server behind it, so offline it must fail like a real stream would.
      if (typeof navigator !== 'undefined' && navigator.onLine === false) return Promise.reject(new TypeError('Failed to fetch'));
      return Promise.resolve(standInStream(init?.signal));
    }
    return baseFetch(input, init);
  };

  return {
    fetch: budgetedFetch,
    nudge: () => nudges.next(),
    stop: () => {
      stopped = true;
      nudges.complete();
    },
  };
}
