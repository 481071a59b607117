import { describe, expect, it } from 'vitest';
import { directoryIdFor, mayActOnGrant, requireDirectoryAccount, requireOwnerOf } from './principal.js';

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

describe('mayActOnGrant: who gives back, or asks for more time on, a grant', () => {
  const identity = { id: 'sp-1', displayName: 'Export job', disabled: false, kind: 'service' as const, ownerIds: ['u-ann'] };
  const person = { id: 'u-cleo', displayName: 'Cleo', disabled: false };
  const ann = { id: 'u-ann', displayName: 'Ann' };
  const bob = { id: 'u-bob', displayName: 'Bob' };
  it('lets the holder act on their own grant, and an owner on the grant of a service identity they own', () => {
    expect(mayActOnGrant(bob, { userId: 'u-bob' }, { ...person, id: 'u-bob' }, 'give back')).toEqual({ ok: true, value: 'holder' });
    expect(mayActOnGrant(ann, { userId: 'sp-1' }, identity, 'give back')).toEqual({ ok: true, value: 'owner' });
    expect(mayActOnGrant(ann, { userId: 'sp-1' }, identity, 'more time')).toEqual({ ok: true, value: 'owner' });
  });
  it("refuses someone else's grant, and a non-owner on an identity's grant, naming its owners", () => {
    expect(mayActOnGrant(bob, { userId: 'u-cleo' }, person, 'give back')).toMatchObject({ ok: false, code: 'forbidden', message: 'Bob can revoke only their own grants' });
    expect(mayActOnGrant(bob, { userId: 'u-cleo' }, person, 'more time')).toMatchObject({ ok: false, code: 'forbidden', message: /only the person holding the grant can ask for more time/ });
    expect(mayActOnGrant(bob, { userId: 'sp-1' }, identity, 'give back', () => 'Ann')).toMatchObject({ ok: false, code: 'forbidden', message: 'Bob is not an owner of Export job; only its owners (Ann) may give back its grants' });
    expect(mayActOnGrant(bob, { userId: 'sp-1' }, identity, 'more time', () => 'Ann')).toMatchObject({ ok: false, code: 'forbidden', message: 'Bob is not an owner of Export job; only its owners (Ann) may ask for more time on its grants' });
    expect(mayActOnGrant(ann, { userId: 'sp-1' }, { ...identity, ownerIds: [] }, 'give back')).toMatchObject({ ok: false, message: /its directory lists none/ });
    // A holder gone from the store: only the holder by id, nobody as owner.
    expect(mayActOnGrant(ann, { userId: 'sp-gone' }, null, 'give back')).toMatchObject({ ok: false, code: 'forbidden' });
  });
  it('gives back a disabled identity\'s grant, but gives it no more time', () => {
    expect(mayActOnGrant(ann, { userId: 'sp-1' }, { ...identity, disabled: true }, 'give back')).toMatchObject({ ok: true });
    expect(mayActOnGrant(ann, { userId: 'sp-1' }, { ...identity, disabled: true }, 'more time')).toMatchObject({ ok: false, code: 'not_eligible' });
  });
});
