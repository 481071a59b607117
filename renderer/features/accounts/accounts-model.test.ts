import { describe, expect, it } from 'vitest';
import { actionRequest, isLastEnabledAdmin, outcomeText, roleDiff, rowActions, willWait, type AccountRow } from './accounts-model.js';

const row = (id: string, roles: string[], disabled = false): AccountRow => ({ id, username: id, displayName: id, department: '', email: '', roles, createdAt: '2024-01-01T00:00:00Z', disabledAt: disabled ? '2024-01-02T00:00:00Z' : null, disabled });
const blocked = (r: AccountRow, me: string, all: AccountRow[]) => Object.fromEntries(rowActions(r, me, all).map((a) => [a.kind, a.blocked]));

describe('accounts screen rules', () => {
  it('offers no disabling of oneself nor of the last enabled admin', () => {
    const admin = row('admin', ['admin']);
    const bob = row('bob', ['requester']);
    expect(blocked(admin, 'admin', [admin, bob]).disable).toMatch(/your own account/);
    expect(blocked(admin, 'other', [admin, bob]).disable).toMatch(/last enabled admin/);
    expect(blocked(bob, 'admin', [admin, bob]).disable).toBeNull();
    expect(blocked(admin, 'admin', [admin, bob]).password).toMatch(/Settings/);
    expect(blocked(row('gone', ['requester'], true), 'admin', [admin]).enable).toBeNull();
  });

  it('knows the last admin and when added roles wait', () => {
    const a = row('a', ['admin']);
    const b = row('b', ['admin'], true);
    expect(isLastEnabledAdmin(a, [a, b])).toBe(true);
    expect(isLastEnabledAdmin(a, [a, row('c', ['admin'])])).toBe(false);
    const target = row('t', ['requester']);
    expect(willWait(target, ['policy_admin'], 'a', [a, target])).toBe(false);
    expect(willWait(target, ['policy_admin'], 'a', [a, row('c', ['admin']), target])).toBe(true);
    expect(willWait(target, ['approver'], 'a', [a, row('c', ['admin']), target])).toBe(false);
    expect(roleDiff(['requester', 'approver'], ['approver', 'admin'])).toEqual({ added: ['admin'], removed: ['requester'] });
  });

  it('says what the server did', () => {
    expect(outcomeText({ kind: 'roles', id: 't', roles: ['admin'] }, { status: 202, body: {} })).toMatch(/wait for another admin/);
    expect(outcomeText({ kind: 'create', username: 'x', displayName: 'X', password: 'p', roles: ['admin'] }, { status: 201, body: { pendingRoleChange: null } })).toBe('Account created.');
    expect(outcomeText({ kind: 'sign-out-everywhere', id: 't' }, { status: 200, body: { sessionsEnded: 2 } })).toBe('Signed out everywhere. 2 sessions ended.');
  });

  it('offers an authenticator reset only for someone else who has one', () => {
    const admin = { ...row('admin', ['admin']), mfa: 'active' as const };
    const rita = { ...row('rita', ['requester']), mfa: 'active' as const };
    const bob = row('bob', ['requester']);
    expect(blocked(rita, 'admin', [admin, rita])['mfa-reset']).toBeNull();
    expect(blocked({ ...rita, mfa: 'pending' }, 'admin', [admin, rita])['mfa-reset']).toBeNull();
    expect(blocked(bob, 'admin', [admin, bob])['mfa-reset']).toBe('bob has no authenticator set up.');
    expect(blocked(admin, 'admin', [admin])['mfa-reset']).toMatch(/Your own authenticator is in Settings/);
    expect(actionRequest({ kind: 'mfa-reset', id: 'u-rita', reason: 'lost phone' })).toEqual({ path: '/api/v1/accounts/u-rita/mfa/reset', body: { reason: 'lost phone' } });
  });
});
