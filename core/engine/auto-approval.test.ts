import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep, type AccessProfile } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import { AutoApprovalRule, type TimeWindow } from '../schema/time-window.js';
import { makeResource, makeUser } from '../test-fixtures.js';
import { autoApprovalByRules, autoApprovalRulesInWords, nextAccessOpening, refuseOutsideWindows, ruleInWords, rulesAndWindowsProblems, rulesAndWindowsWidenings } from './auto-approval.js';
import { policyInWords, type CatalogPolicy } from './catalog.js';
import { changeWidenings } from './config-change.js';
import { policyFieldProblems } from './config-fields.js';
import { createRequest, type NewRequestInput, type RequestWorld } from './request.js';
import { DEFAULT_SEPARATION } from './separation.js';
import { configWhatIf } from './what-if.js';

const office: TimeWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timeZone: 'Europe/Paris' };
const maintenance: TimeWindow = { days: ['sat'], start: '22:00', end: '04:00', timeZone: 'Europe/Paris' };
// Monday 3 March 2025, 10:00 in Paris (09:00Z); and that Saturday afternoon.
const mondayMorning = new Date('2025-03-03T09:00:00.000Z');
const saturdayAfternoon = new Date('2025-03-08T14:00:00.000Z');
const at = '2025-03-01T10:00:00.000Z';

const rule = (over: Partial<AutoApprovalRule> = {}) => AutoApprovalRule.parse(over);
const policy = (over: Partial<AccessPolicy> = {}) =>
  AccessPolicy.parse({
    id: 'p-1',
    name: 'Standard',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    requireJustification: false,
    approvalSteps: [ApprovalStep.parse({ name: 'Approver', mode: 'any', approverRoles: ['approver'] })],
    updatedAt: at,
    ...over,
  });

const rita = makeUser({ id: 'u-rita', displayName: 'Rita', department: 'it' });
const profile: AccessProfile = { id: 'prof-it', name: 'IT', description: '', resourceIds: ['res-1'], userIds: [], departments: ['it'], roles: [], maxDurationMinutes: null, enabled: true, changedBy: [], updatedAt: at };
// Low sensitivity, short ask, a ticket: risk 5 (sensitivity) + 2 (share of the maximum) + 10 (first request) = 17.
const resource = makeResource({ sensitivity: 'low' });
const sre = { displayName: 'SRE on-call', memberUserIds: ['u-rita'] };
const groupOf = (id: string) => (id === 'grp-sre' ? sre : null);

const input = (over: Partial<NewRequestInput> = {}): NewRequestInput => ({ id: 'r-1', requester: rita, resource, durationMinutes: 15, justification: '', ticket: 'OPS-1', ...over });
const world = (policies: AccessPolicy[], over: Partial<RequestWorld> = {}): RequestWorld => ({ profiles: [profile], policies, separation: DEFAULT_SEPARATION, groupOf, ...over });
const ask = (policies: AccessPolicy[], now: Date, over: Partial<NewRequestInput> = {}, worldOver: Partial<RequestWorld> = {}) => createRequest(input(over), world(policies, worldOver), { now });
const created = (result: ReturnType<typeof ask>): AccessRequest => {
  if (!result.ok) throw new Error(result.message);
  return result.value;
};

describe('auto-approval rules in createRequest', () => {
  const rules = policy({
    autoApprovalRules: [rule({ name: 'Office hours, on call', riskBelow: 30, window: office, onCallGroupId: 'grp-sre' })],
  });

  it('approves when every condition of a rule holds, and records why in words', () => {
    const request = created(ask([rules], mondayMorning));
    expect(request.status).toBe('approved');
    expect(request.autoApproval).toEqual({
      approved: true,
      reason: `auto-approved: rule "Office hours, on call": risk ${request.riskScore} below 30, within Mon-Fri 08:00-18:00 Europe/Paris, on-call group SRE on-call`,
    });
    expect(request.outcomeReason).toBe(request.autoApproval!.reason);
    // The frozen policy reads as automatic: no chain is waiting, no deadline runs.
    expect(request.policy).toMatchObject({ autoApprove: true, approvalSteps: [] });
    expect(request).toMatchObject({ decidedAt: mondayMorning.toISOString(), expiresAt: null, stepDueAt: null });
  });

  it('runs the chain when a condition fails, naming the one that did', () => {
    const weekend = created(ask([rules], saturdayAfternoon));
    expect(weekend.status).toBe('pending_approval');
    expect(weekend.policy?.approvalSteps.map((s) => s.name)).toEqual(['Approver']);
    expect(weekend.autoApproval).toEqual({ approved: false, reason: 'not auto-approved: rule "Office hours, on call": outside Mon-Fri 08:00-18:00 Europe/Paris' });

    const risky = created(ask([rules], mondayMorning, { durationMinutes: 240, ticket: '' }, {}));
    expect(risky.riskScore).toBeGreaterThanOrEqual(30);
    expect(risky.autoApproval?.reason).toBe(`not auto-approved: rule "Office hours, on call": risk ${risky.riskScore} is not below 30`);

    const offRota = created(ask([rules], mondayMorning, {}, { groupOf: () => ({ displayName: 'SRE on-call', memberUserIds: [] }) }));
    expect(offRota.autoApproval?.reason).toBe('not auto-approved: rule "Office hours, on call": not in on-call group SRE on-call');
    const unknownGroup = created(ask([rules], mondayMorning, {}, { groupOf: undefined }));
    expect(unknownGroup.status).toBe('pending_approval');
  });

  it('a later start is judged when the access is used: a window must hold at the start too, and on call then cannot be known', () => {
    const inOffice = policy({ autoApprovalRules: [rule({ name: 'Office hours', window: office })] });
    // Asked Monday 10:00 in Paris for Monday 21:00: outside office hours when it is used.
    const evening = created(ask([inOffice], mondayMorning, { startsAt: '2025-03-03T20:00:00.000Z' }));
    expect(evening.status).toBe('pending_approval');
    expect(evening.autoApproval?.reason).toBe('not auto-approved: rule "Office hours": starts outside Mon-Fri 08:00-18:00 Europe/Paris');
    // Asked Monday 10:00 for Tuesday 09:00: inside at both.
    const tuesday = created(ask([inOffice], mondayMorning, { startsAt: '2025-03-04T08:00:00.000Z' }));
    expect(tuesday.status).toBe('approved');

    const onCall = policy({ autoApprovalRules: [rule({ name: 'On call', onCallGroupId: 'grp-sre' })] });
    expect(created(ask([onCall], mondayMorning)).status).toBe('approved');
    const nextWeek = created(ask([onCall], mondayMorning, { startsAt: '2025-03-10T09:00:00.000Z' }));
    expect(nextWeek.status).toBe('pending_approval');
    expect(nextWeek.autoApproval?.reason).toBe('not auto-approved: rule "On call": on call in SRE on-call at a later start cannot be known when asking');
  });

  it('any rule is enough: a second rule for the weekend rota approves what the first does not', () => {
    const two = policy({ autoApprovalRules: [rule({ name: 'Weekdays', window: office }), rule({ name: 'Weekend on call', onCallGroupId: 'grp-sre' })] });
    const request = created(ask([two], saturdayAfternoon));
    expect(request.autoApproval?.reason).toBe('auto-approved: rule "Weekend on call": on-call group SRE on-call');
  });

  it('a ticket verified open by the ticket-check hook is a condition; not checked, it does not hold', () => {
    const ticketed = policy({ autoApprovalRules: [rule({ ticketOpen: true })] });
    const request = created(ask([ticketed], mondayMorning));
    expect(request.status).toBe('pending_approval');
    expect(request.autoApproval?.reason).toBe('not auto-approved: ticket OPS-1 not verified open (not checked)');
  });

  it('keeps autoApprove as it was: every eligible request, with no rule consulted, and says so', () => {
    const automatic = policy({ autoApprove: true, approvalSteps: [] });
    const request = created(ask([automatic], saturdayAfternoon));
    expect(request).toMatchObject({ status: 'approved', outcomeReason: 'auto-approved by policy' });
    expect(request.autoApproval).toEqual({ approved: true, reason: 'auto-approved: access policy "Standard" approves every eligible request' });
    // A policy with neither records nothing.
    expect(created(ask([policy()], mondayMorning)).autoApproval).toBeUndefined();
  });

  it('several policies: each must approve (most restrictive wins); one without rules keeps its chain', () => {
    const second = policy({ id: 'p-2', name: 'Security', autoApprovalRules: [rule({ riskBelow: 50 })] });
    const both = makeResource({ sensitivity: 'low', policyIds: ['p-1', 'p-2'] });
    const approved = created(ask([rules, second], mondayMorning, { resource: both }));
    expect(approved.status).toBe('approved');
    expect(approved.autoApproval?.reason).toMatch(/^auto-approved: rule "Office hours, on call": .*; risk \d+ below 50$/);
    const plain = policy({ id: 'p-2', name: 'Security' });
    const chain = created(ask([rules, plain], mondayMorning, { resource: both }));
    expect(chain.status).toBe('pending_approval');
    expect(chain.autoApproval?.reason).toBe('not auto-approved: access policy "Security" has no auto-approval rule');
    expect(chain.policy?.approvalSteps).toHaveLength(2);
  });

  it('separation of duties: a requester who changed the policy recently, or who holds a conflicting resource, goes to the chain', () => {
    const edited = policy({ ...rules, changedBy: [{ userId: 'u-rita', at: '2025-03-01T09:00:00.000Z' }] });
    const request = created(ask([edited], mondayMorning));
    expect(request.status).toBe('pending_approval');
    expect(request.policy?.approvalSteps.map((s) => s.name)).toEqual(['Approver']);
    expect(request.autoApproval?.reason).toMatch(/^not auto-approved: the requester changed access policy "Standard" on 2025-03-01, so a second person decides \(the rules matched: /);

    const vendorMaster = makeResource({ id: 'res-vm', name: 'ERP vendor master', conflictsWith: ['res-1'] });
    // Without a risk condition (holding the other adds 30 to the risk score, which alone would stop a "below 30" rule).
    const onCall = policy({ autoApprovalRules: [rule({ onCallGroupId: 'grp-sre' })] });
    const held = created(ask([onCall], mondayMorning, {}, { heldResources: [vendorMaster] }));
    expect(held.status).toBe('pending_approval');
    expect(held.autoApproval?.reason).toMatch(/^not auto-approved: the requester holds ERP vendor master, which must not be held with this resource/);
  });

  it('a break-glass policy with rules and no chain gets a second person when the rules are withheld', () => {
    const glass = policy({ approvalSteps: [], breakGlass: true, autoApprovalRules: [rule({ riskBelow: 90 })], changedBy: [{ userId: 'u-rita', at }] });
    const request = created(ask([glass], mondayMorning));
    expect(request.policy?.approvalSteps.map((s) => s.name)).toEqual(['Second person (auto-approval withheld)']);
  });
});

describe('access windows in createRequest', () => {
  const windowed = policy({ name: 'Maintenance', accessWindows: [maintenance] });

  it('refuses outside every window, naming the next opening in the window’s zone', () => {
    const refused = ask([windowed], saturdayAfternoon);
    expect(refused).toEqual({
      ok: false,
      code: 'outside_window',
      message: 'outside the access windows of "Maintenance" (Sat 22:00-04:00 Europe/Paris); next opens Sat 8 Mar 22:00 Europe/Paris',
    });
    expect(created(ask([windowed], new Date('2025-03-08T21:30:00.000Z'))).status).toBe('pending_approval');
    // Sunday 03:59 in Paris is still Saturday night's window.
    expect(created(ask([windowed], new Date('2025-03-09T02:59:00.000Z'))).status).toBe('pending_approval');
  });

  it('applies to automatic policies too, and before the second factor is asked', () => {
    const automatic = policy({ autoApprove: true, approvalSteps: [], requireMfa: true, accessWindows: [office] });
    expect(ask([automatic], saturdayAfternoon)).toMatchObject({ ok: false, code: 'outside_window' });
    expect(ask([automatic], mondayMorning)).toMatchObject({ ok: false, code: 'mfa_required' });
  });

  it('a later start is judged at its start', () => {
    const refused = ask([windowed], saturdayAfternoon, { startsAt: '2025-03-08T21:30:00.000Z' });
    expect(refused.ok).toBe(true);
  });

  it('each windowed policy of a resource asks for one of its own windows', () => {
    const both = makeResource({ sensitivity: 'low', policyIds: ['p-1', 'p-2'] });
    const weekdays = policy({ id: 'p-2', name: 'Office', accessWindows: [office] });
    expect(ask([windowed, weekdays], new Date('2025-03-08T21:30:00.000Z'), { resource: both })).toMatchObject({ ok: false, code: 'outside_window', message: expect.stringContaining('"Office"') });
    expect(nextAccessOpening([windowed, weekdays], mondayMorning)).toBeNull();
    expect(nextAccessOpening([windowed], mondayMorning)?.toISOString()).toBe('2025-03-08T21:00:00.000Z');
  });

  it('property: a request is refused exactly when the instant is outside the windows, and the opening named is inside', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2025-01-01T00:00:00Z') / 60_000, max: Date.parse('2026-12-31T00:00:00Z') / 60_000 }), (minute) => {
        const now = new Date(minute * 60_000);
        const refusal = refuseOutsideWindows([windowed], now);
        const next = nextAccessOpening([windowed], now);
        expect(refusal === null).toBe(next?.getTime() === now.getTime());
        if (refusal) expect(refusal.message).toContain('next opens');
      }),
      { numRuns: 200 },
    );
  });
});

describe('autoApprovalByRules', () => {
  const facts = { requesterId: 'u-rita', riskScore: 12, at: mondayMorning, ticket: 'OPS-1', ticketStatus: 'open' as const, groupOf };

  it('a rule needs every condition; the ticket open condition reads the hook’s answer', () => {
    const p = policy({ autoApprovalRules: [rule({ riskBelow: 30, window: office, onCallGroupId: 'grp-sre', ticketOpen: true })] });
    expect(autoApprovalByRules([p], facts)).toEqual({ approved: true, reason: 'auto-approved: risk 12 below 30, within Mon-Fri 08:00-18:00 Europe/Paris, on-call group SRE on-call, ticket OPS-1 verified open' });
    expect(autoApprovalByRules([p], { ...facts, ticketStatus: 'closed' })?.reason).toBe('not auto-approved: ticket OPS-1 not verified open (closed)');
    expect(autoApprovalByRules([p], { ...facts, riskScore: 30 })?.approved).toBe(false);
    expect(autoApprovalByRules([policy()], facts)).toBeNull();
  });

  it('a rule with no condition never approves (and the policy check refuses it)', () => {
    const empty = policy({ autoApprovalRules: [rule({ name: 'Everything' })] });
    expect(autoApprovalByRules([empty], facts)).toEqual({ approved: false, reason: 'not auto-approved: rule "Everything": names no condition' });
    expect(policyFieldProblems(empty)).toEqual([{ field: 'autoApprovalRules.0', message: expect.stringContaining('needs at least one condition') }]);
  });

  it('property: approved exactly when one rule has every condition holding', () => {
    const arbitraryRule = fc.record({ riskBelow: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }), onCall: fc.boolean(), ticketOpen: fc.boolean(), window: fc.boolean() });
    fc.assert(
      fc.property(fc.array(arbitraryRule, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 100 }), fc.boolean(), fc.constantFrom('open', 'closed', 'unknown') as fc.Arbitrary<'open' | 'closed' | 'unknown'>, (specs, risk, weekday, status) => {
        const rules = specs.map((s) => rule({ riskBelow: s.riskBelow, onCallGroupId: s.onCall ? 'grp-sre' : null, ticketOpen: s.ticketOpen, window: s.window ? office : null }));
        const when = weekday ? mondayMorning : saturdayAfternoon;
        const record = autoApprovalByRules([policy({ autoApprovalRules: rules })], { ...facts, riskScore: risk, at: when, ticketStatus: status });
        const expected = specs.some((s) => (s.riskBelow !== null || s.onCall || s.ticketOpen || s.window) && (s.riskBelow === null || risk < s.riskBelow) && (!s.ticketOpen || status === 'open') && (!s.window || weekday));
        expect(record?.approved).toBe(expected);
      }),
    );
  });
});

describe('words, checks and four eyes', () => {
  it('the catalog says the rules and the windows', () => {
    const p = policy({ autoApprovalRules: [rule({ riskBelow: 30, window: office, onCallGroupId: 'grp-sre' })], accessWindows: [maintenance] });
    const rules = autoApprovalRulesInWords([p], (id) => (id === 'grp-sre' ? 'SRE on-call' : id));
    expect(rules).toEqual(['its risk score is below 30, it is asked and starts within Mon-Fri 08:00-18:00 Europe/Paris and you are in the on-call group SRE on-call for access now']);
    const catalog: CatalogPolicy = {
      maxDurationMinutes: 240,
      defaultDurationMinutes: 60,
      requireJustification: false,
      requireTicket: false,
      autoApprove: false,
      breakGlass: false,
      maxExtensions: 0,
      requestTtlMinutes: 60,
      ticketFormats: [],
      requireMfa: false,
      mfaFreshMinutes: 15,
      steps: [{ name: 'Approver', mode: 'any', approvers: [], roles: ['approver'], timeout: '' }],
      autoApprovalRules: rules,
      accessWindows: [maintenance],
    };
    const words = policyInWords(catalog);
    expect(words).toContain(`It is approved automatically when ${rules[0]}; otherwise its approvers decide.`);
    expect(words.some((l) => l.startsWith('A request can be made only within Sat 22:00-04:00 Europe/Paris (a later start must fall inside too)'))).toBe(true);
    // A second policy without rules always runs its chain: no rule is offered.
    expect(autoApprovalRulesInWords([p, policy({ id: 'p-2' })])).toEqual([]);
    expect(ruleInWords(rule({ name: 'Tickets', ticketOpen: true }))).toBe('its ticket is verified open (Tickets)');
  });

  it('checks hours, days, zones and thresholds on their fields', () => {
    const bad = {
      autoApprove: false,
      autoApprovalRules: [rule({ window: { ...office, timeZone: 'Europe/Pariss' } })],
      accessWindows: [{ ...maintenance, end: '22:00' }],
    };
    expect(rulesAndWindowsProblems(bad).map((p) => p.field)).toEqual(['autoApprovalRules.0.window.timeZone', 'accessWindows.0.end']);
    expect(rulesAndWindowsProblems({ autoApprove: true, autoApprovalRules: [rule({ riskBelow: 10 })] })[0]?.field).toBe('autoApprovalRules');
    expect(AutoApprovalRule.safeParse({ riskBelow: 0 }).success).toBe(false);
    expect(AutoApprovalRule.safeParse({ riskBelow: 101 }).success).toBe(false);
    expect(AccessPolicy.safeParse({ ...policy(), accessWindows: [{ ...office, start: '8h' }] }).success).toBe(false);
  });

  it('a rule added or loosened, or a window taken away or added, widens; the reverse tightens', () => {
    const world = { policies: [policy()], profiles: [], resources: [makeResource({ policyIds: ['p-1'] })], users: [] };
    const widen = (before: AccessPolicy, after: AccessPolicy) => changeWidenings({ kind: 'policy', before, after }, { ...world, policies: [before] });
    const low = policy({ autoApprovalRules: [rule({ riskBelow: 10 })] });
    const high = policy({ autoApprovalRules: [rule({ riskBelow: 40 })] });
    expect(widen(policy(), low)).toEqual(['requests are approved automatically when its risk score is below 10']);
    expect(widen(low, high)).toEqual(['requests are approved automatically when its risk score is below 40']);
    expect(widen(low, policy())).toEqual([]);
    const closed = policy({ accessWindows: [maintenance] });
    expect(widen(policy(), closed)).toEqual([]);
    expect(widen(closed, policy())).toEqual(['requests under "Standard" may be made at any time (its access windows are gone)']);
    expect(widen(closed, policy({ accessWindows: [maintenance, office] }))).toEqual(['requests may also be made within Mon-Fri 08:00-18:00 Europe/Paris']);
    expect(rulesAndWindowsWidenings([closed], [policy({ accessWindows: [] })])).toHaveLength(1);
  });
});

describe('what-if', () => {
  const ann = makeUser({ id: 'u-rita', displayName: 'Rita', department: 'it' });
  const base = policy();
  const asked = (id: string, createdAt: string): AccessRequest => ({
    id,
    requesterId: 'u-rita',
    resourceId: 'res-1',
    durationMinutes: 15,
    justification: '',
    ticket: 'OPS-1',
    status: 'pending_approval',
    policy: null,
    currentStep: 0,
    decisions: [],
    riskScore: 0,
    outcomeReason: '',
    grantId: null,
    extendsGrantId: null,
    createdAt,
    updatedAt: createdAt,
    decidedAt: null,
    expiresAt: null,
    revision: 1,
  });

  it('replays each request at the hour it was asked: a window refuses the weekend ones, a rule approves the office-hours ones', () => {
    const w = { policies: [base], profiles: [profile], resources: [makeResource({ sensitivity: 'low' })], users: [ann] };
    const weekday = asked('r-weekday', mondayMorning.toISOString());
    const weekend = asked('r-weekend', saturdayAfternoon.toISOString());
    const now = new Date('2025-03-10T12:00:00.000Z');
    const windowed = configWhatIf({ change: { kind: 'policy', before: base, after: policy({ accessWindows: [office] }) }, world: w, requests: [weekday, weekend], grants: [], now });
    expect(windowed.requests.changed.map((c) => [c.requestId, c.after.kind])).toEqual([['r-weekend', 'refused']]);
    expect(windowed.requests.changed[0]?.why).toMatch(/^refused: outside the access windows of "Standard" \(Mon-Fri 08:00-18:00 Europe\/Paris\); next opens Mon 10 Mar 08:00/);

    const ruled = configWhatIf({
      change: { kind: 'policy', before: base, after: policy({ autoApprovalRules: [rule({ window: office, onCallGroupId: 'grp-sre' })] }) },
      world: w,
      requests: [weekday, weekend],
      grants: [],
      now,
      groupOf,
    });
    expect(ruled.requests.changed.map((c) => [c.requestId, c.before.kind, c.after.kind])).toEqual([['r-weekday', 'chain', 'auto-approved']]);
    expect(ruled.requests.counts.toAutomatic).toBe(1);
  });
});
