/**
 * policy.decide_us_p99: one request decided in core, the whole of it, as the server decides it.
 * createRequest (eligibility over the profiles, the resource's policies merged most restrictive
 * first, the manager named, the field and ticket checks, separation of duties, the risk score over
 * the requester's history, step-up MFA), then for a request that goes to a chain each step's
 * approval through decideRequest with what it is decided under now (the requester's profiles and
 * the resource's policies, as the server's basisNow reads them) until it is approved.
 *
 * The organisation is shaped like the demo's: an automatic low-risk policy, one approver, owner
 * then security with a Jira ticket, the same with break-glass, step-up MFA for requester and
 * approver; a fifth of the resources bound by two policies at once; department and role profiles;
 * recent editors on some policies; each requester with 20 earlier requests.
 */
import { performance } from 'node:perf_hooks';
import {
  AccessPolicy,
  AccessProfile,
  checkEligibility,
  createRequest,
  decideRequest,
  decisionBasis,
  DEFAULT_SEPARATION,
  isStepApprover,
  type AccessRequest,
  type DirectoryUser,
  type Resource,
} from '../../../core/index.js';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const AT = '2026-02-01T10:00:00.000Z';
const DEPARTMENTS = 20;
const RESOURCES = 60;
const HISTORY = 20;

const step = (s: Record<string, unknown>) => ({ mode: 'any', ...s });
const POLICIES = [
  { id: 'pol-auto', name: 'Low risk: automatic', maxDurationMinutes: 480, defaultDurationMinutes: 60, requireJustification: false, autoApprove: true, maxExtensions: 2 },
  { id: 'pol-one', name: 'One approver', maxDurationMinutes: 480, defaultDurationMinutes: 120, maxExtensions: 1, approvalSteps: [step({ name: 'Approver', approverRoles: ['approver'] })] },
  {
    id: 'pol-two',
    name: 'Owner and security',
    maxDurationMinutes: 240,
    defaultDurationMinutes: 60,
    requireTicket: true,
    ticketSystem: 'jira',
    approvalSteps: [step({ name: 'Resource owner', includeResourceOwner: true, escalateToManagersManager: true }), step({ name: 'Security', approverIds: ['u-1', 'u-2'], escalateToIds: ['u-3'] })],
    // A recent editor: separation of duties looks them up on every decision.
    changedBy: [{ userId: 'u-3', at: '2026-02-20T09:00:00.000Z' }],
  },
  { id: 'pol-glass', name: 'Owner and security, break-glass', maxDurationMinutes: 120, defaultDurationMinutes: 30, requireTicket: true, ticketSystem: 'jira', breakGlass: true, approvalSteps: [step({ name: 'Resource owner', includeResourceOwner: true }), step({ name: 'Security', approverIds: ['u-1', 'u-2'] })] },
  { id: 'pol-mfa', name: 'Step-up: approver with MFA', maxDurationMinutes: 120, defaultDurationMinutes: 60, requireMfa: true, requireApproverMfa: true, mfaFreshMinutes: 15, maxExtensions: 1, approvalSteps: [step({ name: 'Approver', approverRoles: ['approver'] })] },
].map((p) => AccessPolicy.parse({ updatedAt: AT, ...p }));

/** The resource's policies: a fifth of them bound by two at once (the steps of both, in order). */
function policiesOf(i: number): string[] {
  const ids = POLICIES.map((p) => p.id);
  const first = ids[i % ids.length]!;
  if (i % 5 !== 4) return [first];
  return first === 'pol-auto' ? [first, 'pol-one'] : [first, 'pol-mfa'];
}

export type DecisionOrganisation = {
  users: DirectoryUser[];
  resources: Resource[];
  profiles: AccessProfile[];
  history: Map<string, AccessRequest[]>;
};

export function decisionOrganisation(people: number): DecisionOrganisation {
  const users: DirectoryUser[] = Array.from({ length: people }, (_, i) => ({
    id: `u-${i}`,
    username: `user${i}`,
    displayName: `User ${i}`,
    email: '',
    department: `dept-${i % DEPARTMENTS}`,
    managerId: i > 0 ? `u-${Math.floor(i / 10)}` : null,
    roles: i < 5 ? ['approver', 'policy_admin'] : i % 40 === 0 ? ['approver', 'requester'] : ['requester'],
    externalIds: {},
    disabled: false,
    updatedAt: AT,
  }));
  const resources: Resource[] = Array.from({ length: RESOURCES }, (_, i) => ({
    id: `res-${i}`,
    name: `Resource ${i}`,
    description: '',
    kind: 'entra_group',
    connector: 'entra',
    connectorId: 'entra-1',
    target: { externalId: `g-${i}` },
    ownerId: `u-${10 + i}`,
    sensitivity: (['low', 'medium', 'high', 'critical'] as const)[i % 4]!,
    policyIds: policiesOf(i),
    archived: false,
    changedBy: [],
    updatedAt: AT,
  }));
  const profiles = [
    ...Array.from({ length: DEPARTMENTS }, (_, d) =>
      AccessProfile.parse({ id: `prof-${d}`, name: `Department ${d}`, departments: [`dept-${d}`], resourceIds: resources.filter((_, r) => (r + d) % 3 === 0).map((r) => r.id), updatedAt: AT }),
    ),
    AccessProfile.parse({ id: 'prof-approvers', name: 'Approvers', roles: ['approver'], resourceIds: resources.map((r) => r.id), maxDurationMinutes: 240, updatedAt: AT }),
    AccessProfile.parse({ id: 'prof-named', name: 'Named', userIds: users.filter((_, i) => i % 97 === 0).map((u) => u.id), resourceIds: resources.slice(0, 10).map((r) => r.id), updatedAt: AT }),
  ];
  // Each requester's earlier requests, newest first (the risk score reads them).
  const history = new Map<string, AccessRequest[]>();
  for (const user of users) {
    const earlier: AccessRequest[] = Array.from({ length: HISTORY }, (_, k) => {
      const createdAt = new Date(NOW.getTime() - (k + 1) * 86_400_000).toISOString();
      return {
        id: `h-${user.id}-${k}`,
        requesterId: user.id,
        resourceId: `res-${(k * 7 + Number(user.id.slice(2))) % RESOURCES}`,
        durationMinutes: 60,
        justification: 'earlier work',
        ticket: '',
        status: k % 6 === 0 ? 'denied' : 'approved',
        policy: null,
        currentStep: 0,
        decisions: [],
        riskScore: 10,
        outcomeReason: '',
        grantId: null,
        extendsGrantId: null,
        createdAt,
        updatedAt: createdAt,
        decidedAt: createdAt,
        expiresAt: null,
        revision: 2,
      };
    });
    history.set(user.id, earlier);
  }
  return { users, resources, profiles, history };
}

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length]!;

export type DecideSample = { micros: number; steps: number; outcome: 'automatic' | 'approved' | 'refused' };

/**
 * Decides `count` requests and times each one whole, in microseconds. Requests go to eligible
 * people for a duration their cap allows, with the ticket a Jira policy asks for and a fresh second
 * factor; each step is approved by someone the step names.
 */
export function decideMany(org: DecisionOrganisation, count: number): DecideSample[] {
  const { users, resources, profiles } = org;
  const world = { policies: POLICIES, profiles };
  const approversOf = users.filter((u) => u.roles.includes('approver'));
  const byId = new Map(users.map((u) => [u.id, u]));
  const fresh = new Date(NOW.getTime() - 5 * 60_000).toISOString();
  const samples: DecideSample[] = [];
  // Pairs of (requester, resource) the requester is eligible for, found outside the timed part.
  const pairs: { requester: DirectoryUser; resource: Resource }[] = [];
  for (let i = 0; pairs.length < Math.min(count, 5_000) && i < count * 50; i++) {
    const requester = pick(users, i * 131 + 7);
    const resource = pick(resources, i * 17 + 3);
    if (requester.id === resource.ownerId) continue;
    if (checkEligibility(requester, resource, profiles).ok) pairs.push({ requester, resource });
  }
  if (pairs.length === 0) throw new Error('bench setup: nobody is eligible for anything');

  for (let i = 0; i < count; i++) {
    const { requester, resource } = pick(pairs, i);
    const start = performance.now();
    const created = createRequest(
      { id: `r-${i}`, requester, resource, durationMinutes: [30, 60, 90][i % 3]!, justification: 'incident follow-up', ticket: `OPS-${1000 + (i % 9000)}` },
      { ...world, history: org.history.get(requester.id) ?? [], separation: DEFAULT_SEPARATION },
      { now: NOW, secondFactorAt: fresh },
    );
    if (!created.ok) {
      samples.push({ micros: (performance.now() - start) * 1000, steps: 0, outcome: 'refused' });
      continue;
    }
    let request = created.value;
    let steps = 0;
    let refused = false;
    while (request.status === 'pending_approval') {
      const current = request.policy?.approvalSteps[request.currentStep];
      if (!current) break;
      // Someone the step names who has not approved an earlier step and is not the requester.
      const earlier = new Set(request.decisions.map((d) => d.approverId));
      const candidates = [...current.approverIds.map((id) => byId.get(id)).filter((u): u is DirectoryUser => u !== undefined), ...approversOf];
      const approver = candidates.find((u) => u.id !== requester.id && !earlier.has(u.id) && u.id !== 'u-3' && isStepApprover(current, u));
      if (!approver) {
        refused = true;
        break;
      }
      // What the server's basisNow reads for each approval: the requester's profiles as they are now.
      const eligibility = checkEligibility(requester, resource, profiles);
      const basis = decisionBasis(request.policy?.policyIds ?? [], eligibility.ok ? eligibility.value.profileIds : [], resource, world);
      const decided = decideRequest(request, approver, { decision: 'approve', reason: '' }, { now: NOW, secondFactorAt: fresh, separation: { basis, settings: DEFAULT_SEPARATION } });
      if (!decided.ok) {
        refused = true;
        break;
      }
      request = decided.value;
      steps++;
    }
    const micros = (performance.now() - start) * 1000;
    samples.push({ micros, steps, outcome: refused ? 'refused' : steps === 0 ? 'automatic' : 'approved' });
  }
  return samples;
}
