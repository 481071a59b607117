import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountRole, checkEligibility, isProfileMember, resolvePolicy, type AccessRequest, type CommandType } from '../../core/index.js';
import { seedDemoOrganisation } from '../demo/seed.js';
import { openStore } from '../store/sqlite-store.js';
import type { Store } from '../store/types.js';
import { personNow } from './context.js';
import { createCommandProcessor, type CommandProcessor } from './processor.js';

// Hundreds of generated organisations each on a real SQLite store: about 10-20 s of CPU, more on a
// loaded two-core machine, so not the suite's 30 s default (a correctness property, not a speed one).
const PROPERTY_TIMEOUT_MS = 180_000;

/**
 * The separation-of-duties property: whatever roles one person holds and whatever commands they
 * send, alone, they never end up holding access that nobody else approved. The only exception is
 * break-glass, and then the grant is flagged and a second person's review is open.
 *
 * Each run generates an organisation (the demo one, plus the actor with random roles, department
 * and eligibility granted by the admin) and a sequence of commands by the actor, applies them to a
 * real SQLite store, checks the property after every command, and rolls everything back.
 */

let dir: string;
let store: Store;
let processor: CommandProcessor;
const START = new Date('2030-09-01T09:00:00.000Z');
/** The run's clock: a 'wait' step moves it past the cooling-off period. */
let clock = START;
const ACTOR = 'u-x';
const DAY = 86_400_000;

class Rollback extends Error {}

const RESOURCES = ['res-entra-security-readers', 'res-entra-global-reader', 'res-entra-helpdesk-admin', 'res-entra-user-admin', 'res-pim-prod-operators', 'res-ad-finance-share', 'res-ad-server-admins', 'res-manual-erp-payments', 'res-x-new'];
const POLICIES = ['pol-auto-low', 'pol-single-approver', 'pol-two-step', 'pol-two-step-break-glass', 'pol-x-new'];
const PROFILES = ['prof-engineering', 'prof-business', 'prof-it-operations', 'prof-approvers', 'prof-x-new'];
const REQUESTS = ['rq-1', 'rq-2', 'rq-3'];
const DEPARTMENTS = ['IT Operations', 'Engineering', 'Security', 'Finance', ''];

type Intent =
  | { do: 'policy'; policyId: string; autoApprove: boolean; breakGlass: boolean; dropSteps: boolean; maxDurationMinutes: number; maxExtensions: number; selfApprover: boolean }
  | { do: 'profile'; profileId: string; resourceIds: string[]; self: boolean; ownDepartment: boolean; roles: AccountRole[]; enabled: boolean }
  | { do: 'resource'; resourceId: string; policyId: string; ownerSelf: boolean; archived: boolean }
  | { do: 'request'; requestId: string; resourceId: string; minutes: number }
  | { do: 'decide'; requestId: string; type: 'request.approve' | 'request.deny' | 'request.cancel'; breakGlass: boolean }
  | { do: 'extend'; requestId: string; minutes: number; extensionId: string }
  | { do: 'proposal'; index: number; approve: boolean }
  /** Time passes: past the cooling-off period after the actor's own edits. */
  | { do: 'wait'; days: number }
  /** An honest second person approves a pending proposal whose what-if does not name the actor. */
  | { do: 'honest'; index: number }
  /** The actor asks for something they may request right now (picked when the step runs). */
  | { do: 'ask'; index: number; minutes: number }
  /** The actor loosens the policy of something they may request: automatic, longer, with break-glass. */
  | { do: 'loosen'; index: number; breakGlass: boolean };

const roles = fc.subarray([...AccountRole.options], { minLength: 1 });
const intent: fc.Arbitrary<Intent> = fc.oneof(
  fc.record({
    do: fc.constant('policy' as const),
    policyId: fc.constantFrom(...POLICIES),
    autoApprove: fc.boolean(),
    breakGlass: fc.boolean(),
    dropSteps: fc.boolean(),
    maxDurationMinutes: fc.constantFrom(60, 240, 1440),
    maxExtensions: fc.constantFrom(0, 3),
    selfApprover: fc.boolean(),
  }),
  fc.record({
    do: fc.constant('profile' as const),
    profileId: fc.constantFrom(...PROFILES),
    resourceIds: fc.subarray(RESOURCES, { minLength: 1 }),
    self: fc.boolean(),
    ownDepartment: fc.boolean(),
    roles: fc.subarray([...AccountRole.options]),
    enabled: fc.boolean(),
  }),
  fc.record({ do: fc.constant('resource' as const), resourceId: fc.constantFrom(...RESOURCES), policyId: fc.constantFrom(...POLICIES), ownerSelf: fc.boolean(), archived: fc.boolean() }),
  fc.record({ do: fc.constant('request' as const), requestId: fc.constantFrom(...REQUESTS), resourceId: fc.constantFrom(...RESOURCES), minutes: fc.constantFrom(30, 60, 240) }),
  fc.record({
    do: fc.constant('decide' as const),
    requestId: fc.constantFrom(...REQUESTS, 'ex-1', 'ex-2'),
    type: fc.constantFrom('request.approve' as const, 'request.deny' as const, 'request.cancel' as const),
    breakGlass: fc.boolean(),
  }),
  fc.record({ do: fc.constant('extend' as const), requestId: fc.constantFrom(...REQUESTS), minutes: fc.constantFrom(15, 60), extensionId: fc.constantFrom('ex-1', 'ex-2') }),
  fc.record({ do: fc.constant('proposal' as const), index: fc.nat(3), approve: fc.boolean() }),
);
/** Time passing and a reviewer are drawn often: an attack needs a proposal, its approval, the wait and a request in that order. */
const withTimeAndAReviewer: fc.Arbitrary<Intent> = fc.oneof(
  { arbitrary: intent, weight: 5 },
  { arbitrary: fc.record({ do: fc.constant('wait' as const), days: fc.constantFrom(1, 31) }), weight: 2 },
  { arbitrary: fc.record({ do: fc.constant('honest' as const), index: fc.nat(3) }), weight: 3 },
  { arbitrary: fc.record({ do: fc.constant('ask' as const), index: fc.nat(8), minutes: fc.constantFrom(30, 60, 240, 1440) }), weight: 2 },
  { arbitrary: fc.record({ do: fc.constant('loosen' as const), index: fc.nat(8), breakGlass: fc.boolean() }), weight: 2 },
);

/** Resources the actor may request now, in a stable order. */
function requestableNow(): string[] {
  const actor = personOf(ACTOR);
  const profiles = store.list('profiles');
  return store
    .list('resources')
    .filter((r) => checkEligibility(actor, r, profiles).ok)
    .map((r) => r.id)
    .sort();
}

const organisation = fc.record({
  roles,
  department: fc.constantFrom(...DEPARTMENTS),
  /** Resources the admin made the actor eligible for, before the actor does anything. */
  eligibleFor: fc.subarray(RESOURCES.filter((r) => r !== 'res-x-new')),
  /** Whether the admin also let the low-risk policy approve the actor's resources automatically. */
  autoFor: fc.subarray(RESOURCES.filter((r) => r !== 'res-x-new'), { maxLength: 2 }),
});

const strip = <T extends { updatedAt: string; changedBy: unknown }>(doc: T) => {
  const { updatedAt: _u, changedBy: _c, ...rest } = doc;
  return rest;
};

function commandFor(step: Intent, department: string): { type: CommandType; payload: Record<string, unknown> } | null {
  switch (step.do) {
    case 'policy': {
      const current = store.get('policies', step.policyId);
      const base = current ? strip(current) : { id: step.policyId, name: 'X policy', maxDurationMinutes: 60, defaultDurationMinutes: 30, approvalSteps: [{ name: 'Approver', mode: 'any', approverRoles: ['approver'] }] };
      const approvalSteps = step.autoApprove || step.dropSteps ? [] : step.selfApprover ? [{ name: 'Me', mode: 'any', approverIds: [ACTOR] }] : base.approvalSteps;
      const policy = { ...base, autoApprove: step.autoApprove, breakGlass: step.breakGlass, maxDurationMinutes: step.maxDurationMinutes, defaultDurationMinutes: 30, maxExtensions: step.maxExtensions, approvalSteps, requireJustification: false, requireTicket: false };
      return { type: 'policy.upsert', payload: { policy } };
    }
    case 'profile': {
      const current = store.get('profiles', step.profileId);
      const base = current ? strip(current) : { id: step.profileId, name: 'X profile', userIds: [], departments: [], roles: [] };
      const profile = {
        ...base,
        resourceIds: step.resourceIds.filter((id) => store.get('resources', id) !== null),
        userIds: step.self ? [...new Set([...base.userIds, ACTOR])] : base.userIds,
        departments: step.ownDepartment && department ? [...new Set([...base.departments, department])] : base.departments,
        roles: step.roles,
        enabled: step.enabled,
      };
      return { type: 'profile.upsert', payload: { profile } };
    }
    case 'resource': {
      const current = store.get('resources', step.resourceId);
      const base = current
        ? strip(current)
        : { id: step.resourceId, name: 'X app', kind: 'manual_role', connector: 'manual', connectorId: 'manual', target: { externalId: 'x:admin' }, ownerId: 'u-alice', sensitivity: 'high', policyIds: ['pol-single-approver'] };
      return { type: 'resource.upsert', payload: { resource: { ...base, policyIds: [step.policyId], ownerId: step.ownerSelf ? ACTOR : base.ownerId, archived: step.archived } } };
    }
    case 'request':
      return { type: 'request.create', payload: { requestId: step.requestId, resourceId: step.resourceId, durationMinutes: step.minutes, justification: 'x', ticket: 'CHG-1' } };
    case 'decide':
      if (step.type === 'request.approve') return { type: step.type, payload: { requestId: step.requestId, reason: 'emergency', breakGlass: step.breakGlass } };
      return { type: step.type, payload: { requestId: step.requestId, reason: 'no' } };
    case 'extend':
      return { type: 'grant.extend', payload: { grantId: `g-${step.requestId}`, minutes: step.minutes, reason: 'more', requestId: step.extensionId } };
    case 'wait':
    case 'honest':
      return null;
    case 'ask': {
      const mine = requestableNow();
      const resourceId = mine[step.index % Math.max(1, mine.length)];
      if (!resourceId) return null;
      return { type: 'request.create', payload: { requestId: `rq-a${step.index}-${step.minutes}`, resourceId, durationMinutes: step.minutes, justification: 'x', ticket: 'CHG-1' } };
    }
    case 'loosen': {
      const mine = requestableNow();
      const resource = store.get('resources', mine[step.index % Math.max(1, mine.length)] ?? '');
      const current = resource ? store.get('policies', resource.policyIds[0] ?? '') : null;
      if (!current) return null;
      const policy = { ...strip(current), autoApprove: true, approvalSteps: [], breakGlass: step.breakGlass, maxDurationMinutes: 1440, defaultDurationMinutes: 30, maxExtensions: 5, requireJustification: false, requireTicket: false };
      return { type: 'policy.upsert', payload: { policy } };
    }
    case 'proposal': {
      const pending = store.list('proposals', { status: 'pending' });
      const proposal = pending[step.index % Math.max(1, pending.length)];
      if (!proposal) return null;
      return { type: step.approve ? 'proposal.approve' : 'proposal.reject', payload: { proposalId: proposal.id, reason: 'x' } };
    }
  }
}

const personOf = (id: string) => {
  const person = personNow(store, id);
  if (!person) throw new Error(`${id} does not exist`);
  return person;
};

/** Whether the actor changed anything this request is decided under (they are on its editors). */
function editedByActor(request: AccessRequest): boolean {
  const entities = [
    ...(request.policy?.policyIds ?? []).map((id) => store.get('policies', id)),
    store.get('resources', request.resourceId),
    // The profiles that make the actor eligible: a profile that names the resource for others is not what grants it.
    ...store.list('profiles').filter((p) => p.enabled && p.resourceIds.includes(request.resourceId) && isProfileMember(p, personOf(ACTOR))),
  ];
  return entities.some((e) => e?.changedBy.some((c) => c.userId === ACTOR) ?? false);
}

/** Why the actor holds this approved request's access, or null when nobody else approved it. */
function secondPerson(request: AccessRequest): string | null {
  const approvals = request.decisions.filter((d) => d.decision === 'approve');
  if (approvals.some((d) => d.approverId !== ACTOR)) return 'approved by someone else';
  const glass = approvals.find((d) => d.breakGlass && d.approverId === ACTOR);
  if (glass) {
    const review = store.get('tasks', `t-break-glass-${request.id}`);
    return request.policy?.breakGlass && review?.status === 'open' && review.assigneeId !== ACTOR ? 'break-glass, under review' : null;
  }
  if (approvals.length === 0 && request.policy?.autoApprove && request.outcomeReason === 'auto-approved by policy') {
    // Auto-approval stands for the people who configured the policy; it must not be the actor's own configuration.
    return editedByActor(request) ? null : 'approved automatically under configuration set by others';
  }
  return null;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jit-sod-property-'));
  store = openStore({ dataDir: dir });
  processor = createCommandProcessor({ store, now: () => clock });
  const seededAt = new Date(START.getTime() - 60 * DAY);
  const seeder = createCommandProcessor({ store, now: () => seededAt });
  store.createAccount({ id: 'u-admin', username: 'admin', passwordHash: 'unused', roles: ['admin', 'approver', 'auditor', 'policy_admin'], createdAt: seededAt.toISOString() });
  store.put('users', { id: 'u-admin', username: 'admin', displayName: 'Administrator', roles: ['admin'], updatedAt: seededAt.toISOString() });
  expect((await seedDemoOrganisation(store, seeder, seededAt)).seeded).toBe(true);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

type Org = { roles: AccountRole[]; department: string; eligibleFor: string[]; autoFor: string[] };

/** The organisation before the actor acts: the actor's account and what the admin set up for them long ago. */
function setUpActor(org: Org): void {
  const at = new Date(START.getTime() - 45 * DAY).toISOString();
  store.createAccount({ id: ACTOR, username: 'xavier', passwordHash: 'unused', roles: org.roles, createdAt: at });
  store.put('users', { id: ACTOR, username: 'xavier', displayName: 'Xavier Actor', department: org.department, roles: org.roles, externalIds: { entra: 'x-entra-id' }, updatedAt: at });
  const setup = (type: CommandType, payload: Record<string, unknown>, id: string) =>
    createCommandProcessor({ store, now: () => new Date(at) }).apply({ id, type, actorId: 'u-admin', payload, createdAt: at }, { bootstrap: true });
  if (org.eligibleFor.length > 0) setup('profile.upsert', { profile: { id: 'prof-x-granted', name: 'For X', resourceIds: org.eligibleFor, userIds: [ACTOR] } }, 'setup-1');
  for (const [i, resourceId] of org.autoFor.entries()) {
    const resource = store.get('resources', resourceId);
    if (resource) setup('resource.upsert', { resource: { ...strip(resource), policyIds: ['pol-auto-low'] } }, `setup-r-${i}`);
  }
}

/** Runs the steps as the actor (and, for 'honest' steps, as the admin), calling `check` after each; everything is rolled back. */
function runScenario(org: Org, steps: Intent[], check: (after: string) => void, onStart: () => void = () => undefined): number {
  let applied = 0;
  clock = START;
  try {
    store.tx(() => {
      setUpActor(org);
      onStart();
      for (const [i, step] of steps.entries()) {
        if (step.do === 'wait') clock = new Date(clock.getTime() + step.days * DAY);
        if (step.do === 'honest') {
          // The reviewer approves what the what-if shows benefits someone else, never the actor.
          const pending = store.list('proposals', { status: 'pending' }).filter((p) => !p.effect.newlyEligibleUserIds.includes(ACTOR));
          const proposal = pending[step.index % Math.max(1, pending.length)];
          if (proposal) processor.apply({ id: `h-${i}`, type: 'proposal.approve', actorId: 'u-admin', payload: { proposalId: proposal.id, reason: 'looks fine' }, createdAt: clock.toISOString() }, { authenticatedActorId: 'u-admin' });
        }
        const command = commandFor(step, org.department);
        if (command) {
          const result = processor.apply({ id: `x-${i}`, type: command.type, actorId: ACTOR, payload: command.payload, createdAt: clock.toISOString() }, { authenticatedActorId: ACTOR });
          if (result.status === 'applied') applied++;
        }
        check(step.do === 'wait' || step.do === 'honest' ? step.do : (command?.type ?? step.do));
      }
      // Every run starts from the same organisation.
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  } finally {
    clock = START;
  }
  return applied;
}

/** The actor's requests that produced or lengthened access, each once, as they appear. */
function newApprovals(judged: Set<string>): AccessRequest[] {
  const out: AccessRequest[] = [];
  for (const grant of store.list('grants', { where: { userId: ACTOR } })) {
    for (const request of [store.get('requests', grant.requestId) as AccessRequest, ...store.list('requests', { where: { extendsGrantId: grant.id }, status: 'approved' })]) {
      if (judged.has(request.id)) continue;
      judged.add(request.id);
      out.push(request);
    }
  }
  return out;
}

describe('separation of duties, as a property', () => {
  it('no sequence of commands by one person, whatever their roles, leaves them holding access nobody else approved', () => {
    let runs = 0;
    let applied = 0;
    fc.assert(
      fc.property(organisation, fc.array(intent, { minLength: 1, maxLength: 14 }), (org, steps) => {
        runs++;
        const judged = new Set<string>();
        applied += runScenario(org, steps, (after) => {
          // Each approval is judged right after the command that produced it, against the configuration of that moment.
          for (const request of newApprovals(judged)) {
            if (!secondPerson(request)) throw new Error(`after ${after}: ${request.id} was approved by nobody but ${ACTOR}: ${JSON.stringify(request.decisions)}`);
          }
          // Alone, the actor can never get a proposal applied.
          expect(store.count('proposals', { status: 'applied' })).toBe(0);
        });
        return true;
      }),
      { numRuns: 300 },
    );
    // The generator must exercise the command path, not only produce refusals.
    expect(runs).toBe(300);
    expect(applied).toBeGreaterThan(300);
  }, PROPERTY_TIMEOUT_MS);

  it('with an honest reviewer approving what benefits others, and months passing, the actor never gets more than they could request at the start', () => {
    let approvedProposals = 0;
    let grants = 0;
    fc.assert(
      fc.property(organisation, fc.array(withTimeAndAReviewer, { minLength: 1, maxLength: 16 }), (org, steps) => {
        const judged = new Set<string>();
        // What the actor could ask for before acting: per resource, the bounds of its chain then.
        const start = new Map<string, { autoApprove: boolean; breakGlass: boolean; maxDurationMinutes: number }>();
        const recordStart = () => {
          const actor = personOf(ACTOR);
          const profiles = store.list('profiles');
          const policies = store.list('policies');
          for (const resource of store.list('resources')) {
            const eligibility = checkEligibility(actor, resource, profiles);
            const policy = resolvePolicy(resource, policies);
            if (!eligibility.ok || !policy.ok) continue;
            const cap = Math.min(policy.value.maxDurationMinutes, eligibility.value.maxDurationMinutes ?? Infinity);
            start.set(resource.id, { autoApprove: policy.value.autoApprove, breakGlass: policy.value.breakGlass, maxDurationMinutes: cap });
          }
        };
        runScenario(
          org,
          steps,
          (after) => {
            for (const request of newApprovals(judged)) {
              grants++;
              const bounds = start.get(request.resourceId);
              const context = `after ${after}: ${request.id} on ${request.resourceId}`;
              if (!bounds) throw new Error(`${context}: the actor could not request it at the start`);
              const approvals = request.decisions.filter((d) => d.decision === 'approve');
              if (approvals.some((d) => !d.breakGlass && d.approverId === ACTOR)) throw new Error(`${context}: approved by the actor`);
              if (approvals.some((d) => d.breakGlass) && !bounds.breakGlass) throw new Error(`${context}: break-glass, which its chain did not allow at the start`);
              // Nobody but the actor decides requests here: access comes only from auto-approval or break-glass.
              if (approvals.length === 0 && !bounds.autoApprove) throw new Error(`${context}: approved automatically, which it was not at the start`);
              const grant = store.get('grants', request.extendsGrantId ?? `g-${request.id}`);
              if (grant && Date.parse(grant.expiresAt) - Date.parse(grant.startsAt) > bounds.maxDurationMinutes * 60_000) {
                throw new Error(`${context}: lasts longer than its maximum at the start (${bounds.maxDurationMinutes} min)`);
              }
            }
            approvedProposals = Math.max(approvedProposals, store.count('proposals', { status: 'applied' }));
          },
          recordStart,
        );
        return true;
      }),
      { numRuns: 1000 },
    );
    // The runs reach both: access the actor legitimately had, and proposals a second person applied.
    expect(grants).toBeGreaterThan(0);
    expect(approvedProposals).toBeGreaterThan(0);
  }, PROPERTY_TIMEOUT_MS);
});
