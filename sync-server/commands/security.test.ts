import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type CommandType, type Grant } from '../../core/index.js';
import { seedDemoOrganisation } from '../demo/seed.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { createCommandProcessor, InvalidCommandError, type CommandProcessor } from './processor.js';

/** The finer rules of the command path: who may do what to which object, and what an upsert may not break. */

let dir: string;
let store: Store;
let processor: CommandProcessor;
const clock = new Date('2030-05-06T09:00:00.000Z');
let n = 0;

/** Sends as a signed-in user would: the sender is the actor. */
function send(actorId: string, type: CommandType, payload: Record<string, unknown>, extra: { id?: string } = {}) {
  n++;
  return processor.apply({ id: extra.id ?? `s-${n}`, type, actorId, payload, createdAt: clock.toISOString() }, { authenticatedActorId: actorId });
}

/** Configuration by trusted setup code: applied at once, as the demo seed does, instead of proposed for a second person. */
function configure(type: CommandType, payload: Record<string, unknown>) {
  n++;
  return processor.apply({ id: `cfg-${n}`, type, actorId: 'u-admin', payload, createdAt: clock.toISOString() }, { bootstrap: true });
}

const lastAudit = () => store.list('audit', { order: 'desc', limit: 1 })[0];

const twoStepPolicy = {
  id: 'pol-t-two',
  name: 'Two approvers',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  requireJustification: false,
  maxExtensions: 2,
  approvalSteps: [
    { name: 'First', mode: 'any', approverRoles: ['approver'] },
    { name: 'Second', mode: 'any', approverRoles: ['approver'] },
  ],
};
const ownerPolicy = {
  id: 'pol-t-owner',
  name: 'Owner decides',
  maxDurationMinutes: 240,
  defaultDurationMinutes: 60,
  requireJustification: false,
  maxExtensions: 2,
  approvalSteps: [{ name: 'Owner', mode: 'any', includeResourceOwner: true }],
};
const manualResource = (id: string, ownerId: string, policyIds: string[]) => ({
  id,
  name: id,
  kind: 'manual_role',
  connector: 'manual',
  connectorId: 'manual',
  target: { externalId: `app:${id}` },
  ownerId,
  sensitivity: 'high',
  policyIds,
});

/** A grant on the two-step resource, approved by two different approvers. */
function approvedTwoStep(requester: string, requestId: string): Grant {
  expect(send(requester, 'request.create', { requestId, resourceId: 'res-t-two', durationMinutes: 60 })).toMatchObject({ status: 'applied' });
  expect(send('u-carol', 'request.approve', { requestId }).status).toBe('applied');
  expect(send('u-mallory', 'request.approve', { requestId }).status).toBe('applied');
  return store.get('grants', `g-${requestId}`) as Grant;
}

function approvedGrant(requester: string, resourceId: string, approver: string, requestId: string): Grant {
  expect(send(requester, 'request.create', { requestId, resourceId, durationMinutes: 60 })).toMatchObject({ status: 'applied' });
  expect(send(approver, 'request.approve', { requestId })).toMatchObject({ status: 'applied' });
  return store.get('grants', `g-${requestId}`) as Grant;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-cmd-security-'));
  store = openStore({ dataDir: dir });
  processor = createCommandProcessor({ store, now: () => clock });
  store.createAccount({ id: 'u-admin', username: 'admin', passwordHash: 'unused', roles: ['admin', 'approver', 'auditor', 'policy_admin'], createdAt: clock.toISOString() });
  store.put('users', { id: 'u-admin', username: 'admin', displayName: 'Administrator', roles: ['admin'], updatedAt: clock.toISOString() });
  expect((await seedDemoOrganisation(store, processor, clock)).seeded).toBe(true);
  for (const policy of [twoStepPolicy, ownerPolicy]) expect(configure('policy.upsert', { policy }).status).toBe('applied');
  for (const resource of [
    manualResource('res-t-two', 'u-alice', ['pol-t-two']),
    manualResource('res-t-bob-owns', 'u-bob', ['pol-t-owner']),
    manualResource('res-t-carol-owns', 'u-carol', ['pol-t-owner']),
  ]) {
    expect(configure('resource.upsert', { resource })).toMatchObject({ status: 'applied' });
  }
  const profile = { id: 'prof-t', name: 'Test', resourceIds: ['res-t-two', 'res-t-bob-owns', 'res-t-carol-owns'], userIds: ['u-bob', 'u-eve', 'u-frank', 'u-mallory', 'u-dave'] };
  expect(configure('profile.upsert', { profile }).status).toBe('applied');
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('command ids are per actor', () => {
  it('another actor replaying a used id gets a conflict, never the first actor’s result', () => {
    const first = send('u-frank', 'request.cancel', { requestId: 'req-demo-frank-finance-share', reason: 'not needed' }, { id: 'shared-id-1' });
    expect(first).toMatchObject({ status: 'applied', actorId: 'u-frank' });
    const head = store.auditHead();
    let thrown: unknown;
    try {
      send('u-eve', 'request.cancel', { requestId: 'req-demo-frank-finance-share' }, { id: 'shared-id-1' });
    } catch (error) {
      thrown = error;
    }
    // An InvalidCommandError, so the push route skips the row instead of failing the whole batch.
    expect(thrown).toBeInstanceOf(InvalidCommandError);
    expect(thrown).toMatchObject({ code: 'conflict', field: 'id' });
    expect(String(thrown)).not.toMatch(/cancelled|u-frank/);
    expect(store.auditHead()).toEqual(head);
    // The owner of the id still gets their first result back.
    expect(send('u-frank', 'request.cancel', { requestId: 'req-demo-frank-finance-share' }, { id: 'shared-id-1' })).toEqual(first);
  });

  it('also when the first command was rejected before its envelope could be stored', () => {
    const first = processor.apply({ id: 'shared-id-2', type: 'request.cancel', actorId: 'u-judy', payload: {}, createdAt: 'yesterday' }, { authenticatedActorId: 'u-judy' });
    expect(first).toMatchObject({ status: 'rejected', code: 'invalid_input', actorId: 'u-judy' });
    expect(store.get('commands', 'shared-id-2')).toBeNull();
    expect(() => send('u-bob', 'request.cancel', { requestId: 'x' }, { id: 'shared-id-2' })).toThrow(/^id: /);
  });
});

describe('approvals', () => {
  it('the same approver cannot carry a request through two steps of its chain', () => {
    send('u-bob', 'request.create', { requestId: 'req-t-sod', resourceId: 'res-t-two', durationMinutes: 60 });
    expect(send('u-alice', 'request.approve', { requestId: 'req-t-sod' }).status).toBe('applied');
    const second = send('u-alice', 'request.approve', { requestId: 'req-t-sod' });
    expect(second).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(store.get('requests', 'req-t-sod')).toMatchObject({ status: 'pending_approval', currentStep: 1 });
    expect(lastAudit()).toMatchObject({ type: 'command.rejected', subjectId: second.id, actorId: 'u-alice' });
    expect(send('u-carol', 'request.approve', { requestId: 'req-t-sod' }).status).toBe('applied');
  });

  it('a resource owner holding only the requester role can deny as well as approve requests on their step', () => {
    send('u-frank', 'request.create', { requestId: 'req-t-owner-deny', resourceId: 'res-t-bob-owns', durationMinutes: 30 });
    expect(send('u-bob', 'request.deny', { requestId: 'req-t-owner-deny', reason: 'not for this' })).toMatchObject({ status: 'applied' });
    expect(store.get('requests', 'req-t-owner-deny')?.status).toBe('denied');
    // The role alone is not enough: someone who is not on the step is still refused, and as a
    // requester they may not even learn the request exists.
    send('u-frank', 'request.create', { requestId: 'req-t-owner-deny2', resourceId: 'res-t-bob-owns', durationMinutes: 30 });
    expect(send('u-dave', 'request.deny', { requestId: 'req-t-owner-deny2', reason: 'no' })).toMatchObject({ status: 'rejected', code: 'not_found', message: 'request req-t-owner-deny2 does not exist' });
  });
});

describe('the requester at decision time', () => {
  it('a request from a person disabled since cannot be approved, only denied', () => {
    send('u-dave', 'request.create', { requestId: 'req-t-gone', resourceId: 'res-t-bob-owns', durationMinutes: 30 });
    store.updateAccount('u-dave', { disabledAt: clock.toISOString() });
    try {
      const approved = send('u-bob', 'request.approve', { requestId: 'req-t-gone' });
      expect(approved).toMatchObject({ status: 'rejected', code: 'not_eligible' });
      expect(approved.message).toMatch(/Dave Okafor is disabled/);
      expect(store.get('grants', 'g-req-t-gone')).toBeNull();
      expect(send('u-bob', 'request.deny', { requestId: 'req-t-gone', reason: 'left the company' }).status).toBe('applied');
    } finally {
      store.updateAccount('u-dave', { disabledAt: null });
    }
  });

  it('a request whose eligibility was withdrawn since cannot be approved', () => {
    send('u-frank', 'request.create', { requestId: 'req-t-withdrawn', resourceId: 'res-t-bob-owns', durationMinutes: 30 });
    const profile = store.get('profiles', 'prof-t');
    if (!profile) throw new Error('fixture missing');
    const { updatedAt: _u, ...rest } = profile;
    expect(send('u-admin', 'profile.upsert', { profile: { ...rest, userIds: rest.userIds.filter((id) => id !== 'u-frank') } }).status).toBe('applied');
    try {
      expect(send('u-bob', 'request.approve', { requestId: 'req-t-withdrawn' })).toMatchObject({ status: 'rejected', code: 'not_eligible' });
      expect(store.get('requests', 'req-t-withdrawn')?.status).toBe('pending_approval');
    } finally {
      expect(configure('profile.upsert', { profile: rest }).status).toBe('applied');
    }
  });

  it('a disabled person’s grant cannot be extended', () => {
    const grant = approvedGrant('u-frank', 'res-t-carol-owns', 'u-carol', 'req-t-ext-disabled');
    expect(send('u-frank', 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'more', requestId: 'ext-t-disabled' }).status).toBe('applied');
    store.updateAccount('u-frank', { disabledAt: clock.toISOString() });
    try {
      expect(send('u-carol', 'request.approve', { requestId: 'ext-t-disabled' })).toMatchObject({ status: 'rejected', code: 'not_eligible' });
      expect(store.get('grants', grant.id)?.extensions).toBe(0);
    } finally {
      store.updateAccount('u-frank', { disabledAt: null });
    }
  });
});

describe('grants', () => {
  it('an extension follows the chain: no approver lengthens someone’s access alone, and nobody approves their own', () => {
    // The bypass: the two-step policy needs two people, yet one approver used to extend at will.
    const grant = approvedTwoStep('u-bob', 'req-t-bypass');
    const shortcut = send('u-alice', 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'I say so' });
    expect(shortcut).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(shortcut.message).toMatch(/only the person holding the grant can ask for more time/);
    // Someone who cannot see others' grants learns nothing about this one.
    expect(send('u-frank', 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'probe' })).toMatchObject({ status: 'rejected', code: 'not_found', message: `grant ${grant.id} does not exist` });

    const asked = send('u-bob', 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'migration overran', requestId: 'ext-t-bypass' });
    expect(asked).toMatchObject({ status: 'applied' });
    const extension = store.get('requests', 'ext-t-bypass');
    expect(extension).toMatchObject({ status: 'pending_approval', extendsGrantId: grant.id, requesterId: 'u-bob', currentStep: 0 });
    expect(send('u-bob', 'grant.extend', { grantId: grant.id, minutes: 30, reason: 'again' })).toMatchObject({ status: 'rejected', code: 'conflict' });
    expect(send('u-bob', 'request.approve', { requestId: 'ext-t-bypass' })).toMatchObject({ status: 'rejected', code: 'self_approval_forbidden' });

    expect(send('u-alice', 'request.approve', { requestId: 'ext-t-bypass' }).status).toBe('applied');
    expect(store.get('grants', grant.id)).toMatchObject({ extensions: 0, expiresAt: grant.expiresAt });
    expect(send('u-alice', 'request.approve', { requestId: 'ext-t-bypass' })).toMatchObject({ status: 'rejected', code: 'forbidden' });
    const done = send('u-carol', 'request.approve', { requestId: 'ext-t-bypass' });
    expect(done).toMatchObject({ status: 'applied', subjectIds: ['ext-t-bypass', grant.id] });
    const extended = store.get('grants', grant.id);
    expect(extended?.extensions).toBe(1);
    expect(Date.parse(extended?.expiresAt ?? '') - Date.parse(grant.expiresAt)).toBe(30 * 60_000);
    expect(store.get('requests', 'ext-t-bypass')).toMatchObject({ status: 'approved', grantId: grant.id });
    expect(lastAudit()).toMatchObject({ type: 'grant.extended', subjectId: grant.id, data: { requestId: 'ext-t-bypass', minutes: 30 } });
  });

  it('an extension the policy cannot allow is refused when asked, not when someone approves it', () => {
    const grant = approvedTwoStep('u-dave', 'req-t-ext-long');
    expect(send('u-dave', 'grant.extend', { grantId: grant.id, minutes: 240, reason: 'all day' })).toMatchObject({ status: 'rejected', code: 'duration_exceeds_policy' });
  });
});

describe('floods of requests', () => {
  it('one person keeps at most 50 requests waiting for a decision; cancelling one makes room', () => {
    const open = store.count('requests', { where: { requesterId: 'u-frank' }, status: ['pending_approval'] });
    const ids = Array.from({ length: 50 - open }, (_, i) => `req-t-frank-many-${i}`);
    for (const requestId of ids) expect(send('u-frank', 'request.create', { requestId, resourceId: 'res-t-two', durationMinutes: 30 }).status).toBe('applied');
    const refused = send('u-frank', 'request.create', { requestId: 'req-t-frank-many-x', resourceId: 'res-t-two', durationMinutes: 30 });
    expect(refused).toMatchObject({ status: 'rejected', code: 'conflict' });
    expect(refused.message).toMatch(/you have 50 requests waiting for a decision \(at most 50\)/);
    expect(send('u-frank', 'request.cancel', { requestId: ids[0] }).status).toBe('applied');
    expect(send('u-frank', 'request.create', { requestId: 'req-t-frank-many-x', resourceId: 'res-t-two', durationMinutes: 30 }).status).toBe('applied');
    // Leave Frank as he was for the tests after this one.
    for (const requestId of [...ids.slice(1), 'req-t-frank-many-x']) expect(send('u-frank', 'request.cancel', { requestId }).status).toBe('applied');
  });
});

describe('tasks', () => {
  const task = (id: string, assigneeId: string | null, grantId: string | null) =>
    store.put('tasks', {
      id,
      kind: 'manual_revoke',
      title: `Remove access (${id})`,
      assigneeId,
      grantId,
      status: 'open',
      createdAt: clock.toISOString(),
      updatedAt: clock.toISOString(),
    });

  it('an unassigned task is closed only by an admin', () => {
    task('task-t-unassigned', null, null);
    expect(send('u-alice', 'task.close', { taskId: 'task-t-unassigned', outcome: 'done' })).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(send('u-mallory', 'task.close', { taskId: 'task-t-unassigned', outcome: 'done' })).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(store.get('tasks', 'task-t-unassigned')?.status).toBe('open');
    expect(send('u-admin', 'task.close', { taskId: 'task-t-unassigned', outcome: 'done' }).status).toBe('applied');
  });

  it('nobody signs off a task about their own grant, not even its assignee or an admin', () => {
    const grant = approvedGrant('u-bob', 'res-t-carol-owns', 'u-carol', 'req-t-own-task');
    task('task-t-own-grant', 'u-bob', grant.id);
    const own = send('u-bob', 'task.close', { taskId: 'task-t-own-grant', outcome: 'done' });
    expect(own).toMatchObject({ status: 'rejected', code: 'forbidden' });
    expect(own.message).toMatch(/own grant/);
    expect(store.get('tasks', 'task-t-own-grant')?.status).toBe('open');
    expect(send('u-admin', 'task.close', { taskId: 'task-t-own-grant', outcome: 'done' }).status).toBe('applied');
  });

  it('an assignee holding only the requester role can close their task', () => {
    task('task-t-requester', 'u-frank', null);
    expect(send('u-frank', 'task.close', { taskId: 'task-t-requester', outcome: 'dismissed', note: 'not mine to do' }).status).toBe('applied');
  });
});

describe('resource edits while grants are live', () => {
  it('refuses to move a resource to another directory object while a grant on it is not verified gone', () => {
    const grant = approvedGrant('u-dave', 'res-t-carol-owns', 'u-carol', 'req-t-retarget');
    const current = store.get('resources', 'res-t-carol-owns');
    if (!current) throw new Error('fixture missing');
    const { updatedAt: _u, ...resource } = current;
    const moved = send('u-admin', 'resource.upsert', { resource: { ...resource, target: { externalId: 'app:something-else' } } });
    expect(moved).toMatchObject({ status: 'rejected', code: 'conflict' });
    expect(moved.message).toMatch(/^payload\.resource\.target: .*live grant/);
    for (const change of [{ connectorId: 'manual-2' }, { kind: 'webhook_role', connector: 'webhook' }]) {
      expect(send('u-admin', 'resource.upsert', { resource: { ...resource, ...change } })).toMatchObject({ status: 'rejected', code: 'conflict' });
    }
    expect(store.get('resources', 'res-t-carol-owns')?.target).toEqual(current.target);
    // Renaming does not touch what revocation removes.
    expect(send('u-admin', 'resource.upsert', { resource: { ...resource, name: 'Renamed' } }).status).toBe('applied');
    // Once every grant is verified gone, the target may change.
    for (const g of store.list('grants', { where: { resourceId: 'res-t-carol-owns' } })) store.put('grants', { ...g, status: 'verified' });
    expect(grant.status).toBe('provisioning');
    expect(configure('resource.upsert', { resource: { ...resource, target: { externalId: 'app:something-else' } } }).status).toBe('applied');
  });
});

describe('upserts keep the invariants a request relies on', () => {
  const fiveSteps = (id: string) => ({
    id,
    name: id,
    maxDurationMinutes: 60,
    defaultDurationMinutes: 30,
    approvalSteps: Array.from({ length: 5 }, (_, i) => ({ name: `${id} ${i + 1}`, mode: 'any', approverRoles: ['approver'] })),
  });

  it('refuses an Entra target that is not a plain object id: a ".." would reach Graph as a dot segment', () => {
    const entra = { id: 'res-t-dots', name: 'Dots', kind: 'entra_group', connector: 'entra', connectorId: 'entra-demo', ownerId: 'u-alice', sensitivity: 'high', policyIds: ['pol-t-owner'] };
    for (const externalId of ['..', '.', 'a/b', '6a1f1c3e/../x', 'g?x=1']) {
      const result = configure('resource.upsert', { resource: { ...entra, target: { externalId } } });
      expect(result).toMatchObject({ status: 'rejected', code: 'invalid_input' });
      expect(result.message).toMatch(/payload\.resource\.target\.externalId: an Entra object id has only letters, digits and hyphens/);
    }
    expect(store.get('resources', 'res-t-dots')).toBeNull();
    expect(configure('resource.upsert', { resource: { ...entra, target: { externalId: '6a1f1c3e-0000-4000-8000-0000000009ff' } } }).status).toBe('applied');
  });

  it('refuses a resource whose policies add up to more approval steps than a request can walk', () => {
    expect(configure('policy.upsert', { policy: fiveSteps('pol-t-five-a') }).status).toBe('applied');
    expect(configure('policy.upsert', { policy: fiveSteps('pol-t-five-b') }).status).toBe('applied');
    const result = send('u-admin', 'resource.upsert', { resource: manualResource('res-t-long', 'u-alice', ['pol-t-five-a', 'pol-t-five-b']) });
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    expect(result.message).toMatch(/^payload\.resource\.policyIds: .*10 approval steps/);
    expect(store.get('resources', 'res-t-long')).toBeNull();
    // The same policy twice would double its steps.
    const twice = send('u-admin', 'resource.upsert', { resource: manualResource('res-t-twice', 'u-alice', ['pol-t-owner', 'pol-t-owner']) });
    expect(twice).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    expect(twice.message).toMatch(/^payload\.resource\.policyIds: pol-t-owner is listed twice/);
  });

  it('refuses a policy edit that would make a resource’s chain too long', () => {
    expect(configure('resource.upsert', { resource: manualResource('res-t-mid', 'u-alice', ['pol-t-five-a', 'pol-t-owner']) }).status).toBe('applied');
    const longer = { ...ownerPolicy, approvalSteps: Array.from({ length: 4 }, (_, i) => ({ name: `o${i}`, mode: 'any', includeResourceOwner: true })) };
    const result = send('u-admin', 'policy.upsert', { policy: longer });
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    expect(result.message).toMatch(/^payload\.policy\.approvalSteps: .*res-t-mid/);
    expect(store.get('policies', 'pol-t-owner')?.approvalSteps).toHaveLength(1);
  });

  it('a step nobody can approve, a missing approver and a policy with neither steps nor auto-approval are refused naming the field', () => {
    const base = { id: 'pol-t-bad', name: 'Bad', maxDurationMinutes: 60, defaultDurationMinutes: 30 };
    const nobody = send('u-mallory', 'policy.upsert', { policy: { ...base, approvalSteps: [{ name: 'Nobody', mode: 'any' }] } });
    expect(nobody).toMatchObject({ code: 'invalid_input' });
    expect(nobody.message).toMatch(/^payload\.policy\.approvalSteps\.0: /);
    const ghost = send('u-mallory', 'policy.upsert', { policy: { ...base, approvalSteps: [{ name: 'Ghost', mode: 'any', approverIds: ['u-alice', 'u-ghost'] }] } });
    expect(ghost).toMatchObject({ code: 'not_found' });
    expect(ghost.message).toMatch(/^payload\.policy\.approvalSteps\.0\.approverIds: user u-ghost does not exist/);
    const escalation = send('u-mallory', 'policy.upsert', { policy: { ...base, approvalSteps: [{ name: 'E', mode: 'any', approverIds: ['u-alice'], escalateToIds: ['u-ghost'] }] } });
    expect(escalation.message).toMatch(/^payload\.policy\.approvalSteps\.0\.escalateToIds: /);
    const stuck = send('u-mallory', 'policy.upsert', { policy: { ...base, autoApprove: false, approvalSteps: [] } });
    expect(stuck).toMatchObject({ code: 'invalid_input' });
    expect(stuck.message).toMatch(/^payload\.policy\.approvalSteps: /);
    expect(store.get('policies', 'pol-t-bad')).toBeNull();
  });

  it('a profile naming users that do not exist is refused', () => {
    const result = send('u-mallory', 'profile.upsert', { profile: { id: 'prof-t-ghost', name: 'Ghosts', resourceIds: ['res-t-two'], userIds: ['u-bob', 'u-future'] } });
    expect(result).toMatchObject({ status: 'rejected', code: 'not_found' });
    expect(result.message).toMatch(/^payload\.profile\.userIds: user u-future does not exist/);
  });

  it('unknown fields are refused naming them, so a misspelt requirement never falls back to its default', () => {
    const policy = send('u-mallory', 'policy.upsert', { policy: { id: 'pol-t-typo', name: 'Typo', maxDurationMinutes: 60, defaultDurationMinutes: 30, autoApprove: true, requireticket: true } });
    expect(policy).toMatchObject({ status: 'rejected', code: 'invalid_input' });
    expect(policy.message).toMatch(/^payload\.policy\.requireticket: /);
    const scope = send('u-admin', 'resource.upsert', { resource: { ...manualResource('res-t-typo', 'u-alice', ['pol-t-owner']), target: { externalId: 'x', directoryScopeID: '/administrativeUnits/1' } } });
    expect(scope.message).toMatch(/^payload\.resource\.target\.directoryScopeID: /);
    const approve = send('u-carol', 'request.approve', { requestId: 'req-demo-ivan-helpdesk', breakglass: true });
    expect(approve.message).toMatch(/^payload\.breakglass: /);
    // The server's own timestamp is ignored rather than refused: clients send back the document they loaded.
    expect(send('u-mallory', 'policy.upsert', { policy: { id: 'pol-t-ok', name: 'Ok', maxDurationMinutes: 60, defaultDurationMinutes: 30, autoApprove: true, updatedAt: '2001-01-01T00:00:00.000Z' } }).status).toBe('applied');
    expect(store.get('policies', 'pol-t-ok')?.updatedAt).toBe(clock.toISOString());
  });
});

describe('a command that would write an invalid document', () => {
  it('is recorded as rejected and audited, not thrown, and writes nothing', () => {
    // A request resolved before chains were bounded: ten steps, now at its ninth.
    const steps = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, mode: 'any' as const, approverIds: [], approverRoles: ['approver'], timeoutMinutes: 60, escalateToIds: [] }));
    const legacy = store.get('requests', 'req-demo-ivan-helpdesk');
    if (!legacy?.policy) throw new Error('fixture missing');
    store.put('requests', { ...legacy, id: 'req-t-legacy', currentStep: 8, policy: { ...legacy.policy, approvalSteps: steps } });
    const before = store.get('requests', 'req-t-legacy');
    const result = send('u-carol', 'request.approve', { requestId: 'req-t-legacy' });
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid_transition' });
    expect(store.get('requests', 'req-t-legacy')).toEqual(before);
    expect(lastAudit()).toMatchObject({ type: 'command.rejected', subjectId: result.id });
  });
});

describe('audit', () => {
  it('the chain stays valid through every rejection above', () => {
    expect(verifyChain(store.auditEvents()).ok).toBe(true);
  });
});
