import {
  authorizeCommand,
  Command,
  CommandPayloads,
  CommandResult,
  CommandType,
  DEFAULT_SEPARATION,
  Id,
  type AuditEvent,
  type AuditEventType,
  type CommandPayload,
  type Err,
  type ErrorCode,
  type SeparationSettings,
} from '../../core/index.js';
import type { TicketHookAnswer } from '../../core/index.js';
import { StoreValidationError } from '../store/sqlite-store.js';
import type { AuditInput, Store } from '../store/types.js';
import type { Actor, Applied, UseCase, UseCaseContext } from './context.js';
import { MAX_PAYLOAD_DEPTH, nestingDepth, printable } from './hostile-input.js';
import { withoutPayload } from './rejection-budget.js';
import { configImport } from './config-import.js';
import { grantExtend } from './grant-extend.js';
import { grantRevoke } from './grant-revoke.js';
import { grantShorten } from './grant-shorten.js';
import { policyUpsert } from './policy-upsert.js';
import { profileUpsert } from './profile-upsert.js';
import { proposalApprove, proposalReject } from './proposal-decide.js';
import { requestCancel } from './request-cancel.js';
import { requestCreate } from './request-create.js';
import { requestApprove, requestDeny } from './request-decide.js';
import { resourceUpsert } from './resource-upsert.js';
import { standingConvert } from './standing-convert.js';
import { personOffboard } from './person-offboard.js';
import { taskClose } from './task-close.js';
import { unseenSubject } from './unseen-subject.js';
import { reviewCampaignUpsert, reviewClose, reviewOpen } from './review-campaign.js';
import { reviewDecide } from './review-decide.js';
import { exportRecord } from './export-record.js';

/** One handler per command type; the mapped type makes a missing or doubled one a compile error. */
const USE_CASES: { [T in CommandType]: UseCase<T> } = {
  'request.create': requestCreate,
  'request.approve': requestApprove,
  'request.deny': requestDeny,
  'request.cancel': requestCancel,
  'grant.revoke': grantRevoke,
  'grant.extend': grantExtend,
  'grant.shorten': grantShorten,
  'policy.upsert': policyUpsert,
  'profile.upsert': profileUpsert,
  'resource.upsert': resourceUpsert,
  'proposal.approve': proposalApprove,
  'proposal.reject': proposalReject,
  'task.close': taskClose,
  'config.import': configImport,
  'standing.convert': standingConvert,
  'person.offboard': personOffboard,
  'review.campaign_upsert': reviewCampaignUpsert,
  'review.open': reviewOpen,
  'review.decide': reviewDecide,
  'review.close': reviewClose,
  'export.record': exportRecord,
};

/**
 * The envelope is unusable (no valid id, type or actor), or its id is already another actor's:
 * there is nothing to record a result against.
 */
export class InvalidCommandError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** conflict: the id names another actor's command (HTTP 409); otherwise the input is invalid (400). */
    readonly code: 'invalid_input' | 'conflict' = 'invalid_input',
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidCommandError';
  }
}

/** A command as a caller hands it in: baseRevision may be omitted. */
export type CommandInput = Omit<Command, 'baseRevision'> & { baseRevision?: number | null };

export type ApplyOptions = {
  /**
   * The signed-in user sending the command. When set, the command is recorded as theirs, and one
   * claiming another actor is rejected (forbidden): a client cannot act for someone else.
   */
  authenticatedActorId?: string;
  /**
   * The first configuration of an empty organisation by trusted server code (the demo seed): changes
   * that widen access apply at once instead of waiting for a second person. Never set for a client's command.
   */
  bootstrap?: boolean;
  /**
   * When the sender's session last proved a second factor (step-up MFA), read by the route from the
   * session record on the server, never from the command: policies that require MFA are checked
   * against it (core/engine/mfa.ts). Absent or null: no second factor.
   */
  secondFactorAt?: string | null;
  /**
   * The ticket-check hooks' answers for this command, asked by the route before applying it
   * (sync-server/ticket-check/checker.ts): the call is never made inside the transaction. Absent: not
   * asked, which a policy with a hook treats as unknown.
   */
  ticketChecks?: readonly TicketHookAnswer[] | undefined;
};

export type ResultListener = (result: CommandResult, info: { replay: boolean }) => void;

export interface CommandProcessor {
  /**
   * Applies one command in one transaction and returns its result. A command id seen before returns
   * the first result unchanged and writes nothing. Throws InvalidCommandError only when the envelope
   * has no usable id or type, or no usable actorId and no authenticatedActorId: with a signed-in
   * sender, a bad actorId is recorded as a rejection like any other invalid field.
   */
  apply(command: CommandInput | Record<string, unknown>, options?: ApplyOptions): CommandResult;
  /** Called after each apply (and replay) commits. */
  onResult(listener: ResultListener): () => void;
}

class Rejection extends Error {
  constructor(readonly failure: Err) {
    super(failure.message);
  }
}

type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

/** A rejected command is replicated to every console: an oversized payload is summarised, not kept. */
export const MAX_REJECTED_PAYLOAD_CHARS = 16 * 1024;

function keepRejectedSmall(command: Command): Command {
  // Depth first: serialising a payload nested thousands deep would overflow the stack, and SQLite refuses it.
  if (nestingDepth(command.payload, MAX_PAYLOAD_DEPTH + 1) > MAX_PAYLOAD_DEPTH) return { ...command, payload: { omitted: `the rejected payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels and is not kept` } };
  const size = JSON.stringify(command.payload).length;
  if (size <= MAX_REJECTED_PAYLOAD_CHARS) return command;
  return { ...command, payload: { omitted: `the rejected payload of ${size} characters is not kept` } };
}

/** "payload.policy.requireTicket: ..."; an unknown field is named itself, not its parent object. */
function describeIssue(prefix: string, issue: Issue | undefined): { field: string; message: string } {
  const unknown = issue?.code === 'unrecognized_keys' && issue.keys && issue.keys.length > 0 ? issue.keys : null;
  const path = [...(issue?.path.map(String) ?? []), ...(unknown ? [unknown[0] as string] : [])].join('.');
  const field = [prefix, path].filter(Boolean).join('.') || '(command)';
  const rule = unknown ? `is not a known field${unknown.length > 1 ? ` (nor are ${unknown.slice(1).join(', ')})` : ''}` : (issue?.message ?? 'is invalid');
  return { field, message: `${field}: ${rule}` };
}

/**
 * Command ids are chosen by clients, so one actor can send an id another already used. Only the
 * actor who owns the id gets its result back; anyone else is refused without learning it.
 */
function refuseOtherActorsId(known: CommandResult, senderId: string | undefined): void {
  if (known.actorId === senderId) return;
  throw new InvalidCommandError('id', `${known.commandId} is already the id of another actor's command; send yours with a new id`, 'conflict');
}

/** Consulted before a rejection is written (and may throw to refuse it, e.g. ./rejection-budget.ts); senderId is the signed-in sender, if any. */
export type BeforeReject = (rejection: { senderId: string | undefined; type: CommandType; code: ErrorCode }) => void;

export function createCommandProcessor(options: { store: Store; now?: () => Date; separation?: SeparationSettings; beforeReject?: BeforeReject }): CommandProcessor {
  const { store, beforeReject } = options;
  const separation = options.separation ?? DEFAULT_SEPARATION;
  const clock = options.now ?? (() => new Date());
  const listeners = new Set<ResultListener>();

  const emit = (result: CommandResult, replay: boolean) => {
    for (const listener of [...listeners]) listener(result, { replay });
  };

  function loadActor(actorId: string): Actor | Err {
    const user = store.get('users', actorId);
    if (!user) return { ok: false, code: 'forbidden', message: `actor ${actorId} is not a known user` };
    const account = store.getAccount(actorId);
    const roles = account ? account.roles : user.roles;
    const disabled = user.disabled || (account?.disabledAt ?? null) !== null;
    if (disabled) return { ok: false, code: 'forbidden', message: `${user.displayName} is disabled and cannot act` };
    return { id: user.id, displayName: user.displayName, roles, disabled, user: { ...user, roles } };
  }

  function mayNeverSend(command: Command): boolean {
    const actor = loadActor(command.actorId);
    return !('ok' in actor) && !authorizeCommand(actor.roles, command.type).ok;
  }

  function apply(raw: CommandInput | Record<string, unknown>, options: ApplyOptions = {}): CommandResult {
    const input = raw as Record<string, unknown>;
    const now = clock();
    const nowIso = now.toISOString();

    const id = Id.safeParse(input.id);
    if (!id.success) throw new InvalidCommandError('id', describeIssue('id', id.error.issues[0]).message.replace(/^id: /, ''));
    // Internal callers (the demo seed) have no signed-in sender: the claimed actor is theirs.
    const senderId = options.authenticatedActorId ?? (typeof input.actorId === 'string' ? input.actorId : undefined);
    const known = store.get('commandResults', id.data);
    if (known) {
      refuseOtherActorsId(known, senderId);
      emit(known, true);
      return known;
    }
    const type = CommandType.safeParse(input.type);
    if (!type.success) throw new InvalidCommandError('type', `must be one of ${CommandType.options.join(', ')}`);
    const claimedActor = Id.safeParse(input.actorId);
    // With a signed-in sender there is an actor to record the rejection against (the envelope check below names the field).
    if (!claimedActor.success && options.authenticatedActorId === undefined) {
      throw new InvalidCommandError('actorId', claimedActor.error.issues[0]?.message ?? 'is invalid');
    }
    const actorId = Id.parse(options.authenticatedActorId ?? claimedActor.data);
    const impersonating = actorId !== claimedActor.data;

    const result = store.tx(() => {
      // Re-check inside the transaction: the same id may have been applied meanwhile.
      const again = store.get('commandResults', id.data);
      if (again) {
        refuseOtherActorsId(again, senderId);
        return { result: again, replay: true };
      }

      const reject = (code: ErrorCode, message: string, envelope: Command | null): CommandResult => {
        beforeReject?.({ senderId: options.authenticatedActorId, type: type.data, code });
        const rejected = store.put('commandResults', {
          id: id.data,
          commandId: id.data,
          type: type.data,
          actorId,
          status: 'rejected',
          code,
          message: printable(message).slice(0, 4096),
          subjectIds: [],
          appliedAt: nowIso,
        });
        // A type the sender's roles may never send keeps no payload, whatever else was wrong with it.
        if (envelope) store.put('commands', keepRejectedSmall(mayNeverSend(envelope) ? withoutPayload(envelope) : envelope));
        store.appendAudit({
          type: 'command.rejected',
          actorId,
          subjectType: 'command',
          subjectId: id.data,
          data: { type: type.data, code, message: rejected.message },
          at: nowIso,
        });
        return rejected;
      };

      const envelope = Command.safeParse(input);
      if (!envelope.success) {
        const issue = describeIssue('', envelope.error.issues[0]);
        return { result: reject('invalid_input', issue.message, null), replay: false };
      }
      const command: Command = { ...envelope.data, actorId };
      if (impersonating) {
        const message = `the command names actor ${claimedActor.data} but was sent by ${actorId}; a client cannot act for someone else`;
        return { result: reject('forbidden', message, command), replay: false };
      }

      const payloadSchema = CommandPayloads[command.type];
      const payload = payloadSchema.safeParse(command.payload);
      if (!payload.success) {
        return { result: reject('invalid_input', describeIssue('payload', payload.error.issues[0]).message, command), replay: false };
      }

      const actor = loadActor(command.actorId);
      if ('ok' in actor) return { result: reject(actor.code, actor.message, command), replay: false };
      const allowed = authorizeCommand(actor.roles, command.type);
      if (!allowed.ok) return { result: reject(allowed.code, allowed.message, command), replay: false };
      const unseen = unseenSubject(store, actor, payload.data as Record<string, unknown>);
      if (unseen) return { result: reject('not_found', unseen, command), replay: false };

      const nameCache = new Map<string, string>();
      const names = (userId: string) => {
        let name = nameCache.get(userId);
        if (name === undefined) {
          name = store.get('users', userId)?.displayName ?? userId;
          nameCache.set(userId, name);
        }
        return name;
      };
      const ifRefused: AuditInput[] = [];
      const ctx: UseCaseContext = {
        store,
        now,
        command,
        actor,
        separation,
        bootstrap: options.bootstrap === true && options.authenticatedActorId === undefined,
        secondFactorAt: options.secondFactorAt ?? null,
        ticketChecks: options.ticketChecks,
        names,
        audit: (auditType: AuditEventType, subjectType: AuditEvent['subjectType'], subjectId: string, data?: Record<string, unknown>) => {
          store.appendAudit({ type: auditType, actorId: actor.id, subjectType, subjectId, data: { commandId: command.id, ...data }, at: nowIso });
        },
        auditIfRefused: (auditType, subjectType, subjectId, data) => {
          ifRefused.push({ type: auditType, actorId: actor.id, subjectType, subjectId, data: { commandId: command.id, ...data }, at: nowIso });
        },
      };

      let applied: Applied;
      try {
        // A savepoint: a use case that fails after writing leaves nothing behind.
        applied = store.tx(() => {
          const useCase = USE_CASES[command.type] as UseCase<typeof command.type>;
          const outcome = useCase(payload.data as CommandPayload<typeof command.type>, ctx);
          if (!outcome.ok) throw new Rejection(outcome);
          return outcome.value;
        });
      } catch (error) {
        if (error instanceof Rejection) {
          const rejected = reject(error.failure.code, error.failure.message, command);
          for (const event of ifRefused) store.appendAudit(event);
          return { result: rejected, replay: false };
        }
        // A write the schema refuses (e.g. a step past the last one a request can record) is the
        // command's failure, not the server's: record and audit it instead of failing the request
        // (and, for a push, holding back every command queued after it).
        if (error instanceof StoreValidationError) {
          return { result: reject('invalid_transition', `the command would leave ${error.message}; nothing was changed`, command), replay: false };
        }
        throw error;
      }

      store.put('commands', command);
      const appliedResult = store.put('commandResults', {
        id: command.id,
        commandId: command.id,
        type: command.type,
        actorId: command.actorId,
        status: 'applied',
        code: 'ok',
        message: applied.message.slice(0, 4096),
        subjectIds: applied.subjectIds.slice(0, 64),
        appliedAt: nowIso,
      });
      return { result: appliedResult, replay: false };
    });
    emit(result.result, result.replay);
    return CommandResult.parse(result.result);
  }

  return {
    apply,
    onResult(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
