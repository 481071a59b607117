import { err, ok, policyFieldProblems, resolvePolicy, type AccessPolicy, type Result } from '../../core/index.js';
import { proposeOrApply, type PreparedChange } from './config-change.js';
import type { PrepareContext, UseCase } from './context.js';
import { hasTicketHookSecret } from '../ticket-check/secret-store.js';

type SentPolicy = Omit<AccessPolicy, 'updatedAt' | 'changedBy'> & { updatedAt?: unknown; changedBy?: unknown };

/** Validates a policy as it would be written; shared by the direct upsert and a proposal's approval. */
export function preparePolicy(sent: SentPolicy, ctx: PrepareContext): Result<PreparedChange> {
  const { updatedAt: _clientTime, changedBy: _clientEditors, ...policy } = sent;
  // The shape of the policy: core's checks, the same the console's editor shows inline.
  const problem = policyFieldProblems(policy)[0];
  if (problem) return err('invalid_input', `payload.policy${problem.field ? `.${problem.field}` : ''}: ${problem.message}`);
  // A hook whose secret the server does not hold could never be asked: a check shown must be a check made.
  const hookSecret = policy.ticketCheck?.secretName;
  if (hookSecret !== undefined && !hasTicketHookSecret(ctx.store, hookSecret)) {
    return err('invalid_input', `payload.policy.ticketCheck.secretName: the server holds no ticket-hook secret named ${hookSecret}; an admin stores it first (npm run secrets -- set-ticket-hook-secret ${hookSecret})`);
  }
  // A named person who does not exist could never approve, and whoever later gets that id would.
  for (const [index, step] of policy.approvalSteps.entries()) {
    for (const field of ['approverIds', 'escalateToIds'] as const) {
      const ghost = step[field].find((id) => ctx.store.get('users', id) === null);
      if (ghost) return err('not_found', `payload.policy.approvalSteps.${index}.${field}: user ${ghost} does not exist`);
    }
    const ghostGroup = (['approverGroupIds', 'escalateToGroupIds'] as const).flatMap((field) => step[field].filter((id) => ctx.store.get('groups', id) === null).map((id) => ({ field, id })))[0];
    if (ghostGroup) return err('not_found', `payload.policy.approvalSteps.${index}.${ghostGroup.field}: group ${ghostGroup.id} does not exist`);
  }

  // An on-call group nobody can be found in would never approve, and whichever group later gets that id would.
  for (const [index, rule] of policy.autoApprovalRules.entries()) {
    if (rule.onCallGroupId !== null && ctx.store.get('groups', rule.onCallGroupId) === null) {
      return err('not_found', `payload.policy.autoApprovalRules.${index}.onCallGroupId: group ${rule.onCallGroupId} does not exist`);
    }
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
