import { z } from 'zod';
import { DurationMinutes, Id, IsoTime } from './common.js';
import { ConfigEntities } from './config.js';
import { AccessPolicy, AccessProfile, ApprovalStep } from './policy.js';
import { Resource, ResourceTarget } from './resource.js';
import { ExportRecord } from './export.js';
import { CampaignDefinition, ItemDecision } from './review.js';

const reason = z.string().trim().min(1, 'a reason is required').max(2048);

/**
 * An entity sent for upsert. Unknown fields are refused, here and in its nested objects, so a
 * misspelt requirement ("requireticket") never silently falls back to its permissive default.
 * updatedAt is the server's: a client may send back the document it loaded, and the value is ignored.
 */
const ServerTime = z.string().max(64).optional();
/** changedBy is the server's record of who changed the entity; a value sent back is ignored. */
const ServerEditors = z.array(z.unknown()).max(32).optional();
const serverFields = { updatedAt: ServerTime, changedBy: ServerEditors };
const UpsertedPolicy = AccessPolicy.omit({ updatedAt: true, changedBy: true })
  .extend({ approvalSteps: z.array(ApprovalStep.strict()).max(8).default([]), ...serverFields })
  .strict();
const UpsertedProfile = AccessProfile.omit({ updatedAt: true, changedBy: true }).extend(serverFields).strict();
const UpsertedResource = Resource.omit({ updatedAt: true, changedBy: true }).extend({ target: ResourceTarget.strict(), ...serverFields }).strict();

/** Payloads per command type: the closed list of intents a client may send. Unknown fields are refused. */
export const CommandPayloads = {
  'request.create': z.strictObject({
    /** Client-chosen id so an offline client can refer to the request before it syncs. */
    /** Shorter than other ids: the grant (`g-<id>`) and its tasks are named after it. */
    requestId: Id.max(100, 'must be at most 100 characters').optional(),
    resourceId: Id,
    /** Absent: the recommended duration of the resource's policies (the maximum is still the cap). */
    durationMinutes: DurationMinutes.optional(),
    justification: z.string().max(4096).default(''),
    ticket: z.string().max(256).default(''),
    /** A later start (at most 30 days ahead): provisioning waits for it. Absent: as soon as it is approved. */
    startsAt: IsoTime.optional(),
    /** A service identity one of whose owners the sender is: the access is for it (core/engine/principal.ts). */
    onBehalfOf: Id.optional(),
  }),
  'request.approve': z.strictObject({ requestId: Id, reason: z.string().max(2048).default(''), breakGlass: z.boolean().default(false) }),
  'request.deny': z.strictObject({ requestId: Id, reason }),
  'request.cancel': z.strictObject({ requestId: Id, reason: z.string().max(2048).default('') }),
  /**
   * Why, as a category (core/schema/revocation.ts: the holder gives back, an approver or admin names
   * theirs; absent, the first offered), with an optional note. The server refuses any other category.
   */
  'grant.revoke': z.strictObject({ grantId: Id, category: z.string().max(64).optional(), reason: z.string().trim().max(2048).default('') }),
  /**
   * The grantee asks for more time: an extension request that goes through the approval chain like
   * the first request did (auto-approved only where the policy approves automatically).
   */
  'grant.extend': z.strictObject({ grantId: Id, minutes: DurationMinutes, reason, requestId: Id.max(100, 'must be at most 100 characters').optional() }),
  /**
   * Live grants that run past their maximum as configured now (a lowered maximum) end at their start
   * plus that maximum; refused for any that does not (core/engine/grant-shorten.ts).
   */
  'grant.shorten': z.strictObject({ grantIds: z.array(Id).min(1, 'name at least one grant').max(200), reason: z.string().max(2048).default('') }),
  'policy.upsert': z.strictObject({ policy: UpsertedPolicy }),
  'profile.upsert': z.strictObject({ profile: UpsertedProfile }),
  'resource.upsert': z.strictObject({ resource: UpsertedResource }),
  /** A second policy admin or admin applies a proposed configuration change. */
  'proposal.approve': z.strictObject({ proposalId: Id, reason: z.string().max(2048).default('') }),
  /** Another policy admin or admin refuses it (a reason is required), or its proposer withdraws it. */
  'proposal.reject': z.strictObject({ proposalId: Id, reason: z.string().max(2048).default('') }),
  'task.close': z.strictObject({ taskId: Id, outcome: z.enum(['done', 'dismissed']), note: z.string().max(2048).default('') }),
  /**
   * The whole configuration from a file (policy as code), applied all or nothing: tightening at once,
   * anything that widens access as one proposal (sync-server/commands/config-import.ts).
   */
  'config.import': z.strictObject({
    config: ConfigEntities,
    /** Archive resources and disable profiles the file leaves out (without it, leaving one out is refused). */
    prune: z.boolean().default(false),
    /** The configuration's hash the sender's diff was computed against: a different one now makes the import stale. */
    baseHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be the baseHash a diff answered').optional(),
  }),
  /**
   * A discovered standing holder of a resource becomes eligible instead: removed in the directory
   * through the revocation path (verified gone, with a receipt) and named on an access profile for it.
   */
  'standing.convert': z.strictObject({ resourceId: Id, userId: Id, reason }),
  /**
   * A person leaves: account disabled, sessions ended, pending requests cancelled, live grants revoked
   * and verified (reason `offboarding`), duties moved to the fallback (sync-server/offboarding/).
   * Without fallbackId the server's configured fallback takes them. Sent again, it finishes what is left.
   */
  'person.offboard': z.strictObject({ personId: Id, fallbackId: Id.optional(), reason }),
  /** An access review campaign's definition, created or changed by its owner (core/schema/review.ts). The sender owns a new one. */
  'review.campaign_upsert': z.strictObject({ campaign: CampaignDefinition }),
  /** Opens the campaign's next run now (the schedule does it on its own): its scope is snapshotted into review items. */
  'review.open': z.strictObject({ campaignId: Id, reason: z.string().max(2048).default('') }),
  /**
   * Keep or remove, one item or many (bulk) of one campaign's open run, each with its reason (a
   * removal needs one). Applied all or nothing: one item the sender may not decide refuses the lot.
   */
  'review.decide': z.strictObject({ campaignId: Id, decisions: z.array(ItemDecision).min(1, 'decide at least one item').max(500) }),
  /** Ends the open run before its deadline: undecided items take the default, removals are applied and verified. */
  'review.close': z.strictObject({ campaignId: Id, reason }),
  /**
   * An export the console made from its replica (evidence pack, requests CSV, review evidence CSV):
   * what, how many rows, the file's hash, when it was made; recorded as export.made when it syncs.
   */
  'export.record': ExportRecord,
} as const;

export type CommandType = keyof typeof CommandPayloads;
export const CommandType = z.enum(Object.keys(CommandPayloads) as [CommandType, ...CommandType[]]);
export type CommandPayload<T extends CommandType> = z.infer<(typeof CommandPayloads)[T]>;

/** The envelope as stored and replicated; payload is checked against its type by parseCommand. */
export const Command = z.object({
  id: Id,
  type: CommandType,
  actorId: Id,
  payload: z.record(z.string(), z.unknown()),
  createdAt: IsoTime,
  /** The revision of the subject the client saw when deciding; a newer one makes the decision stale. */
  baseRevision: z.number().int().min(0).nullable().default(null),
});
export type Command = z.infer<typeof Command>;

export type TypedCommand = { [T in CommandType]: Omit<Command, 'type' | 'payload'> & { type: T; payload: CommandPayload<T> } }[CommandType];

export const ErrorCode = z.enum([
  'invalid_input',
  'unauthenticated',
  'forbidden',
  'not_found',
  'not_eligible',
  'self_approval_forbidden',
  'already_decided',
  'stale',
  'invalid_transition',
  'duration_exceeds_policy',
  'justification_required',
  'ticket_required',
  /** The ticket-check hook said the ticket is closed, or could not say and the policy refuses then: core/engine/ticket-check.ts. */
  'ticket_not_open',
  'extension_limit',
  /** Asked outside the access windows of its policy; the message names the next opening: core/engine/auto-approval.ts. */
  'outside_window',
  /** The policy needs a second factor (step-up) fresher than the sender's session has: core/engine/mfa.ts. */
  'mfa_required',
  'conflict',
  /** A review decision for a campaign run that is no longer open (closed, applying, or a newer run): the message says which. */
  'campaign_closed',
  /** A removal would leave a resource with fewer members than it must keep (Resource.keepAtLeast): core/engine/review-lockout.ts. */
  'below_minimum_members',
  'unsupported_protocol',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const CommandResult = z.object({
  /** Same as the command id: one result per command, ever. */
  id: Id,
  commandId: Id,
  type: CommandType,
  actorId: Id,
  status: z.enum(['applied', 'rejected']),
  code: z.union([ErrorCode, z.literal('ok')]),
  message: z.string().max(4096),
  /** Ids of the documents the command created or changed. */
  subjectIds: z.array(Id).max(64).default([]),
  appliedAt: IsoTime,
});
export type CommandResult = z.infer<typeof CommandResult>;
