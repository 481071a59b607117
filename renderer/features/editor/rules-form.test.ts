import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep, AutoApprovalRule } from '../../../core/index.js';
import { placeRefusal } from './form-fields.js';
import { checkPolicyDraft, draftOfPolicy, policyFormFields } from './policy-form.js';
import { ruleDraft, ruleList, windowDraft, windowList, windowPreview } from './rules-form.js';

const office = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '08:00', end: '18:00', timeZone: 'Europe/Paris' };
const stored = AccessPolicy.parse({
  id: 'pol-oncall',
  name: 'On call',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  approvalSteps: [ApprovalStep.parse({ name: 'Approver', mode: 'any', approverRoles: ['approver'] })],
  autoApprovalRules: [AutoApprovalRule.parse({ name: 'Office hours', riskBelow: 30, window: { ...office, days: [...office.days] }, onCallGroupId: 'grp-sre' })],
  accessWindows: [{ days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Paris' }],
  updatedAt: '2026-03-01T10:00:00.000Z',
});

describe('auto-approval rules and access windows in the policy form', () => {
  it('round-trips a stored policy with rules and windows', () => {
    const { policy, problems } = checkPolicyDraft(draftOfPolicy(stored));
    expect(problems).toEqual({});
    expect(policy?.autoApprovalRules).toEqual(stored.autoApprovalRules);
    expect(policy?.accessWindows).toEqual(stored.accessWindows);
  });

  it('names each field wrong: the threshold, the hours, the days and the zone', () => {
    const draft = draftOfPolicy(stored);
    const [rule] = draft.rules;
    const bad = { ...draft, rules: ruleList.update(draft.rules, rule!.key, { riskBelow: 'low' }) };
    expect(checkPolicyDraft(bad).problems).toEqual({ 'autoApprovalRules.0.riskBelow': 'a whole number from 1 to 100' });
    const over = { ...draft, rules: ruleList.update(draft.rules, rule!.key, { riskBelow: '101' }) };
    expect(checkPolicyDraft(over).problems).toEqual({ 'autoApprovalRules.0.riskBelow': 'must be at most 100' });
    const hours = { ...draft, windows: windowList.update(draft.windows, draft.windows[0]!.key, { start: '25:00' }) };
    expect(checkPolicyDraft(hours).problems).toEqual({ 'accessWindows.0.start': 'must be a time such as 08:00 (00:00 to 23:59)' });
    const zone = { ...draft, windows: windowList.update(draft.windows, draft.windows[0]!.key, { timeZone: 'Europe/Pariss' }) };
    expect(checkPolicyDraft(zone).problems['accessWindows.0.timeZone']).toMatch(/not a known IANA time zone/);
    const days = { ...draft, rules: ruleList.update(draft.rules, rule!.key, { window: { ...rule!.window, days: [] } }) };
    expect(checkPolicyDraft(days).problems).toEqual({ 'autoApprovalRules.0.window.days': 'needs at least one day' });
  });

  it('a rule needs a condition, and is refused beside "approve automatically"', () => {
    const draft = draftOfPolicy(stored);
    const empty = { ...draft, rules: [{ ...ruleDraft(), useRisk: false }] };
    expect(checkPolicyDraft(empty).problems['autoApprovalRules.0']).toMatch(/needs at least one condition/);
    const both = { ...draft, autoApprove: true, steps: [] };
    expect(checkPolicyDraft(both).problems.autoApprovalRules).toMatch(/has no use for rules/);
  });

  it('a refusal naming a rule’s or window’s field lands on it', () => {
    const draft = draftOfPolicy(stored);
    const fields = policyFormFields(draft);
    expect(placeRefusal('payload.policy.autoApprovalRules.0.onCallGroupId: group grp-x does not exist', 'policy', fields)).toEqual({ field: 'autoApprovalRules.0.onCallGroupId', message: 'group grp-x does not exist' });
    expect(placeRefusal('payload.policy.accessWindows.0.timeZone: no', 'policy', fields).field).toBe('accessWindows.0.timeZone');
  });

  it('previews a window in words with its next opening', () => {
    const saturdayNoon = Date.parse('2025-03-08T11:00:00.000Z');
    expect(windowPreview(windowDraft({ days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Paris' }), [], saturdayNoon)).toBe('Sat 22:00-04:00 Europe/Paris · next opens Sat 8 Mar 22:00 Europe/Paris');
    expect(windowPreview(windowDraft({ days: ['sat'], start: '10:00', end: '14:00', timeZone: 'Europe/Paris' }), [], saturdayNoon)).toBe('Sat 10:00-14:00 Europe/Paris · open now, until Sat 8 Mar 14:00 Europe/Paris');
    expect(windowPreview(windowDraft({ days: ['sat'], start: '10:00', end: '14:00', timeZone: 'Nowhere/Land' }), [], saturdayNoon)).toBeNull();
  });
});
