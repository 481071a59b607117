/**
 * Policy as code from the console: the YAML file the server exports, what importing one would
 * change, and the import itself (sync-server/http/config-routes.ts). Not replicated data: each is
 * one exchange with the server, so none works offline; a refusal keeps the server's sentence, which
 * names the entity, the field and the file's line.
 */
import type { ConfigDiff, EntityRef } from '../../../core/config/diff.js';
import { ApiError } from '../../session/api-client.js';

export type { ConfigDiff, EntityRef };

export type DiffAnswer = {
  baseHash: string;
  summary: string;
  outcome: { status: 'unchanged' | 'apply' | 'propose' | 'refused'; code?: string; message?: string };
  diff: ConfigDiff;
  widenings: (EntityRef & { widenings: string[] })[];
};
export type ImportAnswer = { outcome: 'applied' | 'unchanged' | 'proposed'; summary: string; proposalId?: string; diff: ConfigDiff };

/** A refusal as the server words it, with the field it names (the line is in the message). */
export class ConfigFileError extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly field: string | undefined,
  ) {
    super(status, code, message);
    this.name = 'ConfigFileError';
  }
}

const unreachable = (serverUrl: string) => `Could not reach ${serverUrl}: the configuration file is read and applied by the server.`;

async function exchange(serverUrl: string, token: string, path: string, init: { method: 'GET' | 'POST'; body?: string }): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(`${serverUrl}${path}`, {
      method: init.method,
      headers: { Authorization: `Bearer ${token}`, Accept: init.method === 'GET' ? 'text/yaml' : 'application/json', ...(init.body !== undefined ? { 'Content-Type': 'text/yaml' } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  } catch {
    throw new ConfigFileError(0, 'network', unreachable(serverUrl), undefined);
  }
  const text = await response.text();
  if (!response.ok) {
    let error: { code?: string; message?: string; field?: string } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      error = undefined;
    }
    throw new ConfigFileError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? `The server answered ${response.status} ${response.statusText}`.trimEnd(), error?.field);
  }
  return { status: response.status, text };
}

const query = (prune: boolean, base?: string) => {
  const params = new URLSearchParams();
  if (prune) params.set('prune', '1');
  if (base) params.set('base', base);
  const text = params.toString();
  return text ? `?${text}` : '';
};

export const configFileApi = {
  /** The whole configuration as the YAML file (`jit-config.yaml`). */
  export: async (serverUrl: string, token: string) => (await exchange(serverUrl, token, '/api/v1/config/export', { method: 'GET' })).text,
  diff: async (serverUrl: string, token: string, file: string, prune: boolean) =>
    JSON.parse((await exchange(serverUrl, token, `/api/v1/config/diff${query(prune)}`, { method: 'POST', body: file })).text) as DiffAnswer,
  /** Held to `baseHash`: what is applied is the diff that was shown. */
  import: async (serverUrl: string, token: string, file: string, prune: boolean, baseHash: string) =>
    JSON.parse((await exchange(serverUrl, token, `/api/v1/config/import${query(prune, baseHash)}`, { method: 'POST', body: file })).text) as ImportAnswer,
};

const KIND = { policy: 'Access policy', resource: 'Resource', profile: 'Access profile' } as const;
export const kindLabel = (kind: EntityRef['kind']) => KIND[kind];

/** A field's value as a person reads it: durations in their units, lists joined, nothing as "none". */
export function valueText(path: string, value: unknown, minutes: (n: number) => string): string {
  if (value === undefined || value === null || value === '') return 'none';
  if (typeof value === 'number' && /Minutes$/.test(path)) return minutes(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
