/**
 * What a person may request, explained: the policy that applies to a resource in plain words, the
 * typical time to approval measured from history, and the checks a new request's fields must pass.
 * The server builds the catalog with these; the console and the CLI show it and validate inline
 * with the same checks the server applies (createRequest calls requestFieldProblems).
 */
import type { AccessRequest, ResolvedPolicy } from '../schema/request.js';
import type { TimeWindow } from '../schema/time-window.js';
import { checkTicket, describeTicketFormat, type TicketFormat } from './ticket.js';
import { ticketChecksInWords, type CatalogTicketCheck } from './ticket-check.js';
import { windowInWords } from './time-window.js';

/** Durations in the units people use: 30 min, 2 h, 1 day, 1 day 4 h. */
export function formatDuration(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes < 0) return '—';
  if (minutes < 60) return `${Math.round(minutes)} min`;
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = Math.round(minutes % 60);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(minutes / (24 * 60));
  const h = Math.round((minutes % (24 * 60)) / 60);
  const days = `${d} day${d === 1 ? '' : 's'}`;
  return h === 0 ? days : `${days} ${h} h`;
}

/** One approval step as a requester reads it: names, not ids. */
export type CatalogStep = {
  name: string;
  mode: 'any' | 'all';
  /** Display names of the people named on the step (the resource owner and the requester's manager included). */
  approvers: string[];
  /** Account roles whose holders may also approve (any-mode steps). */
  roles: string[];
  /** Display names of the directory groups whose members may also approve (any-mode steps). */
  groups?: string[];
  /** What happens when nobody decides it in time, in words (core escalationInWords). */
  timeout: string;
};

/** The policy that applies to one resource for one requester: the resolved bounds and the chain. */
export type CatalogPolicy = {
  maxDurationMinutes: number;
  /** The recommended duration: the shortest default of the bound policies, never above the maximum. */
  defaultDurationMinutes: number;
  requireJustification: boolean;
  requireTicket: boolean;
  autoApprove: boolean;
  breakGlass: boolean;
  maxExtensions: number;
  requestTtlMinutes: number;
  /** The forms a ticket given must have (every bound policy's). */
  ticketFormats: TicketFormat[];
  /** Who checks a ticket given, and what an unknown answer does (core/engine/ticket-check.ts); absent: nobody. */
  ticketChecks?: CatalogTicketCheck[];
  /** Asking needs a second factor this fresh (core/engine/mfa.ts). */
  requireMfa: boolean;
  mfaFreshMinutes: number;
  steps: CatalogStep[];
  /** The auto-approval rules that can approve it, in words (core/engine/auto-approval.ts); absent or empty: none. */
  autoApprovalRules?: string[];
  /** When access may start (core/engine/time-window.ts); absent or empty: any time. */
  accessWindows?: TimeWindow[];
};

export type TypicalApproval = {
  /** Median minutes from asking to the last approval, over requests a person approved. */
  medianMinutes: number;
  /** How many approved requests the figure is measured over. */
  samples: number;
  /** The period measured, in days back from now. */
  windowDays: number;
};

export type TypicalApprovalOptions = { windowDays?: number; minSamples?: number };

type Measured = Pick<AccessRequest, 'status' | 'createdAt' | 'decidedAt' | 'decisions' | 'extendsGrantId'>;

/**
 * The typical time to approval of a resource, from its history: the median time from asking to
 * the last approval, over requests a person approved (automatic approvals would read as instant)
 * in the last `windowDays` (90). Too few approvals (under `minSamples`, 3) tell nothing: null.
 */
export function typicalTimeToApproval(requests: readonly Measured[], now: Date, opts: TypicalApprovalOptions = {}): TypicalApproval | null {
  const windowDays = opts.windowDays ?? 90;
  const since = now.getTime() - windowDays * 24 * 60 * 60_000;
  const minutes: number[] = [];
  for (const request of requests) {
    if (request.status !== 'approved' || !request.decidedAt || request.decisions.length === 0) continue;
    const asked = Date.parse(request.createdAt);
    const decided = Date.parse(request.decidedAt);
    if (!Number.isFinite(asked) || !Number.isFinite(decided) || decided < since || decided < asked) continue;
    minutes.push((decided - asked) / 60_000);
  }
  if (minutes.length < (opts.minSamples ?? 3)) return null;
  minutes.sort((a, b) => a - b);
  const mid = Math.floor(minutes.length / 2);
  const median = minutes.length % 2 === 1 ? minutes[mid]! : (minutes[mid - 1]! + minutes[mid]!) / 2;
  return { medianMinutes: Math.round(median * 10) / 10, samples: minutes.length, windowDays };
}

/** One resource of GET /api/v1/catalog: what the person may request and the policy that applies to them. */
export type CatalogEntry = {
  id: string;
  name: string;
  description: string;
  kind: string;
  sensitivity: string;
  /** Kept for scripts written against the first catalog: the same as policy's. */
  maxDurationMinutes: number;
  defaultDurationMinutes: number;
  requireJustification: boolean;
  requireTicket: boolean;
  /** Null when the resource cannot be requested now; `problem` says why. */
  policy: CatalogPolicy | null;
  policyInWords: string[];
  problem: string | null;
  typicalApproval: TypicalApproval | null;
};

/** The catalog's view of a resolved policy, with names for the ids on each step. */
export function catalogPolicy(
  policy: ResolvedPolicy,
  defaultDurationMinutes: number,
  nameOf: (userId: string) => string,
  timeoutOf: (step: ResolvedPolicy['approvalSteps'][number]) => string,
  groupNameOf: (groupId: string) => string = (id) => id,
): CatalogPolicy {
  return {
    maxDurationMinutes: policy.maxDurationMinutes,
    defaultDurationMinutes: Math.min(defaultDurationMinutes, policy.maxDurationMinutes),
    requireJustification: policy.requireJustification,
    requireTicket: policy.requireTicket,
    autoApprove: policy.autoApprove,
    breakGlass: policy.breakGlass,
    maxExtensions: policy.maxExtensions,
    requestTtlMinutes: policy.requestTtlMinutes,
    ticketFormats: [...(policy.ticketFormats ?? [])],
    requireMfa: policy.requireMfa,
    mfaFreshMinutes: policy.mfaFreshMinutes ?? 15,
    steps: policy.approvalSteps.map((step) => ({
      name: step.name,
      mode: step.mode,
      approvers: [...new Set(step.approverIds)].map(nameOf),
      roles: [...step.approverRoles],
      groups: (step.approverGroupIds ?? []).map(groupNameOf),
      timeout: timeoutOf(step),
    })),
  };
}

const ROLE_WORDS: Record<string, string> = {
  approver: 'an approver',
  admin: 'an admin',
  policy_admin: 'a policy admin',
  reviewer: 'a reviewer',
  auditor: 'an auditor',
  requester: 'a requester',
};

function list(items: readonly string[], last: 'and' | 'or'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;
}

/** Who decides one step, in words: "Alice Moreau, anyone who is an approver or a member of SRE on-call", "each of Carol Diaz and Mallory Reyes". */
export function stepApproversInWords(step: Pick<CatalogStep, 'mode' | 'approvers' | 'roles' | 'groups'>): string {
  const roles = [...step.roles.map((r) => `anyone who is ${ROLE_WORDS[r] ?? r}`), ...(step.groups ?? []).map((g) => `a member of ${g}`)];
  if (step.mode === 'all') {
    if (step.approvers.length === 0) return 'nobody is named (the step cannot be completed)';
    return step.approvers.length === 1 ? step.approvers[0]! : `each of ${list(step.approvers, 'and')}`;
  }
  const who = [...step.approvers, ...roles];
  return who.length === 0 ? 'nobody is named (the step cannot be completed)' : list(who, 'or');
}

/** The policy as sentences a requester reads before asking. */
export function policyInWords(policy: CatalogPolicy): string[] {
  const lines = [`You may ask for up to ${formatDuration(policy.maxDurationMinutes)}; ${formatDuration(policy.defaultDurationMinutes)} is recommended.`];
  const needs = [policy.requireJustification ? 'a justification' : null, policy.requireTicket ? 'a ticket reference' : null].filter((x) => x !== null);
  lines.push(needs.length > 0 ? `The request needs ${list(needs, 'and')}.` : 'No justification or ticket is required.');
  if (policy.requireMfa) lines.push(`You confirm it with a two-step verification code (one from the last ${formatDuration(policy.mfaFreshMinutes)} counts).`);
  const forms = policy.ticketFormats ?? [];
  if (forms.length > 0) lines.push(`A ticket given must be ${list(forms.map(describeTicketFormat), 'and')}.`);
  lines.push(...ticketChecksInWords(policy.ticketChecks ?? []));
  const windows = policy.accessWindows ?? [];
  if (windows.length > 0) {
    lines.push(`A request can be made only within ${list(windows.map(windowInWords), 'or')} (a later start must fall inside too): outside, it is refused and told when the next window opens. A grant runs its whole duration, even past the window's end.`);
  }
  const rules = policy.autoApprovalRules ?? [];
  if (!policy.autoApprove && rules.length > 0) lines.push(`It is approved automatically when ${rules.join('; or when ')}; otherwise its approvers decide.`);
  if (policy.autoApprove) lines.push('It is approved automatically: access is provisioned as soon as the server receives the request.');
  else if (policy.steps.length === 1) lines.push(`One approval: ${stepApproversInWords(policy.steps[0]!)}.`);
  else lines.push(`${policy.steps.length} approvals, in order: ${policy.steps.map((s, i) => `${i + 1}. ${s.name} (${stepApproversInWords(s)})`).join('; ')}.`);
  if (!policy.autoApprove) {
    // Each step's clock (it escalates, or the request expires), then the request's own deadline.
    for (const step of policy.steps) if (step.timeout) lines.push(`${policy.steps.length === 1 ? 'The approval' : step.name}: ${step.timeout}.`);
    lines.push(`Whatever happens, a request still undecided after ${formatDuration(policy.requestTtlMinutes)} expires.`);
  }
  lines.push(policy.maxExtensions > 0 ? `You may ask for more time ${policy.maxExtensions === 1 ? 'once' : `up to ${policy.maxExtensions} times`}, never past the maximum from the start.` : 'The grant cannot be extended: ask again when it ends.');
  if (policy.breakGlass) lines.push('In an emergency you may approve it yourself (break-glass); a second person reviews it afterwards.');
  return lines;
}

export type RequestFields = { durationMinutes: number; justification: string; ticket: string };
export type FieldProblem = { field: keyof RequestFields; code: 'duration_exceeds_policy' | 'justification_required' | 'ticket_required' | 'invalid_input'; message: string };

/**
 * The checks a new request's fields must pass under its policy, each naming its field. The server
 * refuses a request with the first problem (createRequest); the console shows them inline.
 */
export function requestFieldProblems(
  policy: Pick<CatalogPolicy, 'maxDurationMinutes' | 'requireJustification' | 'requireTicket'> & { ticketFormats?: readonly TicketFormat[] | undefined },
  fields: RequestFields,
  resourceName: string,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(fields.durationMinutes) || fields.durationMinutes < 1) {
    problems.push({ field: 'durationMinutes', code: 'invalid_input', message: 'durationMinutes must be a whole number of minutes, at least 1' });
  } else if (fields.durationMinutes > policy.maxDurationMinutes) {
    problems.push({
      field: 'durationMinutes',
      code: 'duration_exceeds_policy',
      message: `durationMinutes ${fields.durationMinutes} exceeds the maximum of ${policy.maxDurationMinutes} minutes for ${resourceName}`,
    });
  }
  if (policy.requireJustification && fields.justification.trim() === '') {
    problems.push({ field: 'justification', code: 'justification_required', message: `a justification is required for ${resourceName}` });
  }
  if (policy.requireTicket && fields.ticket.trim() === '') {
    problems.push({ field: 'ticket', code: 'ticket_required', message: `a ticket reference is required for ${resourceName}` });
  } else if (fields.ticket.trim() !== '') {
    // Any ticket given has the form its policies name (a Jira key, a ServiceNow number, a custom pattern).
    const form = checkTicket(policy.ticketFormats ?? [], fields.ticket);
    if (!form.ok) problems.push({ field: 'ticket', code: 'invalid_input', message: form.message });
  }
  return problems;
}
