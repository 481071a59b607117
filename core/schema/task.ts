import { z } from 'zod';
import { Id, IsoTime } from './common.js';

/** Work for a person: an escalated revocation, a manual provisioning, a drift alert. */
export const Task = z.object({
  id: Id,
  kind: z.enum([
    'revocation_escalation',
    'provision_escalation',
    'manual_provision',
    'manual_revoke',
    'drift_alert',
    'approval_escalation',
    /** A break-glass self-approval always gets a second person's review afterwards. */
    'break_glass_review',
    /** The directory says a person is disabled or gone: an admin decides whether to offboard them. */
    'offboard_alert',
    /** Offboarding left a service identity with no owner who can ask or answer for it. */
    'no_owner_alert',
    /** Offboarding left review items with nobody to decide them: the campaign's fallback finds nobody. */
    'review_unassigned_alert',
  ]),
  title: z.string().min(1).max(512),
  detail: z.string().max(8192).default(''),
  assigneeId: Id.nullable().default(null),
  grantId: Id.nullable().default(null),
  requestId: Id.nullable().default(null),
  resourceId: Id.nullable().default(null),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  status: z.enum(['open', 'done', 'dismissed']),
  createdAt: IsoTime,
  dueAt: IsoTime.nullable().default(null),
  closedAt: IsoTime.nullable().default(null),
  closedBy: Id.nullable().default(null),
  /** Reminders sent to the assignee since it fell due (server only: the scheduler's task-reminders pass). */
  reminders: z.number().int().min(0).default(0),
  remindedAt: IsoTime.nullable().default(null),
  updatedAt: IsoTime,
});
export type Task = z.infer<typeof Task>;

export const VerificationRead = z.object({
  at: IsoTime,
  present: z.boolean(),
  /** What the directory answered, summarised (status, ids seen). */
  detail: z.string().max(2048).default(''),
});

/** A verification receipt: what was read back from the directory to prove a grant took effect or is gone. */
export const Verification = z.object({
  id: Id,
  grantId: Id,
  purpose: z.enum(['provision', 'revocation', 'drift_check']),
  result: z.enum(['effective', 'gone', 'still_present', 'drift', 'inconclusive']),
  connector: z.enum(['entra', 'ad', 'manual', 'webhook']),
  endpoint: z.string().max(2048),
  reads: z.array(VerificationRead).max(64),
  consistentReads: z.number().int().min(0),
  transitiveChecked: z.boolean().default(false),
  /** The identity that made the write this receipt follows (e.g. which app registration). */
  actedVia: z.string().max(256).optional(),
  /** Purpose drift_check: whether the fixed re-checks or the rolling sweep booked it. */
  sweep: z.boolean().optional(),
  /** What the reads cannot show, in words (AD: issued Kerberos tickets keep old groups until renewed). */
  caveat: z.string().max(1024).optional(),
  startedAt: IsoTime,
  finishedAt: IsoTime,
});
export type Verification = z.infer<typeof Verification>;
