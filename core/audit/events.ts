import { z } from 'zod';
import { Id, IsoTime } from '../schema/common.js';

/** The closed list of audit event types. Adding one is a deliberate change here. */
export const AuditEventType = z.enum([
  'account.created',
  'account.unlocked',
  'account.password_reset',
  'auth.login_succeeded',
  'auth.login_failed',
  'command.rejected',
  'request.created',
  'request.eligibility_checked',
  'request.ineligible',
  'request.approval_recorded',
  'request.approved',
  'request.denied',
  'request.cancelled',
  'request.expired',
  'request.break_glass',
  'grant.created',
  'grant.provision_started',
  'grant.provisioned',
  'grant.provision_failed',
  'grant.effective_verified',
  'grant.extended',
  'grant.revoke_requested',
  'grant.revoke_started',
  'grant.revoked',
  'grant.revoke_failed',
  'grant.revoke_escalated',
  'grant.revocation_verified',
  'grant.revocation_not_verified',
  'grant.drift_detected',
  'grant.drift_check_passed',
  'policy.changed',
  'profile.changed',
  'resource.changed',
  'proposal.created',
  'proposal.applied',
  'proposal.rejected',
  'proposal.withdrawn',
  'task.created',
  'task.closed',
  'connector.configured',
]);
export type AuditEventType = z.infer<typeof AuditEventType>;

export const AuditEvent = z.object({
  /** `ae-<seq>`: the chain position is the identity. */
  id: Id,
  seq: z.number().int().min(1),
  type: AuditEventType,
  /** Who caused it: a person's id, or `system` for the scheduler and connectors. */
  actorId: Id,
  at: IsoTime,
  subjectType: z.enum(['request', 'grant', 'policy', 'profile', 'resource', 'proposal', 'task', 'account', 'command', 'connector']),
  subjectId: Id,
  data: z.record(z.string(), z.unknown()).default({}),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
