import { describe, expect, it } from 'vitest';
import { directoryIdFor, requireDirectoryAccount } from './principal.js';

const bob = { username: 'bob', displayName: 'Bob', externalIds: {} as Record<string, string> };
const entraDemo = { connector: 'entra' as const, connectorId: 'entra-demo' };

describe('whose object a person is in a directory', () => {
  it('takes the id kept under the connector id before the one kept under its kind', () => {
    expect(directoryIdFor({ ...bob, externalIds: { entra: 'kind-id', 'entra-demo': 'own-id' } }, entraDemo)).toBe('own-id');
    expect(directoryIdFor({ ...bob, externalIds: { entra: 'kind-id' } }, entraDemo)).toBe('kind-id');
    expect(directoryIdFor({ ...bob, externalIds: { 'entra-other': 'x' } }, entraDemo)).toBeUndefined();
  });

  it('addresses people by user name for manual and webhook connectors', () => {
    expect(directoryIdFor(bob, { connector: 'manual', connectorId: 'manual' })).toBe('bob');
    expect(directoryIdFor(bob, { connector: 'webhook', connectorId: 'hook' })).toBe('bob');
  });

  it('refuses with a sentence that names the person, the connector and what to do', () => {
    expect(requireDirectoryAccount(bob, entraDemo)).toEqual({ ok: false, code: 'not_eligible', message: 'Bob has no account in entra-demo; ask an admin to link it' });
    expect(requireDirectoryAccount({ ...bob, externalIds: { 'entra-demo': 'g' } }, entraDemo)).toEqual({ ok: true, value: 'g' });
  });
});
