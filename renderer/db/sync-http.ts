/**
 * The HTTP side of replication: one connection state per replica (online, last error, upgrade
 * required, view changed), and the JSON exchanges that update it. Used by the pulls and pushes
 * (replication.ts), the first load of an empty replica (initial-load.ts) and the live stream
 * (sync-stream.ts).
 */
import { BehaviorSubject } from 'rxjs';

export type ConnectionStatus = {
  /** The last exchange with the server succeeded. */
  online: boolean;
  /** 'unauthenticated' after a 401; otherwise the last failure in a sentence. */
  lastError?: string;
  /** The server does not speak this client's protocol version; replication has stopped. */
  upgradeRequired?: boolean;
  /** What this account may see changed on the server (e.g. its roles); the replica was rebuilt for it. */
  viewChanged?: boolean;
  /**
   * Why the server is not being reached, while it is not: 'no-answer' (the request failed without
   * an answer: refused, reset, timed out, or no network) or 'server-error' (it answered 5xx, as a
   * proxy does for a server that is down).
   */
  failure?: 'no-answer' | 'server-error';
};

/** Thrown by handlers so RxDB retries; carries the HTTP status when there was an answer. */
export class SyncHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'SyncHttpError';
  }
}

export type SyncConnectionOptions = {
  baseUrl: string;
  token: string;
  fetch: typeof fetch;
  /** Called once when the server answers 426 (it does not speak this protocol version). */
  onUpgradeRequired(): void;
  /**
   * How long a pull or push waits for the server's answer to begin (default 20 s). A server that
   * accepts the connection and never answers is then reported as not answering, and RxDB retries,
   * instead of the exchange waiting with no end while the console says nothing.
   */
  answerTimeoutMs?: number;
};

export const DEFAULT_ANSWER_TIMEOUT_MS = 20_000;

export class SyncConnection {
  readonly status$ = new BehaviorSubject<ConnectionStatus>({ online: false });
  /** Aborted when replication stops: every exchange and stream ends with it. */
  readonly stop = new AbortController();

  constructor(readonly opts: SyncConnectionOptions) {}

  get stopped(): boolean {
    return this.stop.signal.aborted;
  }

  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.opts.token}` };
  }

  set(patch: Partial<ConnectionStatus>): void {
    const next = { ...this.status$.value, ...patch };
    for (const key of Object.keys(next) as (keyof ConnectionStatus)[]) if (next[key] === undefined) delete next[key];
    const prev = this.status$.value;
    if (prev.online !== next.online || prev.lastError !== next.lastError || prev.upgradeRequired !== next.upgradeRequired || prev.viewChanged !== next.viewChanged || prev.failure !== next.failure) this.status$.next(next);
  }

  /** One JSON exchange; updates the status and throws a SyncHttpError so RxDB retries. `quiet`: statuses that are an answer, not a failure. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, quiet?: (status: number) => boolean): Promise<T> {
    let response: Response;
    // Aborted when replication stops, or when no answer has begun in time; a long body (a big page on a slow link) is not cut.
    const late = new AbortController();
    const signal = AbortSignal.any([this.stop.signal, late.signal]);
    const timeoutMs = this.opts.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    const timer = setTimeout(() => late.abort(new Error(`no answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`)), timeoutMs);
    try {
      response = await this.opts.fetch(this.opts.baseUrl + path, {
        method,
        headers: { ...this.headers, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      const reason = late.signal.aborted && !this.stopped ? describe(late.signal.reason) : describe(error);
      if (!this.stopped) this.set({ online: false, failure: 'no-answer', lastError: `cannot reach the server: ${reason}` });
      throw new SyncHttpError(`cannot reach ${this.opts.baseUrl}: ${reason}`, null);
    } finally {
      clearTimeout(timer);
    }
    if (response.ok) {
      const parsed = (await response.json()) as T;
      this.set({ online: true, lastError: undefined, failure: undefined });
      return parsed;
    }
    const message = await errorMessage(response);
    if (quiet?.(response.status)) this.set({ online: true, lastError: undefined, failure: undefined });
    else this.failed(response.status, message);
    throw new SyncHttpError(`${method} ${path}: ${response.status} ${message}`, response.status);
  }

  /** The server answered with a failure: 426 stops replication, 401 asks for a new sign-in. */
  failed(status: number, message: string): void {
    if (status === 426) {
      this.set({ online: true, upgradeRequired: true, lastError: message || 'this app is too old for the server: upgrade it' });
      this.opts.onUpgradeRequired();
    } else if (status === 401) {
      this.set({ online: true, lastError: 'unauthenticated' });
    } else {
      // The server answered: we are online, but it refused or failed (a 5xx: it, or what stands in front of it, is not serving).
      this.set({ online: true, lastError: message || `the server answered ${status}`, failure: status >= 500 ? 'server-error' : undefined });
    }
  }
}

export async function errorMessage(response: Response): Promise<string> {
  try {
    const text = await response.text();
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') return body.error.message;
    } catch {
      // not JSON: use the text as it is
    }
    return text.slice(0, 300);
  } catch {
    return '';
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
