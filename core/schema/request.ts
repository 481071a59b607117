import { z } from 'zod';
import { DurationMinutes, Id, IsoTime } from './common.js';
import { TICKET_PATTERN_MAX, TicketSystem } from './ticket.js';
import { MfaFreshMinutes } from './policy.js';
import { AutoApprovalRecord } from './time-window.js';
import { TicketCheckResult } from './ticket-check.js';

export const RequestStatus = z.enum([
  'requested',
  'eligibility_checked',
  'pending_approval',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'ineligible',
]);
export type RequestStatus = z.infer<typeof RequestStatus>;

export const ApprovalDecision = z.object({
  stepIndex: z.number().int().min(0).max(7),
  approverId: Id,
  decision: z.enum(['approve', 'deny']),
  reason: z.string().max(2048).default(''),
  decidedAt: IsoTime,
  /** Set when the decision was a break-glass self-approval. */
  breakGlass: z.boolean().default(false),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/** The resolved policy is frozen on the request so later edits do not change a decision in flight. */
export const ResolvedPolicy = z.object({
  policyIds: z.array(Id),
  maxDurationMinutes: DurationMinutes,
  requireJustification: z.boolean(),
  requireTicket: z.boolean(),
  requireMfa: z.boolean(),
  // Defaults: requests recorded before approver MFA existed.
  requireApproverMfa: z.boolean().default(false),
  mfaFreshMinutes: MfaFreshMinutes.default(15),
  autoApprove: z.boolean(),
  breakGlass: z.boolean(),
  maxExtensions: z.number().int().min(0),
  requestTtlMinutes: DurationMinutes,
  /** The recommended duration (the shortest default of the bound policies): a request that names none gets it. */
  defaultDurationMinutes: DurationMinutes.optional(),
  /** The forms a ticket must have, one per bound policy that names a ticket system (core/engine/ticket.ts). */
  ticketFormats: z.array(z.object({ system: TicketSystem, pattern: z.string().max(TICKET_PATTERN_MAX) })).max(8).optional(),
  approvalSteps: z.array(
    z.object({
      name: z.string(),
      mode: z.enum(['any', 'all']),
      approverIds: z.array(Id),
      approverRoles: z.array(z.string()),
      // Optional: requests recorded before approver groups existed lack them.
      approverGroupIds: z.array(Id).optional(),
      timeoutMinutes: DurationMinutes,
      escalateToIds: z.array(Id),
      // Optional: requests recorded before these existed lack them.
      escalateToGroupIds: z.array(Id).optional(),
      escalateToResourceOwner: z.boolean().optional(),
      escalateToManagersManager: z.boolean().optional(),
      /** The people the step escalated to after its timeout: any one of them completes it. */
      escalatedApproverIds: z.array(Id).optional(),
    }),
  ),
});
export type ResolvedPolicy = z.infer<typeof ResolvedPolicy>;

export const AccessRequest = z.object({
  id: Id,
  requesterId: Id,
  /** A request for a service identity: its id (the grant goes to it); requesterId is the owner who asked on its behalf. */
  onBehalfOf: Id.optional(),
  resourceId: Id,
  durationMinutes: DurationMinutes,
  justification: z.string().max(4096).default(''),
  ticket: z.string().max(256).default(''),
  /** What the policy's ticket-check hook said of the ticket when the request was made; absent when no hook was asked. */
  ticketCheck: TicketCheckResult.optional(),
  status: RequestStatus,
  policy: ResolvedPolicy.nullable().default(null),
  currentStep: z.number().int().min(0).max(8).default(0),
  decisions: z.array(ApprovalDecision).max(256).default([]),
  riskScore: z.number().int().min(0).max(100).default(0),
  /** Why the score is what it is: each factor and its points (core riskFactors); their sum is riskScore. */
  riskFactors: z
    .array(z.object({ label: z.string().max(128), points: z.number().int().min(0).max(100) }))
    .max(12)
    .optional(),
  /** Resources the requester held when asking that must not be held with this one (separation of duties). */
  conflicts: z
    .array(z.object({ resourceId: Id, resourceName: z.string().max(256) }))
    .max(16)
    .optional(),
  /** Whether the policies' auto-approval rules approved it, and why (or why not), in words; absent when no rule was consulted. */
  autoApproval: AutoApprovalRecord.optional(),
  /** Why the request ended: denial reason, ineligibility, cancellation. */
  outcomeReason: z.string().max(2048).default(''),
  grantId: Id.nullable().default(null),
  /** Set on a request for more time on a live grant: approved, it extends that grant instead of creating one. */
  extendsGrantId: Id.nullable().default(null),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  decidedAt: IsoTime.nullable().default(null),
  expiresAt: IsoTime.nullable().default(null),
  /** A scheduled start: provisioning waits for it, and the grant ends at startsAt + durationMinutes (core/engine/scheduled-start.ts). Absent: at approval. */
  startsAt: IsoTime.nullable().optional(),
  /** When the current approval step became current, and when it times out (escalates, or expires the request once escalated). */
  // Optional: requests recorded before step timeouts were enforced have none (their deadline still holds).
  stepStartedAt: IsoTime.nullable().optional(),
  stepDueAt: IsoTime.nullable().optional(),
  /** The steps that escalated after a timeout: the queue marks the request "escalated" while one of them is current. */
  escalatedSteps: z.array(z.number().int().min(0).max(7)).max(8).optional(),
  /** Increases on every server write; clients send it back as baseRevision. */
  revision: z.number().int().min(0),
});
export type AccessRequest = z.infer<typeof AccessRequest>;
