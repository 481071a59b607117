import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep } from '../schema/policy.js';
import { makeResource } from '../test-fixtures.js';
import { policyFieldProblems, refusedField, resourceFieldProblems } from './config-fields.js';

const policy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({ id: 'p-1', name: 'P', maxDurationMinutes: 240, defaultDurationMinutes: 60, approvalSteps: [ApprovalStep.parse({ name: 'A', mode: 'any', approverRoles: ['approver'] })], updatedAt: '2026-03-01T10:00:00.000Z', ...over });

describe('policyFieldProblems', () => {
  it('passes a sound policy', () => {
    expect(policyFieldProblems(policy())).toEqual([]);
  });

  it('names each field: default above maximum, automatic with steps, no way to approve, steps with nobody, ticket pattern', () => {
    expect(policyFieldProblems(policy({ defaultDurationMinutes: 300 }))).toEqual([{ field: 'defaultDurationMinutes', message: 'must not exceed maxDurationMinutes (240)' }]);
    expect(policyFieldProblems(policy({ autoApprove: true }))[0]?.field).toBe('autoApprove');
    expect(policyFieldProblems(policy({ approvalSteps: [] }))[0]?.field).toBe('approvalSteps');
    expect(policyFieldProblems(policy({ approvalSteps: [], breakGlass: true }))).toEqual([]);
    const steps = [ApprovalStep.parse({ name: 'Nobody', mode: 'any' }), ApprovalStep.parse({ name: 'All', mode: 'all', approverRoles: ['approver'] })];
    // The server reports the first: an all-of step without names comes before a step with nobody, as it always did.
    expect(policyFieldProblems(policy({ approvalSteps: steps })).map((p) => p.field)).toEqual(['approvalSteps.1.approverIds', 'approvalSteps.0']);
    expect(policyFieldProblems(policy({ ticketSystem: 'custom' }))[0]).toEqual({ field: 'ticketPattern', message: 'a custom ticket system needs a pattern, such as OPS-\\d{4}' });
    expect(policyFieldProblems(policy({ ticketSystem: 'jira', ticketPattern: 'X-\\d+' }))[0]?.message).toBe('only a custom ticket system takes a pattern; jira has its own form');
  });
});

describe('resourceFieldProblems', () => {
  it('checks the connector of the kind, an Entra object id and repeated policies', () => {
    expect(resourceFieldProblems(makeResource())).toEqual([]);
    expect(resourceFieldProblems(makeResource({ connector: 'ad' }))[0]).toEqual({ field: 'connector', message: 'a entra_group is served by the entra connector, not ad' });
    expect(resourceFieldProblems(makeResource({ target: { externalId: '../x' } }))[0]?.field).toBe('target.externalId');
    expect(resourceFieldProblems(makeResource({ policyIds: ['p-1', 'p-1'] }))[0]?.message).toBe('p-1 is listed twice (its approval steps would count twice)');
  });
});

describe('refusedField', () => {
  it('reads the field out of a server refusal', () => {
    expect(refusedField('payload.policy.approvalSteps.0.approverIds: user u-x does not exist', 'policy')).toEqual({ field: 'approvalSteps.0.approverIds', message: 'user u-x does not exist' });
    expect(refusedField('payload.policy: is not a known field', 'policy')).toEqual({ field: '', message: 'is not a known field' });
    expect(refusedField('payload.resource.ownerId: user u-x does not exist', 'policy')).toBeNull();
    expect(refusedField('this change widens your own access', 'policy')).toBeNull();
  });
});
