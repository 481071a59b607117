import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECOND_PERSON_STEP_NAME, verifyChain, type CommandType } from '../../core/index.js';
import { seedDemoOrganisation } from '../demo/seed.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createCommandProcessor, type CommandProcessor } from './processor.js';

/**
 * Separation of duties against the people who configure the product: a policy admin (or admin)
 * cannot widen access on their own, cannot widen their own access at all, and cannot approve
 * requests governed by configuration they changed within the cooling-off period.
 */

let dir: string;
let store: Store;
let processor: CommandProcessor;
let clock = new Date('2030-06-01T09:00:00.000Z');
let n = 0;
const DAY = 86_400_000;

function send(actorId: string, type: CommandType, payload: Record<string, unknown>) {
  n++;
  return processor.apply({ id: `sod-${n}`, type, actorId, payload, createdAt: clock.toISOString() }, { authenticatedActorId: actorId });
}

const userAdmin = () => store.get('resources', 'res-entra-user-admin');
const withoutServerFields = <T extends { updatedAt: string; changedBy: unknown }>(doc: T) => {
  const { updatedAt: _u, changedBy: _c, ...rest } = doc;
  return rest;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-sod-'));
  store = openStore({ dataDir: dir });
  processor = createCommandProcessor({ store, now: () => clock, separation: { cooldownDays: 30 } });
  store.createAccount({ id: 'u-admin', username: 'admin', passwordHash: 'unused', roles: ['admin', 'approver', 'auditor', 'policy_admin'], createdAt: clock.toISOString() });
  store.put('users', { id: 'u-admin', username: 'admin', displayName: 'Administrator', roles: ['admin'], updatedAt: clock.toISOString() });
  expect((await seedDemoOrganisation(store, processor, clock)).seeded).toBe(true);
  // A month on, as in a running organisation.
  clock = new Date(clock.getTime() + 31 * DAY);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a policy admin cannot give themselves access', () => {
  it('refuses, outright, a widening of a policy that governs something its proposer may request', () => {
    // The approver profile makes mallory eligible for Global Reader, under pol-single-approver.
    const policy = withoutServerFields(store.get('policies', 'pol-single-approver')!);
    const result = send('u-mallory', 'policy.upsert', { policy: { ...policy, maxDurationMinutes: 24 * 60 } });
    expect(result).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
    expect(store.list('proposals')).toHaveLength(0);
  });

  it('refuses, outright, a profile change that makes its proposer eligible', () => {
    const profile = { id: 'prof-mallory', name: 'Mallory only', resourceIds: ['res-entra-user-admin'], userIds: ['u-mallory'] };
    const result = send('u-mallory', 'profile.upsert', { profile });
    expect(result).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
    expect(result.message).toMatch(/widens your own access/);
    expect(store.get('profiles', 'prof-mallory')).toBeNull();
    expect(store.list('proposals')).toHaveLength(0);
  });

  it('the issue’s sequence ends with mallory holding nothing: auto-approval becomes a proposal, her request is not eligible', () => {
    const auto = { id: 'pol-mallory-auto', name: 'Instant', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, approvalSteps: [] };
    // A policy nothing names governs nothing yet: it applies.
    expect(send('u-mallory', 'policy.upsert', { policy: auto }).status).toBe('applied');
    expect(store.get('policies', 'pol-mallory-auto')?.changedBy).toEqual([{ userId: 'u-mallory', at: clock.toISOString() }]);
    // Pointing the resource at it would approve requests automatically: a second person must agree.
    const moved = send('u-mallory', 'resource.upsert', { resource: { ...withoutServerFields(userAdmin()!), policyIds: ['pol-mallory-auto'] } });
    expect(moved.status).toBe('applied');
    expect(moved.message).toMatch(/widens access \(.* and \d+ more\): proposed as prop-/);
    expect(userAdmin()?.policyIds).toEqual(['pol-two-step']);
    const proposal = store.get('proposals', moved.subjectIds[0] as string);
    expect(proposal).toMatchObject({ status: 'pending', kind: 'resource', proposedBy: 'u-mallory', subjectId: 'res-entra-user-admin' });
    expect(proposal?.widenings).toContain('requests are approved automatically');
    // She cannot approve her own proposal.
    expect(send('u-mallory', 'proposal.approve', { proposalId: proposal!.id })).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
    const asked = send('u-mallory', 'request.create', { resourceId: 'res-entra-user-admin', durationMinutes: 60, justification: 'x', ticket: 'CHG-1' });
    expect(asked).toMatchObject({ status: 'rejected', code: 'not_eligible' });
    expect(store.list('grants', { where: { userId: 'u-mallory' } })).toHaveLength(0);
    // Withdrawn by its proposer, no reason needed.
    expect(send('u-mallory', 'proposal.reject', { proposalId: proposal!.id })).toMatchObject({ status: 'applied' });
    expect(store.get('proposals', proposal!.id)?.status).toBe('withdrawn');
  });

  it('a self-approving policy cannot be written at all', () => {
    const policy = { id: 'pol-self', name: 'Self', maxDurationMinutes: 60, defaultDurationMinutes: 60, allowSelfApproval: true, approvalSteps: [{ name: 'Me', mode: 'any', approverIds: ['u-mallory'] }] };
    const result = send('u-mallory', 'policy.upsert', { policy });
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    expect(result.message).toMatch(/payload\.policy\.allowSelfApproval: is not a known field/);
  });
});

describe('four eyes on widening changes', () => {
  it('making an accomplice eligible waits for a second person, who then cannot approve the accomplice’s requests for 30 days either', () => {
    const profile = { id: 'prof-bob-helpdesk', name: 'Bob on helpdesk', resourceIds: ['res-entra-helpdesk-admin'], userIds: ['u-bob'] };
    const proposed = send('u-mallory', 'profile.upsert', { profile });
    expect(proposed.status).toBe('applied');
    const proposalId = proposed.subjectIds[0] as string;
    const proposal = store.get('proposals', proposalId);
    expect(proposal?.effect).toMatchObject({ resourceIds: ['res-entra-helpdesk-admin'], newlyEligibleUserIds: ['u-bob'], newlyEligible: 1 });
    expect(store.get('profiles', 'prof-bob-helpdesk')).toBeNull();
    expect(send('u-bob', 'request.create', { resourceId: 'res-entra-helpdesk-admin', durationMinutes: 60, justification: 'x' })).toMatchObject({ code: 'not_eligible' });

    // An approver is not a policy admin; a rejection by someone else needs a reason.
    expect(send('u-alice', 'proposal.approve', { proposalId })).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(send('u-admin', 'proposal.reject', { proposalId })).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    const approved = send('u-admin', 'proposal.approve', { proposalId, reason: 'Bob covers the helpdesk this month' });
    expect(approved).toMatchObject({ status: 'applied', subjectIds: [proposalId, 'prof-bob-helpdesk'] });
    expect(store.get('proposals', proposalId)).toMatchObject({ status: 'applied', decidedBy: 'u-admin', decisionReason: 'Bob covers the helpdesk this month' });
    expect(store.get('profiles', 'prof-bob-helpdesk')?.changedBy.map((e) => e.userId).sort()).toEqual(['u-admin', 'u-mallory']);
    expect(send('u-admin', 'proposal.approve', { proposalId })).toMatchObject({ status: 'rejected', code: 'already_decided' });

    expect(send('u-bob', 'request.create', { requestId: 'req-sod-bob', resourceId: 'res-entra-helpdesk-admin', durationMinutes: 60, justification: 'tickets' }).status).toBe('applied');
    const refused = send('u-mallory', 'request.approve', { requestId: 'req-sod-bob' });
    expect(refused).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(refused.message).toMatch(/Mallory Reyes changed access profile "Bob on helpdesk" on .*; for 30 days requests it governs need another person's approval/);
    expect(send('u-alice', 'request.approve', { requestId: 'req-sod-bob' }).status).toBe('applied');
  });

  it('tightening applies at once, and supersedes a pending proposal for the same entity', () => {
    // Mallory is not eligible for anything pol-two-step governs, so she may propose widening it.
    const policy = withoutServerFields(store.get('policies', 'pol-two-step')!);
    const widened = send('u-mallory', 'policy.upsert', { policy: { ...policy, maxDurationMinutes: 8 * 60 } });
    const proposalId = widened.subjectIds[0] as string;
    expect(store.get('proposals', proposalId)?.widenings).toEqual(['maximum duration 240 → 480 minutes']);
    expect(store.get('policies', 'pol-two-step')?.maxDurationMinutes).toBe(240);

    const tightened = send('u-mallory', 'policy.upsert', { policy: { ...policy, maxDurationMinutes: 120 } });
    expect(tightened).toMatchObject({ status: 'applied', subjectIds: ['pol-two-step'] });
    expect(store.get('policies', 'pol-two-step')).toMatchObject({ maxDurationMinutes: 120 });
    expect(store.get('proposals', proposalId)?.status).toBe('superseded');
    expect(send('u-admin', 'proposal.approve', { proposalId })).toMatchObject({ status: 'rejected', code: 'already_decided' });
  });

  it('a proposal expires unapproved after 14 days', () => {
    const policy = withoutServerFields(store.get('policies', 'pol-two-step-break-glass')!);
    const proposalId = send('u-mallory', 'policy.upsert', { policy: { ...policy, maxExtensions: 2 } }).subjectIds[0] as string;
    expect(store.get('proposals', proposalId)?.widenings).toEqual(['extensions 0 → 2']);
    const saved = clock;
    clock = new Date(clock.getTime() + 15 * DAY);
    try {
      expect(send('u-admin', 'proposal.approve', { proposalId })).toMatchObject({ status: 'rejected', code: 'stale' });
    } finally {
      clock = saved;
    }
  });
});

/** Configuration by trusted setup code (as the demo seed does): applied at once, nobody's edit. */
function configure(type: CommandType, payload: Record<string, unknown>) {
  n++;
  const result = processor.apply({ id: `sod-cfg-${n}`, type, actorId: 'u-admin', payload, createdAt: clock.toISOString() }, { bootstrap: true });
  expect(result.status).toBe('applied');
}
const oneApprover = (id: string) => ({ id, name: id, maxDurationMinutes: 240, defaultDurationMinutes: 60, requireJustification: false, maxExtensions: 2, approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }] });
const manual = (id: string, policyId: string, ownerId = 'u-alice') => ({ id, name: id, kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: `app:${id}` }, ownerId, sensitivity: 'high', policyIds: [policyId] });

describe('a proposal is judged again when it is approved, and the classifier misses no narrowing of the chain', () => {
  it('re-pointing a resource at a proposed policy supersedes the proposal: it was reviewed for fewer resources', () => {
    configure('policy.upsert', { policy: oneApprover('pol-sod-p') });
    configure('policy.upsert', { policy: oneApprover('pol-sod-q') });
    configure('resource.upsert', { resource: manual('res-sod-r1', 'pol-sod-p') });
    configure('resource.upsert', { resource: manual('res-sod-r2', 'pol-sod-q') });
    configure('profile.upsert', { profile: { id: 'prof-sod-mallory', name: 'Mallory R2', resourceIds: ['res-sod-r2'], userIds: ['u-mallory'] } });
    // She may propose auto-approval for P: it governs only R1, which she cannot request.
    const proposed = send('u-mallory', 'policy.upsert', { policy: { ...oneApprover('pol-sod-p'), approvalSteps: [], autoApprove: true } });
    const proposalId = proposed.subjectIds[0] as string;
    expect(store.get('proposals', proposalId)?.effect.resourceIds).toEqual(['res-sod-r1']);
    // P and Q are alike today, so moving R2 to P widens nothing and applies.
    expect(send('u-mallory', 'resource.upsert', { resource: manual('res-sod-r2', 'pol-sod-p') })).toMatchObject({ status: 'applied', subjectIds: ['res-sod-r2'] });
    expect(store.get('proposals', proposalId)?.status).toBe('superseded');
    expect(send('u-admin', 'proposal.approve', { proposalId })).toMatchObject({ status: 'rejected', code: 'already_decided' });
    expect(store.get('policies', 'pol-sod-p')?.autoApprove).toBe(false);
  });

  it('a proposal that would now widen its proposer’s access (they moved into the profile’s department) cannot be applied', () => {
    const proposed = send('u-mallory', 'profile.upsert', { profile: { id: 'prof-sod-finance', name: 'Finance extra', resourceIds: ['res-sod-r1'], departments: ['Finance'] } });
    const proposalId = proposed.subjectIds[0] as string;
    expect(store.get('proposals', proposalId)?.status).toBe('pending');
    const mallory = store.get('users', 'u-mallory')!;
    store.put('users', { ...mallory, department: 'Finance' });
    try {
      const refused = send('u-admin', 'proposal.approve', { proposalId });
      expect(refused).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });
      expect(refused.message).toMatch(/would now widen the access of its proposer, Mallory Reyes/);
      expect(store.get('profiles', 'prof-sod-finance')).toBeNull();
    } finally {
      store.put('users', mallory);
    }
  });

  it('dropping a person from an all-of step, or the owner from a step, is widening', () => {
    const allOf = { ...oneApprover('pol-sod-all'), approvalSteps: [{ name: 'Both', mode: 'all', approverIds: ['u-carol', 'u-alice'] }] };
    configure('policy.upsert', { policy: allOf });
    configure('resource.upsert', { resource: manual('res-sod-all', 'pol-sod-all') });
    const dropped = send('u-mallory', 'policy.upsert', { policy: { ...allOf, approvalSteps: [{ name: 'Both', mode: 'all', approverIds: ['u-alice'] }] } });
    expect(store.get('proposals', dropped.subjectIds[0] as string)?.widenings).toEqual(['step 1 "Both" no longer needs u-carol']);
    expect(store.get('policies', 'pol-sod-all')?.approvalSteps[0]?.approverIds).toEqual(['u-carol', 'u-alice']);
    const owner = send('u-mallory', 'resource.upsert', { resource: manual('res-sod-all', 'pol-sod-all', 'u-mallory') });
    expect(store.get('proposals', owner.subjectIds[0] as string)?.widenings).toEqual(['the owner changes from u-alice to u-mallory']);
    expect(store.get('resources', 'res-sod-all')?.ownerId).toBe('u-alice');
  });

  it('a disabled profile is judged as if enabled: edited while off, its additions are still reviewed', () => {
    configure('profile.upsert', { profile: { id: 'prof-sod-off', name: 'Off', resourceIds: ['res-sod-all'], userIds: ['u-bob'] } });
    expect(send('u-mallory', 'profile.upsert', { profile: { id: 'prof-sod-off', name: 'Off', resourceIds: ['res-sod-all'], userIds: ['u-bob'], enabled: false } })).toMatchObject({ status: 'applied', subjectIds: ['prof-sod-off'] });
    const edited = send('u-mallory', 'profile.upsert', { profile: { id: 'prof-sod-off', name: 'Off', resourceIds: ['res-sod-all'], userIds: ['u-bob', 'u-dave'], enabled: false } });
    expect(store.get('proposals', edited.subjectIds[0] as string)?.widenings).toEqual(['u-dave become(s) a member']);
    expect(store.get('profiles', 'prof-sod-off')?.userIds).toEqual(['u-bob']);
  });

  it('a policy tightened since a grant was made binds its extensions', () => {
    configure('policy.upsert', { policy: oneApprover('pol-sod-ext') });
    configure('resource.upsert', { resource: manual('res-sod-ext', 'pol-sod-ext') });
    configure('profile.upsert', { profile: { id: 'prof-sod-ext', name: 'Ext', resourceIds: ['res-sod-ext'], userIds: ['u-bob'] } });
    expect(send('u-bob', 'request.create', { requestId: 'req-sod-ext', resourceId: 'res-sod-ext', durationMinutes: 60 }).status).toBe('applied');
    expect(send('u-alice', 'request.approve', { requestId: 'req-sod-ext' }).status).toBe('applied');
    expect(store.get('grants', 'g-req-sod-ext')?.maxExtensions).toBe(2);
    expect(send('u-mallory', 'policy.upsert', { policy: { ...oneApprover('pol-sod-ext'), maxExtensions: 0 } })).toMatchObject({ status: 'applied', subjectIds: ['pol-sod-ext'] });
    const asked = send('u-bob', 'grant.extend', { grantId: 'g-req-sod-ext', minutes: 30, reason: 'more' });
    expect(asked).toMatchObject({ status: 'rejected', code: 'extension_limit' });
  });
});

describe('nobody is granted under configuration they changed without a second person', () => {
  it('auto-approval does not apply to its recent editor: an approver or admin must approve instead', () => {
    // The approver profile makes mallory eligible for Security Readers, approved automatically by pol-auto-low.
    const policy = withoutServerFields(store.get('policies', 'pol-auto-low')!);
    expect(send('u-mallory', 'policy.upsert', { policy: { ...policy, maxDurationMinutes: 4 * 60 } })).toMatchObject({ status: 'applied', subjectIds: ['pol-auto-low'] });
    expect(send('u-mallory', 'request.create', { requestId: 'req-sod-mallory-readers', resourceId: 'res-entra-security-readers', durationMinutes: 60 }).status).toBe('applied');
    const request = store.get('requests', 'req-sod-mallory-readers');
    expect(request).toMatchObject({ status: 'pending_approval', grantId: null });
    expect(request?.policy?.approvalSteps.map((s) => s.name)).toEqual([SECOND_PERSON_STEP_NAME]);
    expect(send('u-mallory', 'request.approve', { requestId: 'req-sod-mallory-readers' })).toMatchObject({ code: 'self_approval_forbidden' });
    // Someone who decides nothing is not the second person this step asks for; an approver is.
    expect(send('u-heidi', 'request.approve', { requestId: 'req-sod-mallory-readers' })).toMatchObject({ code: 'forbidden' });
    expect(send('u-alice', 'request.approve', { requestId: 'req-sod-mallory-readers' }).status).toBe('applied');
    expect(store.get('requests', 'req-sod-mallory-readers')).toMatchObject({ status: 'approved', grantId: 'g-req-sod-mallory-readers' });

    // Others keep their auto-approval.
    expect(send('u-ivan', 'request.create', { requestId: 'req-sod-ivan-readers', resourceId: 'res-entra-security-readers', durationMinutes: 60 }).status).toBe('applied');
    expect(store.get('requests', 'req-sod-ivan-readers')?.status).toBe('approved');
  });

  it('the cooling-off period ends: after 30 days the editor is auto-approved like anyone else', () => {
    const saved = clock;
    clock = new Date(clock.getTime() + 31 * DAY);
    try {
      expect(send('u-mallory', 'request.create', { requestId: 'req-sod-mallory-later', resourceId: 'res-entra-security-readers', durationMinutes: 60 }).status).toBe('applied');
      expect(store.get('requests', 'req-sod-mallory-later')?.status).toBe('approved');
    } finally {
      clock = saved;
    }
  });

  it('every decision above is in a chain that verifies', () => {
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
    const types = store.list('audit').map((e) => e.type);
    for (const type of ['proposal.created', 'proposal.applied', 'proposal.withdrawn'] as const) expect(types).toContain(type);
  });
});
