import type { AccountRole } from '../schema/common.js';
import type { CommandType } from '../schema/command.js';
import { err, ok, type Result } from './result.js';

/**
 * Which account roles may send each command at all. Finer rules (is this person an approver of
 * this step, the grantee, the task's assignee) live in the engine functions. Deny by default.
 */
export const COMMAND_ROLES: Record<CommandType, readonly AccountRole[]> = {
  'request.create': ['requester', 'approver', 'admin'],
  'request.approve': ['approver', 'admin', 'requester'],
  // A resource owner or manager named on a step may hold only the requester role: they deny as they approve.
  'request.deny': ['approver', 'admin', 'requester'],
  'request.cancel': ['requester', 'approver', 'admin'],
  'grant.revoke': ['approver', 'admin', 'requester'],
  // Only the grantee may ask for more time (checked in the use case); the request is then decided like any other.
  'grant.extend': ['requester', 'approver', 'admin'],
  'policy.upsert': ['policy_admin', 'admin'],
  'profile.upsert': ['policy_admin', 'admin'],
  'resource.upsert': ['policy_admin', 'admin'],
  // Never the proposer's own (checked in the use case): four eyes on changes that widen access.
  'proposal.approve': ['policy_admin', 'admin'],
  'proposal.reject': ['policy_admin', 'admin'],
  // Tasks go to resource owners, who may hold only the requester role; the use case admits only the assignee or an admin.
  'task.close': ['approver', 'admin', 'policy_admin', 'requester'],
};

export function authorizeCommand(roles: readonly AccountRole[], type: CommandType): Result<true> {
  const allowed = COMMAND_ROLES[type];
  if (roles.some((r) => allowed.includes(r))) return ok(true);
  return err('forbidden', `${type} needs one of the roles ${allowed.join(', ')}; you have ${roles.join(', ') || 'none'}`);
}

/** Collections a role may replicate. Requesters use the requester API, not the console replica. */
export const CONSOLE_ROLES: readonly AccountRole[] = ['approver', 'policy_admin', 'reviewer', 'auditor', 'admin'];

export function mayUseConsole(roles: readonly AccountRole[]): boolean {
  return roles.some((r) => CONSOLE_ROLES.includes(r));
}
