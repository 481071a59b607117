import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep } from '../../../core/index.js';
import { minutesAsText, newEntityId, placeRefusal, readDuration } from './form-fields.js';
import { chain, checkPolicyDraft, draftOfPolicy, newPolicyDraft, policyFormFields } from './policy-form.js';

const stored = AccessPolicy.parse({
  id: 'pol-two-step',
  name: 'Owner and security',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  requireTicket: true,
  approvalSteps: [ApprovalStep.parse({ name: 'Resource owner', mode: 'any', includeResourceOwner: true }), ApprovalStep.parse({ name: 'Security', mode: 'any', approverIds: ['u-carol'], escalateToGroupIds: ['grp-1'] })],
  changedBy: [{ userId: 'u-mallory', at: '2026-03-01T10:00:00.000Z' }],
  updatedAt: '2026-03-01T10:00:00.000Z',
});

describe('the policy draft', () => {
  it('round-trips a stored policy: the draft stands for the same policy, without the server’s fields', () => {
    const { policy, problems } = checkPolicyDraft(draftOfPolicy(stored));
    expect(problems).toEqual({});
    const { changedBy: _c, updatedAt: _u, ...sent } = stored;
    expect(policy).toEqual(sent);
  });

  it('a new draft is a valid one-approver policy once it has a name', () => {
    expect(checkPolicyDraft(newPolicyDraft('pol-x')).problems).toEqual({ name: 'is required' });
    const { policy } = checkPolicyDraft({ ...newPolicyDraft('pol-x'), name: 'Night operations' });
    expect(policy).toMatchObject({ id: 'pol-x', maxDurationMinutes: 480, defaultDurationMinutes: 60, approvalSteps: [{ name: 'Approver', approverRoles: ['approver'], timeoutMinutes: 1440 }] });
  });

  it('names each field wrong: durations as typed, the schema’s limits, and the server’s rules', () => {
    const draft = { ...draftOfPolicy(stored), maxDuration: '2 hours', defaultDuration: '400d', maxExtensions: '30', ticketSystem: 'custom' as const, ticketPattern: '' };
    const { policy, problems } = checkPolicyDraft(draft);
    expect(policy).toBeNull();
    expect(problems.maxDurationMinutes).toMatch(/is not a duration/);
    expect(problems.defaultDurationMinutes).toMatch(/^must be at most 366 days/);
    expect(problems.maxExtensions).toBe('must be at most 20');
    // The server's rules only once the schema holds.
    const rules = checkPolicyDraft({ ...draftOfPolicy(stored), defaultDuration: '5h', ticketSystem: 'custom', ticketPattern: '' }).problems;
    expect(rules).toEqual({ defaultDurationMinutes: 'must not exceed maxDurationMinutes (240)', ticketPattern: 'a custom ticket system needs a pattern, such as OPS-\\d{4}' });
  });

  it('an unsafe custom ticket pattern is refused by the schema, with its reason', () => {
    const { problems } = checkPolicyDraft({ ...draftOfPolicy(stored), ticketSystem: 'custom', ticketPattern: '(a+)+' });
    expect(problems.ticketPattern).toMatch(/must not repeat without bound a group/);
  });

  it('a step with nobody, and an all-of step with roles only, are refused on the step', () => {
    let draft = chain.add(draftOfPolicy(stored));
    expect(checkPolicyDraft(draft).problems).toMatchObject({ 'approvalSteps.2': expect.stringMatching(/names no approver/) });
    const added = draft.steps[2]!.key;
    draft = chain.update(draft, added, { mode: 'all', approverRoles: ['admin'] });
    expect(checkPolicyDraft(draft).problems).toMatchObject({ 'approvalSteps.2.approverIds': 'an all-of step needs named approvers' });
    draft = chain.update(draft, added, { approverIds: ['u-dave'], name: '' });
    expect(checkPolicyDraft(draft).problems).toEqual({ 'approvalSteps.2.name': 'is required' });
  });
});

describe('approver groups on a step', () => {
  it('round-trip, name someone on their own, and are refused in an all-of step on their field', () => {
    const grouped = AccessPolicy.parse({ ...stored, approvalSteps: [ApprovalStep.parse({ name: 'On-call', mode: 'any', approverGroupIds: ['grp-sre'] })] });
    const draft = draftOfPolicy(grouped);
    expect(draft.steps[0]).toMatchObject({ approverGroupIds: ['grp-sre'] });
    expect(checkPolicyDraft(draft)).toMatchObject({ problems: {}, policy: { approvalSteps: [{ approverGroupIds: ['grp-sre'] }] } });
    const all = chain.update(draft, draft.steps[0]!.key, { mode: 'all', approverIds: ['u-carol'] });
    expect(checkPolicyDraft(all).problems).toEqual({ 'approvalSteps.0.approverGroupIds': 'an all-of step names its approvers one by one; approver groups need an any-of step (one member approves)' });
    // A server refusal on the field lands on the picker.
    expect(policyFormFields(draft)).toContain('approvalSteps.0.approverGroupIds');
  });
});

describe('the approval chain', () => {
  it('adds, moves and removes steps, keeping each step’s key', () => {
    const draft = draftOfPolicy(stored);
    const [owner, security] = draft.steps.map((s) => s.key);
    const moved = chain.move(draft, security!, -1);
    expect(moved.steps.map((s) => s.name)).toEqual(['Security', 'Resource owner']);
    expect(chain.move(moved, security!, -1)).toBe(moved);
    expect(chain.remove(moved, owner!).steps.map((s) => s.key)).toEqual([security]);
    const added = chain.add({ ...draft, autoApprove: true });
    expect(added.autoApprove).toBe(false);
    expect(added.steps.map((s) => s.name)).toEqual(['Resource owner', 'Security', 'Step 3']);
  });
});

describe('form fields', () => {
  it('durations read as people type them and show as they would type them', () => {
    expect(minutesAsText(90)).toBe('1h30m');
    expect(minutesAsText(7 * 1440)).toBe('7d');
    expect(readDuration('1d 2h')).toEqual({ minutes: 1560 });
    expect(readDuration('45')).toHaveProperty('problem');
  });

  it('a server refusal lands on the field it names, or the nearest one the form shows', () => {
    const fields = policyFormFields(draftOfPolicy(stored));
    expect(placeRefusal('payload.policy.approvalSteps.1.escalateToIds: user u-x does not exist', 'policy', fields)).toEqual({ field: 'approvalSteps.1.escalateToIds', message: 'user u-x does not exist' });
    expect(placeRefusal('payload.policy.approvalSteps.1.approverIds.3: must not be empty', 'policy', fields)).toEqual({ field: 'approvalSteps.1.approverIds', message: 'approvalSteps.1.approverIds.3: must not be empty' });
    expect(placeRefusal('this change widens your own access (x)', 'policy', fields)).toEqual({ field: '', message: 'this change widens your own access (x)' });
  });

  it('a new id follows the name and never takes one in use', () => {
    const taken = new Set(['pol-night-ops']);
    expect(newEntityId('pol', 'Night ops', (id) => taken.has(id))).toBe('pol-night-ops-2');
    expect(newEntityId('pol', 'Équipe réseau!', () => false)).toBe('pol-equipe-reseau');
  });
});
