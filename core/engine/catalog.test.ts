import { describe, expect, it } from 'vitest';
import { formatDuration, policyInWords, requestFieldProblems, stepApproversInWords, typicalTimeToApproval, type CatalogPolicy } from './catalog.js';

const now = new Date('2026-12-01T12:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
const decision = { stepIndex: 0, approverId: 'u-alice', decision: 'approve' as const, reason: '', decidedAt: minutesAgo(0), breakGlass: false };

function approved(askedMinutesAgo: number, tookMinutes: number, decisions = [decision]) {
  return { status: 'approved' as const, createdAt: minutesAgo(askedMinutesAgo), decidedAt: minutesAgo(askedMinutesAgo - tookMinutes), decisions, extendsGrantId: null };
}

describe('typicalTimeToApproval', () => {
  it('is the median time from asking to the last approval over approved requests', () => {
    const typical = typicalTimeToApproval([approved(600, 10), approved(500, 30), approved(400, 20), approved(300, 1000)], now);
    expect(typical).toEqual({ medianMinutes: 25, samples: 4, windowDays: 90 });
  });

  it('leaves out automatic approvals, other outcomes and requests decided before the window', () => {
    const auto = approved(100, 0, []);
    const denied = { ...approved(100, 5), status: 'denied' as const };
    const old = approved(100 * 24 * 60, 5);
    expect(typicalTimeToApproval([auto, denied, old, approved(60, 7), approved(50, 9)], now)).toBeNull();
    expect(typicalTimeToApproval([auto, denied, old, approved(60, 7), approved(50, 9), approved(40, 8)], now)).toEqual({ medianMinutes: 8, samples: 3, windowDays: 90 });
  });

  it('tells nothing from fewer approvals than asked for', () => {
    expect(typicalTimeToApproval([approved(60, 7)], now)).toBeNull();
    expect(typicalTimeToApproval([approved(60, 7)], now, { minSamples: 1 })).toMatchObject({ medianMinutes: 7, samples: 1 });
  });
});

const policy: CatalogPolicy = {
  maxDurationMinutes: 480,
  defaultDurationMinutes: 60,
  requireJustification: true,
  requireTicket: true,
  autoApprove: false,
  breakGlass: false,
  maxExtensions: 1,
  requestTtlMinutes: 7 * 24 * 60,
  ticketFormats: [{ system: 'servicenow', pattern: '(INC|CHG|RITM)\\d{7}' }],
  requireMfa: true,
  mfaFreshMinutes: 15,
  steps: [
    { name: 'Owner', mode: 'any', approvers: ['Alice Moreau'], roles: [], timeout: 'undecided within 4 hours, it escalates to Carol Diaz; undecided again within 4 hours, the request expires' },
    { name: 'Security', mode: 'any', approvers: ['Carol Diaz', 'Mallory Reyes'], roles: ['admin'], timeout: 'undecided within 1 day, the request expires' },
  ],
};

describe('policyInWords', () => {
  it('says the bounds, what is required, who approves in which order, expiry and extensions', () => {
    expect(policyInWords(policy)).toEqual([
      'You may ask for up to 8 h; 1 h is recommended.',
      'The request needs a justification and a ticket reference.',
      'You confirm it with a two-step verification code (one from the last 15 min counts).',
      'A ticket given must be a ServiceNow incident, change or requested item number such as INC0012345 ((INC|CHG|RITM)\\d{7}).',
      '2 approvals, in order: 1. Owner (Alice Moreau); 2. Security (Carol Diaz, Mallory Reyes or anyone who is an admin).',
      'Owner: undecided within 4 hours, it escalates to Carol Diaz; undecided again within 4 hours, the request expires.',
      'Security: undecided within 1 day, the request expires.',
      'Whatever happens, a request still undecided after 7 days expires.',
      'You may ask for more time once, never past the maximum from the start.',
    ]);
  });

  it('says an automatic approval and no extension plainly', () => {
    const auto = { ...policy, autoApprove: true, steps: [], requireTicket: false, requireJustification: false, maxExtensions: 0, ticketFormats: [], requireMfa: false };
    expect(policyInWords(auto)).toEqual([
      'You may ask for up to 8 h; 1 h is recommended.',
      'No justification or ticket is required.',
      'It is approved automatically: access is provisioned as soon as the server receives the request.',
      'The grant cannot be extended: ask again when it ends.',
    ]);
  });

  it('names every approver of an all-of step, and a step nobody can complete', () => {
    expect(stepApproversInWords({ mode: 'all', approvers: ['Carol Diaz', 'Mallory Reyes'], roles: [] })).toBe('each of Carol Diaz and Mallory Reyes');
    expect(stepApproversInWords({ mode: 'any', approvers: [], roles: [] })).toMatch(/nobody is named/);
    expect(stepApproversInWords({ mode: 'any', approvers: [], roles: ['approver'] })).toBe('anyone who is an approver');
  });
});

describe('requestFieldProblems', () => {
  it('names each field that breaks the policy', () => {
    expect(requestFieldProblems(policy, { durationMinutes: 600, justification: ' ', ticket: '' }, 'Global Reader').map((p) => [p.field, p.code])).toEqual([
      ['durationMinutes', 'duration_exceeds_policy'],
      ['justification', 'justification_required'],
      ['ticket', 'ticket_required'],
    ]);
    expect(requestFieldProblems(policy, { durationMinutes: 0, justification: 'x', ticket: 'INC0012345' }, 'Global Reader')).toMatchObject([{ field: 'durationMinutes', code: 'invalid_input' }]);
    expect(requestFieldProblems(policy, { durationMinutes: 480, justification: 'x', ticket: 'INC0012345' }, 'Global Reader')).toEqual([]);
    // A ticket given must have the policy's form.
    expect(requestFieldProblems(policy, { durationMinutes: 60, justification: 'x', ticket: 'lol' }, 'Global Reader')).toMatchObject([{ field: 'ticket', code: 'invalid_input', message: expect.stringMatching(/^ticket: "lol" does not have the expected form: a ServiceNow incident/) }]);
  });
});

describe('formatDuration', () => {
  it('uses the units people use', () => {
    expect([30, 60, 90, 1440, 1500, 2880].map(formatDuration)).toEqual(['30 min', '1 h', '1 h 30 min', '1 day', '1 day 1 h', '2 days']);
  });
});
