import { describe, expect, it } from 'vitest';
import { AccessPolicy, ApprovalStep } from '../schema/policy.js';
import type { Resource } from '../schema/resource.js';
import { resolvePolicy, withManager } from './policy.js';

const at = '2025-03-01T10:00:00.000Z';

const policy = (over: Partial<AccessPolicy> & { id: string }): AccessPolicy =>
  AccessPolicy.parse({ name: over.id, maxDurationMinutes: 480, defaultDurationMinutes: 60, updatedAt: at, ...over });
const step = (over: Partial<ApprovalStep> & { name: string }): ApprovalStep => ApprovalStep.parse({ mode: 'any', ...over });

const resource = (policyIds: string[]): Resource => ({
  id: 'res-1',
  name: 'Domain admins',
  description: '',
  kind: 'ad_group',
  connector: 'ad',
  connectorId: 'ad-1',
  target: { externalId: 'CN=Domain Admins' },
  ownerId: 'u-owner',
  sensitivity: 'critical',
  policyIds,
  archived: false,
  changedBy: [],
  updatedAt: at,
});

describe('resolvePolicy: the most restrictive wins', () => {
  const loose = policy({
    id: 'loose',
    maxDurationMinutes: 480,
    requireJustification: false,
    requireTicket: false,
    requireMfa: true,
    breakGlass: true,
    autoApprove: true,
    maxExtensions: 5,
    requestTtlMinutes: 600,
    approvalSteps: [step({ name: 'owner', includeResourceOwner: true, approverIds: ['u-a'] })],
  });
  const strict = policy({
    id: 'strict',
    maxDurationMinutes: 60,
    requireJustification: true,
    requireTicket: true,
    requireMfa: false,
    breakGlass: false,
    autoApprove: true,
    maxExtensions: 1,
    requestTtlMinutes: 1440,
    approvalSteps: [step({ name: 'security', mode: 'all', approverIds: ['u-sec1', 'u-sec2'] })],
  });

  it('takes the shortest durations, the OR of requirements, the AND of permissions and every step in order', () => {
    const result = resolvePolicy(resource(['loose', 'strict']), [strict, loose]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      policyIds: ['loose', 'strict'],
      maxDurationMinutes: 60,
      requireJustification: true,
      requireTicket: true,
      requireMfa: true,
        breakGlass: false,
      autoApprove: false,
      maxExtensions: 1,
      requestTtlMinutes: 600,
    });
    expect(result.value.approvalSteps.map((s) => [s.name, s.mode, s.approverIds])).toEqual([
      ['owner', 'any', ['u-a', 'u-owner']],
      ['security', 'all', ['u-sec1', 'u-sec2']],
    ]);
  });

  it('auto-approves only when every policy does and no policy has an approval step', () => {
    const auto = (id: string) => policy({ id, autoApprove: true });
    expect(resolvePolicy(resource(['a', 'b']), [auto('a'), auto('b')])).toMatchObject({ ok: true, value: { autoApprove: true } });
    expect(resolvePolicy(resource(['a', 'c']), [auto('a'), policy({ id: 'c' })])).toMatchObject({ ok: true, value: { autoApprove: false } });
  });

  it('refuses to resolve when a named policy is missing, naming it', () => {
    expect(resolvePolicy(resource(['loose', 'gone']), [loose])).toEqual({
      ok: false,
      code: 'not_found',
      message: 'access policy gone of Domain admins does not exist; requests are refused until it is fixed',
    });
  });
});

describe('withManager', () => {
  const managerStep = policy({ id: 'mgr', approvalSteps: [step({ name: 'manager', includeManager: true })] });
  const securityStep = policy({ id: 'sec', approvalSteps: [step({ name: 'security', approverIds: ['u-sec'] })] });

  it('names the requester’s manager on the steps that ask for one', () => {
    const resolved = resolvePolicy(resource(['mgr', 'sec']), [managerStep, securityStep]);
    if (!resolved.ok) throw new Error(resolved.message);
    const steps = withManager(resolved.value, [managerStep, securityStep], 'u-boss').approvalSteps;
    expect(steps.map((s) => [s.name, s.approverIds])).toEqual([
      ['manager', ['u-boss']],
      ['security', ['u-sec']],
    ]);
    expect(withManager(resolved.value, [managerStep, securityStep], null).approvalSteps[0]?.approverIds).toEqual([]);
  });

  it('puts the manager on the right step whatever order the policies are listed in', () => {
    // The resource orders the steps; the list of policies may come in any order (e.g. from a query).
    const resolved = resolvePolicy(resource(['sec', 'mgr']), [managerStep, securityStep]);
    if (!resolved.ok) throw new Error(resolved.message);
    const steps = withManager(resolved.value, [managerStep, securityStep], 'u-boss').approvalSteps;
    expect(steps.map((s) => [s.name, s.approverIds])).toEqual([
      ['security', ['u-sec']],
      ['manager', ['u-boss']],
    ]);
  });
});

describe('resolvePolicy: a chain longer than a request can hold', () => {
  it('refuses more than MAX_APPROVAL_STEPS steps in total, naming the policies', () => {
    const five = (id: string) => policy({ id, approvalSteps: Array.from({ length: 5 }, (_, i) => step({ name: `${id}-${i}`, approverIds: ['u-a'] })) });
    const resolved = resolvePolicy(resource(['a', 'b']), [five('a'), five('b')]);
    expect(resolved).toMatchObject({ ok: false, code: 'invalid_transition' });
    if (!resolved.ok) expect(resolved.message).toMatch(/10 approval steps.*at most 8/);
    expect(resolvePolicy(resource(['a']), [five('a')]).ok).toBe(true);
  });
});
