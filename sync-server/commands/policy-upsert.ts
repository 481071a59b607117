import { err, ok, resolvePolicy, type AccessPolicy, type Result } from '../../core/index.js';
import { proposeOrApply, type PreparedChange } from './config-change.js';
import type { UseCase, UseCaseContext } from './context.js';

type SentPolicy = Omit<AccessPolicy, 'updatedAt' | 'changedBy'> & { updatedAt?: unknown; changedBy?: unknown };

/** Validates a policy as it would be written; shared by the direct upsert and a proposal's approval. */
export function preparePolicy(sent: SentPolicy, ctx: UseCaseContext): Result<PreparedChange> {
  const { updatedAt: _clientTime, changedBy: _clientEditors, ...policy } = sent;
  if (policy.defaultDurationMinutes > policy.maxDurationMinutes) {
    return err('invalid_input', `payload.policy.defaultDurationMinutes: must not exceed maxDurationMinutes (${policy.maxDurationMinutes})`);
  }
  if (policy.autoApprove && policy.approvalSteps.length > 0) {
    return err('invalid_input', 'payload.policy.autoApprove: a policy with approval steps cannot approve automatically');
  }
  if (!policy.autoApprove && !policy.breakGlass && policy.approvalSteps.length === 0) {
    // Nobody could ever approve such a request: refuse the policy rather than strand its requests.
    return err('invalid_input', 'payload.policy.approvalSteps: a policy that neither approves automatically nor allows break-glass needs at least one approval step');
  }
  const unnamed = policy.approvalSteps.findIndex((s) => s.mode === 'all' && s.approverIds.length === 0 && !s.includeResourceOwner && !s.includeManager);
  if (unnamed >= 0) {
    return err('invalid_input', `payload.policy.approvalSteps.${unnamed}.approverIds: an all-of step needs named approvers`);
  }
  const nobody = policy.approvalSteps.findIndex((s) => s.approverIds.length === 0 && s.approverRoles.length === 0 && !s.includeResourceOwner && !s.includeManager);
  if (nobody >= 0) {
    return err('invalid_input', `payload.policy.approvalSteps.${nobody}: the step names no approver (approverIds, approverRoles, includeResourceOwner or includeManager)`);
  }
  // A named person who does not exist could never approve, and whoever later gets that id would.
  for (const [index, step] of policy.approvalSteps.entries()) {
    for (const field of ['approverIds', 'escalateToIds'] as const) {
      const ghost = step[field].find((id) => ctx.store.get('users', id) === null);
      if (ghost) return err('not_found', `payload.policy.approvalSteps.${index}.${field}: user ${ghost} does not exist`);
    }
    const ghostGroup = step.escalateToGroupIds.find((id) => ctx.store.get('groups', id) === null);
    if (ghostGroup) return err('not_found', `payload.policy.approvalSteps.${index}.escalateToGroupIds: group ${ghostGroup} does not exist`);
  }
  // The pattern itself was checked for safety by the schema; here, that it belongs to the system that uses it.
  if (policy.ticketSystem === 'custom' && policy.ticketPattern === '') {
    return err('invalid_input', 'payload.policy.ticketPattern: a custom ticket system needs a pattern, such as OPS-\\d{4}');
  }
  if (policy.ticketSystem !== 'custom' && policy.ticketPattern !== '') {
    return err('invalid_input', `payload.policy.ticketPattern: only a custom ticket system takes a pattern; ${policy.ticketSystem} has its own form`);
  }

  const existing = ctx.store.get('policies', policy.id);
  const next: AccessPolicy = { ...policy, changedBy: existing?.changedBy ?? [], updatedAt: ctx.now.toISOString() };
  // Every resource bound by this policy must still resolve into a chain a request can walk.
  const policies = [...ctx.store.list('policies').filter((p) => p.id !== policy.id), next];
  for (const resource of ctx.store.list('resources')) {
    if (!resource.policyIds.includes(policy.id)) continue;
    const resolved = resolvePolicy(resource, policies);
    if (!resolved.ok && resolved.code === 'invalid_transition') {
      return err('invalid_input', `payload.policy.approvalSteps: with this change ${resolved.message} (resource ${resource.id})`);
    }
  }

  return ok({ kind: 'policy', before: existing, after: next });
}

export const policyUpsert: UseCase<'policy.upsert'> = ({ policy }, ctx) => {
  const prepared = preparePolicy(policy, ctx);
  return prepared.ok ? proposeOrApply(prepared.value, ctx) : prepared;
};
