import { GENESIS_HASH, sealEvent } from './audit/chain.js';
import type { AuditEvent } from './audit/events.js';
import type { DirectoryUser } from './schema/directory.js';
import type { Grant } from './schema/grant.js';
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

/** An active two-hour grant on res-1, from 09:00 to 11:00 on 2026-03-02. */
export function makeGrant(over: Partial<Grant> = {}): Grant {
  return {
    id: 'g-1',
    requestId: 'r-1',
    userId: 'u-alice',
    resourceId: 'res-1',
    connector: 'entra',
    status: 'active',
    approvedAt: '2026-03-02T09:00:00.000Z',
    startsAt: '2026-03-02T09:00:00.000Z',
    expiresAt: '2026-03-02T11:00:00.000Z',
    provisionedAt: null,
    effectiveAt: null,
    revokeRequestedAt: null,
    revokedAt: null,
    verifiedAt: null,
    endedBy: null,
    endedReason: '',
    extensions: 0,
    maxExtensions: 1,
    maxDurationMinutes: 480,
    latenessMs: null,
    timeToEffectiveMs: null,
    attempts: 0,
    lastError: '',
    verification: 'none',
    updatedAt: '2026-03-02T09:00:00.000Z',
    revision: 3,
    ...over,
  };
}

/** A hash-chained audit log of `length` request.created events from the genesis, one second apart. */
export function makeAuditChain(length: number): AuditEvent[] {
  const events: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const event = sealEvent({ id: `ae-${seq}`, seq, type: 'request.created', actorId: 'u-req', at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), subjectType: 'request', subjectId: `r-${seq}`, data: { seq } }, prev);
    events.push(event);
    prev = event.hash;
  }
  return events;
}
