import { z } from 'zod';
import { Id, IsoTime } from '../schema/common.js';

/** The closed list of audit event types. Adding one is a deliberate change here. */
export const AuditEventType = z.enum([
  'account.created',
  'account.unlocked',
  'account.password_reset',
  'account.password_changed',
  'account.roles_changed',
  'account.role_change_proposed',
  'account.role_change_cancelled',
  'account.disabled',
  'account.enabled',
  'account.signed_out_everywhere',
  'account.mfa_enrolment_started',
  'account.mfa_enrolled',
  'account.mfa_removed',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.step_up_succeeded',
  'auth.step_up_failed',
  /** A session ended by its own sign-out (POST /api/v1/auth/logout); ending every session is account.signed_out_everywhere. */
  'auth.signed_out',
  'command.rejected',
  'request.created',
  'request.eligibility_checked',
  'request.ineligible',
  'request.approval_recorded',
  'request.approved',
  'request.denied',
  'request.cancelled',
  'request.expired',
  'request.escalated',
  'request.break_glass',
  'grant.created',
  'grant.provision_started',
  'grant.provisioned',
  'grant.provision_failed',
  'grant.effective_verified',
  'grant.extended',
  'grant.shortened',
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
  'task.reminded',
  'task.closed',
  'connector.configured',
  /** Standing-access discovery (core/engine/standing-access.ts): a run asked for, a run's findings, a standing holder made eligible instead. */
  'standing.discovery_requested',
  'standing.discovered',
  'standing.converted',
  /** One directory sync run of a connector: its change report (added, changed field by field, disabled, removed). */
  'directory.synced',
  /** An admin linked or unlinked a person and a directory object by hand (an exception to the sync's matching). */
  'account.linked',
  'account.unlinked',
  /** A ticket-check hook's shared secret stored (encrypted) or removed on the server (sync-server/ticket-check/secret-store.ts). */
  'ticket_hook.secret_set',
  'ticket_hook.secret_removed',
  /** A person offboarded (sync-server/offboarding/): one summary event beside the per-item ones; a duty moved to the fallback; the directory saw them disabled or gone. */
  'person.offboarded',
  'person.duty_reassigned',
  'person.directory_disabled',
  /** The offboarding webhook's secret stored or removed, and a call it refused (bad signature, old timestamp, replay). */
  'offboard_webhook.secret_set',
  'offboard_webhook.secret_removed',
  'offboard_webhook.refused',
  /** The server's start-up check found the log, its checkpoints, its guards or the stored state not as signed and logged (sync-server/audit/). */
  'audit.integrity_alert',
  /** Events up to a signed checkpoint moved to a sealed archive file (npm run audit:archive); the log continues from it. */
  'audit.archived',
  /** Access reviews (sync-server/reviews/): a campaign changed, opened, closed and applied; an item decided, advanced, reminded, defaulted, refused, escalated. */
  'review.campaign_changed',
  'review.opened',
  'review.decided',
  'review.stage_advanced',
  'review.reminded',
  'review.default_applied',
  'review.removal_refused',
  'review.closed',
  'review.applied',
  'review.escalated',
  /** An export made on a console from its replica (core/schema/export.ts): kind, period or filter, rows, file and manifest hash, when it was made. */
  'export.made',
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
  subjectType: z.enum(['request', 'grant', 'policy', 'profile', 'resource', 'proposal', 'task', 'account', 'command', 'connector', 'audit', 'review', 'export']),
  subjectId: Id,
  data: z.record(z.string(), z.unknown()).default({}),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
