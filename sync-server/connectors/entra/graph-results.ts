/**
 * What a Graph exchange comes back as, and the small readings of it shared by single requests
 * (graph-http.ts) and `$batch` (batch.ts).
 */
import type { ConnectorOutcome } from '../../../core/index.js';

export type Failure = Extract<ConnectorOutcome, { status: 'failed' }>;

/** A Graph answer reduced to what the connector branches on. */
export type GraphResponse = {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: unknown;
};

export type GraphResult = { ok: true; response: GraphResponse } | { ok: false; failure: Failure };

export type GraphErrorBody = { code: string; message: string };

/** The `error` object of Graph's error shape, or undefined for any other body. */
export function graphError(body: unknown): GraphErrorBody | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { code: typeof code === 'string' ? code : 'unknown', message: typeof message === 'string' ? message : '' };
}

/** Statuses Graph documents as transient: throttled, unavailable, gateway timeout (and plain 5xx). */
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);
export const isTransientStatus = (status: number): boolean => TRANSIENT_STATUSES.has(status);

export type BatchItem = { id: string; method: 'GET' | 'POST' | 'DELETE' | 'PATCH'; url: string; body?: unknown; isWrite: boolean };

/** In-call rounds of pure throttling (each paced by the pacer) before the scheduler takes over. */
export const MAX_THROTTLED_TRIES = 50;

/** Graph's `x-ms-throttle-limit-percentage` (share of a limit in use, sent above 0.8), when present. */
export function limitPercentage(headers: Record<string, string>): number | undefined {
  const raw = headers['x-ms-throttle-limit-percentage'];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function lowerKeys(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [key, value] of Object.entries(headers)) if (typeof value === 'string') out[key.toLowerCase()] = value;
  return out;
}
