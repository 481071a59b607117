import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep } from '../schema/policy.js';
import { makeResource } from '../test-fixtures.js';
import { changeWidenings, type ConfigWorld } from './config-change.js';

/** Ticket forms and escalation targets are access rules too: loosening them waits for a second person. */

const at = '2025-03-03T10:00:00.000Z';
const policy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({
    id: 'p-1',
    name: 'Standard',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    approvalSteps: [ApprovalStep.parse({ name: 'Approver', mode: 'any', approverIds: ['u-a'] })],
    updatedAt: at,
    ...over,
  });
const world: ConfigWorld = { policies: [policy()], profiles: [], resources: [makeResource({ policyIds: ['p-1'] })], users: [] };
const widenings = (before: AccessPolicy, after: AccessPolicy) => changeWidenings({ kind: 'policy', before, after }, world);

describe('widening changes to ticket forms and escalation', () => {
  it('dropping or changing a ticket form widens; naming one where there was none tightens', () => {
    const jira = policy({ ticketSystem: 'jira' });
    expect(widenings(jira, policy())).toEqual(['a ticket no longer needs to be a Jira issue key such as ABC-123 ([A-Z][A-Z0-9]+-\\d+)']);
    expect(widenings(jira, policy({ ticketSystem: 'custom', ticketPattern: '.{1,200}' }))).toHaveLength(1);
    expect(widenings(policy(), jira)).toEqual([]);
    expect(widenings(jira, jira)).toEqual([]);
  });

  it('escalating to more people widens: a group, the resource owner, the manager’s manager', () => {
    const step = (over: Partial<ApprovalStep>) => policy({ approvalSteps: [ApprovalStep.parse({ name: 'Approver', mode: 'any', approverIds: ['u-a'], ...over })] });
    expect(widenings(step({}), step({ escalateToGroupIds: ['grp-oncall'], escalateToResourceOwner: true, escalateToManagersManager: true }))).toEqual([
      'step 1 "Approver" escalates to the members of grp-oncall',
      'step 1 "Approver" escalates to the resource owner',
      'step 1 "Approver" escalates to the requester\'s manager\'s manager',
    ]);
    expect(widenings(step({ escalateToGroupIds: ['grp-oncall'] }), step({}))).toEqual([]);
    expect(widenings(step({ timeoutMinutes: 60 }), step({ timeoutMinutes: 30 }))).toEqual([]);
  });
});
