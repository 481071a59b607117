import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import { TicketCheckHook, type TicketCheckStatus } from '../schema/ticket-check.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { policyFieldProblems } from './config-fields.js';
import { createRequest, type NewRequestInput } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';
import { catalogTicketChecks, TICKET_UNCHECKED_STEP_NAME, ticketChecksInWords, ticketHookHost, ticketHooksOf, ticketHookUrlProblem, ticketHookWidenings, type TicketHookAnswer } from './ticket-check.js';

const now = new Date('2026-03-02T09:00:00.000Z');
const at = now.toISOString();
const URL_A = 'https://tickets.example.com/jit/check';
const URL_B = 'https://itsm.example.org:8443/hooks/ticket';
const hook = (over: Partial<TicketCheckHook> = {}) => TicketCheckHook.parse({ url: URL_A, secretName: 'tickets', ...over });
const everyone: AccessProfile = { id: 'prof', name: 'All', description: '', resourceIds: ['res-1'], userIds: ['u-rita'], departments: [], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: at };
const autoPolicy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({ id: 'p-auto', name: 'Automatic', maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, approvalSteps: [], updatedAt: at, ticketCheck: hook(), ...over });
const chainPolicy = (over: Partial<AccessPolicy> = {}) =>
  autoPolicy({ id: 'p-chain', autoApprove: false, approvalSteps: [ApprovalStep.parse({ name: 'Approver', mode: 'any', approverRoles: ['approver'] })], ...over });
const answer = (status: TicketCheckStatus, over: Partial<TicketHookAnswer> = {}): TicketHookAnswer => ({ url: URL_A, ticket: 'OPS-42', status, checkedAt: at, reason: `the ticket system says ${status}`, ...over });

function create(policies: AccessPolicy[], answers: TicketHookAnswer[] | undefined, over: Partial<NewRequestInput> = {}) {
  const input: NewRequestInput = { id: 'r-1', requester: makeUser({ id: 'u-rita', displayName: 'Rita' }), resource: makeResource({ policyIds: policies.map((p) => p.id) }), justification: '', ticket: 'OPS-42', ticketChecks: answers, ...over };
  return createRequest(input, { profiles: [everyone], policies, separation: DEFAULT_SEPARATION }, { now });
}

describe('a hook address', () => {
  it('is https://host[:port]/path and nothing else', () => {
    expect(ticketHookUrlProblem(URL_A)).toBeNull();
    expect(ticketHookUrlProblem(URL_B)).toBeNull();
    expect(ticketHookUrlProblem('https://127.0.0.1:9443/check')).toBeNull();
    expect(ticketHookUrlProblem('https://[::1]:9443/check')).toBeNull();
    expect(ticketHookUrlProblem('http://tickets.example.com/check')).toMatch(/must be https/);
    expect(ticketHookUrlProblem('HTTP://tickets.example.com/check')).toMatch(/must be https/);
    expect(ticketHookUrlProblem('ftp://tickets.example.com/')).toMatch(/https:\/\/ address/);
    expect(ticketHookUrlProblem('https://user:pw@tickets.example.com/')).toMatch(/user name or password/);
    expect(ticketHookUrlProblem('https://tickets.example.com/check?token=abc')).toMatch(/query or fragment/);
    expect(ticketHookUrlProblem('https://tickets.example.com/check#x')).toMatch(/query or fragment/);
    expect(ticketHookUrlProblem('https://tickets.example.com:70000/')).toMatch(/outside 1 to 65535/);
    expect(ticketHookUrlProblem('https://tickets..example.com/')).toMatch(/no valid host/);
    expect(ticketHookUrlProblem('https://tickets example.com/')).toMatch(/not an address/);
    expect(ticketHookUrlProblem(' https://tickets.example.com/')).toMatch(/spaces/);
  });

  it('is named by its host on the request, never its path', () => {
    expect(ticketHookHost(URL_A)).toBe('tickets.example.com');
    expect(ticketHookHost(URL_B)).toBe('itsm.example.org:8443');
  });

  it('is checked with the policy: the editor and the server name ticketCheck.url', () => {
    const policy = autoPolicy({ ticketCheck: hook({ url: 'http://tickets.example.com/' }) });
    expect(policyFieldProblems(policy)).toContainEqual({ field: 'ticketCheck.url', message: expect.stringMatching(/must be https/) });
    expect(policyFieldProblems(autoPolicy())).toEqual([]);
  });

  it('the timeout is bounded by the schema: 1 to 10 seconds', () => {
    expect(TicketCheckHook.safeParse({ url: URL_A, secretName: 'tickets', timeoutSeconds: 0 }).success).toBe(false);
    expect(TicketCheckHook.safeParse({ url: URL_A, secretName: 'tickets', timeoutSeconds: 11 }).success).toBe(false);
    expect(TicketCheckHook.safeParse({ url: URL_A, secretName: 'Tickets Prod' }).success).toBe(false);
    expect(TicketCheckHook.parse({ url: URL_A, secretName: 'tickets' })).toEqual({ url: URL_A, secretName: 'tickets', timeoutSeconds: 5, onUnknown: 'human' });
  });
});

describe('what an answer does to a new request', () => {
  it('open: the policy decides as it would, and the answer is stored on the request', () => {
    const created = create([autoPolicy()], [answer('open')]);
    expect(created).toMatchObject({ ok: true, value: { status: 'approved', ticketCheck: { status: 'open', checkedAt: at, hookHost: 'tickets.example.com', reason: 'the ticket system says open' } } });
  });

  it('closed: refused with a sentence naming the ticket', () => {
    const refused = create([autoPolicy()], [answer('closed')]);
    expect(refused).toMatchObject({ ok: false, code: 'ticket_not_open' });
    expect(refused.ok ? '' : refused.message).toMatch(/^ticket OPS-42 is closed in the ticket system \(tickets\.example\.com\)/);
    expect(create([chainPolicy()], [answer('closed')])).toMatchObject({ ok: false, code: 'ticket_not_open' });
  });

  it('unknown, sent to a person: an automatic policy gets a step for a person; a chain runs as it is', () => {
    const toPerson = create([autoPolicy()], [answer('unknown', { reason: 'no answer within 5 s' })]);
    expect(toPerson).toMatchObject({ ok: true, value: { status: 'pending_approval', ticketCheck: { status: 'unknown', reason: 'no answer within 5 s' } } });
    expect(toPerson.ok && toPerson.value.policy?.approvalSteps.map((s) => s.name)).toEqual([TICKET_UNCHECKED_STEP_NAME]);
    const chain = create([chainPolicy()], [answer('unknown')]);
    expect(chain.ok && chain.value.policy?.approvalSteps.map((s) => s.name)).toEqual(['Approver']);
  });

  it('unknown, refused: the sentence says the ticket could not be checked and why', () => {
    const refused = create([autoPolicy({ ticketCheck: hook({ onUnknown: 'refuse' }) })], [answer('unknown', { reason: 'answered HTTP 500' })]);
    expect(refused).toMatchObject({ ok: false, code: 'ticket_not_open' });
    expect(refused.ok ? '' : refused.message).toMatch(/ticket OPS-42 could not be checked \(tickets\.example\.com: answered HTTP 500\), and the access policy refuses/);
  });

  it('nobody asked (the what-if) is unknown, said so; an answer for another address or ticket does not count', () => {
    expect(create([autoPolicy()], undefined)).toMatchObject({ ok: true, value: { status: 'pending_approval', ticketCheck: { status: 'unknown', reason: 'the ticket-check hook was not called' } } });
    expect(create([autoPolicy()], [answer('open', { url: URL_B })])).toMatchObject({ ok: true, value: { status: 'pending_approval', ticketCheck: { status: 'unknown', reason: expect.stringMatching(/policy changed while checking/) } } });
    expect(create([autoPolicy()], [answer('open', { ticket: 'OPS-41' })])).toMatchObject({ ok: true, value: { status: 'pending_approval' } });
  });

  it('no ticket, or no hook: nothing is checked and nothing stored', () => {
    const noTicket = create([autoPolicy()], [], { ticket: '' });
    expect(noTicket).toMatchObject({ ok: true, value: { status: 'approved' } });
    expect(noTicket.ok && 'ticketCheck' in noTicket.value).toBe(false);
    const noHook = create([autoPolicy({ ticketCheck: undefined })], undefined);
    expect(noHook.ok && 'ticketCheck' in noHook.value).toBe(false);
  });

  it('several policies with hooks: the least favourable answer decides, and refuse wins over a person', () => {
    const a = autoPolicy({ id: 'p-a' });
    const b = autoPolicy({ id: 'p-b', ticketCheck: hook({ url: URL_B, onUnknown: 'refuse' }) });
    expect(create([a, b], [answer('open'), answer('closed', { url: URL_B })])).toMatchObject({ ok: false, code: 'ticket_not_open' });
    expect(create([a, b], [answer('open'), answer('unknown', { url: URL_B })])).toMatchObject({ ok: false, code: 'ticket_not_open' });
    expect(create([a, b], [answer('open'), answer('open', { url: URL_B })])).toMatchObject({ ok: true, value: { status: 'approved' } });
    expect(ticketHooksOf(['p-a', 'p-b', 'p-c'], [a, b, autoPolicy({ id: 'p-c', ticketCheck: hook({ onUnknown: 'refuse', timeoutSeconds: 2 }) })])).toEqual([
      { url: URL_A, secretName: 'tickets', timeoutSeconds: 2, onUnknown: 'refuse' },
      { url: URL_B, secretName: 'tickets', timeoutSeconds: 5, onUnknown: 'refuse' },
    ]);
  });

  it('property: under a hook, nothing is approved automatically unless every hook said open', () => {
    const status = fc.constantFrom<TicketCheckStatus>('open', 'closed', 'unknown');
    fc.assert(
      fc.property(status, status, fc.constantFrom<'refuse' | 'human'>('refuse', 'human'), fc.boolean(), (sa, sb, onUnknown, asked) => {
        const a = autoPolicy({ id: 'p-a', ticketCheck: hook({ onUnknown }) });
        const b = autoPolicy({ id: 'p-b', ticketCheck: hook({ url: URL_B }) });
        const result = create([a, b], asked ? [answer(sa), answer(sb, { url: URL_B })] : undefined);
        const everyOpen = asked && sa === 'open' && sb === 'open';
        if (result.ok && result.value.status === 'approved') expect(everyOpen).toBe(true);
        if (asked && (sa === 'closed' || sb === 'closed')) expect(result).toMatchObject({ ok: false, code: 'ticket_not_open' });
      }),
    );
  });
});

describe('which hook changes widen access', () => {
  it('removing, re-pointing, another secret, refuse → a person and a longer wait widen; adding or a shorter wait do not', () => {
    const before = [hook({ onUnknown: 'refuse', timeoutSeconds: 5 })];
    expect(ticketHookWidenings(before, [])).toEqual(['tickets are no longer checked at tickets.example.com']);
    expect(ticketHookWidenings(before, [hook({ url: URL_B, onUnknown: 'refuse' })])).toEqual(['tickets are no longer checked at tickets.example.com']);
    expect(ticketHookWidenings(before, [hook({ secretName: 'other', onUnknown: 'refuse' })])).toEqual(['the ticket check at tickets.example.com signs with secret tickets → other']);
    expect(ticketHookWidenings(before, [hook({ onUnknown: 'human' })])).toEqual(['a ticket that cannot be checked at tickets.example.com goes to a person instead of being refused']);
    expect(ticketHookWidenings(before, [hook({ onUnknown: 'refuse', timeoutSeconds: 8 })])).toEqual(['the ticket check at tickets.example.com waits 5 → 8 s for an answer']);
    expect(ticketHookWidenings([], before)).toEqual([]);
    expect(ticketHookWidenings(before, [hook({ onUnknown: 'refuse', timeoutSeconds: 2 })])).toEqual([]);
  });
});

describe('what a requester reads before asking', () => {
  it('names who checks a ticket given and what an unknown answer does; nothing without a hook', () => {
    const checks = catalogTicketChecks([autoPolicy(), autoPolicy({ id: 'p-b', ticketCheck: hook({ url: URL_B, onUnknown: 'refuse' }) })]);
    expect(checks).toEqual({ ticketChecks: [{ host: 'tickets.example.com', onUnknown: 'human' }, { host: 'itsm.example.org:8443', onUnknown: 'refuse' }] });
    expect(ticketChecksInWords(checks.ticketChecks ?? [])).toEqual([
      'A ticket given is checked with tickets.example.com when you ask: a closed one is refused, and if the ticket system cannot say, an approver decides.',
      'A ticket given is checked with itsm.example.org:8443 when you ask: a closed one is refused, and if the ticket system cannot say, the request is refused.',
    ]);
    expect(catalogTicketChecks([autoPolicy({ ticketCheck: undefined })])).toEqual({});
  });
});
