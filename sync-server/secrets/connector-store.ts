/**
 * Connector configs kept in the store, a server-only table that never replicates. A row holds the
 * config without its secret fields (SECRET_FIELDS) as JSON, and the secret fields as one encrypted
 * envelope (./crypto.ts) bound to the row's id and to those other settings: whoever can write the
 * database but lacks the key can neither read the secret nor point it at another host (changing
 * authorityHost or graphBaseUrl makes the envelope fail to open).
 *
 *   importConnectorConfigs(store, configs, { key, source })   // a connectors file, encrypted into the store
 *   registerStoredConnectors(store, registry, key)             // at start: decrypted in memory only
 */
import { createHash } from 'node:crypto';
import { describeConfig, parseConnectorConfig, SECRET_FIELDS, type ConnectorConfig } from '../connectors/config.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { openStore } from '../store/sqlite-store.js';
import type { MigrationSet, Store } from '../store/types.js';
import { decryptSecret, encryptSecret, envelopeKeyId, SecretKeyError, type SecretKey } from './crypto.js';

/** Never edit a shipped step; append a new one. */
export const CONNECTOR_CONFIG_MIGRATIONS: MigrationSet = {
  name: 'connector-configs',
  steps: [
    `CREATE TABLE connector_configs (
       id TEXT PRIMARY KEY,
       kind TEXT NOT NULL,
       settings TEXT NOT NULL,
       secrets TEXT,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );`,
  ],
};

type Row = { id: string; kind: string; settings: string; secrets: string | null; created_at: string; updated_at: string };

/** Where an envelope belongs; also what its tag is sealed to. */
export const connectorSecretContext = (id: string) => `connector_configs/${id}`;
/** What a connector's secrets are bound to: its kind and its other settings, exactly as stored. */
export const connectorSecretBinding = (row: { kind: string; settings: string }) => `${row.kind}\n${createHash('sha256').update(row.settings).digest('hex')}`;

/** JSON with object keys sorted, so the same config always stores as the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A validated config input split into what is stored in the clear and what is encrypted. */
function split(input: Record<string, unknown>, config: ConnectorConfig): { settings: string; secrets: Record<string, unknown> | null } {
  const secretNames: readonly string[] = SECRET_FIELDS[config.kind];
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (secretNames.includes(name)) secrets[name] = value;
    else settings[name] = value;
  }
  return { settings: canonicalJson(settings), secrets: Object.keys(secrets).length > 0 ? secrets : null };
}

function ensureTable(store: Store): void {
  store.applyMigrations(CONNECTOR_CONFIG_MIGRATIONS);
}

function readSecrets(row: Row, key: SecretKey | undefined): Record<string, unknown> | null {
  if (row.secrets === null) return null;
  if (!key) {
    throw new SecretKeyError(
      `connector ${row.id} has secrets stored encrypted under key ${envelopeKeyId(row.secrets, connectorSecretContext(row.id))}: set JIT_SECRET_KEY_FILE or JIT_SECRET_KEY to that key`,
    );
  }
  return JSON.parse(decryptSecret(row.secrets, key, connectorSecretContext(row.id), connectorSecretBinding(row))) as Record<string, unknown>;
}

export type ImportOptions = {
  /** Needed when any config holds a secret field. */
  key?: SecretKey;
  /** Where the configs came from, for the audit log (e.g. "JIT_CONNECTORS_FILE"). */
  source: string;
  actorId?: string;
  now?: () => Date;
};

export type ImportResult = {
  /** Ids written (new or changed), in input order. */
  stored: string[];
  /** Ids whose stored config was already the same. */
  unchanged: string[];
  /** The key the secrets are under; null when no imported config had one. */
  keyId: string | null;
};

/**
 * Validates every config (an error names the config and field, never a value), then stores them in
 * one transaction, secrets encrypted; a config with an id already stored replaces it. Each change
 * is audited as `connector.configured` with the redacted settings. Nothing is written if any fails.
 */
export function importConnectorConfigs(store: Store, inputs: unknown[], options: ImportOptions): ImportResult {
  if (!Array.isArray(inputs)) throw new Error('connectors must be an array of connector configs');
  const parsed = inputs.map((input) => ({ input: input as Record<string, unknown>, config: parseConnectorConfig(input) }));
  const seen = new Set<string>();
  for (const { config } of parsed) {
    if (seen.has(config.id)) throw new Error(`connector id ${config.id} is configured twice`);
    seen.add(config.id);
  }
  const withSecrets = parsed.filter(({ input, config }) => split(input, config).secrets !== null);
  const { key } = options;
  if (withSecrets.length > 0 && !key) {
    const ids = withSecrets.map(({ config }) => config.id).join(', ');
    throw new SecretKeyError(`connector config(s) ${ids} hold secrets, which are stored only encrypted: set JIT_SECRET_KEY_FILE (or JIT_SECRET_KEY) to a key`);
  }
  ensureTable(store);
  const at = (options.now ?? (() => new Date()))().toISOString();
  const result: ImportResult = { stored: [], unchanged: [], keyId: withSecrets.length > 0 && key ? key.id : null };
  const select = store.db.prepare('SELECT * FROM connector_configs WHERE id = ?');
  const upsert = store.db.prepare(
    `INSERT INTO connector_configs (id, kind, settings, secrets, created_at, updated_at) VALUES (@id, @kind, @settings, @secrets, @at, @at)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, secrets = excluded.secrets, updated_at = excluded.updated_at`,
  );
  store.tx(() => {
    for (const { input, config } of parsed) {
      const { settings, secrets } = split(input, config);
      const existing = select.get(config.id) as Row | undefined;
      // Opening the stored secrets also proves the key is the one they are under.
      if (existing && existing.kind === config.kind && existing.settings === settings && canonicalJson(readSecrets(existing, key)) === canonicalJson(secrets)) {
        result.unchanged.push(config.id);
        continue;
      }
      const binding = connectorSecretBinding({ kind: config.kind, settings });
      const envelope = secrets ? encryptSecret(JSON.stringify(secrets), key as SecretKey, connectorSecretContext(config.id), binding) : null;
      upsert.run({ id: config.id, kind: config.kind, settings, secrets: envelope, at });
      const description = describeConfig(config);
      store.appendAudit({
        type: 'connector.configured',
        actorId: options.actorId ?? 'system',
        subjectType: 'connector',
        subjectId: config.id,
        data: { change: existing ? 'replaced' : 'added', source: options.source, kind: config.kind, displayName: description.displayName, settings: description.settings, keyId: envelope ? (key as SecretKey).id : null },
        at,
      });
      result.stored.push(config.id);
    }
  });
  return result;
}

/** Every stored config with its secrets decrypted (in memory only), by id. */
export function loadConnectorConfigs(store: Store, key: SecretKey | undefined): ConnectorConfig[] {
  ensureTable(store);
  const rows = store.db.prepare('SELECT * FROM connector_configs ORDER BY id').all() as Row[];
  return rows.map((row) => {
    const settings = JSON.parse(row.settings) as Record<string, unknown>;
    if (settings.id !== row.id || settings.kind !== row.kind) throw new Error(`connector_configs row ${row.id} does not match its settings (edited by hand?)`);
    // Secrets live only in the encrypted column: one in the readable settings was written there by hand,
    // and would let whoever can write the file swap the connector's credentials without the key.
    const planted = (SECRET_FIELDS[row.kind as ConnectorConfig['kind']] ?? []).filter((field: string) => field in settings);
    if (planted.length > 0) throw new Error(`connector_configs row ${row.id} holds ${planted.join(', ')} outside its encrypted secrets (edited by hand?); import the connector again`);
    return parseConnectorConfig({ ...settings, ...(readSecrets(row, key) ?? {}) });
  });
}

/** At server start: registers every stored connector next to the ones the caller configured. */
export function registerStoredConnectors(store: Store, registry: ConnectorRegistry, key: SecretKey | undefined): string[] {
  const configs = loadConnectorConfigs(store, key);
  for (const config of configs) {
    if (registry.get(config.id)) throw new Error(`connector id ${config.id} is configured both in the store and by the caller`);
    registry.add(config);
  }
  return configs.map((c) => c.id);
}

export type StoredConnector = { id: string; kind: string; keyId: string | null; updatedAt: string };

/** What is stored, without decrypting anything: for `npm run secrets -- status`. */
export function listStoredConnectors(store: Store): StoredConnector[] {
  ensureTable(store);
  const rows = store.db.prepare('SELECT * FROM connector_configs ORDER BY id').all() as Row[];
  return rows.map((r) => ({ id: r.id, kind: r.kind, keyId: r.secrets === null ? null : envelopeKeyId(r.secrets, connectorSecretContext(r.id)), updatedAt: r.updated_at }));
}

/** Removes a stored config (audited); false when there was none with that id. */
export function deleteConnectorConfig(store: Store, id: string, options: { actorId?: string; now?: () => Date; source: string }): boolean {
  ensureTable(store);
  const at = (options.now ?? (() => new Date()))().toISOString();
  return store.tx(() => {
    const removed = store.db.prepare('DELETE FROM connector_configs WHERE id = ?').run(id).changes > 0;
    if (removed) {
      store.appendAudit({ type: 'connector.configured', actorId: options.actorId ?? 'system', subjectType: 'connector', subjectId: id, data: { change: 'removed', source: options.source }, at });
    }
    return removed;
  });
}

/**
 * For the command lines: imports configs into the store of a data directory (validated before the
 * store is opened) and returns what happened plus every stored id.
 */
export function importIntoDataDir(dataDir: string, inputs: unknown[], options: ImportOptions): ImportResult & { ids: string[] } {
  for (const input of inputs) parseConnectorConfig(input);
  const store = openStore({ dataDir });
  try {
    const result = inputs.length > 0 ? importConnectorConfigs(store, inputs, options) : { stored: [], unchanged: [], keyId: null };
    return { ...result, ids: listStoredConnectors(store).map((c) => c.id) };
  } finally {
    store.close();
  }
}
