import {
  checkEligibility,
  err,
  ok,
  type AccessRequest,
  type AccountRole,
  type AuditEvent,
  type AuditEventType,
  type Command,
  type CommandPayload,
  type CommandType,
  type DirectoryUser,
  type Grant,
  type Result,
  type SeparationSettings,
} from '../../core/index.js';
import type { TicketHookAnswer } from '../../core/index.js';
import type { Store } from '../store/types.js';

/** The person a command acts for: their directory entry with the roles of their account. */
export type Actor = {
  id: string;
  displayName: string;
  roles: AccountRole[];
  disabled: boolean;
  /** The directory user with `roles` replaced by the account's roles (the authority for permissions). */
  user: DirectoryUser;
};

export type UseCaseContext = {
  store: Store;
  now: Date;
  command: Command;
  actor: Actor;
  /** Separation of duties: the cooling-off period after changing configuration. */
  separation: SeparationSettings;
  /** Trusted first configuration (the demo seed): widening changes apply without a proposal. */
  bootstrap: boolean;
  /** When the sender's session last proved a second factor (null: never), for policies that require MFA. */
  secondFactorAt: string | null;
  /** The ticket-check hooks' answers for this command, asked before it (sync-server/ticket-check/); absent: nobody asked. */
  ticketChecks?: readonly TicketHookAnswer[] | undefined;
  /** Display name for a user id (falls back to the id). */
  names: (userId: string) => string;
  /** Appends an audit event by the actor at `now`, in the command's transaction. */
  audit: (type: AuditEventType, subjectType: AuditEvent['subjectType'], subjectId: string, data?: Record<string, unknown>) => void;
  /**
   * An audit event kept only if the command is refused (the refusal's own story, e.g. `request.ineligible`):
   * the use case's writes roll back, so `audit` would lose it. Appended after `command.rejected`, in its transaction.
   */
  auditIfRefused: (type: AuditEventType, subjectType: AuditEvent['subjectType'], subjectId: string, data?: Record<string, unknown>) => void;
};

/** What validating a configuration entity reads: the store as it is in the command's transaction, and the time. */
export type PrepareContext = Pick<UseCaseContext, 'store' | 'now'>;

/** What an applied command reports back: a sentence and the documents it created or changed. */
export type Applied = { message: string; subjectIds: string[] };

/** One use case per command type: load, guard clauses, write, audit. A failure writes nothing. */
export type UseCase<T extends CommandType> = (payload: CommandPayload<T>, ctx: UseCaseContext) => Result<Applied>;

/**
 * A person as the server sees them now: their directory entry with their account's roles, disabled
 * when either is. Null when they no longer exist.
 */
export function personNow(store: Store, userId: string): DirectoryUser | null {
  const user = store.get('users', userId);
  if (!user) return null;
  const account = store.getAccount(userId);
  return { ...user, roles: account ? account.roles : user.roles, disabled: user.disabled || (account?.disabledAt ?? null) !== null };
}

/**
 * Access is granted or prolonged only for someone still eligible for it now: not disabled, the
 * resource not archived, an enabled profile still naming both. Their eligibility when they asked is not enough.
 */
export function stillEligible(userId: string, resourceId: string, ctx: UseCaseContext, what: string): Result<true> {
  const person = personNow(ctx.store, userId);
  if (!person) return err('not_eligible', `user ${userId} no longer exists; ${what}`);
  const resource = ctx.store.get('resources', resourceId);
  if (!resource) return err('not_found', `resource ${resourceId} no longer exists; ${what}`);
  const eligibility = checkEligibility(person, resource, ctx.store.list('profiles'));
  if (!eligibility.ok) return err('not_eligible', `${eligibility.message}; ${what}`);
  return ok(true);
}

export function hasAnyRole(actor: Actor, roles: readonly AccountRole[]): boolean {
  return actor.roles.some((r) => roles.includes(r));
}

/** "the request was already approved by Alice Admin": who decided, for stale decisions. */
export function describeRequestOutcome(request: AccessRequest, names: (id: string) => string): string {
  switch (request.status) {
    case 'approved': {
      const last = [...request.decisions].reverse().find((d) => d.decision === 'approve');
      if (!last) return 'the request was already approved automatically by its access policy';
      return `the request was already approved by ${names(last.approverId)}${last.breakGlass ? ' (break-glass)' : ''}`;
    }
    case 'denied': {
      const last = [...request.decisions].reverse().find((d) => d.decision === 'deny');
      return `the request was already denied${last ? ` by ${names(last.approverId)}` : ''}`;
    }
    case 'cancelled':
      return 'the request was already cancelled';
    case 'expired':
      return `the request already expired${request.decidedAt ? ` at ${request.decidedAt}` : ''}`;
    case 'ineligible':
      return 'the request was found ineligible';
    default:
      return `the request is ${request.status.replace('_', ' ')}`;
  }
}

export function describeGrantEnd(grant: Grant, names: (id: string) => string): string {
  const by = grant.endedBy ? ` by ${names(grant.endedBy)}` : '';
  switch (grant.status) {
    case 'revoking':
    case 'revoke_failed':
      return `the grant's revocation was already requested${by}`;
    case 'revoked':
    case 'verified':
      return `the grant was already revoked${by}`;
    default:
      return `the grant is ${grant.status.replace('_', ' ')}`;
  }
}
