import { describe, expect, it } from 'vitest';
import { AccessProfile } from '../../../core/index.js';
import { makeResource } from '../../../core/test-fixtures.js';
import { checkProfileDraft, draftOfProfile, namesNobody, newProfileDraft } from './profile-form.js';
import { checkResourceDraft, draftOfResource, newResourceDraft } from './resource-form.js';

describe('the resource draft', () => {
  it('round-trips a stored resource', () => {
    const stored = makeResource({ kind: 'entra_role', target: { externalId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', directoryScopeId: '/' } });
    const { changedBy: _c, updatedAt: _u, ...sent } = stored;
    expect(checkResourceDraft(draftOfResource(stored))).toEqual({ resource: sent, problems: {} });
  });

  it('the kind decides the connector and the target’s fields: a PIM group gets member access, an AD group no scope', () => {
    const base = { ...newResourceDraft('u-owner', 'entra-1'), id: 'res-x', name: 'X', externalId: 'abc-123', policyIds: ['p-1'] };
    expect(checkResourceDraft({ ...base, kind: 'entra_pim_group', directoryScopeId: '/ignored' }).resource).toMatchObject({ connector: 'entra', target: { externalId: 'abc-123', accessId: 'member' } });
    const ad = checkResourceDraft({ ...base, kind: 'ad_group', connectorId: 'ad-1', externalId: 'CN=X,DC=example', accessId: 'owner' }).resource;
    expect(ad).toMatchObject({ connector: 'ad' });
    expect(ad!.target).toEqual({ externalId: 'CN=X,DC=example' });
  });

  it('names each field: the schema’s (a policy is needed) and the server’s rules (an Entra id)', () => {
    const { resource, problems } = checkResourceDraft({ ...newResourceDraft('u-owner', 'entra-1'), id: 'res-x', name: 'X', externalId: '../groups' });
    expect(resource).toBeNull();
    expect(problems.policyIds).toBe('a resource needs at least one access policy');
    const rules = checkResourceDraft({ ...newResourceDraft('u-owner', 'entra-1'), id: 'res-x', name: 'X', externalId: '../groups', policyIds: ['p-1'] }).problems;
    expect(rules['target.externalId']).toMatch(/^an Entra object id has only letters, digits and hyphens/);
    expect(checkResourceDraft({ ...newResourceDraft('', 'entra-1'), id: 'res-x', name: 'X', externalId: 'a', policyIds: ['p-1'] }).problems.ownerId).toBe('must not be empty');
  });
});

describe('the profile draft', () => {
  const stored = AccessProfile.parse({ id: 'prof-1', name: 'Ops', resourceIds: ['res-1'], departments: ['Ops'], roles: ['approver'], maxDurationMinutes: 240, updatedAt: '2026-03-01T10:00:00.000Z' });

  it('round-trips a stored profile, its cap as typed', () => {
    const draft = draftOfProfile(stored);
    expect(draft.cap).toBe('4h');
    const { changedBy: _c, updatedAt: _u, ...sent } = stored;
    expect(checkProfileDraft(draft)).toEqual({ profile: sent, problems: {} });
  });

  it('an empty cap is none; a cap that is not a duration is named', () => {
    expect(checkProfileDraft({ ...draftOfProfile(stored), cap: '' }).profile?.maxDurationMinutes).toBeNull();
    expect(checkProfileDraft({ ...draftOfProfile(stored), cap: 'soon' }).problems.maxDurationMinutes).toMatch(/is not a duration/);
  });

  it('a new profile needs a name, and says when it names nobody', () => {
    const draft = { ...newProfileDraft(), id: 'prof-new' };
    expect(checkProfileDraft(draft).problems).toEqual({ name: 'is required' });
    expect(namesNobody(draft)).toBe(true);
    expect(namesNobody({ ...draft, roles: ['approver'] })).toBe(false);
  });
});
