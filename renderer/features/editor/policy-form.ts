/**
 * The access policy form without React: the draft people edit (durations as text, steps with a
 * key so React keeps their focus while they move), the policy it stands for, checked with the
 * same schema and rules the server applies (core AccessPolicy, policyFieldProblems), and the
 * approval chain's edits (add, remove, move a step).
 */
import { AccessPolicy, policyFieldProblems, type AccountRole, type ApprovalStep, type TicketSystem } from '../../../core/index.js';
import { addProblems, minutesAsText, readDuration, schemaProblems, type Problems } from './form-fields.js';
import { TICKET_CHECK_FIELDS, ticketCheckDraftOf, ticketCheckPart, type TicketCheckDraft } from './ticket-check-form.js';
import { ruleDraft, rulesFormFields, rulesOfDraft, windowDraft, windowsOfDraft, type RuleDraft, type WindowDraft } from './rules-form.js';

export type StepDraft = {
  /** Stable across moves, for React's keys; never sent. */
  key: string;
  name: string;
  mode: 'any' | 'all';
  approverIds: string[];
  approverRoles: AccountRole[];
  /** Directory groups whose members may approve (any-of steps; an all-of step with one is refused on this field). */
  approverGroupIds: string[];
  includeResourceOwner: boolean;
  includeManager: boolean;
  timeout: string;
  escalateToIds: string[];
  escalateToGroupIds: string[];
  escalateToResourceOwner: boolean;
  escalateToManagersManager: boolean;
};

export type PolicyDraft = {
  id: string;
  name: string;
  description: string;
  maxDuration: string;
  defaultDuration: string;
  requestTtl: string;
  requireJustification: boolean;
  requireTicket: boolean;
  ticketSystem: TicketSystem;
  ticketPattern: string;
  /** The ticket-check hook (ticket-check-form.ts). */
  ticketCheck: TicketCheckDraft;
  requireMfa: boolean;
  requireApproverMfa: boolean;
  mfaFresh: string;
  autoApprove: boolean;
  breakGlass: boolean;
  maxExtensions: string;
  steps: StepDraft[];
  /** Auto-approval rules and access windows (rules-form.ts). */
  rules: RuleDraft[];
  windows: WindowDraft[];
};

/** The policy as the upsert command takes it: no changedBy or updatedAt, which are the server's. */
export type PolicyPayload = Omit<AccessPolicy, 'changedBy' | 'updatedAt'>;

let keys = 0;
const stepKey = () => `step-${++keys}`;

export function stepDraft(step?: ApprovalStep): StepDraft {
  return {
    key: stepKey(),
    name: step?.name ?? '',
    mode: step?.mode ?? 'any',
    approverIds: [...(step?.approverIds ?? [])],
    approverRoles: [...(step?.approverRoles ?? [])],
    approverGroupIds: [...(step?.approverGroupIds ?? [])],
    includeResourceOwner: step?.includeResourceOwner ?? false,
    includeManager: step?.includeManager ?? false,
    timeout: minutesAsText(step?.timeoutMinutes ?? 24 * 60),
    escalateToIds: [...(step?.escalateToIds ?? [])],
    escalateToGroupIds: [...(step?.escalateToGroupIds ?? [])],
    escalateToResourceOwner: step?.escalateToResourceOwner ?? false,
    escalateToManagersManager: step?.escalateToManagersManager ?? false,
  };
}

export function draftOfPolicy(policy: AccessPolicy): PolicyDraft {
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    maxDuration: minutesAsText(policy.maxDurationMinutes),
    defaultDuration: minutesAsText(policy.defaultDurationMinutes),
    requestTtl: minutesAsText(policy.requestTtlMinutes),
    requireJustification: policy.requireJustification,
    requireTicket: policy.requireTicket,
    ticketSystem: policy.ticketSystem ?? 'any',
    ticketPattern: policy.ticketPattern ?? '',
    ticketCheck: ticketCheckDraftOf(policy.ticketCheck),
    requireMfa: policy.requireMfa ?? false,
    requireApproverMfa: policy.requireApproverMfa ?? false,
    mfaFresh: minutesAsText(policy.mfaFreshMinutes ?? 15),
    autoApprove: policy.autoApprove,
    breakGlass: policy.breakGlass,
    maxExtensions: String(policy.maxExtensions),
    steps: policy.approvalSteps.map(stepDraft),
    rules: (policy.autoApprovalRules ?? []).map(ruleDraft),
    windows: (policy.accessWindows ?? []).map((w) => windowDraft(w)),
  };
}

/** A new policy starts as the common case: one approver with the approver role, 8 hours at most. */
export function newPolicyDraft(id: string): PolicyDraft {
  return {
    id,
    name: '',
    description: '',
    maxDuration: '8h',
    defaultDuration: '1h',
    requestTtl: '7d',
    requireJustification: true,
    requireTicket: false,
    ticketSystem: 'any',
    ticketPattern: '',
    ticketCheck: ticketCheckDraftOf(undefined),
    requireMfa: false,
    requireApproverMfa: false,
    mfaFresh: '15m',
    autoApprove: false,
    breakGlass: false,
    maxExtensions: '1',
    steps: [{ ...stepDraft(), name: 'Approver', approverRoles: ['approver'] }],
    rules: [],
    windows: [],
  };
}

export type PolicyCheck = { policy: PolicyPayload | null; problems: Problems };

const SCHEMA_TIME = '2000-01-01T00:00:00.000Z';

/**
 * The policy the draft stands for and every problem by field. The policy is null while any field
 * has a problem: what the editor would send is always what the server accepts for its shape.
 */
export function checkPolicyDraft(draft: PolicyDraft): PolicyCheck {
  const problems: Problems = {};
  const minutes = (field: string, text: string): number => {
    const read = readDuration(text);
    if ('problem' in read) {
      problems[field] = read.problem;
      return 1;
    }
    return read.minutes;
  };
  const extensions = draft.maxExtensions.trim() === '' ? Number.NaN : Number(draft.maxExtensions);
  const candidate = {
    id: draft.id,
    name: draft.name.trim(),
    description: draft.description.trim(),
    maxDurationMinutes: minutes('maxDurationMinutes', draft.maxDuration),
    defaultDurationMinutes: minutes('defaultDurationMinutes', draft.defaultDuration),
    requireJustification: draft.requireJustification,
    requireTicket: draft.requireTicket,
    ticketSystem: draft.ticketSystem,
    ticketPattern: draft.ticketSystem === 'custom' ? draft.ticketPattern.trim() : '',
    ...ticketCheckPart(draft.ticketCheck, problems),
    requireMfa: draft.requireMfa,
    requireApproverMfa: draft.requireApproverMfa,
    mfaFreshMinutes: minutes('mfaFreshMinutes', draft.mfaFresh),
    approvalSteps: draft.steps.map((s, i) => ({
      name: s.name.trim(),
      mode: s.mode,
      approverIds: [...s.approverIds],
      // Roles approve only in any-of steps: an all-of step keeps none, so nothing is shown that does nothing.
      approverRoles: s.mode === 'any' ? [...s.approverRoles] : [],
      // Kept in an all-of step, so core's field check says why that cannot be (rather than dropping them unseen).
      approverGroupIds: [...s.approverGroupIds],
      includeResourceOwner: s.includeResourceOwner,
      includeManager: s.includeManager,
      timeoutMinutes: minutes(`approvalSteps.${i}.timeoutMinutes`, s.timeout),
      escalateToIds: [...s.escalateToIds],
      escalateToGroupIds: [...s.escalateToGroupIds],
      escalateToResourceOwner: s.escalateToResourceOwner,
      escalateToManagersManager: s.escalateToManagersManager,
    })),
    autoApprove: draft.autoApprove,
    autoApprovalRules: rulesOfDraft(draft.rules, problems),
    accessWindows: windowsOfDraft(draft.windows),
    breakGlass: draft.breakGlass,
    maxExtensions: Number.isNaN(extensions) ? -1 : extensions,
    requestTtlMinutes: minutes('requestTtlMinutes', draft.requestTtl),
  };
  if (Number.isNaN(extensions)) problems.maxExtensions = 'is required: a number from 0 to 20';
  const parsed = AccessPolicy.safeParse({ ...candidate, changedBy: [], updatedAt: SCHEMA_TIME });
  schemaProblems(parsed, problems);
  if (parsed.success) addProblems(problems, policyFieldProblems(parsed.data));
  if (!parsed.success || Object.keys(problems).length > 0) return { policy: null, problems };
  const { changedBy: _c, updatedAt: _u, ...policy } = parsed.data;
  return { policy, problems };
}

/** The approval chain's edits, each returning a new draft. */
export const chain = {
  add(draft: PolicyDraft): PolicyDraft {
    const name = draft.steps.length === 0 ? 'Approver' : `Step ${draft.steps.length + 1}`;
    // A chain of steps decides: it cannot also approve automatically.
    return { ...draft, autoApprove: false, steps: [...draft.steps, { ...stepDraft(), name }] };
  },
  remove(draft: PolicyDraft, key: string): PolicyDraft {
    return { ...draft, steps: draft.steps.filter((s) => s.key !== key) };
  },
  move(draft: PolicyDraft, key: string, by: -1 | 1): PolicyDraft {
    const from = draft.steps.findIndex((s) => s.key === key);
    const to = from + by;
    if (from < 0 || to < 0 || to >= draft.steps.length) return draft;
    const steps = [...draft.steps];
    [steps[from], steps[to]] = [steps[to]!, steps[from]!];
    return { ...draft, steps };
  },
  update(draft: PolicyDraft, key: string, patch: Partial<Omit<StepDraft, 'key'>>): PolicyDraft {
    return { ...draft, steps: draft.steps.map((s) => (s.key === key ? { ...s, ...patch } : s)) };
  },
};

/** The fields the policy form shows, so a server refusal lands on one of them (form-fields placeRefusal). */
export function policyFormFields(draft: PolicyDraft): string[] {
  const top = ['name', 'description', 'maxDurationMinutes', 'defaultDurationMinutes', 'requestTtlMinutes', 'requireTicket', 'ticketSystem', 'ticketPattern', ...TICKET_CHECK_FIELDS, 'mfaFreshMinutes', 'autoApprove', 'breakGlass', 'maxExtensions', 'approvalSteps'];
  const steps = draft.steps.flatMap((_, i) => ['', '.name', '.approverIds', '.approverRoles', '.approverGroupIds', '.timeoutMinutes', '.escalateToIds', '.escalateToGroupIds'].map((f) => `approvalSteps.${i}${f}`));
  return [...top, ...steps, ...rulesFormFields(draft)];
}
