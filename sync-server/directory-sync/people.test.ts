import { describe, expect, it } from 'vitest';
import { makeUser } from '../../core/test-fixtures.js';
import { PeopleIndex } from './people.js';

describe('PeopleIndex.match', () => {
  const approver = makeUser({ id: 'u-ann', displayName: 'Ann', username: 'ann@contoso.test', email: 'ann@contoso.test', roles: ['approver'], externalIds: {} });
  const requester = makeUser({ id: 'u-rob', displayName: 'Rob', username: 'rob@contoso.test', email: 'rob@contoso.test', roles: ['requester'], externalIds: {} });
  const index = new PeopleIndex('entra-main', 'entra', [approver, requester]);
  const rules = ['objectId', 'userPrincipalName', 'mail'] as const;

  it('links a requester by name or address, never a person with console roles beyond requesting', () => {
    expect(index.match('obj-rob', { userPrincipalName: 'ROB@contoso.test', mail: null } as never, rules)?.person.id).toBe('u-rob');
    // Whoever can set a UPN or a guest's mail in the directory must not become Ann at the next SSO sign-in.
    expect(index.match('obj-evil', { userPrincipalName: 'ann@contoso.test', mail: null } as never, rules)).toBeUndefined();
    expect(index.match('obj-evil', { userPrincipalName: null, mail: 'ann@contoso.test' } as never, rules)).toBeUndefined();
  });

  it('an object id already linked (by an admin or an earlier sync) still matches a privileged person', () => {
    const linked = new PeopleIndex('entra-main', 'entra', [{ ...approver, externalIds: { 'entra-main': 'obj-ann' } }]);
    expect(linked.match('obj-ann', { userPrincipalName: 'renamed@contoso.test', mail: null } as never, rules)?.person.id).toBe('u-ann');
  });
});
