import { describe, expect, it } from 'vitest';
import { directoryIdFor, requireDirectoryAccount, requireOwnerOf } from './principal.js';

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

describe('requireOwnerOf: a request on behalf of a service identity', () => {
  const identity = { id: 'sp-1', username: 'app-1', displayName: 'Export job', email: '', department: '', managerId: null, roles: [], externalIds: { entra: 'obj-sp' }, disabled: false, kind: 'service' as const, ownerIds: ['u-ann'], updatedAt: '2026-01-01T00:00:00.000Z' };
  it('lets an owner ask for an enabled service identity', () => {
    expect(requireOwnerOf({ id: 'u-ann', displayName: 'Ann' }, identity, 'sp-1')).toMatchObject({ ok: true });
  });
  it('refuses anyone else, naming the owners; a person; an unknown id; a disabled identity', () => {
    expect(requireOwnerOf({ id: 'u-bob', displayName: 'Bob' }, identity, 'sp-1', () => 'Ann')).toMatchObject({ ok: false, code: 'forbidden', message: 'Bob is not an owner of Export job; only its owners (Ann) may request access for it' });
    expect(requireOwnerOf({ id: 'u-ann', displayName: 'Ann' }, { ...identity, kind: undefined }, 'sp-1')).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(requireOwnerOf({ id: 'u-ann', displayName: 'Ann' }, null, 'sp-9')).toMatchObject({ ok: false, code: 'not_found' });
    expect(requireOwnerOf({ id: 'u-ann', displayName: 'Ann' }, { ...identity, disabled: true }, 'sp-1')).toMatchObject({ ok: false, code: 'not_eligible' });
  });
});
