import { err, ok, type Result } from './result.js';

/**
 * Step-up MFA: the one rule that says whether a person's last second factor is recent enough for
 * what a policy asks of them. Every path that creates, extends or approves access goes through
 * `checkSecondFactor`, on the server (the command's use cases, with the sending session's time) and
 * in the console (to ask for a code before sending). Today the time comes from a TOTP or recovery
 * code checked by the server's step-up endpoint; an identity provider's `amr` claim can supply the
 * same time later without anything here changing.
 */

/** The policy fields the rule reads: an access policy or a request's resolved policy. */
export type MfaPolicy = { requireMfa: boolean; requireApproverMfa: boolean; mfaFreshMinutes: number };

/** request: asking for access or more time (the requester's rule); approve: an approval, break-glass included. */
export type MfaAction = 'request' | 'approve';

export const DEFAULT_MFA_FRESH_MINUTES = 15;

/** What the engine is told about the sender's session: when it last proved a second factor (null: never). */
export type SecondFactorContext = { secondFactorAt?: string | null };

/** Several policies bound one decision: most restrictive wins (any requirement, the shortest freshness). */
export function strictestMfa(policies: readonly MfaPolicy[]): MfaPolicy {
  return {
    requireMfa: policies.some((p) => p.requireMfa),
    requireApproverMfa: policies.some((p) => p.requireApproverMfa),
    mfaFreshMinutes: policies.length === 0 ? DEFAULT_MFA_FRESH_MINUTES : Math.min(...policies.map((p) => p.mfaFreshMinutes)),
  };
}

/** Whether the policy asks for a second factor for this action. Break-glass is the requester approving: both rules hold. */
export function needsSecondFactor(policy: MfaPolicy, action: MfaAction, breakGlass = false): boolean {
  if (action === 'request') return policy.requireMfa;
  return policy.requireApproverMfa || (breakGlass && policy.requireMfa);
}

/**
 * Ok when the policy needs no second factor for the action, or the last one (an ISO time, or null
 * for none in this session) is at most `mfaFreshMinutes` old. A time after `now` does not count:
 * the server writes it from its own clock, so a later one means the clock or the record is wrong.
 */
export function checkSecondFactor(policy: MfaPolicy, lastSecondFactorAt: string | null | undefined, now: Date, action: MfaAction = 'request', breakGlass = false): Result<true> {
  if (!needsSecondFactor(policy, action, breakGlass)) return ok(true);
  return checkFreshFactor(action === 'request' ? 'asking for this access' : 'approving this request', policy.mfaFreshMinutes, lastSecondFactorAt, now);
}

/**
 * The freshness half of the rule on its own, for actions no policy governs (an admin resetting
 * someone's authenticator): `what` starts the refusal ("resetting Bob's authenticator needs ...").
 */
export function checkFreshFactor(what: string, freshMinutes: number, lastSecondFactorAt: string | null | undefined, now: Date): Result<true> {
  const within = `within the last ${freshMinutes} minute${freshMinutes === 1 ? '' : 's'}`;
  const at = lastSecondFactorAt ? Date.parse(lastSecondFactorAt) : Number.NaN;
  if (Number.isNaN(at)) return err('mfa_required', `${what} needs a second factor ${within}; confirm with your authenticator code and send it again`);
  const age = now.getTime() - at;
  if (age < 0 || age > freshMinutes * 60_000) {
    return err('mfa_required', `${what} needs a second factor ${within}; yours was ${age < 0 ? 'recorded in the future' : `${Math.floor(age / 60_000)} minutes ago`}: confirm with your authenticator code and send it again`);
  }
  return ok(true);
}
