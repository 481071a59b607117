/**
 * The catalog a requester reads before asking: only what they are eligible for, the policy that
 * applies to them in fields and plain words (their own manager on a manager step), and the typical
 * time to approval measured from the resource's history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../core/index.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

let srv: TestServer;
let bob: string;

beforeAll(async () => {
  srv = await startTestServer({ seedDemo: true });
  bob = await srv.login('bob');
});
afterAll(async () => {
  await srv.close();
});

type Entry = { id: string; name: string; policy: { steps: { name: string; approvers: string[]; roles: string[] }[]; maxDurationMinutes: number; defaultDurationMinutes: number } | null; policyInWords: string[]; typicalApproval: { medianMinutes: number; samples: number } | null; problem: string | null };
const catalog = async (token: string) => (await http<{ resources: Entry[]; generatedAt: string }>('GET', `${srv.url}/api/v1/catalog`, { token })).body;

function approvedRequest(id: string, resourceId: string, tookMinutes: number): AccessRequest {
  const decided = new Date(Date.now() - 60 * 60_000);
  const asked = new Date(decided.getTime() - tookMinutes * 60_000).toISOString();
  return {
    id,
    requesterId: 'u-dave',
    resourceId,
    durationMinutes: 60,
    justification: 'history',
    ticket: '',
    status: 'approved',
    policy: null,
    currentStep: 1,
    decisions: [{ stepIndex: 0, approverId: 'u-alice', decision: 'approve', reason: '', decidedAt: decided.toISOString(), breakGlass: false }],
    riskScore: 10,
    outcomeReason: '',
    grantId: null,
    extendsGrantId: null,
    createdAt: asked,
    updatedAt: decided.toISOString(),
    decidedAt: decided.toISOString(),
    expiresAt: null,
    revision: 2,
  };
}

describe('GET /api/v1/catalog', () => {
  it('lists only what the person is eligible for, each with its policy in fields and in words', async () => {
    const { resources, generatedAt } = await catalog(bob);
    expect(Date.parse(generatedAt)).toBeGreaterThan(0);
    const ids = resources.map((r) => r.id);
    expect(ids).toContain('res-entra-global-reader');
    expect(ids).not.toContain('res-ad-finance-share');
    const reader = resources.find((r) => r.id === 'res-entra-global-reader')!;
    expect(reader.problem).toBeNull();
    expect(reader.policy).toMatchObject({ maxDurationMinutes: 480, defaultDurationMinutes: 120, steps: [{ name: 'Approver', approvers: [], roles: ['approver'] }] });
    expect(reader.policyInWords[0]).toBe('You may ask for up to 8 h; 2 h is recommended.');
    expect(reader.policyInWords).toContain('One approval: anyone who is an approver.');
    // Sorted by name, for a list people scan.
    expect(resources.map((r) => r.name)).toEqual([...resources.map((r) => r.name)].sort((a, b) => a.localeCompare(b)));
  });

  it('names the people on each step, the requester’s own manager included', async () => {
    const { resources } = await catalog(bob);
    const withPeople = resources.filter((r) => r.policy?.steps.some((s) => s.approvers.length > 0));
    expect(withPeople.length).toBeGreaterThan(0);
    for (const entry of withPeople) for (const step of entry.policy!.steps) for (const name of step.approvers) expect(name).not.toMatch(/^u-/);
    const bobUser = srv.store.get('users', 'u-bob')!;
    const manager = bobUser.managerId ? srv.store.get('users', bobUser.managerId)?.displayName : undefined;
    const managerSteps = srv.store.list('policies').filter((p) => p.approvalSteps.some((s) => s.includeManager));
    if (manager && managerSteps.length > 0) {
      const governed = resources.filter((r) => srv.store.get('resources', r.id)!.policyIds.some((id) => managerSteps.some((p) => p.id === id)));
      for (const entry of governed) expect(entry.policy!.steps.flatMap((s) => s.approvers)).toContain(manager);
    }
  });

  it('measures the typical time to approval from the resource’s approved requests, once there are enough', async () => {
    const before = (await catalog(bob)).resources.find((r) => r.id === 'res-entra-global-reader')!.typicalApproval;
    // The demo history holds at most a couple of approvals of it: too few to tell anything.
    expect(before).toBeNull();
    srv.store.tx(() => {
      for (const [i, minutes] of [10, 20, 20, 20, 40].entries()) srv.store.put('requests', approvedRequest(`req-hist-${i}`, 'res-entra-global-reader', minutes));
    });
    const typical = (await catalog(bob)).resources.find((r) => r.id === 'res-entra-global-reader')!.typicalApproval!;
    // A median of 20 min whatever one or two demo approvals add on either side.
    expect(typical.medianMinutes).toBe(20);
    expect(typical.samples).toBeGreaterThanOrEqual(5);
  });

  it('needs a signed-in person', async () => {
    expect((await http('GET', `${srv.url}/api/v1/catalog`)).status).toBe(401);
  });
});
