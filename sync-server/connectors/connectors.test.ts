import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs } from './backoff.js';
import { createConnectorRegistry, ConnectorRegistry } from './registry.js';
import { ManualConnector } from './manual.js';
import { TokenBucket } from './rate-limiter.js';
import { readCost } from './entra/graph-http.js';

const entra = { id: 'entra-demo', kind: 'entra', tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'super-secret-value' };

describe('connector registry', () => {
  it('builds connectors by id from typed configs and never shows a secret', () => {
    const registry = createConnectorRegistry([entra, { id: 'manual-apps', kind: 'manual' }]);
    try {
      expect(registry.ids()).toEqual(['entra-demo', 'manual-apps']);
      expect(registry.require('entra-demo').kind).toBe('entra');
      expect(registry.get('nope')).toBeUndefined();
      expect(() => registry.require('nope')).toThrow(/no connector is configured with id nope/);
      const described = JSON.stringify(registry.describe());
      expect(described).not.toContain('super-secret-value');
      expect(registry.describe()[0]?.settings).toMatchObject({ clientSecret: '[redacted]', authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com' });
    } finally {
      registry.close();
    }
  });

  it('refuses bad configs with the field named and without echoing secrets', () => {
    expect(() => createConnectorRegistry([{ ...entra, graphBaseUrl: 'http://graph.example' }])).toThrow(/graphBaseUrl: graphBaseUrl must be an https:\/\/ URL/);
    expect(() => createConnectorRegistry([{ ...entra, clientSecret: undefined }])).toThrow(/clientSecret: either clientSecret or certificatePath is required/);
    expect(() => createConnectorRegistry([{ ...entra, certificatePath: '/x.pem' }])).toThrow(/certificatePath: give clientSecret or certificatePath, not both/);
    expect(() => createConnectorRegistry([{ ...entra, surprise: 1 }])).toThrow(/invalid/);
    expect(() => createConnectorRegistry([{ id: 'x', kind: 'ldap' }])).toThrow(/kind/);
    try {
      createConnectorRegistry([{ ...entra, tenantId: '' }]);
    } catch (error) {
      expect(String(error)).not.toContain('super-secret-value');
    }
    expect(() => createConnectorRegistry([entra, entra])).toThrow(/registered twice/);
  });

  it('manual connector: writes become tasks, verification is never conclusive', async () => {
    const registry = new ConnectorRegistry();
    registry.register(new ManualConnector({ id: 'm', kind: 'manual' }));
    const manual = registry.require('m');
    const ref = { grantId: 'g-1', principalId: 'ada', resource: { id: 'r-1', name: 'Payroll admin', kind: 'manual_role' as const, connector: 'manual' as const, connectorId: 'm', target: { externalId: 'admin' } } };
    expect(await manual.provision(ref)).toMatchObject({ status: 'pending', taskTitle: 'Grant Payroll admin to ada' });
    expect(await manual.revoke(ref)).toMatchObject({ status: 'pending' });
    expect(await manual.verify(ref, 'absent')).toMatchObject({ conclusive: false, present: true });
  });
});

describe('backoff and Retry-After', () => {
  it('grows exponentially with jitter inside [half, full] of the ceiling, capped', () => {
    expect(backoffDelayMs(0, { random: () => 0 })).toBe(250);
    expect(backoffDelayMs(0, { random: () => 1 })).toBe(500);
    expect(backoffDelayMs(3, { random: () => 1 })).toBe(4000);
    expect(backoffDelayMs(30, { random: () => 1, capMs: 30_000 })).toBe(30_000);
  });

  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('7')).toBe(7000);
    expect(parseRetryAfterMs('0.5')).toBe(500);
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfterMs('Tue, 01 Jan 2030 00:00:10 GMT', now)).toBe(10_000);
  });
});

describe('resource-unit cost of reads (Graph throttling guidance)', () => {
  it('charges transitive reads 5, member lists 3, user lists 2, others 1', () => {
    expect(readCost('/users/u-1/transitiveMemberOf?$select=id')).toBe(5);
    expect(readCost('https://graph.example/v1.0/groups/g-1/transitiveMembers?$skiptoken=abc')).toBe(5);
    expect(readCost('/groups/g-1/members?$select=id')).toBe(3);
    expect(readCost('/users?$top=10')).toBe(2);
    expect(readCost('/roleManagement/directory/roleAssignmentScheduleInstances?$filter=x')).toBe(1);
  });
});

describe('write budget token bucket', () => {
  it('never lets more than the budget through in any window, and uses most of it', async () => {
    let clock = 0;
    const bucket = new TokenBucket({ writes: 3000, perSeconds: 150 }, { now: () => clock, sleep: async (ms) => void (clock += ms) });
    const times: number[] = [];
    for (let i = 0; i < 9000; i++) {
      await bucket.take(1);
      times.push(clock);
    }
    // Sliding 150 s windows: never more than 3,000 writes.
    let start = 0;
    let worst = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] as number) - (times[start] as number) >= 150_000) start++;
      worst = Math.max(worst, end - start + 1);
    }
    expect(worst).toBeLessThanOrEqual(3000);
    // Long-run rate is at least 90% of the budget.
    const rate = (times.length - bucket.capacity) / ((times.at(-1) as number) / 1000);
    expect(rate).toBeGreaterThanOrEqual(0.9 * 20);
  });

  it('takes more than its burst capacity in steps', async () => {
    let clock = 0;
    const bucket = new TokenBucket({ writes: 100, perSeconds: 10 }, { now: () => clock, sleep: async (ms) => void (clock += ms) });
    await bucket.take(30);
    expect(clock).toBeGreaterThan(0);
  });
});
