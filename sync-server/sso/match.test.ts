import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { matchPerson } from './match.js';
import { resolveSsoSettings } from './settings.js';

const OID = '0b9f2c1e-5d3a-4e7b-9c8d-1a2b3c4d5e6f';
let dir: string;
let store: Store;
const at = '2026-12-02T06:00:00.000Z';

function person(id: string, fields: { email?: string; entra?: string; disabled?: boolean; account?: boolean } = {}) {
  store.put('users', { id, username: id.replace(/^u-/, ''), displayName: id, email: fields.email ?? '', externalIds: fields.entra ? { entra: fields.entra } : {}, disabled: fields.disabled ?? false, updatedAt: at });
  if (fields.account !== false) store.createAccount({ id, username: id.replace(/^u-/, ''), passwordHash: 'scrypt$unused', roles: ['requester'], createdAt: at });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jit-sso-match-'));
  store = openStore({ dataDir: dir });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const byOid = resolveSsoSettings({ issuer: 'https://login.example.test/tenant/v2.0', clientId: 'console' });

describe('who an ID token is', () => {
  it('the person whose Entra object id is the oid, whatever the case of the GUID', () => {
    person('u-mia', { entra: OID.toUpperCase() });
    person('u-noah', { entra: '11111111-2222-3333-4444-555555555555' });
    expect(matchPerson(store, byOid, { oid: OID })).toMatchObject({ ok: true, account: { id: 'u-mia' } });
  });

  it('refuses a token without the claim, a person nobody knows, and one known twice', () => {
    expect(matchPerson(store, byOid, { sub: 'x' })).toEqual({ ok: false, reason: 'missing_claim', value: null });
    expect(matchPerson(store, byOid, { oid: OID })).toMatchObject({ ok: false, reason: 'unknown_person' });
    person('u-a', { entra: OID });
    person('u-b', { entra: OID });
    expect(matchPerson(store, byOid, { oid: OID })).toMatchObject({ ok: false, reason: 'ambiguous_person' });
  });

  it('refuses a disabled person, and a person without a console account', () => {
    person('u-gone', { entra: OID, disabled: true });
    expect(matchPerson(store, byOid, { oid: OID })).toMatchObject({ ok: false, reason: 'disabled' });
    person('u-nobody', { entra: '22222222-2222-3333-4444-555555555555', account: false });
    expect(matchPerson(store, byOid, { oid: '22222222-2222-3333-4444-555555555555' })).toMatchObject({ ok: false, reason: 'no_account' });
  });

  it('matches an email only when the provider verified it', () => {
    const byEmail = resolveSsoSettings({ issuer: 'https://idp.example.test', clientId: 'console', claim: 'email' });
    expect(byEmail.matchOn).toBe('email');
    person('u-mia', { email: 'Mia@Example.test' });
    expect(matchPerson(store, byEmail, { email: 'mia@example.test' })).toMatchObject({ ok: false, reason: 'unverified_email' });
    expect(matchPerson(store, byEmail, { email: 'mia@example.test', email_verified: true })).toMatchObject({ ok: true, account: { id: 'u-mia' } });
  });
});

describe('single sign-on settings', () => {
  it('defaults: Entra’s oid matched to the Entra object id, admin as the break-glass account', () => {
    expect(byOid).toMatchObject({ claim: 'oid', matchOn: 'entra', breakGlassUsernames: ['admin'], scopes: ['openid', 'profile', 'email'], name: 'single sign-on' });
    expect(byOid.clientSecret).toBeUndefined();
  });

  it('refuses a provider over plain http other than on loopback, a fragment, an unknown claim, a missing client id', () => {
    expect(() => resolveSsoSettings({ issuer: 'http://idp.example.test', clientId: 'c' })).toThrow(/must be an https URL/);
    expect(() => resolveSsoSettings({ issuer: 'https://idp.example.test', clientId: 'c', redirectUris: ['https://jit.example.test/signin-oidc#x'] })).toThrow(/fragment/);
    expect(() => resolveSsoSettings({ issuer: 'https://idp.example.test', clientId: 'c', claim: 'upn' as never })).toThrow(/JIT_OIDC_CLAIM/);
    expect(() => resolveSsoSettings({ issuer: 'https://idp.example.test', clientId: ' ' })).toThrow(/JIT_OIDC_CLIENT_ID/);
    expect(resolveSsoSettings({ issuer: 'http://127.0.0.1:4000', clientId: 'c' }).issuer).toBe('http://127.0.0.1:4000');
  });
});
