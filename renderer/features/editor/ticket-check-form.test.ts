import { describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../../core/index.js';
import { placeRefusal } from './form-fields.js';
import { checkPolicyDraft, draftOfPolicy, newPolicyDraft, policyFormFields } from './policy-form.js';

const URL = 'https://tickets.example.com/jit/check';
const stored = AccessPolicy.parse({
  id: 'pol-checked',
  name: 'Checked tickets',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  requireTicket: true,
  autoApprove: true,
  ticketCheck: { url: URL, secretName: 'jira-prod', timeoutSeconds: 3, onUnknown: 'refuse' },
  updatedAt: '2026-03-01T10:00:00.000Z',
});
const named = { ...newPolicyDraft('pol-x'), name: 'X' };

describe('the ticket-check hook in the policy form', () => {
  it('round-trips a stored hook, and a policy without one stays without', () => {
    const { policy, problems } = checkPolicyDraft(draftOfPolicy(stored));
    expect(problems).toEqual({});
    expect(policy?.ticketCheck).toEqual({ url: URL, secretName: 'jira-prod', timeoutSeconds: 3, onUnknown: 'refuse' });
    expect(checkPolicyDraft(named).policy).not.toHaveProperty('ticketCheck');
  });

  it('turned on, it starts at 5 seconds and "a person decides", and needs an address and a secret name', () => {
    const on = { ...named, ticketCheck: { ...named.ticketCheck, on: true } };
    expect(on.ticketCheck).toMatchObject({ timeout: '5', onUnknown: 'human' });
    const { policy, problems } = checkPolicyDraft(on);
    expect(policy).toBeNull();
    expect(problems).toMatchObject({ 'ticketCheck.url': 'is required', 'ticketCheck.secretName': 'is required' });
    expect(checkPolicyDraft({ ...on, ticketCheck: { ...on.ticketCheck, secretName: 'Jira Prod' } }).problems['ticketCheck.secretName']).toMatch(/lower-case letters/);
  });

  it('names what is wrong inline: plain http, a query, a timeout out of range or not a number', () => {
    const check = (patch: Partial<typeof named.ticketCheck>) => checkPolicyDraft({ ...named, ticketCheck: { ...named.ticketCheck, on: true, url: URL, secretName: 'jira-prod', ...patch } }).problems;
    expect(check({ url: 'http://tickets.example.com/jit/check' })['ticketCheck.url']).toMatch(/must be https/);
    expect(check({ url: `${URL}?key=1` })['ticketCheck.url']).toMatch(/query or fragment/);
    expect(check({ timeout: '11' })['ticketCheck.timeoutSeconds']).toBe('must be at most 10');
    expect(check({ timeout: '0' })['ticketCheck.timeoutSeconds']).toBe('must be at least 1');
    expect(check({ timeout: 'soon' })['ticketCheck.timeoutSeconds']).toMatch(/whole seconds from 1 to 10/);
    expect(check({})).toEqual({});
  });

  it('a server refusal naming the hook lands on its field', () => {
    const fields = policyFormFields(draftOfPolicy(stored));
    expect(placeRefusal('payload.policy.ticketCheck.secretName: the server holds no ticket-hook secret named jira-prod', 'policy', fields)).toEqual({
      field: 'ticketCheck.secretName',
      message: 'the server holds no ticket-hook secret named jira-prod',
    });
  });
});
