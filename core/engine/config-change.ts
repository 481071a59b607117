import type { DirectoryUser } from '../schema/directory.js';
import type { AccessPolicy, AccessProfile } from '../schema/policy.js';
import type { ProposalChange, ProposalEffect } from '../schema/proposal.js';
import type { Resource, ResourceTarget } from '../schema/resource.js';
import { checkEligibility, isProfileMember } from './eligibility.js';
import { describeTicketFormat, ticketFormatsOf, type TicketFormat } from './ticket.js';
import { ticketHooksOf, ticketHookWidenings } from './ticket-check.js';
import { rulesAndWindowsWidenings } from './auto-approval.js';
import type { TicketCheckHook } from '../schema/ticket-check.js';

/**
 * Four eyes on configuration: which changes widen access (and so wait for a second person) and
 * which tighten it (and apply at once). Conservative by design: when in doubt a change counts as
 * widening, since the cost is one more review and the alternative is one person granting access alone.
 */

type StepRules = {
  name: string;
  mode: 'any' | 'all';
  approverIds: string[];
  approverRoles: string[];
  includeResourceOwner: boolean;
  includeManager: boolean;
  escalateToIds: string[];
  // Absent on policies stored before they existed.
  escalateToGroupIds?: string[];
  approverGroupIds?: string[];
  escalateToResourceOwner?: boolean;
  escalateToManagersManager?: boolean;
};

/** What a request is bound by, in a shape both a policy and a resource's combined policies map to. */
type Rules = {
  maxDurationMinutes: number;
  requireJustification: boolean;
  requireTicket: boolean;
  requireMfa: boolean;
  requireApproverMfa: boolean;
  mfaFreshMinutes: number;
  autoApprove: boolean;
  breakGlass: boolean;
  maxExtensions: number;
  /** The forms a ticket must have (one per policy naming a ticket system). */
  tickets: TicketFormat[];
  /** The ticket-check hooks (core/engine/ticket-check.ts). */
  ticketHooks: TicketCheckHook[];
  steps: StepRules[];
  /** The policies themselves, for their auto-approval rules and access windows (core/engine/auto-approval.ts). */
  bound: readonly AccessPolicy[];
};

function rulesOfPolicy(policy: AccessPolicy): Rules {
  return {
    maxDurationMinutes: policy.maxDurationMinutes,
    requireJustification: policy.requireJustification,
    requireTicket: policy.requireTicket,
    requireMfa: policy.requireMfa,
    requireApproverMfa: policy.requireApproverMfa,
    mfaFreshMinutes: policy.mfaFreshMinutes,
    autoApprove: policy.autoApprove,
    breakGlass: policy.breakGlass,
    maxExtensions: policy.maxExtensions,
    tickets: ticketFormatsOf([policy]),
    ticketHooks: ticketHooksOf([policy.id], [policy]),
    steps: policy.approvalSteps.map((s) => ({ ...s, approverIds: [...s.approverIds], approverRoles: [...s.approverRoles], escalateToIds: [...s.escalateToIds] })),
    bound: [policy],
  };
}

/** A resource's policies combined the way resolvePolicy combines them, with the owner named on owner steps. */
function rulesOfResource(resource: Resource, policies: readonly AccessPolicy[]): Rules | null {
  const list = resource.policyIds.map((id) => policies.find((p) => p.id === id));
  if (list.length === 0 || list.some((p) => p === undefined)) return null;
  const bound = list as AccessPolicy[];
  const steps = bound.flatMap((p) =>
    rulesOfPolicy(p).steps.map((s) => ({ ...s, approverIds: s.includeResourceOwner ? [...s.approverIds, resource.ownerId] : s.approverIds, includeResourceOwner: false })),
  );
  return {
    maxDurationMinutes: Math.min(...bound.map((p) => p.maxDurationMinutes)),
    requireJustification: bound.some((p) => p.requireJustification),
    requireTicket: bound.some((p) => p.requireTicket),
    requireMfa: bound.some((p) => p.requireMfa),
    requireApproverMfa: bound.some((p) => p.requireApproverMfa),
    mfaFreshMinutes: Math.min(...bound.map((p) => p.mfaFreshMinutes)),
    autoApprove: bound.every((p) => p.autoApprove) && steps.length === 0,
    breakGlass: bound.every((p) => p.breakGlass),
    maxExtensions: Math.min(...bound.map((p) => p.maxExtensions)),
    tickets: ticketFormatsOf(bound),
    ticketHooks: ticketHooksOf(resource.policyIds, bound),
    steps,
    bound,
  };
}

const added = (before: readonly string[], after: readonly string[]) => after.filter((x) => !before.includes(x));
const listed = (ids: readonly string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`;

function stepWidenings(before: StepRules, after: StepRules, index: number): string[] {
  const label = `step ${index + 1} "${after.name}"`;
  const out: string[] = [];
  if (before.mode === 'all' && after.mode === 'any') out.push(`${label} needs one approver instead of all of them`);
  const people = added(before.approverIds, after.approverIds);
  if (people.length > 0) out.push(`${label} adds approvers ${listed(people)}`);
  const roles = added(before.approverRoles, after.approverRoles);
  if (roles.length > 0) out.push(`${label} lets every ${listed(roles)} approve`);
  const approverGroups = added(before.approverGroupIds ?? [], after.approverGroupIds ?? []);
  if (approverGroups.length > 0) out.push(`${label} lets the members of ${listed(approverGroups)} approve`);
  if (!before.includeResourceOwner && after.includeResourceOwner) out.push(`${label} lets the resource owner approve`);
  if (!before.includeManager && after.includeManager) out.push(`${label} lets the requester's manager approve`);
  const escalation = added(before.escalateToIds, after.escalateToIds);
  if (escalation.length > 0) out.push(`${label} escalates to ${listed(escalation)}`);
  const groups = added(before.escalateToGroupIds ?? [], after.escalateToGroupIds ?? []);
  if (groups.length > 0) out.push(`${label} escalates to the members of ${listed(groups)}`);
  if (!before.escalateToResourceOwner && after.escalateToResourceOwner) out.push(`${label} escalates to the resource owner`);
  if (!before.escalateToManagersManager && after.escalateToManagersManager) out.push(`${label} escalates to the requester's manager's manager`);
  if (before.mode === 'all' && after.mode === 'all') {
    // All of them must approve: one name fewer is one approval fewer.
    const dropped = added(after.approverIds, before.approverIds);
    if (dropped.length > 0) out.push(`${label} no longer needs ${listed(dropped)}`);
    if (before.includeResourceOwner && !after.includeResourceOwner) out.push(`${label} no longer needs the resource owner`);
    if (before.includeManager && !after.includeManager) out.push(`${label} no longer needs the requester's manager`);
  }
  return out;
}

function rulesWidenings(before: Rules, after: Rules): string[] {
  const out: string[] = [];
  if (after.maxDurationMinutes > before.maxDurationMinutes) out.push(`maximum duration ${before.maxDurationMinutes} → ${after.maxDurationMinutes} minutes`);
  if (before.requireJustification && !after.requireJustification) out.push('a justification is no longer required');
  if (before.requireTicket && !after.requireTicket) out.push('a ticket is no longer required');
  // A pattern cannot be compared with another for strictness: any form dropped or changed counts.
  for (const form of before.tickets) {
    if (!after.tickets.some((f) => f.system === form.system && f.pattern === form.pattern)) out.push(`a ticket no longer needs to be ${describeTicketFormat(form)}`);
  }
  out.push(...ticketHookWidenings(before.ticketHooks, after.ticketHooks));
  if (before.requireMfa && !after.requireMfa) out.push('MFA is no longer required');
  if (before.requireApproverMfa && !after.requireApproverMfa) out.push('MFA is no longer required of approvers');
  // A longer freshness loosens only a factor that was already required (turning MFA on is tightening, at any freshness).
  const required = (r: Rules) => r.requireMfa || r.requireApproverMfa;
  if (required(before) && required(after) && after.mfaFreshMinutes > before.mfaFreshMinutes) out.push(`a second factor counts for ${before.mfaFreshMinutes} → ${after.mfaFreshMinutes} minutes`);
  if (!before.autoApprove && after.autoApprove) out.push('requests are approved automatically');
  out.push(...rulesAndWindowsWidenings(before.bound, after.bound));
  if (!before.breakGlass && after.breakGlass) out.push('requesters may approve themselves under break-glass');
  if (after.maxExtensions > before.maxExtensions) out.push(`extensions ${before.maxExtensions} → ${after.maxExtensions}`);
  if (after.steps.length < before.steps.length) out.push(`approval steps ${before.steps.length} → ${after.steps.length}`);
  const common = Math.min(before.steps.length, after.steps.length);
  for (let i = 0; i < common; i++) out.push(...stepWidenings(before.steps[i] as StepRules, after.steps[i] as StepRules, i));
  return out;
}

const SENSITIVITY_RANK = { low: 0, medium: 1, high: 2, critical: 3 } as const;

const sameTarget = (a: ResourceTarget, b: ResourceTarget) =>
  a.externalId === b.externalId && (a.directoryScopeId ?? '') === (b.directoryScopeId ?? '') && (a.accessId ?? '') === (b.accessId ?? '');

/** The configuration a change is judged against. */
export type ConfigWorld = {
  policies: readonly AccessPolicy[];
  profiles: readonly AccessProfile[];
  resources: readonly Resource[];
  users: readonly DirectoryUser[];
};

/** Resources a policy bounds. */
const boundBy = (policyId: string, resources: readonly Resource[]) => resources.filter((r) => r.policyIds.includes(policyId));

function policyWidenings(before: AccessPolicy | null, after: AccessPolicy, world: ConfigWorld): string[] {
  // A policy no resource names governs no request yet; naming it from a resource is itself judged.
  if (before === null || boundBy(after.id, world.resources).length === 0) return [];
  return rulesWidenings(rulesOfPolicy(before), rulesOfPolicy(after));
}

function profileWidenings(before: AccessProfile | null, after: AccessProfile): string[] {
  if (before === null) return after.enabled ? [`a new access profile makes its members eligible for ${after.resourceIds.length} resource(s)`] : [];
  const out: string[] = [];
  if (!before.enabled && after.enabled) out.push(`the re-enabled access profile makes its members eligible for ${after.resourceIds.length} resource(s) again`);
  // A disabled profile is judged as if enabled: edited while off and switched on later, its additions would go unreviewed.
  const resources = added(before.resourceIds, after.resourceIds);
  if (resources.length > 0) out.push(`members become eligible for ${listed(resources)}`);
  const people = added(before.userIds, after.userIds);
  if (people.length > 0) out.push(`${listed(people)} become(s) a member`);
  const departments = added(before.departments, after.departments);
  if (departments.length > 0) out.push(`everyone in ${listed(departments)} becomes a member`);
  const roles = added(before.roles, after.roles);
  if (roles.length > 0) out.push(`every ${listed(roles)} becomes a member`);
  if (before.maxDurationMinutes !== null && (after.maxDurationMinutes === null || after.maxDurationMinutes > before.maxDurationMinutes)) {
    out.push(`the profile's duration cap ${before.maxDurationMinutes} → ${after.maxDurationMinutes ?? 'none'} minutes`);
  }
  return out;
}

function resourceWidenings(before: Resource | null, after: Resource, world: ConfigWorld): string[] {
  // Nobody is eligible for a new resource until a profile names it, and that profile change is judged itself.
  if (before === null) return [];
  const out: string[] = [];
  if (before.archived && !after.archived) out.push('the resource can be requested again (no longer archived)');
  if (before.kind !== after.kind || before.connector !== after.connector || before.connectorId !== after.connectorId || !sameTarget(before.target, after.target)) {
    out.push(`what a grant gives changes: ${before.connectorId} ${before.target.externalId} → ${after.connectorId} ${after.target.externalId}`);
  }
  if (SENSITIVITY_RANK[after.sensitivity] < SENSITIVITY_RANK[before.sensitivity]) out.push(`sensitivity ${before.sensitivity} → ${after.sensitivity}`);
  // A pair no longer marked conflicting lets a request while holding the other be approved automatically.
  const unpaired = (before.conflictsWith ?? []).filter((id) => !(after.conflictsWith ?? []).includes(id));
  if (unpaired.length > 0) out.push(`no longer conflicts with ${listed(unpaired)} (separation of duties)`);
  // The owner approves owner steps, signs off manual provisioning and reviews others' break-glass access.
  if (before.ownerId !== after.ownerId) out.push(`the owner changes from ${before.ownerId} to ${after.ownerId}`);
  const rulesBefore = rulesOfResource(before, world.policies);
  const rulesAfter = rulesOfResource(after, world.policies);
  if (rulesAfter && (!rulesBefore || before.policyIds.join() !== after.policyIds.join() || before.ownerId !== after.ownerId)) {
    out.push(...(rulesBefore ? rulesWidenings(rulesBefore, rulesAfter) : ['requests become possible under its access policies']));
  }
  return out;
}

/** Each way the change widens access, in words; empty when it only tightens or changes nothing that matters. */
export function changeWidenings(change: ProposalChange, world: ConfigWorld): string[] {
  switch (change.kind) {
    case 'policy':
      return policyWidenings(change.before, change.after, world);
    case 'profile':
      return profileWidenings(change.before, change.after);
    case 'resource':
      return resourceWidenings(change.before, change.after, world);
  }
}

/** The organisation's configuration with the change written. */
export function withChange(change: ProposalChange, world: ConfigWorld): ConfigWorld {
  const replace = <T extends { id: string }>(list: readonly T[], next: T) => [...list.filter((x) => x.id !== next.id), next];
  switch (change.kind) {
    case 'policy':
      return { ...world, policies: replace(world.policies, change.after) };
    case 'profile':
      return { ...world, profiles: replace(world.profiles, change.after) };
    case 'resource':
      return { ...world, resources: replace(world.resources, change.after) };
  }
}

/** Resources whose requests the change governs. */
export function governedResources(change: ProposalChange, world: ConfigWorld): Resource[] {
  const after = withChange(change, world);
  switch (change.kind) {
    case 'policy':
      return boundBy(change.after.id, after.resources);
    case 'profile': {
      const ids = new Set([...change.after.resourceIds, ...(change.before?.resourceIds ?? [])]);
      return after.resources.filter((r) => ids.has(r.id));
    }
    case 'resource':
      return [change.after];
  }
}

const NAMED_MAX = 1000;

/** The what-if: who can request the governed resources after the change, and who could not before. */
export function changeEffect(change: ProposalChange, world: ConfigWorld): ProposalEffect {
  const after = withChange(change, world);
  const resources = governedResources(change, world);
  const eligible = (user: DirectoryUser, profiles: readonly AccessProfile[], resource: Resource) => checkEligibility(user, resource, profiles).ok;
  let peopleEligible = 0;
  const newly: string[] = [];
  for (const user of world.users) {
    const nowIn = resources.filter((r) => eligible(user, after.profiles, r));
    if (nowIn.length === 0) continue;
    peopleEligible++;
    const before = new Map(world.resources.map((r) => [r.id, r]));
    const gained = nowIn.some((r) => {
      const old = before.get(r.id);
      return !old || !eligible(user, world.profiles, old);
    });
    if (gained) newly.push(user.id);
  }
  return { resourceIds: resources.map((r) => r.id).slice(0, 10000), peopleEligible, newlyEligibleUserIds: newly.slice(0, NAMED_MAX), newlyEligible: newly.length };
}

/**
 * Whether a widening change would widen this person's own access: they are a member of the
 * widened profile, or eligible for a resource the change governs. Such a change is refused from
 * them outright, as proposer or as approver.
 */
export function widensOwnAccess(user: DirectoryUser, change: ProposalChange, world: ConfigWorld): boolean {
  if (change.kind === 'profile') return change.after.enabled && isProfileMember(change.after, user);
  const after = withChange(change, world);
  return governedResources(change, world).some((r) => checkEligibility(user, { ...r, archived: false }, after.profiles).ok);
}
