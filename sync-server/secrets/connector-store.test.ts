import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeConfig, parseConnectorConfig, SECRET_FIELDS } from '../connectors/config.js';
import { createConnectorRegistry } from '../connectors/registry.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { CONNECTOR_CONFIG_MIGRATIONS, deleteConnectorConfig, importConnectorConfigs, listStoredConnectors, loadConnectorConfigs, registerStoredConnectors } from './connector-store.js';
import { SecretIntegrityError, SecretKey, SecretKeyError } from './crypto.js';
import { rotateSecrets } from './rotate.js';

const SECRET = 'entra-app-secret-Qm4~unit-test-value';
const entra = (id = 'entra-prod', clientSecret = SECRET, extra: Record<string, unknown> = {}) => ({ id, kind: 'entra', tenantId: 'tenant-1', clientId: 'client-1', clientSecret, ...extra });
const manual = { id: 'erp-owners', kind: 'manual', displayName: 'ERP owners' };

let dir: string;
let store: Store;
const key = SecretKey.generate();

function fileBytes(): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

function rows(): { id: string; settings: string; secrets: string | null }[] {
  return store.db.prepare('SELECT id, settings, secrets FROM connector_configs ORDER BY id').all() as { id: string; settings: string; secrets: string | null }[];
}

const audits = () => [...store.auditEvents()].filter((e) => e.type === 'connector.configured');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-secrets-store-'));
  store = openStore({ dataDir: dir, migrations: [CONNECTOR_CONFIG_MIGRATIONS] });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('connector configs in the store', () => {
  it('stores secrets only encrypted and loads them back decrypted', () => {
    const result = importConnectorConfigs(store, [entra(), manual], { key, source: 'test' });
    expect(result).toEqual({ stored: ['entra-prod', 'erp-owners'], unchanged: [], keyId: key.id });
    const [prod, erp] = rows();
    expect(prod?.settings).not.toContain(SECRET);
    expect(JSON.parse(prod?.settings as string)).not.toHaveProperty('clientSecret');
    expect(prod?.secrets).toMatch(new RegExp(`^jitsec:v1:${key.id}:`));
    expect(erp?.secrets).toBeNull();
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(fileBytes()).not.toContain(SECRET);

    const loaded = loadConnectorConfigs(store, key);
    expect(loaded).toEqual([parseConnectorConfig(entra()), parseConnectorConfig(manual)]);
    expect(listStoredConnectors(store).map((c) => [c.id, c.keyId])).toEqual([
      ['entra-prod', key.id],
      ['erp-owners', null],
    ]);
  });

  it('audits each change with redacted settings, and a re-import of the same configs changes nothing', () => {
    importConnectorConfigs(store, [entra(), manual], { key, source: 'JIT_CONNECTORS_FILE' });
    const first = audits();
    expect(first.map((e) => [e.subjectId, e.data.change, e.data.source])).toEqual([
      ['entra-prod', 'added', 'JIT_CONNECTORS_FILE'],
      ['erp-owners', 'added', 'JIT_CONNECTORS_FILE'],
    ]);
    expect(first[0]?.data).toMatchObject({ kind: 'entra', keyId: key.id, settings: { tenantId: 'tenant-1', clientSecret: '[redacted]' } });
    expect(JSON.stringify(first)).not.toContain(SECRET);

    const before = rows();
    expect(importConnectorConfigs(store, [manual, entra()], { key, source: 'again' })).toEqual({ stored: [], unchanged: ['erp-owners', 'entra-prod'], keyId: key.id });
    expect(rows()).toEqual(before);
    expect(audits()).toHaveLength(2);

    importConnectorConfigs(store, [entra('entra-prod', 'a-new-secret-value')], { key, source: 'again' });
    expect(audits().at(-1)?.data).toMatchObject({ change: 'replaced' });
    expect(loadConnectorConfigs(store, key).find((c) => c.id === 'entra-prod')).toMatchObject({ clientSecret: 'a-new-secret-value' });
  });

  it('refuses to store a secret without a key; configs without secrets need none', () => {
    expect(() => importConnectorConfigs(store, [entra(), manual], { source: 'test' })).toThrow(SecretKeyError);
    expect(() => importConnectorConfigs(store, [entra()], { source: 'test' })).toThrow('connector config(s) entra-prod hold secrets, which are stored only encrypted: set JIT_SECRET_KEY_FILE (or JIT_SECRET_KEY) to a key');
    expect(rows()).toEqual([]);
    expect(importConnectorConfigs(store, [manual], { source: 'test' }).stored).toEqual(['erp-owners']);
    expect(loadConnectorConfigs(store, undefined)).toHaveLength(1);
  });

  it('validates everything before writing anything, and never echoes a secret', () => {
    const bad = entra('entra-bad', SECRET, { graphBaseUrl: 'http://graph.example' });
    expect(() => importConnectorConfigs(store, [manual, bad], { key, source: 'test' })).toThrow(/connector config entra-bad is invalid: graphBaseUrl/);
    expect(() => importConnectorConfigs(store, [manual, bad], { key, source: 'test' })).not.toThrow(new RegExp(SECRET));
    expect(() => importConnectorConfigs(store, [manual, manual], { key, source: 'test' })).toThrow('connector id erp-owners is configured twice');
    expect(rows()).toEqual([]);
  });

  it('a missing or wrong key is a clear error at load', () => {
    importConnectorConfigs(store, [entra()], { key, source: 'test' });
    expect(() => loadConnectorConfigs(store, undefined)).toThrow(`connector entra-prod has secrets stored encrypted under key ${key.id}: set JIT_SECRET_KEY_FILE or JIT_SECRET_KEY to that key`);
    const other = SecretKey.generate();
    expect(() => loadConnectorConfigs(store, other)).toThrow(`connector_configs/entra-prod is encrypted under key ${key.id}, but the key given is ${other.id}`);
    // Re-importing the same config under another key is refused too, rather than silently replacing what the old key sealed.
    expect(() => importConnectorConfigs(store, [entra()], { key: other, source: 'test' })).toThrow(SecretKeyError);
  });

  it('a database edited without the key cannot redirect the secret or move it to another connector', () => {
    importConnectorConfigs(store, [entra('entra-a', 'secret-of-a'), entra('entra-b', 'secret-of-b')], { key, source: 'test' });
    const settings = JSON.parse(rows()[0]?.settings as string) as Record<string, unknown>;
    store.db.prepare('UPDATE connector_configs SET settings = ? WHERE id = ?').run(JSON.stringify({ ...settings, authorityHost: 'https://login.attacker.example' }), 'entra-a');
    expect(() => loadConnectorConfigs(store, key)).toThrow(SecretIntegrityError);

    store.db.prepare('DELETE FROM connector_configs WHERE id = ?').run('entra-a');
    const b = rows()[0] as { secrets: string };
    importConnectorConfigs(store, [entra('entra-a', 'secret-of-a')], { key, source: 'test' });
    store.db.prepare('UPDATE connector_configs SET secrets = ? WHERE id = ?').run(b.secrets, 'entra-a');
    expect(() => loadConnectorConfigs(store, key)).toThrow(/connector_configs\/entra-a: the encrypted value fails its integrity check/);
  });

  it('a database edited without the key cannot plant its own secret in the readable settings', () => {
    importConnectorConfigs(store, [entra('entra-a', 'secret-of-a')], { key, source: 'test' });
    const settings = JSON.parse(rows()[0]?.settings as string) as Record<string, unknown>;
    store.db.prepare('UPDATE connector_configs SET settings = ?, secrets = NULL WHERE id = ?').run(JSON.stringify({ ...settings, clientSecret: 'the-attackers-own' }), 'entra-a');
    expect(() => loadConnectorConfigs(store, key)).toThrow(/entra-a holds clientSecret outside its encrypted secrets/);
  });

  it('registers stored connectors next to the caller’s, refusing an id configured in both', () => {
    importConnectorConfigs(store, [manual], { source: 'test' });
    const registry = createConnectorRegistry([{ id: 'manual', kind: 'manual' }]);
    expect(registerStoredConnectors(store, registry, undefined)).toEqual(['erp-owners']);
    expect(registry.ids()).toEqual(['manual', 'erp-owners']);
    const clash = createConnectorRegistry([{ id: 'erp-owners', kind: 'manual' }]);
    expect(() => registerStoredConnectors(store, clash, undefined)).toThrow('connector id erp-owners is configured both in the store and by the caller');
  });

  it('deletes a stored config, audited', () => {
    importConnectorConfigs(store, [manual], { source: 'test' });
    expect(deleteConnectorConfig(store, 'erp-owners', { source: 'test' })).toBe(true);
    expect(deleteConnectorConfig(store, 'erp-owners', { source: 'test' })).toBe(false);
    expect(audits().at(-1)?.data).toMatchObject({ change: 'removed' });
    expect(rows()).toEqual([]);
  });

  it('every secret field is redacted when a config is shown', () => {
    const withCertificate = parseConnectorConfig(entra('c', SECRET, { clientSecret: undefined, certificatePath: '/etc/jit/app.pem' }));
    for (const config of [parseConnectorConfig(entra()), withCertificate]) {
      const shown = describeConfig(config).settings;
      for (const field of SECRET_FIELDS.entra) {
        if (config.kind === 'entra' && config[field] !== undefined) expect(shown[field]).toBe('[redacted]');
      }
      expect(JSON.stringify(shown)).not.toContain(SECRET);
      expect(JSON.stringify(shown)).not.toContain('/etc/jit/app.pem');
    }
  });
});

describe('key rotation', () => {
  const next = SecretKey.generate();

  it('re-encrypts every stored secret under the new key in one go; the old key no longer opens them', () => {
    importConnectorConfigs(store, [entra('entra-a', 'secret-of-a'), entra('entra-b', 'secret-of-b'), manual], { key, source: 'test' });
    const result = rotateSecrets(store, key, next);
    expect(result).toEqual({ reencrypted: 2, alreadyNew: 0, fromKeyId: key.id, toKeyId: next.id });
    expect(listStoredConnectors(store).map((c) => c.keyId)).toEqual([next.id, next.id, null]);
    expect(loadConnectorConfigs(store, next).map((c) => (c.kind === 'entra' ? c.clientSecret : null))).toEqual(['secret-of-a', 'secret-of-b', null]);
    expect(() => loadConnectorConfigs(store, key)).toThrow(SecretKeyError);
    expect(audits().filter((e) => e.data.change === 'key_rotated').map((e) => [e.subjectId, e.data.fromKeyId, e.data.toKeyId])).toEqual([
      ['entra-a', key.id, next.id],
      ['entra-b', key.id, next.id],
    ]);
    // Again: nothing left to do.
    expect(rotateSecrets(store, key, next)).toMatchObject({ reencrypted: 0, alreadyNew: 2 });
  });

  it('changes nothing when the old key is wrong or one value does not open', () => {
    importConnectorConfigs(store, [entra('entra-a', 'secret-of-a'), entra('entra-b', 'secret-of-b')], { key, source: 'test' });
    const before = rows();
    const eventsBefore = audits().length;
    expect(() => rotateSecrets(store, SecretKey.generate(), next)).toThrow(SecretKeyError);
    expect(rows()).toEqual(before);

    // entra-b's value was altered: entra-a must not be left under the new key alone.
    const b = before[1] as { secrets: string };
    const parts = b.secrets.split(':');
    parts[5] = `${parts[5]?.[0] === 'A' ? 'B' : 'A'}${parts[5]?.slice(1)}`;
    store.db.prepare('UPDATE connector_configs SET secrets = ? WHERE id = ?').run(parts.join(':'), 'entra-b');
    const altered = rows();
    expect(() => rotateSecrets(store, key, next)).toThrow(SecretIntegrityError);
    expect(rows()).toEqual(altered);
    expect(audits()).toHaveLength(eventsBefore);
  });

  it('refuses to rotate to the same key', () => {
    expect(() => rotateSecrets(store, key, parseSecretKeyLike(key))).toThrow(`the new key is the old key (${key.id})`);
  });
});

function parseSecretKeyLike(k: SecretKey): SecretKey {
  return new SecretKey(Buffer.from(k.toBase64(), 'base64'));
}
