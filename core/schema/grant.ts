import { z } from 'zod';
import { Id, IsoTime } from './common.js';
import { RevocationCategory } from './revocation.js';

export const GrantStatus = z.enum([
  'provisioning',
  'provision_failed',
  'active',
  'revoking',
  'revoke_failed',
  'revoked',
  'verified',
]);
export type GrantStatus = z.infer<typeof GrantStatus>;

export const VerificationState = z.enum(['none', 'pending', 'effective', 'gone', 'still_present', 'drift', 'inconclusive']);

/** Time-bound access produced by an approved request. Never deleted: ended with time, actor and reason. */
export const Grant = z.object({
  id: Id,
  requestId: Id,
  userId: Id,
  /** A grant to a service identity (userId): the owner who asked for it on its behalf. */
  requestedBy: Id.optional(),
  resourceId: Id,
  connector: z.enum(['entra', 'ad', 'manual', 'webhook']),
  status: GrantStatus,
  approvedAt: IsoTime,
  startsAt: IsoTime,
  expiresAt: IsoTime,
  provisionedAt: IsoTime.nullable().default(null),
  /** Verified effective in the directory. */
  effectiveAt: IsoTime.nullable().default(null),
  revokeRequestedAt: IsoTime.nullable().default(null),
  revokedAt: IsoTime.nullable().default(null),
  verifiedAt: IsoTime.nullable().default(null),
  endedBy: Id.nullable().default(null),
  /** The free-text note of why it ended (optional beside the category; before categories, the only reason). */
  endedReason: z.string().max(2048).default(''),
  /** Why it ended, from the closed list; absent on grants ended before categories were stored: read revocationCategoryOf (core/engine/revocation-reasons.ts). */
  endedCategory: RevocationCategory.optional(),
  extensions: z.number().int().min(0).default(0),
  maxExtensions: z.number().int().min(0).default(0),
  /** Ceiling set by the policy at approval; extensions may not pass it. */
  maxDurationMinutes: z.number().int().min(1),
  /** revokedAt - expiresAt, in milliseconds, once revoked at or after expiry. */
  latenessMs: z.number().int().nullable().default(null),
  /** effectiveAt - approvedAt, in milliseconds. */
  timeToEffectiveMs: z.number().int().nullable().default(null),
  attempts: z.number().int().min(0).default(0),
  lastError: z.string().max(2048).default(''),
  verification: VerificationState.default('none'),
  /** Shortened to a lowered maximum (grant.shorten, core/engine/grant-shorten.ts): its holder is told by whom (named: a requester's replica may not hold the person), why and from which end. */
  shortened: z.object({ at: IsoTime, by: Id, byName: z.string().max(256), previousExpiresAt: IsoTime, maxMinutes: z.number().int().min(1), reason: z.string().max(2048) }).optional(),
  /**
   * Its break-glass follow-up review went past its deadline undecided: escalated to the resource
   * owner's manager and flagged here, where the revocations page reads it (core/engine/review-break-glass.ts).
   */
  reviewFlag: z.object({ itemId: Id, at: IsoTime, reason: z.string().max(512), escalatedToId: Id.nullable() }).optional(),
  updatedAt: IsoTime,
  revision: z.number().int().min(0),
});
export type Grant = z.infer<typeof Grant>;
