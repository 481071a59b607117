/**
 * The one server, clock and list of events the audit coverage test (audit-event-coverage.test.ts)
 * runs its flows on, shared by the flow modules beside this file. Flows run in order and move the
 * injected clock forward; every event seen is kept across the restart.
 */
import type { AccessPolicy, AccessRequest, AuditEvent, CommandResult } from '../../../core/index.js';
import { SecretKey } from '../../../sync-server/secrets/index.js';
import type { GraphStandin } from '../../standins/graph/index.js';
import { standinEntraSettings } from '../helpers/entra.js';
import { http, makeTempDataDir, type StartTestServerOptions, type TestServer } from '../helpers/server.js';

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

export const trail = {
  graph: undefined as unknown as GraphStandin,
  srv: undefined as unknown as TestServer,
  clock: Date.parse('2026-03-02T09:00:00.000Z'),
  dataDir: makeTempDataDir('audit-coverage-'),
  // Two-step verification and connector configs seal their secrets with the server's secrets key.
  secretKey: SecretKey.generate(),
  /** Every event seen, across the restart (the store is read before it closes). */
  seen: [] as AuditEvent[],
};

export function serverOptions(): StartTestServerOptions {
  return {
    dataDir: trail.dataDir,
    keepDataDir: true,
    secretKey: trail.secretKey,
    seedDemo: true,
    now: () => new Date(trail.clock),
    connectors: [{ id: 'entra-demo', ...standinEntraSettings(trail.graph), verifyReadIntervalMs: 5, maxRetryWaitMs: 0 }, { id: 'ad-demo', kind: 'manual' }, { id: 'manual', kind: 'manual' }],
    scheduler: { intervalMs: 0, random: () => 0.5, driftCheckAfterMs: [DAY, 3 * DAY] },
    directorySync: { intervalMs: 0, sources: [{ connectorId: 'entra-demo' }] },
  };
}

export const collect = () => {
  const known = new Set(trail.seen.map((e) => e.seq));
  for (const e of trail.srv.store.auditEvents()) if (!known.has(e.seq)) trail.seen.push(e);
};
export const ofType = (type: string) => trail.seen.filter((e) => e.type === type);
export const post = (path: string, token: string, body: unknown = {}) => http('POST', `${trail.srv.url}${path}`, { token, body });
export async function command(token: string, type: string, payload: Record<string, unknown>): Promise<CommandResult> {
  const res = await post('/api/v1/commands', token, { type, payload });
  return res.body as CommandResult;
}
export async function ask(token: string, body: Record<string, unknown>): Promise<AccessRequest> {
  const res = await post('/api/v1/requests', token, body);
  if (res.status !== 201) throw new Error(`request ${JSON.stringify(body)}: ${res.status} ${res.text}`);
  return res.body as AccessRequest;
}
export const runScheduler = async () => {
  await trail.srv.server.scheduler?.runOnce();
};
/** A stored configuration row as a command sends it (without the fields the server writes). */
export function withoutStamps<T extends { updatedAt: string }>(row: T): Omit<T, 'updatedAt' | 'changedBy'> {
  const { updatedAt: _u, changedBy: _c, ...fields } = row as T & { changedBy?: unknown };
  return fields;
}
export const policyOf = (id: string) => withoutStamps(trail.srv.store.get('policies', id) as AccessPolicy);
