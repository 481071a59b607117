/**
 * Conditional auto-approval and access windows, one rule each (docs/decisions/auto-approval-rules.md).
 *
 * - A policy's `autoApprove` approves every eligible request, as before: no rule is consulted.
 * - Otherwise its `autoApprovalRules` are consulted: a rule approves when every condition it names
 *   holds (risk below a threshold, asked within a time window, the requester in an on-call group,
 *   the ticket verified open); any one rule is enough. A request bound by several policies is
 *   approved automatically only when each of them approves it (most restrictive wins). When none
 *   does, the approval chain runs. The explanation is recorded on the request either way.
 * - Separation of duties still holds: a rule never approves a request whose requester changed its
 *   configuration recently, or who holds a resource that conflicts with it; the chain runs instead.
 * - `accessWindows`: outside every window of a bound policy a request is refused, naming the next
 *   opening. A grant that starts inside runs its approved duration (it is not cut at the window's end).
 */
import type { AccessPolicy } from '../schema/policy.js';
import type { ResolvedPolicy } from '../schema/request.js';
import type { AutoApprovalRecord, AutoApprovalRule, TimeWindow } from '../schema/time-window.js';
import { err, type Err } from './result.js';
import { requireSecondPerson, type RecentEdit } from './separation.js';
import { insideAny, isTimeZone, momentInWords, nextOpening, windowInWords, windowProblems } from './time-window.js';

/** The ticket-check hook's answer for a request's ticket (absent: not checked). */
type TicketStatus = 'open' | 'closed' | 'unknown';

/** A directory group as the rules need it. */
export type OnCallGroup = { displayName: string; memberUserIds: readonly string[] };

export type AutoApprovalFacts = {
  requesterId: string;
  riskScore: number;
  /** When the request is asked (a replay: when it was asked). */
  at: Date;
  /**
   * A later start the requester chose (core/engine/scheduled-start.ts), or absent for access now.
   * The rules are about when access is used: a window must hold then too, and being on call then
   * cannot be known when asking.
   */
  startsAt?: Date | null | undefined;
  ticket: string;
  ticketStatus?: TicketStatus | undefined;
  /** Directory groups by id; absent or null: not known here, so an on-call condition does not hold. */
  groupOf?: ((id: string) => OnCallGroup | null | undefined) | undefined;
};

type ConditionOutcome = { holds: boolean; words: string };

function conditionsOf(rule: AutoApprovalRule, facts: AutoApprovalFacts): ConditionOutcome[] {
  const out: ConditionOutcome[] = [];
  if (rule.riskBelow !== null) {
    const holds = facts.riskScore < rule.riskBelow;
    out.push({ holds, words: holds ? `risk ${facts.riskScore} below ${rule.riskBelow}` : `risk ${facts.riskScore} is not below ${rule.riskBelow}` });
  }
  if (rule.window !== null) {
    // A zone this host does not know cannot be judged: the condition does not hold.
    const known = isTimeZone(rule.window.timeZone);
    const asked = known && insideAny([rule.window], facts.at);
    // Asked inside office hours for a start at midnight: the access is used outside them.
    const starts = facts.startsAt ? known && insideAny([rule.window], facts.startsAt) : asked;
    const holds = asked && starts;
    out.push({ holds, words: `${holds ? 'within' : asked ? 'starts outside' : 'outside'} ${windowInWords(rule.window)}` });
  }
  if (rule.onCallGroupId !== null) {
    const group = facts.groupOf?.(rule.onCallGroupId) ?? null;
    const name = group?.displayName ?? rule.onCallGroupId;
    if (facts.startsAt) {
      // On call now says nothing about on call at a start days away: a person decides.
      out.push({ holds: false, words: `on call in ${name} at a later start cannot be known when asking` });
    } else {
      const holds = group !== null && group.memberUserIds.includes(facts.requesterId);
      out.push({ holds, words: group === null ? `on-call group ${name} is not known here` : holds ? `on-call group ${name}` : `not in on-call group ${name}` });
    }
  }
  if (rule.ticketOpen) {
    const holds = facts.ticketStatus === 'open' && facts.ticket.trim() !== '';
    const ticket = facts.ticket.trim() || 'none given';
    out.push({ holds, words: holds ? `ticket ${ticket} verified open` : `ticket ${ticket} not verified open (${facts.ticketStatus ?? 'not checked'})` });
  }
  return out;
}

const named = (rule: AutoApprovalRule) => (rule.name.trim() === '' ? '' : `rule "${rule.name.trim()}": `);

/** One policy's verdict: approved by a rule (its words), or why each rule did not approve. */
function policyVerdict(policy: AccessPolicy, facts: AutoApprovalFacts): { approved: boolean; words: string } {
  if (policy.autoApprove) return { approved: true, words: `access policy "${policy.name}" approves every eligible request` };
  const rules = policy.autoApprovalRules ?? [];
  if (rules.length === 0) return { approved: false, words: `access policy "${policy.name}" has no auto-approval rule` };
  const misses: string[] = [];
  for (const rule of rules) {
    const conditions = conditionsOf(rule, facts);
    // A rule naming no condition would approve everything: the policy check refuses it, and it never matches here.
    if (conditions.length > 0 && conditions.every((c) => c.holds)) return { approved: true, words: `${named(rule)}${conditions.map((c) => c.words).join(', ')}` };
    misses.push(`${named(rule)}${conditions.filter((c) => !c.holds).map((c) => c.words).join(', ') || 'names no condition'}`);
  }
  return { approved: false, words: misses.join('; ') };
}

const RECORD_MAX = 1024;
const clip = (text: string) => (text.length <= RECORD_MAX ? text : `${text.slice(0, RECORD_MAX - 1)}…`);

/**
 * Whether the bound policies approve the request automatically by their rules, with the reason in
 * words. Null when no bound policy has a rule (an unconditional `autoApprove`, or the chain, as before).
 */
export function autoApprovalByRules(policies: readonly AccessPolicy[], facts: AutoApprovalFacts): AutoApprovalRecord | null {
  if (!policies.some((p) => !p.autoApprove && (p.autoApprovalRules ?? []).length > 0)) return null;
  const verdicts = policies.map((p) => ({ policy: p, ...policyVerdict(p, facts) }));
  if (verdicts.every((v) => v.approved)) {
    // Only the rules explain it: a policy that approves everything adds nothing to the reason.
    const reasons = verdicts.filter((v) => !v.policy.autoApprove).map((v) => v.words);
    return { approved: true, reason: clip(`auto-approved: ${reasons.join('; ')}`) };
  }
  const reasons = verdicts.filter((v) => !v.approved).map((v) => v.words);
  return { approved: false, reason: clip(`not auto-approved: ${reasons.join('; ')}`) };
}

/** The record when separation of duties withholds a rule's approval: the chain decides, and says why. */
export function withheldApproval(record: AutoApprovalRecord, why: string): AutoApprovalRecord {
  return { approved: false, reason: clip(`not auto-approved: ${why} (${record.reason.replace(/^auto-approved: /, 'the rules matched: ')})`) };
}

/** The bound policies of a resolved policy, in its order. */
export const boundPolicies = (policyIds: readonly string[], policies: readonly AccessPolicy[]): AccessPolicy[] =>
  policyIds.map((id) => policies.find((p) => p.id === id)).filter((p): p is AccessPolicy => p !== undefined);

/** The step a request gets when a rule matched but separation of duties withholds it and its policy has no chain. */
export const RULE_WITHHELD_STEP_NAME = 'Second person (auto-approval withheld)';

const KIND_WORD = { policy: 'access policy', profile: 'access profile', resource: 'resource' } as const;

export type RuleDecisionFacts = AutoApprovalFacts & {
  /** Resources held that must not be held with this one (core/engine/conflicts.ts). */
  conflicts: readonly { resourceName: string }[];
  /** The requester's latest change to what the request is decided under, within the cooling-off period. */
  recentEdit: () => RecentEdit | null;
};

/** Why a rule's approval is withheld: the requester changed its configuration, holds a conflicting resource, or the ticket could not be checked. */
function withholding(facts: RuleDecisionFacts): string | null {
  const edit = facts.recentEdit();
  if (edit) return `the requester changed ${KIND_WORD[edit.kind]} "${edit.name}" on ${edit.at.slice(0, 10)}, so a second person decides`;
  if (facts.conflicts.length > 0) return `the requester holds ${facts.conflicts.map((c) => c.resourceName).join(', ')}, which must not be held with this resource`;
  if (facts.ticketStatus === 'unknown') return `ticket ${facts.ticket.trim()} could not be checked, so a person decides`;
  return null;
}

/**
 * A new request's automatic approval, decided and explained: an unconditional `autoApprove` as
 * before (recorded in words), or the bound policies' rules. Approved by rules, the frozen policy
 * reads as automatic with no steps; withheld by separation of duties, the chain runs (a second
 * person where the policy has none). `record` null: no policy approves automatically at all.
 */
export function applyAutoApproval(policy: ResolvedPolicy, policies: readonly AccessPolicy[], facts: RuleDecisionFacts): { policy: ResolvedPolicy; record: AutoApprovalRecord | null; byRule: boolean } {
  const bound = boundPolicies(policy.policyIds, policies);
  if (policy.autoApprove) {
    return { policy, record: { approved: true, reason: clip(`auto-approved: ${bound.map((p) => `access policy "${p.name}" approves every eligible request`).join('; ')}`) }, byRule: false };
  }
  const record = autoApprovalByRules(bound, facts);
  if (!record?.approved) return { policy, record, byRule: false };
  const why = withholding(facts);
  if (why) return { policy: policy.approvalSteps.length > 0 ? policy : requireSecondPerson(policy, RULE_WITHHELD_STEP_NAME), record: withheldApproval(record, why), byRule: false };
  return { policy: { ...policy, autoApprove: true, approvalSteps: [] }, record, byRule: true };
}

/** The windows a request must fall in: each bound policy with windows asks for one of its own. */
const windowedPolicies = (policies: readonly AccessPolicy[]) => policies.filter((p) => (p.accessWindows ?? []).length > 0);

/**
 * The refusal of a request asked outside the access windows of its policies, naming the next
 * opening: "outside the access windows of Maintenance (Sat 22:00-04:00 Europe/Paris); next opens Sat
 * 8 Mar 22:00 Europe/Paris". Null when every bound policy's windows allow it now (or it has none).
 */
export function refuseOutsideWindows(policies: readonly AccessPolicy[], at: Date): Err | null {
  for (const policy of windowedPolicies(policies)) {
    const windows = policy.accessWindows;
    if (windows.some((w) => !isTimeZone(w.timeZone))) {
      return err('invalid_transition', `access policy "${policy.name}" names a time zone this server does not know; requests are refused until it is fixed`);
    }
    if (insideAny(windows, at)) continue;
    const next = nextOpening(windows, at);
    const opening = next ? `next opens ${momentInWords(next, windowZoneAt(windows, next))}` : 'it does not open within the next nine days';
    return err('outside_window', `outside the access windows of "${policy.name}" (${windows.map(windowInWords).join('; ')}); ${opening}`);
  }
  return null;
}

/** The zone of the window that opens at the instant (the first listed when several do). */
function windowZoneAt(windows: readonly TimeWindow[], at: Date): string {
  return (windows.find((w) => insideAny([w], at)) ?? windows[0]!).timeZone;
}

/** When access may start next under the policies' windows: now when every one allows it, else the earliest instant all allow it (within nine days), or null. */
export function nextAccessOpening(policies: readonly AccessPolicy[], at: Date): Date | null {
  const windowed = windowedPolicies(policies).filter((p) => p.accessWindows.every((w) => isTimeZone(w.timeZone)));
  let t = at;
  // Each policy's next opening in turn, until one instant satisfies them all.
  for (let round = 0; round < 16; round++) {
    const later = windowed.map((p) => nextOpening(p.accessWindows, t));
    if (later.some((x) => x === null)) return null;
    const latest = Math.max(...later.map((x) => x!.getTime()), t.getTime());
    if (windowed.every((p) => insideAny(p.accessWindows, latest))) return new Date(latest);
    t = new Date(latest);
  }
  return null;
}

/** A rule as a requester reads it in the catalog: "its risk score is below 30, it is asked and starts within Mon-Fri 08:00-18:00 Europe/Paris and you are on call (SRE)". */
export function ruleInWords(rule: AutoApprovalRule, groupNameOf: (id: string) => string = (id) => id): string {
  const parts = [
    rule.riskBelow !== null ? `its risk score is below ${rule.riskBelow}` : null,
    rule.window !== null ? `it is asked and starts within ${windowInWords(rule.window)}` : null,
    rule.onCallGroupId !== null ? `you are in the on-call group ${groupNameOf(rule.onCallGroupId)} for access now` : null,
    rule.ticketOpen ? 'its ticket is verified open' : null,
  ].filter((p) => p !== null);
  const words = parts.length <= 1 ? (parts[0] ?? 'never') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return rule.name.trim() === '' ? words : `${words} (${rule.name.trim()})`;
}

/**
 * The rules that can approve a resource's requests, in words, for the catalog: none when a bound
 * policy has neither rules nor `autoApprove` (its chain always runs), or when every policy approves
 * everything anyway.
 */
export function autoApprovalRulesInWords(policies: readonly AccessPolicy[], groupNameOf?: (id: string) => string): string[] {
  if (policies.some((p) => !p.autoApprove && (p.autoApprovalRules ?? []).length === 0)) return [];
  const ruled = policies.filter((p) => !p.autoApprove);
  if (ruled.length === 1) return ruled[0]!.autoApprovalRules.map((r) => ruleInWords(r, groupNameOf));
  return ruled.map((p) => `under ${p.name}: ${p.autoApprovalRules.map((r) => ruleInWords(r, groupNameOf)).join('; or ')}`);
}

/** The access windows of the bound policies, every policy's. */
export const accessWindowsOf = (policies: readonly AccessPolicy[]): TimeWindow[] => windowedPolicies(policies).flatMap((p) => p.accessWindows);

type RulesAndWindows = Pick<AccessPolicy, 'autoApprove'> & Partial<Pick<AccessPolicy, 'autoApprovalRules' | 'accessWindows'>>;

/** The shape checks of a policy's rules and windows, each naming its field (config-fields.ts adds them to the policy's). */
export function rulesAndWindowsProblems(policy: RulesAndWindows): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const rules = policy.autoApprovalRules ?? [];
  if (policy.autoApprove && rules.length > 0) {
    out.push({ field: 'autoApprovalRules', message: 'a policy that approves every request automatically has no use for rules: turn "approve automatically" off to approve only when a rule holds' });
  }
  for (const [i, rule] of rules.entries()) {
    if (rule.riskBelow === null && rule.window === null && rule.onCallGroupId === null && !rule.ticketOpen) {
      out.push({ field: `autoApprovalRules.${i}`, message: 'a rule needs at least one condition (risk, time window, on-call group or open ticket); to approve every request, use "approve automatically"' });
    }
    if (rule.window) for (const p of windowProblems(rule.window)) out.push({ field: `autoApprovalRules.${i}.window.${p.field}`, message: p.message });
  }
  for (const [i, window] of (policy.accessWindows ?? []).entries()) for (const p of windowProblems(window)) out.push({ field: `accessWindows.${i}.${p.field}`, message: p.message });
  return out;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Which changes to rules and windows widen access (four eyes, core/engine/config-change.ts): a rule
 * added or changed (a changed rule cannot be ranked for strictness, so any change counts), windows
 * taken away, or one added or changed while others bound the request. A rule removed, or windows
 * set where there were none, only tightens. `before`/`after`: the policies bounding the requests.
 */
export function rulesAndWindowsWidenings(before: readonly AccessPolicy[], after: readonly AccessPolicy[]): string[] {
  const out: string[] = [];
  const rulesBefore = before.flatMap((p) => p.autoApprovalRules ?? []);
  for (const rule of after.flatMap((p) => p.autoApprovalRules ?? [])) {
    if (!rulesBefore.some((r) => sameJson(r, rule))) out.push(`requests are approved automatically when ${ruleInWords(rule)}`);
  }
  const windowedBefore = before.filter((p) => (p.accessWindows ?? []).length > 0);
  const windowedAfter = after.filter((p) => (p.accessWindows ?? []).length > 0);
  for (const policy of windowedBefore) {
    const now = windowedAfter.find((p) => p.id === policy.id);
    if (!now) {
      out.push(`requests under "${policy.name}" may be made at any time (its access windows are gone)`);
      continue;
    }
    for (const window of now.accessWindows) {
      if (!policy.accessWindows.some((w) => sameJson(w, window))) out.push(`requests may also be made within ${windowInWords(window)}`);
    }
  }
  return out;
}

/** What the catalog adds to a resource's policy: its rules in words and its windows. */
export function catalogRulesAndWindows(policies: readonly AccessPolicy[], groupNameOf?: (id: string) => string): { autoApprovalRules: string[]; accessWindows: TimeWindow[] } {
  return { autoApprovalRules: autoApprovalRulesInWords(policies, groupNameOf), accessWindows: accessWindowsOf(policies) };
}
