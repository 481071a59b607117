import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { resolvePolicy } from './policy.js';
import { createRequest, type NewRequestInput } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';

/** The fields of a new request its policies bound: the recommended duration and the ticket's form. */

const now = new Date('2025-03-03T10:00:00.000Z');
const at = now.toISOString();
const requester = makeUser({ id: 'u-req', displayName: 'Rita Requester' });
const everyone: AccessProfile = {
  id: 'prof-all', name: 'IT', description: '', resourceIds: ['res-1'], userIds: [], departments: ['it'], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: at,
};
const policy = (over: Partial<AccessPolicy> & { id?: string } = {}) =>
  AccessPolicy.parse({
    id: 'p-1',
    name: 'Standard',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    requireJustification: false,
    approvalSteps: [ApprovalStep.parse({ name: 'approvers', mode: 'any', approverRoles: ['approver'] })],
    updatedAt: at,
    ...over,
  });
const input = (over: Partial<NewRequestInput> = {}): NewRequestInput => ({ id: 'r-1', requester, resource: makeResource({ policyIds: ['p-1'] }), justification: '', ticket: '', ...over });
const create = (over: Partial<NewRequestInput>, policies: AccessPolicy[] = [policy()], profiles: AccessProfile[] = [everyone]) =>
  createRequest(input({ ...over, resource: makeResource({ policyIds: policies.map((p) => p.id) }) }), { profiles, policies, separation: DEFAULT_SEPARATION }, { now });

describe('the recommended duration is the default', () => {
  it('a request that names no duration gets the policy default', () => {
    expect(create({})).toMatchObject({ ok: true, value: { durationMinutes: 60 } });
    expect(create({ durationMinutes: 90 })).toMatchObject({ ok: true, value: { durationMinutes: 90 } });
  });

  it('several policies: the shortest default wins, as the shortest maximum does', () => {
    const a = policy({ id: 'p-a', defaultDurationMinutes: 120, maxDurationMinutes: 480 });
    const b = policy({ id: 'p-b', defaultDurationMinutes: 45, maxDurationMinutes: 240 });
    const resolved = resolvePolicy(makeResource({ policyIds: ['p-a', 'p-b'] }), [a, b]);
    expect(resolved).toMatchObject({ ok: true, value: { defaultDurationMinutes: 45, maxDurationMinutes: 240 } });
    expect(create({}, [a, b])).toMatchObject({ ok: true, value: { durationMinutes: 45 } });
  });

  it('the maximum stays a hard cap: a tighter profile cap lowers the default, a longer ask is refused', () => {
    const capped = [{ ...everyone, maxDurationMinutes: 20 }];
    expect(create({}, [policy()], capped)).toMatchObject({ ok: true, value: { durationMinutes: 20 } });
    expect(create({ durationMinutes: 241 })).toMatchObject({ ok: false, code: 'duration_exceeds_policy' });
  });

  it('property: with or without a duration, a created request never exceeds its cap and a missing one is the capped default', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.option(fc.integer({ min: 1, max: 2000 }), { nil: null }),
        fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
        (max, def, profileCap, asked) => {
          const p = policy({ maxDurationMinutes: max, defaultDurationMinutes: Math.min(def, max) });
          const result = create(asked === undefined ? {} : { durationMinutes: asked }, [p], [{ ...everyone, maxDurationMinutes: profileCap }]);
          const cap = Math.min(max, profileCap ?? Infinity);
          if (asked !== undefined && asked > cap) {
            expect(result).toMatchObject({ ok: false, code: 'duration_exceeds_policy' });
            return;
          }
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          expect(result.value.durationMinutes).toBeLessThanOrEqual(cap);
          if (asked === undefined) expect(result.value.durationMinutes).toBe(Math.min(def, max, cap));
        },
      ),
    );
  });
});

describe('tickets with a pattern', () => {
  const jira = policy({ requireTicket: true, ticketSystem: 'jira' });

  it('a request under a policy that requires a Jira ticket is refused for "lol", naming the field and the form', () => {
    expect(create({ ticket: 'lol' }, [jira])).toEqual({
      ok: false,
      code: 'invalid_input',
      message: 'ticket: "lol" does not have the expected form: a Jira issue key such as ABC-123 ([A-Z][A-Z0-9]+-\\d+)',
    });
    expect(create({}, [jira])).toMatchObject({ ok: false, code: 'ticket_required' });
    expect(create({ ticket: ' OPS-42 ' }, [jira])).toMatchObject({ ok: true, value: { ticket: 'OPS-42', policy: { ticketFormats: [{ system: 'jira' }] } } });
  });

  it('a ticket given where none is required must still have the form; none given is fine', () => {
    const optional = policy({ ticketSystem: 'servicenow' });
    expect(create({ ticket: 'INC-1' }, [optional])).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(create({ ticket: 'INC0012345' }, [optional]).ok).toBe(true);
    expect(create({}, [optional]).ok).toBe(true);
  });

  it('a custom pattern is matched whole', () => {
    const custom = policy({ requireTicket: true, ticketSystem: 'custom', ticketPattern: 'OPS-\\d{4}' });
    expect(create({ ticket: 'OPS-1234' }, [custom]).ok).toBe(true);
    expect(create({ ticket: 'OPS-12345' }, [custom])).toMatchObject({ ok: false, message: expect.stringMatching(/^ticket: .*one matching OPS-\\d\{4\}$/) });
  });

  it('property: under a Jira policy, a request is created exactly when its ticket is a Jira key', () => {
    const key = fc.tuple(fc.stringMatching(/^[A-Z][A-Z0-9]{1,5}$/), fc.integer({ min: 0, max: 99999 })).map(([p, n]) => `${p}-${n}`);
    fc.assert(
      fc.property(fc.oneof(key, fc.string({ minLength: 1, maxLength: 20 })), (ticket) => {
        const expected = /^[A-Z][A-Z0-9]+-\d+$/.test(ticket.trim()) || ticket.trim() === '';
        const result = create({ ticket }, [jira]);
        if (ticket.trim() === '') expect(result).toMatchObject({ ok: false, code: 'ticket_required' });
        else expect(result.ok).toBe(expected);
      }),
    );
  });
});
