/**
 * What the console asks before sending a decision: does the policy on the replica need a second
 * factor for this, and is the session's recent enough? The answer comes from core's one rule
 * (checkSecondFactor), so the console and the server cannot disagree about what a policy means; the
 * server still decides, and a refusal (mfa_required) brings the same prompt.
 */
import {
  checkSecondFactor,
  DEFAULT_MFA_FRESH_MINUTES,
  needsSecondFactor,
  strictestMfa,
  type AccessPolicy,
  type AccessRequest,
  type MfaAction,
  type MfaPolicy,
  type Resource,
} from '../../../core/index.js';
import { sentence } from '../../ui/ui.js';

/** What a decision needs: the policy's MFA rules, the action, whether it is break-glass, and a few words on what it is. */
export type StepUpNeed = { policy: MfaPolicy; action: MfaAction; breakGlass?: boolean; what?: string; /** Who asks for the code, when it is not an access policy. */ askedBy?: string };

/** Asked with no policy: a factor within the default freshness. */
export const ANY_POLICY: MfaPolicy = { requireMfa: true, requireApproverMfa: true, mfaFreshMinutes: DEFAULT_MFA_FRESH_MINUTES };

const known = (ids: readonly string[], policies: ReadonlyMap<string, AccessPolicy>) => ids.map((id) => policies.get(id)).filter((p): p is AccessPolicy => p !== undefined);

/** An approval: the request's policy as frozen and the replica's current copies of its policies, whichever asks more. */
export function approvalNeed(request: AccessRequest, policies: ReadonlyMap<string, AccessPolicy>, what?: string): StepUpNeed | null {
  if (!request.policy) return null;
  const policy = strictestMfa([request.policy, ...known(request.policy.policyIds, policies)]);
  return needsSecondFactor(policy, 'approve') ? { policy, action: 'approve', ...(what ? { what } : {}) } : null;
}

/** A new request, or more time, for a resource: the requester's rule of its policies. */
export function requestNeed(resource: Resource | undefined, policies: ReadonlyMap<string, AccessPolicy>, what?: string): StepUpNeed | null {
  if (!resource) return null;
  const policy = strictestMfa(known(resource.policyIds, policies));
  return needsSecondFactor(policy, 'request') ? { policy, action: 'request', ...(what ? { what } : {}) } : null;
}

/** Whether the session's last second factor already covers the need (no prompt then). */
export function isCovered(need: StepUpNeed, secondFactorAt: string | null, now: Date): boolean {
  return checkSecondFactor(need.policy, secondFactorAt, now, need.action, need.breakGlass ?? false).ok;
}

/** The strictest of several needs (bulk approval): one prompt covers them all. */
export function combineNeeds(needs: readonly (StepUpNeed | null)[]): StepUpNeed | null {
  const present = needs.filter((n): n is StepUpNeed => n !== null);
  if (present.length === 0) return null;
  return { policy: strictestMfa(present.map((n) => n.policy)), action: present.some((n) => n.action === 'approve') ? 'approve' : 'request', what: present.length === 1 ? present[0]?.what : `Sending these ${present.length} decisions` };
}

/** What the dialog says about a refused code: the server's sentence without its field name. */
export function codeProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // "code: is not the current code …" reads as a sentence about the code typed.
  return sentence(message.replace(/^code: is /, 'This code is ').replace(/^code: /, ''));
}

/** The dialog's first sentence: "Approving Bob's request for Key Vault needs two-step verification: …". `what` starts with a verb. */
export function needText(need: StepUpNeed | null): string {
  const what = need?.what ?? (need?.action === 'request' ? 'Asking for this access' : 'Approving this request');
  const minutes = need?.policy.mfaFreshMinutes ?? DEFAULT_MFA_FRESH_MINUTES;
  return `${what} needs two-step verification: ${need?.askedBy ?? 'its access policy'} asks for a code from your authenticator app within the last ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** An admin resetting someone's authenticator proves their own first (sync-server/http/mfa-admin-routes.ts). */
export function adminResetNeed(name: string): StepUpNeed {
  return { policy: ANY_POLICY, action: 'approve', what: `Resetting ${name}’s authenticator`, askedBy: 'the server' };
}

/** A base32 secret in groups of four, as apps ask for it when it is typed: "ABCD EFGH …". */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

/** The text file the recovery codes download as. */
export function recoveryCodesFile(codes: readonly string[], account: string, serverUrl: string, at: Date): string {
  return [
    `JIT access recovery codes for ${account}`,
    `Server: ${serverUrl}`,
    `Created: ${at.toISOString()}`,
    '',
    'Each code works once, in place of an authenticator code. Keep them somewhere safe.',
    '',
    ...codes,
    '',
  ].join('\n');
}
