import type { DirectoryUser } from '../schema/directory.js';
import type { Grant } from '../schema/grant.js';
import type { Resource } from '../schema/resource.js';
import { err, ok, type Result } from './result.js';

type ResourceDirectory = Pick<Resource, 'connector' | 'connectorId'>;

/**
 * The person's object in the directory that serves a resource: the id kept under the connector's
 * own id (`entra-demo`), else under its kind (`entra`, the one-directory form). Manual and webhook
 * connectors address people by their user name.
 */
export function directoryIdFor(user: Pick<DirectoryUser, 'externalIds' | 'username'>, resource: ResourceDirectory): string | undefined {
  if (resource.connector === 'manual' || resource.connector === 'webhook') return user.username;
  const ids = user.externalIds as Record<string, string | undefined>;
  return ids[resource.connectorId] ?? ids[resource.connector];
}

/**
 * One rule, at request time: a person with no object in the resource's directory cannot be granted
 * it, so the request is refused now with what to do, not escalated later by the scheduler.
 */
export function requireDirectoryAccount(user: Pick<DirectoryUser, 'externalIds' | 'username' | 'displayName'>, resource: ResourceDirectory): Result<string> {
  const id = directoryIdFor(user, resource);
  if (id) return ok(id);
  return err('not_eligible', `${user.displayName} has no account in ${resource.connectorId}; ask an admin to link it`);
}

/**
 * One rule, at request time, for a request on behalf of a service identity (an Entra service
 * principal, an AD service account): only one of its owners, as its directory lists them, may ask,
 * and only while it is enabled. Eligibility and policies are then the owner's
 * (docs/decisions/service-identities.md); the grant, its revocation and verification are the identity's.
 */
export function requireOwnerOf(asker: Pick<DirectoryUser, 'id' | 'displayName'>, identity: DirectoryUser | null | undefined, identityId: string, nameOf: (id: string) => string = (id) => id): Result<DirectoryUser> {
  if (!identity) return err('not_found', `${identityId} is no service identity the console knows; the directory sync brings service principals and service accounts in`);
  if (identity.kind !== 'service') return err('invalid_input', `${identity.displayName} is a person, not a service identity: people ask for their own access`);
  const owners = identity.ownerIds ?? [];
  if (!owners.includes(asker.id)) {
    const named = owners.length > 0 ? `its owners (${owners.slice(0, 5).map(nameOf).join(', ')}${owners.length > 5 ? ', ...' : ''})` : 'its owners, and its directory lists none';
    return err('forbidden', `${asker.displayName} is not an owner of ${identity.displayName}; only ${named} may request access for it`);
  }
  if (identity.disabled) return err('not_eligible', `${identity.displayName} is disabled in its directory and cannot be granted access`);
  return ok(identity);
}

/** What someone does to a grant they hold, or that a service identity they own holds. */
export type GrantAction = 'give back' | 'more time';

type Holder = Pick<DirectoryUser, 'id' | 'displayName' | 'kind' | 'ownerIds' | 'disabled'>;

/**
 * One rule for who may give back a grant or ask for more time on it: the holder, or, for a grant
 * a service identity holds, one of its owners as its directory lists them now (the owner asked for
 * it on the identity's behalf and answers for it). `holder` is the grant's user as the store has it.
 * Approvers' and admins' own rights to revoke anyone's grant are the use case's, not this rule's.
 * More time is refused for a disabled identity: it cannot be granted access, nor kept in it longer.
 */
export function mayActOnGrant(actor: Pick<DirectoryUser, 'id' | 'displayName'>, grant: Pick<Grant, 'userId'>, holder: Holder | null | undefined, action: GrantAction, nameOf: (id: string) => string = (id) => id): Result<'holder' | 'owner'> {
  if (grant.userId === actor.id) return ok('holder');
  if (holder?.kind !== 'service') {
    return err('forbidden', action === 'give back' ? `${actor.displayName} can revoke only their own grants` : 'only the person holding the grant can ask for more time; their request then goes to its approvers');
  }
  const owners = holder.ownerIds ?? [];
  const doing = action === 'give back' ? 'give back its grants' : 'ask for more time on its grants';
  if (!owners.includes(actor.id)) {
    const named = owners.length > 0 ? `its owners (${owners.slice(0, 5).map(nameOf).join(', ')}${owners.length > 5 ? ', ...' : ''})` : 'its owners, and its directory lists none';
    return err('forbidden', `${actor.displayName} is not an owner of ${holder.displayName}; only ${named} may ${doing}`);
  }
  if (action === 'more time' && holder.disabled) return err('not_eligible', `${holder.displayName} is disabled in its directory; its grants cannot be extended`);
  return ok('owner');
}
