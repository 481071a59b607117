/**
 * The connector view's data: GET /api/v1/connectors (admin, auditor, policy_admin) and how its
 * fields are shown. The server already redacts secrets; this side never shows a secret-looking
 * value either, whatever the server sends.
 */
import { z } from 'zod';
import { ApiError, requestJson } from '../../session/api-client.js';

export const CONNECTOR_VIEWER_ROLES = ['admin', 'auditor', 'policy_admin'] as const;

const SettingValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const ConnectorView = z.object({
  id: z.string(),
  kind: z.string(),
  displayName: z.string(),
  settings: z.record(z.string(), SettingValue),
  ok: z.boolean(),
  detail: z.string(),
  /** Still coming up (the demo's DC starting): shown as Starting, not as a fault. */
  starting: z.boolean().optional(),
  /** What the connector found out when it connected (AD: time-limited membership), each its own field. */
  facts: z.array(z.object({ key: z.string(), label: z.string(), value: z.string() })).optional(),
});
export type ConnectorView = z.infer<typeof ConnectorView>;

export type HealthWord = { label: 'Healthy' | 'Starting' | 'Unhealthy'; tone: 'success' | 'warning' | 'danger'; icon: 'check' | 'clock' | 'x' };

/** The badge's word: a connector still starting is neither healthy nor broken. */
export function healthWord(connector: Pick<ConnectorView, 'ok' | 'starting'>): HealthWord {
  if (connector.ok) return { label: 'Healthy', tone: 'success', icon: 'check' };
  if (connector.starting) return { label: 'Starting', tone: 'warning', icon: 'clock' };
  return { label: 'Unhealthy', tone: 'danger', icon: 'x' };
}

export const ConnectorsAnswer = z.object({
  connectors: z.array(ConnectorView),
  scheduler: z.object({
    running: z.boolean(),
    jobs: z.array(z.object({ kind: z.string(), state: z.string(), n: z.number() })),
  }),
});
export type ConnectorsAnswer = z.infer<typeof ConnectorsAnswer>;

export function mayViewConnectors(roles: readonly string[]): boolean {
  return roles.some((r) => (CONNECTOR_VIEWER_ROLES as readonly string[]).includes(r));
}

/** Fetches and checks the answer's shape, naming the first field that is not as expected. */
export async function fetchConnectors(serverUrl: string, token: string, fetchImpl?: typeof fetch): Promise<ConnectorsAnswer> {
  const { status, body } = await requestJson(serverUrl, '/api/v1/connectors', {
    token,
    fetch: fetchImpl,
    unreachable: `Could not reach ${serverUrl}: connector health needs a connection to the server.`,
  });
  const parsed = ConnectorsAnswer.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(status, 'unexpected_answer', `The server's connector list is not in the expected shape (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}).`);
  }
  return parsed.data;
}

const SECRET_KEY = /secret|password|passphrase|private|token|apikey|api_key|certificatepath|credentialvalue|pem$/i;
const REDACTED = /^\[?redacted\]?$/i;

export type SettingRow = { key: string; label: string; value: string; kind: 'secret' | 'plain' | 'flag' | 'empty' };

const WORDS: Record<string, string> = { id: 'ID', url: 'URL', ca: 'CA', tls: 'TLS', pem: 'PEM', api: 'API', ldap: 'LDAP', dn: 'DN' };

/** "graphBaseUrl" -> "Graph base URL", "tenantId" -> "Tenant ID". */
export function settingLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .split(/\s+/)
    .map((w) => WORDS[w.toLowerCase()] ?? w.toLowerCase());
  const first = words[0] ?? key;
  words[0] = first === first.toUpperCase() ? first : first[0]!.toUpperCase() + first.slice(1);
  return words.join(' ');
}

/**
 * Every setting the server returned, as text. A secret shows only as "set" or "not set": a
 * redacted marker, or any value under a secret-looking name (in case a server ever forgot).
 */
export function settingRows(settings: Record<string, string | number | boolean | null>): SettingRow[] {
  return Object.entries(settings).map(([key, value]) => {
    const label = settingLabel(key);
    const isSecret = SECRET_KEY.test(key) || (typeof value === 'string' && REDACTED.test(value));
    if (isSecret) return { key, label, value: value === null || value === '' || value === false ? 'not set' : 'set', kind: 'secret' };
    if (value === null || value === '') return { key, label, value: 'not set', kind: 'empty' };
    if (typeof value === 'boolean') return { key, label, value: value ? 'Yes' : 'No', kind: 'flag' };
    return { key, label, value: typeof value === 'number' ? value.toLocaleString() : value, kind: 'plain' };
  });
}

export const JOB_KIND_LABEL: Record<string, string> = {
  provision: 'Grant access',
  revoke: 'Remove access',
  verify_provision: 'Verify granted',
  verify_revocation: 'Verify removed',
  drift_check: 'Drift check',
};
export const JOB_STATES = ['queued', 'running', 'waiting', 'done', 'cancelled'] as const;

export type JobMatrix = { states: string[]; rows: { kind: string; label: string; counts: number[]; total: number }[] };

/** Scheduler job counts as kind × state, known states first, unknown ones kept (never dropped). */
export function jobMatrix(jobs: readonly { kind: string; state: string; n: number }[]): JobMatrix {
  const states: string[] = [...JOB_STATES];
  for (const j of jobs) if (!states.includes(j.state)) states.push(j.state);
  const kinds = [...new Set([...Object.keys(JOB_KIND_LABEL).filter((k) => jobs.some((j) => j.kind === k)), ...jobs.map((j) => j.kind)])];
  return {
    states,
    rows: kinds.map((kind) => {
      const counts = states.map((s) => jobs.filter((j) => j.kind === kind && j.state === s).reduce((sum, j) => sum + j.n, 0));
      return { kind, label: JOB_KIND_LABEL[kind] ?? settingLabel(kind), counts, total: counts.reduce((a, b) => a + b, 0) };
    }),
  };
}

/** Queued + running + waiting: work the scheduler still has to do. */
export function outstandingJobs(jobs: readonly { state: string; n: number }[]): number {
  return jobs.filter((j) => j.state === 'queued' || j.state === 'running' || j.state === 'waiting').reduce((s, j) => s + j.n, 0);
}
