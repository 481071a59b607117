/**
 * A displayed requirement is always enforced: for every field of an access policy, a generated
 * request (or approval, extension, wait) that violates it is refused, or the field's effect is
 * applied. The first test lists the schema's fields: a field added to AccessPolicy without a
 * case here fails it, so nothing reaches the editor that no rule enforces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, type AccessProfile } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { extendGrant, grantFromRequest } from './grant.js';
import { settleDeadline } from './deadline.js';
import { createRequest, decideRequest, type NewRequestInput } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';
import type { TicketHookAnswer } from './ticket-check.js';

const now = new Date('2026-03-04T10:00:00.000Z'); // a Wednesday
const requester = makeUser({ id: 'u-rita', displayName: 'Rita' });
const approver = { id: 'u-alice', displayName: 'Alice', roles: ['approver' as const], disabled: false };
const resource = makeResource({ id: 'res-1', policyIds: ['p-1'] });
const profile: AccessProfile = {
  id: 'prof', name: 'IT', description: '', resourceIds: ['res-1'], userIds: [], departments: ['it'], roles: [],
  maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: now.toISOString(),
};
const APPROVER_STEP = { name: 'Approver', mode: 'any', approverRoles: ['approver'] };
const policy = (over: Record<string, unknown> = {}) =>
  AccessPolicy.parse({ id: 'p-1', name: 'P', maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, approvalSteps: [APPROVER_STEP], updatedAt: now.toISOString(), ...over });
const ask = (p: AccessPolicy, input: Partial<NewRequestInput> = {}, ctx: { secondFactorAt?: string | null; at?: Date } = {}) =>
  createRequest({ id: 'r-1', requester, resource, durationMinutes: 30, justification: 'patch', ticket: '', ...input }, { profiles: [profile], policies: [p], separation: DEFAULT_SEPARATION }, { now: ctx.at ?? now, secondFactorAt: ctx.secondFactorAt ?? null });
const created = (p: AccessPolicy, input: Partial<NewRequestInput> = {}, ctx: { secondFactorAt?: string | null } = {}): AccessRequest => {
  const r = ask(p, input, ctx);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};
const minutesBefore = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
const refused = (r: { ok: boolean }): void => {
  expect(r.ok).toBe(false);
};

/** Each policy field and the check that its rule holds; metadata fields decide nothing. */
const METADATA = ['id', 'name', 'description', 'changedBy', 'updatedAt'];
const CASES: Record<string, () => void> = {
  maxDurationMinutes: () =>
    fc.assert(fc.property(fc.integer({ min: 15, max: 2000 }), fc.integer({ min: 1, max: 600 }), (max, over) => {
      refused(ask(policy({ maxDurationMinutes: max, defaultDurationMinutes: 15 }), { durationMinutes: max + over }));
    })),
  defaultDurationMinutes: () =>
    fc.assert(fc.property(fc.integer({ min: 15, max: 240 }), (dflt) => {
      expect(created(policy({ defaultDurationMinutes: dflt }), { durationMinutes: undefined }).durationMinutes).toBe(dflt);
    })),
  requireJustification: () =>
    fc.assert(fc.property(fc.constantFrom('', ' ', '\t', '  \n '), (blank) => { refused(ask(policy({ requireJustification: true }), { justification: blank })); })),
  requireTicket: () => fc.assert(fc.property(fc.constantFrom('', ' ', '\n'), (blank) => { refused(ask(policy({ requireTicket: true }), { ticket: blank })); })),
  ticketSystem: () =>
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 12 }).filter((t) => t.trim() !== '' && !/^[A-Z][A-Z0-9]+-\d+$/.test(t.trim())), (ticket) => { refused(ask(policy({ ticketSystem: 'jira' }), { ticket })); })),
  ticketPattern: () =>
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 12 }).filter((t) => t.trim() !== '' && !/^OPS-[0-9]+$/.test(t.trim())), (ticket) => { refused(ask(policy({ ticketSystem: 'custom', ticketPattern: 'OPS-[0-9]+' }), { ticket })); })),
  ticketCheck: () => {
    const hooked = policy({ ticketCheck: { url: 'https://tickets.example/check', secretName: 'tickets', timeoutSeconds: 5, onUnknown: 'refuse' } });
    const answer = (status: TicketHookAnswer['status']): TicketHookAnswer[] => [{ url: 'https://tickets.example/check', ticket: 'OPS-1', status, checkedAt: now.toISOString(), reason: '' }];
    refused(ask(hooked, { ticket: 'OPS-1', ticketChecks: answer('closed') }));
    refused(ask(hooked, { ticket: 'OPS-1', ticketChecks: answer('unknown') }));
    refused(ask(hooked, { ticket: 'OPS-1' }));
    expect(ask(hooked, { ticket: 'OPS-1', ticketChecks: answer('open') }).ok).toBe(true);
  },
  requireMfa: () => {
    refused(ask(policy({ requireMfa: true })));
    expect(ask(policy({ requireMfa: true }), {}, { secondFactorAt: minutesBefore(1) }).ok).toBe(true);
  },
  mfaFreshMinutes: () =>
    fc.assert(fc.property(fc.integer({ min: 1, max: 720 }), fc.integer({ min: 1, max: 600 }), (fresh, later) => {
      refused(ask(policy({ requireMfa: true, mfaFreshMinutes: fresh }), {}, { secondFactorAt: minutesBefore(fresh + later) }));
    })),
  requireApproverMfa: () => {
    const request = created(policy({ requireApproverMfa: true }));
    refused(decideRequest(request, approver, { decision: 'approve', reason: '' }, { now, secondFactorAt: null }));
    expect(decideRequest(request, approver, { decision: 'approve', reason: '' }, { now, secondFactorAt: minutesBefore(1) }).ok).toBe(true);
  },
  approvalSteps: () => {
    const request = created(policy());
    expect(request.status).toBe('pending_approval');
    refused(decideRequest(request, { id: 'u-nobody', displayName: 'Nobody', roles: ['requester'], disabled: false }, { decision: 'approve', reason: '' }, { now }));
  },
  autoApprove: () => {
    expect(created(policy({ autoApprove: false })).status).toBe('pending_approval');
    expect(created(policy({ autoApprove: true, approvalSteps: [] })).status).toBe('approved');
  },
  autoApprovalRules: () =>
    // A rule whose condition cannot hold (risk below 1: every request scores more) never skips the chain.
    fc.assert(fc.property(fc.integer({ min: 15, max: 240 }), (minutes) => {
      expect(created(policy({ autoApprovalRules: [{ name: 'never', riskBelow: 1 }] }), { durationMinutes: minutes }).status).toBe('pending_approval');
    })),
  accessWindows: () => {
    const weekend = policy({ accessWindows: [{ days: ['sat', 'sun'], start: '00:00', end: '24:00', timeZone: 'UTC' }] });
    const result = ask(weekend);
    expect(result.ok ? null : result.code).toBe('outside_window');
  },
  breakGlass: () => {
    const request = created(policy({ breakGlass: false }));
    refused(decideRequest(request, { id: requester.id, displayName: requester.displayName, roles: ['requester', 'approver'], disabled: false }, { decision: 'approve', reason: 'outage', breakGlass: true }, { now }));
  },
  maxExtensions: () =>
    fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), (max) => {
      const auto = created(policy({ autoApprove: true, approvalSteps: [], maxExtensions: max, maxDurationMinutes: 2000 }), { durationMinutes: 30 });
      const grant = grantFromRequest(auto, resource, 'g-1', { now });
      if (!grant.ok) throw new Error(grant.message);
      let current = grant.value;
      for (let i = 0; i < max; i++) {
        const next = extendGrant(current, 15, { now });
        if (!next.ok) throw new Error(next.message);
        current = next.value;
      }
      const beyond = extendGrant(current, 15, { now });
      expect(beyond.ok ? null : beyond.code).toBe('extension_limit');
    })),
  requestTtlMinutes: () =>
    fc.assert(fc.property(fc.integer({ min: 60, max: 14 * 24 * 60 }), (ttl) => {
      const request = created(policy({ requestTtlMinutes: ttl, approvalSteps: [{ ...APPROVER_STEP, timeoutMinutes: 30 * 24 * 60 }] }));
      const after = new Date(now.getTime() + ttl * 60_000);
      const settled = settleDeadline(request, { now: after, directory: { person: () => null, groupMembers: () => [], resourceOwnerId: null } });
      expect(settled.ok && settled.value.kind).toBe('expired');
    })),
};

describe('every access policy field is enforced', () => {
  it('each field of the schema has a case here (a new field needs its rule and its case)', () => {
    const fields = Object.keys(AccessPolicy.shape).filter((f) => !METADATA.includes(f));
    expect(fields.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [field, check] of Object.entries(CASES)) {
    it(`${field}: a request that violates it is refused, or its effect applies`, () => check());
  }
});
