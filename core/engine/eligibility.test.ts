import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from '../schema/directory.js';
import type { AccessProfile } from '../schema/policy.js';
import type { Resource } from '../schema/resource.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { checkEligibility, isProfileMember } from './eligibility.js';

const at = '2025-03-01T10:00:00.000Z';

const user = (over: Partial<DirectoryUser> = {}): DirectoryUser =>
  makeUser({ id: 'u-ann', username: 'ann', displayName: 'Ann Analyst', department: 'finance', updatedAt: at, ...over });

const resource = (over: Partial<Resource> = {}): Resource => makeResource({ id: 'res-sql', name: 'SQL admins', updatedAt: at, ...over });

const profile = (over: Partial<AccessProfile> = {}): AccessProfile => ({
  id: 'prof-1',
  name: 'Profile',
  description: '',
  resourceIds: ['res-sql'],
  userIds: [],
  departments: [],
  roles: [],
  maxDurationMinutes: null,
  enabled: true,
  changedBy: [],
  updatedAt: at,
  ...over,
});

describe('checkEligibility', () => {
  it('denies by default: no profile means not eligible, and says so', () => {
    const result = checkEligibility(user(), resource(), []);
    expect(result).toMatchObject({ ok: false, code: 'not_eligible' });
    if (!result.ok) expect(result.message).toBe('Ann Analyst is not eligible for SQL admins: no access profile grants it');
  });

  it('refuses a disabled user even when a profile names them', () => {
    const result = checkEligibility(user({ disabled: true }), resource(), [profile({ userIds: ['u-ann'] })]);
    expect(result).toMatchObject({ ok: false, code: 'not_eligible', message: 'Ann Analyst is disabled' });
  });

  it('refuses an archived resource', () => {
    const result = checkEligibility(user(), resource({ archived: true }), [profile({ userIds: ['u-ann'] })]);
    expect(result).toMatchObject({ ok: false, code: 'not_eligible', message: 'SQL admins is archived and cannot be requested' });
  });

  it.each([
    ['named user', profile({ userIds: ['u-ann'] })],
    ['department', profile({ departments: ['finance'] })],
    ['account role', profile({ roles: ['requester'] })],
  ])('grants eligibility through a profile by %s', (_, p) => {
    expect(checkEligibility(user(), resource(), [p])).toEqual({ ok: true, value: { profileIds: ['prof-1'], maxDurationMinutes: null } });
  });

  it('ignores profiles that are disabled, name another resource, or another person/department/role', () => {
    const profiles = [
      profile({ id: 'disabled', userIds: ['u-ann'], enabled: false }),
      profile({ id: 'other-resource', userIds: ['u-ann'], resourceIds: ['res-other'] }),
      profile({ id: 'other-user', userIds: ['u-bob'] }),
      profile({ id: 'other-department', departments: ['sales'] }),
      profile({ id: 'other-role', roles: ['admin'] }),
    ];
    expect(checkEligibility(user(), resource(), profiles).ok).toBe(false);
  });

  it('a user without a department is not matched by department', () => {
    expect(isProfileMember(profile({ departments: ['finance'] }), user({ department: '' }))).toBe(false);
  });

  it('among matching profiles the most generous cap applies; no cap when one has none', () => {
    const capped = [profile({ id: 'a', userIds: ['u-ann'], maxDurationMinutes: 60 }), profile({ id: 'b', departments: ['finance'], maxDurationMinutes: 240 })];
    expect(checkEligibility(user(), resource(), capped)).toEqual({ ok: true, value: { profileIds: ['a', 'b'], maxDurationMinutes: 240 } });
    const uncapped = [...capped, profile({ id: 'c', roles: ['requester'], maxDurationMinutes: null })];
    expect(checkEligibility(user(), resource(), uncapped)).toMatchObject({ ok: true, value: { maxDurationMinutes: null } });
  });
});
