import { z } from 'zod';
import { AccountRole, DurationMinutes, Id, IsoTime } from './common.js';
import { TicketPattern, TicketSystem } from './ticket.js';
import { AutoApprovalRule, TimeWindow } from './time-window.js';
import { TicketCheckHook } from './ticket-check.js';

/**
 * Who changed a configuration entity recently, newest first, one entry per person. Written by the
 * server only: separation of duties refuses these people as approvers (and as auto-approval
 * beneficiaries) of requests the entity governs, for a cooling-off period.
 */
export const ChangedBy = z
  .array(z.object({ userId: Id, at: IsoTime }))
  .max(32)
  .default([]);
export type ChangedBy = z.infer<typeof ChangedBy>;

export const ApprovalStep = z.object({
  name: z.string().min(1).max(128),
  /** any: one approval completes the step; all: every named approver must approve. */
  mode: z.enum(['any', 'all']),
  approverIds: z.array(Id).max(64).default([]),
  /** People holding one of these roles may also approve (any-mode only). */
  approverRoles: z.array(AccountRole).max(6).default([]),
  /** Members of these directory groups may also approve (any-mode only: an all-of step names its people). */
  approverGroupIds: z.array(Id).max(16).default([]),
  /** Resource owner and the requester's manager can be named indirectly. */
  includeResourceOwner: z.boolean().default(false),
  includeManager: z.boolean().default(false),
  /** Undecided this long after becoming current, the step escalates; undecided again as long after that, the request expires. */
  timeoutMinutes: DurationMinutes.default(24 * 60),
  /** Who the step escalates to: named people, the members of directory groups, the resource owner, the requester's manager's manager. */
  escalateToIds: z.array(Id).max(64).default([]),
  escalateToGroupIds: z.array(Id).max(16).default([]),
  escalateToResourceOwner: z.boolean().default(false),
  escalateToManagersManager: z.boolean().default(false),
});
export type ApprovalStep = z.infer<typeof ApprovalStep>;

/** How long a second factor counts for a policy that requires one: 1 minute to 12 hours. */
export const MfaFreshMinutes = z.number().int().min(1).max(12 * 60);

export const AccessPolicy = z.object({
  id: Id,
  name: z.string().min(1).max(256),
  description: z.string().max(2048).default(''),
  maxDurationMinutes: DurationMinutes,
  defaultDurationMinutes: DurationMinutes,
  requireJustification: z.boolean().default(true),
  requireTicket: z.boolean().default(false),
  /** The form a ticket must have (any ticket given, required or not); `custom` uses ticketPattern. */
  ticketSystem: TicketSystem.default('any'),
  ticketPattern: TicketPattern.default(''),
  /** Optional: the server asks a ticket system whether a request's ticket is open (core/engine/ticket-check.ts). */
  ticketCheck: TicketCheckHook.optional(),
  /** The requester needs a second factor within mfaFreshMinutes to ask (and to ask for more time). */
  requireMfa: z.boolean().default(false),
  /** Approvers need a second factor within mfaFreshMinutes to approve (core/engine/mfa.ts). */
  requireApproverMfa: z.boolean().default(false),
  mfaFreshMinutes: MfaFreshMinutes.default(15),
  approvalSteps: z.array(ApprovalStep).max(8).default([]),
  /** With no steps and autoApprove, eligible requests are approved at once. */
  autoApprove: z.boolean().default(false),
  /** Without autoApprove: a request that one of these rules approves (every condition of the rule holds) skips the chain (core/engine/auto-approval.ts). */
  autoApprovalRules: z.array(AutoApprovalRule).max(8).default([]),
  /** Access may start only inside one of these windows; outside, a request is refused naming the next opening. Empty: any time. */
  accessWindows: z.array(TimeWindow).max(8).default([]),
  /** The requester may approve their own request in an emergency; a second person reviews it afterwards. */
  breakGlass: z.boolean().default(false),
  maxExtensions: z.number().int().min(0).max(20).default(0),
  /** A pending request not decided within this expires. */
  requestTtlMinutes: DurationMinutes.default(7 * 24 * 60),
  changedBy: ChangedBy,
  updatedAt: IsoTime,
});
export type AccessPolicy = z.infer<typeof AccessPolicy>;

/** Eligibility: who may request which resources. */
export const AccessProfile = z.object({
  id: Id,
  name: z.string().min(1).max(256),
  description: z.string().max(2048).default(''),
  resourceIds: z.array(Id).max(10000),
  /** Members: named people, whole departments, or holders of an account role. */
  userIds: z.array(Id).max(100000).default([]),
  departments: z.array(z.string().min(1).max(128)).max(256).default([]),
  roles: z.array(AccountRole).max(6).default([]),
  /** Optional cap tighter than the policies'. */
  maxDurationMinutes: DurationMinutes.nullable().default(null),
  enabled: z.boolean().default(true),
  changedBy: ChangedBy,
  updatedAt: IsoTime,
});
export type AccessProfile = z.infer<typeof AccessProfile>;
