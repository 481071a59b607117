import type { DirectoryUser } from './schema/directory.js';
import type { Resource } from './schema/resource.js';

/** Test data for the engine's tests: complete documents with overridable fields. */
export const FIXTURE_TIME = '2025-03-03T10:00:00.000Z';

export function makeUser(over: Partial<DirectoryUser> & Pick<DirectoryUser, 'id' | 'displayName'>): DirectoryUser {
  return {
    username: over.id,
    email: '',
    department: 'it',
    managerId: null,
    roles: ['requester'],
    externalIds: {},
    disabled: false,
    updatedAt: FIXTURE_TIME,
    ...over,
  };
}

export function makeResource(over: Partial<Resource> = {}): Resource {
  return {
    id: 'res-1',
    name: 'Payroll DB admins',
    description: '',
    kind: 'entra_group',
    connector: 'entra',
    connectorId: 'entra-1',
    target: { externalId: 'g-1' },
    ownerId: 'u-owner',
    sensitivity: 'high',
    policyIds: ['p-1'],
    archived: false,
    changedBy: [],
    updatedAt: FIXTURE_TIME,
    ...over,
  };
}
