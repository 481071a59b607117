import type { AccessPolicy } from '../schema/policy.js';
import type { ResolvedPolicy } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import { err, ok, type Result } from './result.js';
import { ticketFormatsOf } from './ticket.js';

/** A request records its step as 0..8 and each decision's step as 0..7 (core/schema/request.ts). */
export const MAX_APPROVAL_STEPS = 8;

/**
 * Several policies can bound one resource; the most restrictive wins: the shortest durations,
 * the OR of every requirement, the AND of every permission, all approval steps in order.
 */
export function resolvePolicy(resource: Resource, policies: readonly AccessPolicy[]): Result<ResolvedPolicy> {
  const applicable = resource.policyIds.map((id) => policies.find((p) => p.id === id));
  const missing = resource.policyIds.filter((_, i) => applicable[i] === undefined);
  if (missing.length > 0) {
    return err('not_found', `access policy ${missing.join(', ')} of ${resource.name} does not exist; requests are refused until it is fixed`);
  }
  const list = applicable as AccessPolicy[];
  const approvalSteps = list.flatMap((p) =>
    p.approvalSteps.map((s) => ({
      name: s.name,
      mode: s.mode,
      approverIds: [...s.approverIds, ...(s.includeResourceOwner ? [resource.ownerId] : [])],
      approverRoles: [...s.approverRoles],
      // Membership is read when someone decides, so a group's members now may approve.
      approverGroupIds: [...(s.approverGroupIds ?? [])],
      timeoutMinutes: s.timeoutMinutes,
      escalateToIds: [...s.escalateToIds],
      // Who else the step escalates to is looked up when it escalates (core/engine/deadline.ts).
      escalateToGroupIds: [...(s.escalateToGroupIds ?? [])],
      escalateToResourceOwner: s.escalateToResourceOwner ?? false,
      escalateToManagersManager: s.escalateToManagersManager ?? false,
    })),
  );
  if (approvalSteps.length > MAX_APPROVAL_STEPS) {
    // A longer chain could never be walked to the end: refuse it up front instead of failing at step 9.
    return err(
      'invalid_transition',
      `the access policies ${list.map((p) => p.id).join(', ')} of ${resource.name} add up to ${approvalSteps.length} approval steps; at most ${MAX_APPROVAL_STEPS} are supported`,
    );
  }
  const autoApprove = list.every((p) => p.autoApprove) && approvalSteps.length === 0;
  return ok({
    policyIds: list.map((p) => p.id),
    maxDurationMinutes: Math.min(...list.map((p) => p.maxDurationMinutes)),
    requireJustification: list.some((p) => p.requireJustification),
    requireTicket: list.some((p) => p.requireTicket),
    requireMfa: list.some((p) => p.requireMfa),
    requireApproverMfa: list.some((p) => p.requireApproverMfa),
    mfaFreshMinutes: Math.min(...list.map((p) => p.mfaFreshMinutes)),
    autoApprove,
    breakGlass: list.every((p) => p.breakGlass),
    maxExtensions: Math.min(...list.map((p) => p.maxExtensions)),
    requestTtlMinutes: Math.min(...list.map((p) => p.requestTtlMinutes)),
    defaultDurationMinutes: Math.min(...list.map((p) => p.defaultDurationMinutes)),
    ticketFormats: ticketFormatsOf(list),
    approvalSteps,
  });
}

/** The managers of the requester are named per request, so the step is completed at request time. */
export function withManager(policy: ResolvedPolicy, policies: readonly AccessPolicy[], managerId: string | null): ResolvedPolicy {
  // Walk the policies in the resolved order (the resource's), as resolvePolicy laid out the steps.
  const includeManager = policy.policyIds.flatMap((id) => policies.find((p) => p.id === id)?.approvalSteps.map((s) => s.includeManager) ?? []);
  return {
    ...policy,
    approvalSteps: policy.approvalSteps.map((s, i) =>
      includeManager[i] && managerId ? { ...s, approverIds: [...s.approverIds, managerId] } : s,
    ),
  };
}
