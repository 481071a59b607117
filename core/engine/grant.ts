import type { Grant } from '../schema/grant.js';
import type { RevocationCategory } from '../schema/revocation.js';
import type { AccessRequest } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import { canTransition, isTerminal } from './lifecycle.js';
import { categoryOfReason } from './revocation-reasons.js';
import { err, ok, type EngineContext, type Result } from './result.js';
import type { AccessPolicy } from '../schema/policy.js';
import { boundPolicies, nextAccessOpening } from './auto-approval.js';
import { grantWindow } from './scheduled-start.js';
import { isTimeZone } from './time-window.js';

const MINUTE = 60_000;

/**
 * When the grant of a request approved now is active. A request is asked inside its policies'
 * access windows, but its approval may come after they closed: access then waits for the next
 * opening and lasts its duration from there (the scheduler provisions it then, like a scheduled start).
 * Null when no opening comes: the grant is refused rather than provisioned outside every window.
 */
export function activeWindow(request: AccessRequest, policies: readonly AccessPolicy[], now: Date): { startsAt: string; expiresAt: string } | null {
  const window = grantWindow(request, now);
  const bound = boundPolicies(request.policy?.policyIds ?? [], policies);
  // A window in a zone this server does not know is closed, never ignored.
  if (bound.some((p) => (p.accessWindows ?? []).some((w) => !isTimeZone(w.timeZone)))) return null;
  const opening = nextAccessOpening(bound, new Date(window.startsAt));
  // Null: the policies' windows have no common opening in the days ahead (changed since it was asked).
  if (!opening) return null;
  if (opening.getTime() <= Date.parse(window.startsAt)) return window;
  return { startsAt: opening.toISOString(), expiresAt: new Date(opening.getTime() + request.durationMinutes * MINUTE).toISOString() };
}

/** `policies`: the configuration now, whose access windows an approval after they closed waits for (activeWindow). */
export function grantFromRequest(request: AccessRequest, resource: Resource, grantId: string, ctx: EngineContext, policies: readonly AccessPolicy[] = []): Result<Grant> {
  if (request.status !== 'approved') return err('invalid_transition', `a ${request.status} request does not produce a grant`);
  if (!request.policy) return err('invalid_transition', 'the request has no resolved policy');
  const maxDurationMinutes = request.policy.maxDurationMinutes;
  if (request.durationMinutes > maxDurationMinutes) {
    return err('duration_exceeds_policy', `durationMinutes ${request.durationMinutes} exceeds the policy maximum of ${maxDurationMinutes}`);
  }
  const now = ctx.now.toISOString();
  // A scheduled request's grant waits for its start (the scheduler provisions it then) and ends at start + duration.
  const window = activeWindow(request, policies, ctx.now);
  if (!window) return err('outside_window', 'the access windows of its policies do not open in the days ahead (or name a time zone this server does not know), so access cannot be granted now; ask again once the windows are fixed');
  return ok({
    id: grantId,
    requestId: request.id,
    // A request for a service identity grants it, not the owner who asked.
    userId: request.onBehalfOf ?? request.requesterId,
    ...(request.onBehalfOf ? { requestedBy: request.requesterId } : {}),
    resourceId: resource.id,
    connector: resource.connector,
    status: 'provisioning',
    approvedAt: request.decidedAt ?? now,
    startsAt: window.startsAt,
    expiresAt: window.expiresAt,
    provisionedAt: null,
    effectiveAt: null,
    revokeRequestedAt: null,
    revokedAt: null,
    verifiedAt: null,
    endedBy: null,
    endedReason: '',
    extensions: 0,
    maxExtensions: request.policy.maxExtensions,
    maxDurationMinutes,
    latenessMs: null,
    timeToEffectiveMs: null,
    attempts: 0,
    lastError: '',
    verification: 'none',
    updatedAt: now,
    revision: 1,
  });
}

const bump = (g: Grant, now: string): Pick<Grant, 'updatedAt' | 'revision'> => ({ updatedAt: now, revision: g.revision + 1 });

/** Extensions never let a grant outlive its policy's maximum, counted from its start. */
export function extendGrant(grant: Grant, minutes: number, ctx: EngineContext): Result<Grant> {
  if (grant.status !== 'active' && grant.status !== 'provisioning') return err('invalid_transition', `a ${grant.status.replace('_', ' ')} grant cannot be extended`);
  if (grant.extensions >= grant.maxExtensions) {
    return err('extension_limit', grant.maxExtensions === 0 ? 'the access policy allows no extensions' : `the access policy allows at most ${grant.maxExtensions} extension(s)`);
  }
  const ceiling = Date.parse(grant.startsAt) + grant.maxDurationMinutes * MINUTE;
  const proposed = Date.parse(grant.expiresAt) + minutes * MINUTE;
  if (proposed > ceiling) {
    const left = Math.max(0, Math.floor((ceiling - Date.parse(grant.expiresAt)) / MINUTE));
    return err('duration_exceeds_policy', `minutes ${minutes} would pass the policy maximum of ${grant.maxDurationMinutes} minutes; at most ${left} more minutes are allowed`);
  }
  // Expired but not yet revoked is still expired: an extension must not revive access the scheduler is about to remove.
  if (Date.parse(grant.expiresAt) <= ctx.now.getTime()) return err('invalid_transition', 'the grant has already expired');
  const now = ctx.now.toISOString();
  return ok({ ...grant, expiresAt: new Date(proposed).toISOString(), extensions: grant.extensions + 1, ...bump(grant, now) });
}

/**
 * Revoke now (a person) or at expiry (the scheduler, actor `system`). `category`: why, from the
 * closed list; absent, the one the reason stands for (categoryOfReason: the reasons the server writes).
 */
export function requestRevocation(grant: Grant, actorId: string, reason: string, ctx: EngineContext, category?: RevocationCategory): Result<Grant> {
  if (grant.status === 'revoking' || grant.status === 'revoked' || grant.status === 'verified') {
    return err('already_decided', `the grant is already ${grant.status}`);
  }
  if (!canTransition(grant.status, 'revoking')) return err('invalid_transition', `a ${grant.status} grant cannot be revoked`);
  const now = ctx.now.toISOString();
  const endedCategory = category ?? categoryOfReason(reason, actorId, grant.userId);
  return ok({ ...grant, status: 'revoking', revokeRequestedAt: now, endedBy: actorId, endedReason: reason, endedCategory, ...bump(grant, now) });
}

export function markProvisioned(grant: Grant, ctx: EngineContext): Result<Grant> {
  if (!canTransition(grant.status, 'active')) return err('invalid_transition', `cannot activate a ${grant.status} grant`);
  const now = ctx.now.toISOString();
  return ok({ ...grant, status: 'active', provisionedAt: grant.provisionedAt ?? now, lastError: '', ...bump(grant, now) });
}

export function markEffective(grant: Grant, ctx: EngineContext): Grant {
  const now = ctx.now.toISOString();
  // Measured from when access was due: the approval, or a scheduled grant's later start.
  const dueAt = Math.max(Date.parse(grant.approvedAt), Date.parse(grant.startsAt));
  return { ...grant, effectiveAt: now, timeToEffectiveMs: ctx.now.getTime() - dueAt, verification: 'effective', ...bump(grant, now) };
}

export function markRevoked(grant: Grant, ctx: EngineContext): Result<Grant> {
  if (!canTransition(grant.status, 'revoked')) return err('invalid_transition', `cannot mark a ${grant.status} grant revoked`);
  const now = ctx.now.toISOString();
  const expiredAt = Date.parse(grant.expiresAt);
  // Lateness is measured only for revocations due to expiry, not early "revoke now".
  const dueToExpiry = Date.parse(grant.revokeRequestedAt ?? now) >= expiredAt;
  return ok({
    ...grant,
    status: 'revoked',
    revokedAt: now,
    latenessMs: dueToExpiry ? ctx.now.getTime() - expiredAt : null,
    verification: 'pending',
    lastError: '',
    ...bump(grant, now),
  });
}

export function markFailed(grant: Grant, to: 'provision_failed' | 'revoke_failed', error: string, ctx: EngineContext): Result<Grant> {
  if (!canTransition(grant.status, to)) return err('invalid_transition', `cannot mark a ${grant.status} grant ${to}`);
  const now = ctx.now.toISOString();
  return ok({ ...grant, status: to, lastError: error.slice(0, 2048), ...bump(grant, now) });
}

export function markVerifiedGone(grant: Grant, ctx: EngineContext): Result<Grant> {
  if (!canTransition(grant.status, 'verified')) return err('invalid_transition', `cannot verify a ${grant.status} grant`);
  const now = ctx.now.toISOString();
  return ok({ ...grant, status: 'verified', verifiedAt: now, verification: 'gone', ...bump(grant, now) });
}

export function isEnded(grant: Grant): boolean {
  return isTerminal(grant.status);
}
