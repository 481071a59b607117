import type { GrantStatus } from '../schema/grant.js';
import type { RequestStatus } from '../schema/request.js';
import { err, ok, type Result } from './result.js';

/**
 * The request/grant lifecycle as one state machine:
 * requested -> eligibility_checked -> pending_approval -> approved | denied | expired | cancelled,
 * then the grant: provisioning -> active -> revoking -> revoked -> verified, with failure states.
 */
export type LifecycleState = RequestStatus | GrantStatus;

const TRANSITIONS: Record<LifecycleState, readonly LifecycleState[]> = {
  requested: ['eligibility_checked', 'ineligible', 'cancelled'],
  eligibility_checked: ['pending_approval', 'approved', 'cancelled'],
  pending_approval: ['approved', 'denied', 'expired', 'cancelled'],
  // An approved request hands over to its grant; a scheduled one may be cancelled before its start.
  approved: ['provisioning', 'cancelled'],
  denied: [],
  expired: [],
  cancelled: [],
  ineligible: [],
  provisioning: ['active', 'provision_failed', 'revoking'],
  // A failed provisioning is retried, or cleaned up by revoking whatever half-landed.
  provision_failed: ['provisioning', 'revoking'],
  active: ['active', 'revoking'],
  revoking: ['revoked', 'revoke_failed'],
  // An escalated revocation is retried; it never silently ends.
  revoke_failed: ['revoking', 'revoked'],
  // Verification that finds the access still present sends the grant back to revoking.
  revoked: ['verified', 'revoking'],
  verified: [],
};

export const TERMINAL_STATES: readonly LifecycleState[] = (Object.keys(TRANSITIONS) as LifecycleState[]).filter(
  (s) => TRANSITIONS[s].length === 0,
);

export function isTerminal(state: LifecycleState): boolean {
  return TRANSITIONS[state].length === 0;
}

export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedTransitions(from: LifecycleState): readonly LifecycleState[] {
  return TRANSITIONS[from];
}

export function transition<S extends LifecycleState>(from: LifecycleState, to: S): Result<S> {
  if (canTransition(from, to)) return ok(to);
  return err(
    isTerminal(from) ? 'already_decided' : 'invalid_transition',
    isTerminal(from) ? `it is already ${from.replace('_', ' ')}` : `cannot go from ${from} to ${to}`,
  );
}

export const PENDING_REQUEST_STATES: readonly RequestStatus[] = ['requested', 'eligibility_checked', 'pending_approval'];
export const LIVE_GRANT_STATES: readonly GrantStatus[] = ['provisioning', 'provision_failed', 'active', 'revoking', 'revoke_failed'];
