import { err, ok } from '../../core/index.js';
import type { UseCase } from './context.js';

export const policyUpsert: UseCase<'policy.upsert'> = ({ policy }, ctx) => {
  if (policy.defaultDurationMinutes > policy.maxDurationMinutes) {
    return err('invalid_input', `payload.policy.defaultDurationMinutes: must not exceed maxDurationMinutes (${policy.maxDurationMinutes})`);
  }
  if (policy.autoApprove && policy.approvalSteps.length > 0) {
    return err('invalid_input', 'payload.policy.autoApprove: a policy with approval steps cannot approve automatically');
  }
  const unnamed = policy.approvalSteps.findIndex((s) => s.mode === 'all' && s.approverIds.length === 0 && !s.includeResourceOwner && !s.includeManager);
  if (unnamed >= 0) {
    return err('invalid_input', `payload.policy.approvalSteps.${unnamed}.approverIds: an all-of step needs named approvers`);
  }
  const existing = ctx.store.get('policies', policy.id);
  ctx.store.put('policies', { ...policy, updatedAt: ctx.now.toISOString() });
  ctx.audit('policy.changed', 'policy', policy.id, { name: policy.name, created: existing === null, after: policy });
  return ok({ message: `access policy "${policy.name}" ${existing ? 'updated' : 'created'}`, subjectIds: [policy.id] });
};
