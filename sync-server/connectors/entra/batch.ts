import { backoffDelayMs, parseRetryAfterMs } from '../backoff.js';
import type { EntraConnectorConfig } from '../config.js';
import type { AdaptivePacer } from '../pacer.js';
import { graphError, isTransientStatus, limitPercentage, lowerKeys, MAX_THROTTLED_TRIES, type BatchItem, type Failure, type GraphResponse, type GraphResult } from './graph-results.js';

/** What `$batch` needs of the app registration's GraphHttp: its pacing, counters and one exchange. */
export type BatchHost = {
  config: Pick<EntraConnectorConfig, 'maxAttempts' | 'maxRetryWaitMs'>;
  writePacer: AdaptivePacer;
  stats: { throttled: number; retries: number };
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** POST /$batch once; never throws for HTTP statuses. */
  send(payload: unknown): Promise<GraphResult>;
  /** The failure for writes not sent because the app's writes are paused for `waitMs`. */
  throttledFailure(what: string, waitMs: number, last?: Failure): Failure;
};

/**
 * Sends up to 20 requests per `$batch`. Items answered 429/5xx inside the 200 are retried on
 * their own; 429s and 503s pause the app's writes (the longest Retry-After among them) and are
 * not counted as attempts, other transient answers are. The rest are final.
 * Returns the final answer for every item id, or a failure for items that ran out of retries.
 */
export async function sendBatch(host: BatchHost, items: BatchItem[]): Promise<Map<string, GraphResult>> {
  const results = new Map<string, GraphResult>();
  let pending = items;
  let attempts = 0;
  let throttledRounds = 0;
  while (pending.length > 0 && attempts < host.config.maxAttempts && throttledRounds < MAX_THROTTLED_TRIES) {
    const writes = pending.filter((i) => i.isWrite).length;
    let grantedAt = 0;
    if (writes > 0) {
      const paused = host.writePacer.pauseRemainingMs();
      if (paused > host.config.maxRetryWaitMs) {
        for (const item of pending) {
          const current = results.get(item.id);
          results.set(item.id, { ok: false, failure: host.throttledFailure(`${item.method} ${item.url}`, paused, current && !current.ok && current.failure.throttled ? current.failure : undefined) });
        }
        return results;
      }
      grantedAt = await host.writePacer.take(writes);
    }
    const payload = {
      requests: pending.map((i) => ({
        id: i.id,
        method: i.method,
        url: i.url,
        ...(i.body !== undefined ? { body: i.body, headers: { 'Content-Type': 'application/json' } } : {}),
      })),
    };
    const outer = await host.send(payload);
    const retry: BatchItem[] = [];
    // What this round saw: 429s / 503s (pacing) and other transient failures (counted).
    let throttleWait: number | undefined;
    let any429 = false;
    let any503 = false;
    let otherTransient = false;
    let acceptedWrites = 0;
    let percent: number | undefined;
    const failAll = (failure: Failure) => {
      for (const item of pending) results.set(item.id, { ok: false, failure });
      retry.push(...pending);
    };
    if (!outer.ok) {
      failAll(outer.failure);
      if (!outer.failure.retryable) return results;
      otherTransient = true;
    } else if (outer.response.status !== 200) {
      const { status, headers, body } = outer.response;
      const error = graphError(body);
      const retryAfterMs = parseRetryAfterMs(headers['retry-after']);
      if (status === 429) host.stats.throttled++;
      const throttled = status === 429 || status === 503;
      const failure: Failure = {
        status: 'failed',
        retryable: isTransientStatus(status),
        code: error?.code ?? `http_${status}`,
        message: `$batch answered ${status}${error ? `: ${error.message}` : ''}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(throttled ? { throttled: true } : {}),
      };
      failAll(failure);
      if (!failure.retryable) return results;
      if (status === 429) any429 = true;
      else if (status === 503) any503 = true;
      else otherTransient = true;
      if (throttled && retryAfterMs !== undefined) throttleWait = retryAfterMs;
    } else {
      const responses = (outer.response.body as { responses?: unknown }).responses;
      const byId = new Map<string, GraphResponse>();
      if (Array.isArray(responses)) {
        for (const r of responses as { id?: unknown; status?: unknown; headers?: unknown; body?: unknown }[]) {
          if (typeof r.id === 'string' && typeof r.status === 'number') byId.set(r.id, { status: r.status, headers: lowerKeys(r.headers), body: r.body ?? null });
        }
      }
      for (const item of pending) {
        const response = byId.get(item.id);
        if (!response) {
          results.set(item.id, { ok: false, failure: { status: 'failed', retryable: true, code: 'batch_item_missing', message: `$batch gave no answer for ${item.method} ${item.url}` } });
          retry.push(item);
          otherTransient = true;
          continue;
        }
        if (isTransientStatus(response.status)) {
          const throttled = response.status === 429 || response.status === 503;
          if (response.status === 429) {
            host.stats.throttled++;
            any429 = true;
          } else if (response.status === 503) any503 = true;
          else otherTransient = true;
          const retryAfterMs = parseRetryAfterMs(response.headers['retry-after']);
          if (throttled && retryAfterMs !== undefined) throttleWait = Math.max(throttleWait ?? 0, retryAfterMs);
          const error = graphError(response.body);
          results.set(item.id, {
            ok: false,
            failure: {
              status: 'failed',
              retryable: true,
              code: error?.code ?? `http_${response.status}`,
              message: `${item.method} ${item.url} answered ${response.status} inside $batch${error ? `: ${error.message}` : ''}`,
              ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
              ...(throttled ? { throttled: true } : {}),
            },
          });
          retry.push(item);
          continue;
        }
        if (item.isWrite) {
          acceptedWrites++;
          const p = limitPercentage(response.headers);
          if (p !== undefined) percent = Math.max(percent ?? 0, p);
        }
        results.set(item.id, { ok: true, response });
      }
    }
    if (acceptedWrites > 0) host.writePacer.accepted(acceptedWrites, percent);
    if (any429) host.writePacer.throttled(grantedAt, throttleWait);
    else if (any503) host.writePacer.unavailable(throttleWait);
    pending = retry;
    if (pending.length === 0) break;
    if (!otherTransient) {
      // Only pacing this round: the pacer waits before the next one; no attempt is used.
      throttledRounds++;
      host.stats.retries++;
      continue;
    }
    attempts++;
    if (attempts >= host.config.maxAttempts) break;
    const delay = backoffDelayMs(attempts - 1, { random: host.random });
    if (delay > host.config.maxRetryWaitMs) {
      for (const item of pending) {
        const current = results.get(item.id);
        if (current && !current.ok) results.set(item.id, { ok: false, failure: { ...current.failure, retryAfterMs: Math.max(delay, current.failure.retryAfterMs ?? 0) } });
      }
      break;
    }
    host.stats.retries++;
    await host.sleep(delay);
  }
  for (const item of pending) {
    const current = results.get(item.id);
    if (current && !current.ok && current.failure.throttled) results.set(item.id, { ok: false, failure: { ...current.failure, retryAfterMs: Math.max(current.failure.retryAfterMs ?? 0, host.writePacer.pauseRemainingMs()) } });
  }
  return results;
}
