import type { DirectoryUser } from '../schema/directory.js';
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
