import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_CONFIG_MIGRATIONS, importConnectorConfigs, loadConnectorConfigs } from '../../secrets/connector-store.js';
import { SecretKey } from '../../secrets/crypto.js';
import { openStore } from '../../store/sqlite-store.js';
import { describeConfig, parseConnectorConfig } from '../config.js';
import { createConnectorRegistry } from '../registry.js';
import { AdConnector } from './index.js';

const PASSWORD = 'svc-jit-bind-password-unit-9';
const ad = (extra: Record<string, unknown> = {}) => ({
  id: 'ad-corp',
  kind: 'ad',
  urls: ['ldaps://dc1.corp.example'],
  baseDn: 'DC=corp,DC=example',
  bindDn: 'CN=svc-jit,OU=Service,DC=corp,DC=example',
  bindPassword: PASSWORD,
  ...extra,
});

const problem = (input: unknown) => {
  try {
    parseConnectorConfig(input);
    return 'valid';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('AD connector configuration', () => {
  it('accepts LDAPS, StartTLS and (said explicitly) plain LDAP, with defaults', () => {
    const config = parseConnectorConfig(ad());
    expect(config).toMatchObject({ kind: 'ad', startTls: false, allowPlainLdap: false, ttl: 'auto', poolSize: 4, rangeSize: 1500, pageSize: 1000 });
    expect(problem(ad({ urls: ['ldap://dc1.corp.example:389'], startTls: true }))).toBe('valid');
    expect(problem(ad({ urls: ['ldap://dc1.corp.example'], allowPlainLdap: true }))).toBe('valid');
    expect(problem(ad({ bindPassword: undefined, bindPasswordFile: '/etc/jit/ad.pw' }))).toBe('valid');
    expect(problem(ad({ bindDn: 'svc-jit@corp.example' }))).toBe('valid');
  });

  it.each([
    [{ urls: [] }, 'urls: urls needs at least one domain controller'],
    [{ urls: ['https://dc1'] }, 'must start with ldaps:// or ldap://'],
    [{ urls: ['ldaps://dc1/DC=corp'] }, 'must be only scheme, host and port'],
    [{ urls: ['ldap://dc1'] }, 'urls.0: ldap:// without TLS sends the password in clear text'],
    [{ startTls: true }, 'ldaps:// is already TLS'],
    [{ baseDn: 'corp.example' }, 'baseDn: baseDn is not a DN'],
    [{ bindDn: 'CN=svc,,DC=x' }, 'bindDn: bindDn is neither a DN nor a user principal name'],
    [{ bindPassword: undefined }, 'bindPassword: either bindPassword or bindPasswordFile is required'],
    [{ bindPasswordFile: '/etc/jit/ad.pw' }, 'bindPasswordFile: give bindPassword or bindPasswordFile, not both'],
    [{ caPem: 'not a certificate' }, 'caPem: caPem must hold a PEM certificate'],
    [{ ttl: 'always' }, 'ttl:'],
    [{ poolSize: 0 }, 'poolSize:'],
    [{ extra: 1 }, 'extra'],
  ])('names the field: %j', (extra, message) => {
    const said = problem(ad(extra));
    expect(said).toContain('connector config ad-corp is invalid');
    expect(said).toContain(message);
    expect(said).not.toContain(PASSWORD);
  });

  it('shows the settings with the password redacted, and says when LDAP is plain', () => {
    expect(describeConfig(parseConnectorConfig(ad())).settings).toMatchObject({ transport: 'LDAPS', bindPassword: '[redacted]', bindPasswordFile: null, plainLdap: false });
    const plain = describeConfig(parseConnectorConfig(ad({ urls: ['ldap://dc1'], allowPlainLdap: true }))).settings;
    expect(plain).toMatchObject({ plainLdap: true, transport: expect.stringContaining('clear text') });
    expect(JSON.stringify(plain)).not.toContain(PASSWORD);
  });

  it('warns once, at start, about plain LDAP', () => {
    const warned: string[] = [];
    const connector = new AdConnector(parseConnectorConfig(ad({ urls: ['ldap://dc1'], allowPlainLdap: true })) as never, { warn: (m) => warned.push(m) });
    expect(warned).toEqual([expect.stringContaining('uses plain LDAP (allowPlainLdap): the bind password and every change travel unencrypted')]);
    expect(connector.warnings).toEqual(warned);
    connector.close();
  });

  it('is registered by kind, and its password is stored only encrypted', () => {
    const registry = createConnectorRegistry([ad()]);
    expect(registry.get('ad-corp')).toBeInstanceOf(AdConnector);
    registry.close();
    const dir = mkdtempSync(join(tmpdir(), 'jit-ad-config-'));
    const store = openStore({ dataDir: dir, migrations: [CONNECTOR_CONFIG_MIGRATIONS] });
    try {
      const key = SecretKey.generate();
      importConnectorConfigs(store, [ad()], { key, source: 'test' });
      const row = store.db.prepare('SELECT settings, secrets FROM connector_configs').get() as { settings: string; secrets: string };
      expect(row.settings).not.toContain(PASSWORD);
      expect(row.secrets).toMatch(/^jitsec:v1:/);
      expect(loadConnectorConfigs(store, key)).toEqual([parseConnectorConfig(ad())]);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
