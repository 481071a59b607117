import type { AccountRole } from '../schema/common.js';
import type { CommandType } from '../schema/command.js';
import { COMMAND_ROLES, CONSOLE_ROLES } from './access-matrix.js';
import { err, ok, type Result } from './result.js';

export { COMMAND_ROLES, CONSOLE_ROLES };

/**
 * Which account roles may send a command at all, from the authorisation matrix. Finer rules (is
 * this person an approver of this step, the grantee, the task's assignee) live in the use cases
 * and the engine, held to the matrix's relation cells by its test. Deny by default.
 */
export function authorizeCommand(roles: readonly AccountRole[], type: CommandType): Result<true> {
  const allowed = COMMAND_ROLES[type];
  if (roles.some((r) => allowed.includes(r))) return ok(true);
  return err('forbidden', `${type} needs one of the roles ${allowed.join(', ')}; you have ${roles.join(', ') || 'none'}`);
}

export function mayUseConsole(roles: readonly AccountRole[]): boolean {
  return roles.some((r) => CONSOLE_ROLES.includes(r));
}
