/**
 * What the Proposals screen shows about a configuration change, computed without React so it is
 * tested: its state, the order of the list, who may do what, the what-if in sentences and a
 * readable before/after of the fields that differ.
 */
import type { AccessPolicy, AccessProfile, ApprovalStep, Proposal, ProposalChange, Resource } from '../../../core/index.js';
import { describeTicketFormat, ruleInWords, ticketFormatOf, windowInWords } from '../../../core/index.js';
import { formatDuration } from '../../lib/time.js';
import { mayDecideProposal, maySendAs, type Viewer } from '../../session/permissions.js';

export type Names = {
  users: ReadonlyMap<string, { displayName: string }>;
  resources: ReadonlyMap<string, { name: string }>;
  policies: ReadonlyMap<string, { name: string }>;
};

const userName = (names: Names, id: string) => names.users.get(id)?.displayName ?? id;
const resourceName = (names: Names, id: string) => names.resources.get(id)?.name ?? id;
const policyName = (names: Names, id: string) => names.policies.get(id)?.name ?? id;

export const KIND_LABEL = { policy: 'Access policy', profile: 'Access profile', resource: 'Resource' } as const;

/** A proposal's status, with a pending one past its deadline shown as what it is: expired. */
export type ProposalState = Proposal['status'] | 'expired';

export function proposalState(proposal: Pick<Proposal, 'status' | 'expiresAt'>, now: number): ProposalState {
  return proposal.status === 'pending' && Date.parse(proposal.expiresAt) <= now ? 'expired' : proposal.status;
}

/** Pending ones first (the oldest, nearest its deadline, on top), then expired ones, then decided ones, newest first. */
export function sortProposals(list: readonly Proposal[], now: number): Proposal[] {
  const rank = (p: Proposal) => (p.status !== 'pending' ? 2 : proposalState(p, now) === 'expired' ? 1 : 0);
  const decidedAt = (p: Proposal) => p.decidedAt ?? p.updatedAt;
  return [...list].sort((a, b) => {
    const byRank = rank(a) - rank(b);
    if (byRank !== 0) return byRank;
    if (rank(a) < 2) return a.proposedAt.localeCompare(b.proposedAt) || a.id.localeCompare(b.id);
    return decidedAt(b).localeCompare(decidedAt(a)) || a.id.localeCompare(b.id);
  });
}

/** Proposals a policy admin or admin could still approve: what the navigation counts. */
export function openProposals(list: readonly Proposal[], now: number): Proposal[] {
  return list.filter((p) => proposalState(p, now) === 'pending');
}

export type { Viewer };

export type ProposalActions = { approve: boolean; reject: boolean; withdraw: boolean; isProposer: boolean; mayDecide: boolean };

/** Four eyes: a policy admin or admin other than the proposer decides; the proposer may only withdraw. */
export function proposalActions(proposal: Proposal, viewer: Viewer, now: number): ProposalActions {
  const open = proposal.status === 'pending';
  const isProposer = proposal.proposedBy === viewer.id;
  // The matrix's proposal cells: never the proposer's own approval; the proposer withdraws by rejecting.
  const mayDecide = maySendAs(viewer, 'proposal.approve', 'other') || maySendAs(viewer, 'proposal.reject', 'other');
  return {
    approve: open && !isProposer && mayDecideProposal(viewer, proposal, 'proposal.approve') && proposalState(proposal, now) !== 'expired',
    reject: open && !isProposer && mayDecideProposal(viewer, proposal, 'proposal.reject'),
    withdraw: open && isProposer && mayDecideProposal(viewer, proposal, 'proposal.reject'),
    isProposer,
    mayDecide,
  };
}

/** A server sentence with ids named and minutes in the units people use. */
export function readableWidening(text: string, names: Names): string {
  const durations = text.replace(/(\d+) → (\d+|none) minutes/g, (_, a: string, b: string) => `${formatDuration(Number(a))} → ${b === 'none' ? 'none' : formatDuration(Number(b))}`);
  return durations.replace(/[A-Za-z0-9][A-Za-z0-9._:@-]*/g, (token) => names.users.get(token)?.displayName ?? names.resources.get(token)?.name ?? names.policies.get(token)?.name ?? token);
}

const list = (items: readonly string[]) => (items.length === 0 ? 'none' : items.join(', '));

/** One approval step in words: who approves, how long they have, who it escalates to. */
export function describeStep(step: ApprovalStep, names: Names): string {
  const who = [
    ...step.approverIds.map((id) => userName(names, id)),
    ...step.approverRoles.map((role) => `anyone with the ${role.replace(/_/g, ' ')} role`),
    ...(step.includeResourceOwner ? ['the resource owner'] : []),
    ...(step.includeManager ? ['the requester’s manager'] : []),
  ];
  const approvers = who.length === 0 ? 'nobody named' : who.length === 1 ? who[0]! : `${step.mode === 'all' ? 'every one of' : 'any one of'} ${who.join(', ')}`;
  const escalatesTo = [
    ...step.escalateToIds.map((id) => userName(names, id)),
    ...(step.escalateToGroupIds ?? []).map((id) => `the members of group ${id}`),
    ...(step.escalateToResourceOwner ? ['the resource owner'] : []),
    ...(step.escalateToManagersManager ? ['the requester’s manager’s manager'] : []),
  ];
  const escalation = escalatesTo.length > 0 ? `, then escalates to ${escalatesTo.join(', ')}` : ', then the request expires';
  return `“${step.name}”: ${approvers}; ${formatDuration(step.timeoutMinutes)} to decide${escalation}`;
}

export type FieldChange = { field: string; label: string; before: string; after: string; added: string[]; removed: string[] };

type Field<T> = { field: string; label: string; show(entity: T, names: Names): string; items?(entity: T, names: Names): string[] };

const yesNo = (yes: string, no: string) => (value: boolean) => (value ? yes : no);
const required = yesNo('required', 'not required');

const POLICY_FIELDS: Field<AccessPolicy>[] = [
  { field: 'name', label: 'Name', show: (p) => p.name },
  { field: 'description', label: 'Description', show: (p) => p.description || '(none)' },
  { field: 'maxDurationMinutes', label: 'Longest grant', show: (p) => formatDuration(p.maxDurationMinutes) },
  { field: 'defaultDurationMinutes', label: 'Default duration', show: (p) => formatDuration(p.defaultDurationMinutes) },
  { field: 'requireJustification', label: 'Justification', show: (p) => required(p.requireJustification) },
  { field: 'requireTicket', label: 'Ticket', show: (p) => required(p.requireTicket) },
  { field: 'ticketSystem', label: 'Ticket form', show: (p) => describeTicketFormat(ticketFormatOf(p) ?? { system: 'any', pattern: '' }) },
  { field: 'requireMfa', label: 'MFA', show: (p) => required(p.requireMfa) },
  { field: 'requireApproverMfa', label: 'MFA for approvers', show: (p) => required(p.requireApproverMfa) },
  { field: 'mfaFreshMinutes', label: 'A second factor counts for', show: (p) => formatDuration(p.mfaFreshMinutes) },
  { field: 'autoApprove', label: 'Decided', show: (p) => (p.autoApprove ? 'automatically, when no step is left' : 'by its approvers') },
  // Absent on policies stored before rules and windows existed.
  { field: 'autoApprovalRules', label: 'Approved automatically when', show: (p) => list((p.autoApprovalRules ?? []).map((r) => ruleInWords(r))), items: (p) => (p.autoApprovalRules ?? []).map((r) => ruleInWords(r)) },
  { field: 'accessWindows', label: 'Requests may be made', show: (p) => ((p.accessWindows ?? []).length === 0 ? 'at any time' : list(p.accessWindows.map(windowInWords))), items: (p) => (p.accessWindows ?? []).map(windowInWords) },
  { field: 'breakGlass', label: 'Break-glass', show: (p) => yesNo('allowed', 'not allowed')(p.breakGlass) },
  { field: 'maxExtensions', label: 'More time', show: (p) => (p.maxExtensions === 0 ? 'never' : `up to ${p.maxExtensions} time${p.maxExtensions === 1 ? '' : 's'}`) },
  { field: 'requestTtlMinutes', label: 'Undecided requests expire after', show: (p) => formatDuration(p.requestTtlMinutes) },
];

const PROFILE_FIELDS: Field<AccessProfile>[] = [
  { field: 'name', label: 'Name', show: (p) => p.name },
  { field: 'description', label: 'Description', show: (p) => p.description || '(none)' },
  { field: 'enabled', label: 'In force', show: (p) => yesNo('enabled', 'disabled')(p.enabled) },
  { field: 'resourceIds', label: 'Resources', show: (p, n) => list(p.resourceIds.map((id) => resourceName(n, id))), items: (p, n) => p.resourceIds.map((id) => resourceName(n, id)) },
  { field: 'userIds', label: 'Named members', show: (p, n) => list(p.userIds.map((id) => userName(n, id))), items: (p, n) => p.userIds.map((id) => userName(n, id)) },
  { field: 'departments', label: 'Departments', show: (p) => list(p.departments), items: (p) => [...p.departments] },
  { field: 'roles', label: 'Account roles', show: (p) => list(p.roles.map((r) => r.replace(/_/g, ' '))), items: (p) => p.roles.map((r) => r.replace(/_/g, ' ')) },
  { field: 'maxDurationMinutes', label: 'Duration cap', show: (p) => (p.maxDurationMinutes === null ? 'none (the policies decide)' : formatDuration(p.maxDurationMinutes)) },
];

const target = (r: Resource) => [r.target.externalId, r.target.directoryScopeId && `scope ${r.target.directoryScopeId}`, r.target.accessId && `as ${r.target.accessId}`].filter(Boolean).join(', ');

const RESOURCE_FIELDS: Field<Resource>[] = [
  { field: 'name', label: 'Name', show: (r) => r.name },
  { field: 'description', label: 'Description', show: (r) => r.description || '(none)' },
  { field: 'archived', label: 'Requestable', show: (r) => (r.archived ? 'no (archived)' : 'yes') },
  { field: 'kind', label: 'Kind', show: (r) => r.kind.replace(/_/g, ' ') },
  { field: 'connectorId', label: 'Connector', show: (r) => `${r.connectorId} (${r.connector})` },
  { field: 'target', label: 'Directory object', show: target },
  { field: 'ownerId', label: 'Owner', show: (r, n) => userName(n, r.ownerId) },
  { field: 'sensitivity', label: 'Sensitivity', show: (r) => r.sensitivity },
  { field: 'policyIds', label: 'Access policies', show: (r, n) => list(r.policyIds.map((id) => policyName(n, id))), items: (r, n) => r.policyIds.map((id) => policyName(n, id)) },
];

function diffFields<T>(fields: Field<T>[], before: T | null, after: T, names: Names): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of fields) {
    const now = f.show(after, names);
    const was = before === null ? '—' : f.show(before, names);
    if (before !== null && was === now) continue;
    const itemsAfter = f.items?.(after, names) ?? [];
    const itemsBefore = before && f.items ? f.items(before, names) : [];
    out.push({
      field: f.field,
      label: f.label,
      before: was,
      after: now,
      added: before && f.items ? itemsAfter.filter((x) => !itemsBefore.includes(x)) : [],
      removed: before && f.items ? itemsBefore.filter((x) => !itemsAfter.includes(x)) : [],
    });
  }
  return out;
}

function diffSteps(before: readonly ApprovalStep[] | null, after: readonly ApprovalStep[], names: Names): FieldChange[] {
  const out: FieldChange[] = [];
  const count = Math.max(before?.length ?? 0, after.length);
  for (let i = 0; i < count; i++) {
    const was = before?.[i] ? describeStep(before[i]!, names) : before === null ? '—' : 'no such step';
    const now = after[i] ? describeStep(after[i]!, names) : 'removed';
    if (was !== now) out.push({ field: `approvalSteps.${i}`, label: `Approval step ${i + 1}`, before: was, after: now, added: [], removed: [] });
  }
  if (before !== null && before.length > 0 && after.length === 0) out.push({ field: 'approvalSteps', label: 'Approval chain', before: `${before.length} step${before.length === 1 ? '' : 's'}`, after: 'no steps', added: [], removed: [] });
  return out;
}

/** The fields that differ between before and after, in words; every field when the entity is new. */
export function diffChange(change: ProposalChange, names: Names): FieldChange[] {
  switch (change.kind) {
    case 'policy':
      return [...diffFields(POLICY_FIELDS, change.before, change.after, names), ...diffSteps(change.before?.approvalSteps ?? null, change.after.approvalSteps, names)];
    case 'profile':
      return diffFields(PROFILE_FIELDS, change.before, change.after, names);
    case 'resource':
      return diffFields(RESOURCE_FIELDS, change.before, change.after, names);
  }
}

const people = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'person' : 'people'}`;

export type EffectSummary = { headline: string; newlyNamed: string[]; newlyUnnamed: number; resources: string[] };

/** The what-if, as the server computed it when the change was proposed. */
export function summariseEffect(effect: Proposal['effect'], names: Names): EffectSummary {
  const resources = effect.resourceIds.map((id) => resourceName(names, id)).sort((a, b) => a.localeCompare(b));
  const newlyNamed = effect.newlyEligibleUserIds.map((id) => userName(names, id)).sort((a, b) => a.localeCompare(b));
  const what = resources.length === 1 ? resources[0]! : resources.length === 0 ? 'these resources' : `${resources.length} resources`;
  const headline =
    effect.newlyEligible > 0
      ? `${people(effect.newlyEligible)} become${effect.newlyEligible === 1 ? 's' : ''} eligible for ${what} who could not request it before; ${people(effect.peopleEligible)} can request it after the change.`
      : effect.peopleEligible > 0
        ? `Nobody new becomes eligible: the ${people(effect.peopleEligible)} who can request ${what} get the looser rules.`
        : `Nobody can request ${what} yet, before or after the change.`;
  return { headline, newlyNamed, newlyUnnamed: Math.max(0, effect.newlyEligible - newlyNamed.length), resources };
}
