/**
 * Offboarding, one rule: what a departing person's duties become, and how far the ending of their
 * access has got. The server applies the plan (sync-server/offboarding/); the console reads the
 * progress from the same function over its replica (docs/decisions/offboarding.md).
 */
import type { Grant } from '../schema/grant.js';
import type { AccessPolicy, ApprovalStep } from '../schema/policy.js';
import type { AccessRequest } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import type { ReviewCampaign, ReviewItem } from '../schema/review.js';
import type { Task } from '../schema/task.js';
import { PENDING_REQUEST_STATES } from './lifecycle.js';
import { err, ok, type Result } from './result.js';
import { resolveReviewers, type ReviewerWorld } from './review-reviewers.js';

/** The reason a grant ended by offboarding carries (`Grant.endedReason`). */
export const OFFBOARDING_REASON = 'offboarding';

/** One duty moved from the departing person to the fallback. */
export type DutyReassignment =
  | { kind: 'policy_step'; policyId: string; name: string; steps: string[] }
  | { kind: 'request_step'; requestId: string; steps: string[] }
  | { kind: 'task'; taskId: string; title: string }
  | { kind: 'resource_owner'; resourceId: string; name: string }
  /** An undecided review item: the campaign's fallback reviewer (beside any other reviewer of the stage) takes the person's place. */
  | { kind: 'review_item'; itemId: string; campaignId: string; name: string; stages: number[]; reviewerIds: string[] };

export type DutyPlan = {
  policies: AccessPolicy[];
  requests: AccessRequest[];
  tasks: Task[];
  resources: Resource[];
  reassigned: DutyReassignment[];
};

type Named = { approverIds: string[]; escalateToIds: string[]; escalatedApproverIds?: string[] | undefined };

/** The ids list with the person replaced by the fallback (once, where it was), or unchanged. */
function swap(ids: readonly string[], personId: string, fallbackId: string): string[] {
  if (!ids.includes(personId)) return [...ids];
  const out: string[] = [];
  for (const id of ids) {
    const next = id === personId ? fallbackId : id;
    if (!out.includes(next)) out.push(next);
  }
  return out;
}

function swapStep<S extends Named>(step: S, personId: string, fallbackId: string): S {
  const next = { ...step, approverIds: swap(step.approverIds, personId, fallbackId), escalateToIds: swap(step.escalateToIds, personId, fallbackId) };
  if (step.escalatedApproverIds) next.escalatedApproverIds = swap(step.escalatedApproverIds, personId, fallbackId);
  return next;
}

const names = (step: Named, personId: string) => step.approverIds.includes(personId) || step.escalateToIds.includes(personId) || (step.escalatedApproverIds ?? []).includes(personId);

/** Whether anything still names the person as approver, escalation, task assignee or resource owner. */
export function hasDuties(personId: string, input: { policies: readonly AccessPolicy[]; requests: readonly AccessRequest[]; tasks: readonly Task[]; resources: readonly Resource[] }): boolean {
  return (
    input.policies.some((p) => p.approvalSteps.some((s) => names(s, personId))) ||
    input.requests.some((r) => PENDING_REQUEST_STATES.includes(r.status) && r.requesterId !== personId && (r.policy?.approvalSteps ?? []).some((s) => names(s, personId))) ||
    input.tasks.some((t) => t.status === 'open' && t.assigneeId === personId) ||
    input.resources.some((r) => r.ownerId === personId)
  );
}

/**
 * Moves every duty naming the person to the fallback: policy steps (approvers and escalation), the
 * steps of pending requests others made (never onto a request the fallback made: nobody approves
 * their own), open tasks assigned to them and resources they own. Refused without a fallback when
 * there is anything to move, and with the person as their own fallback.
 */
export function planDutyReassignment(input: {
  personId: string;
  fallbackId: string | null;
  policies: readonly AccessPolicy[];
  requests: readonly AccessRequest[];
  tasks: readonly Task[];
  resources: readonly Resource[];
}): Result<DutyPlan> {
  const { personId, fallbackId } = input;
  const plan: DutyPlan = { policies: [], requests: [], tasks: [], resources: [], reassigned: [] };
  if (!hasDuties(personId, input)) return ok(plan);
  if (!fallbackId) return err('invalid_input', 'this person approves, is escalated to, owns resources or has open tasks: name a fallback person to take them over (fallbackId), or configure one on the server (JIT_OFFBOARD_FALLBACK)');
  if (fallbackId === personId) return err('invalid_input', 'the fallback must be someone other than the person leaving');
  // An all-of step needs each of its people: where the fallback is already one of them, taking the
  // leaver's place would make two approvals one. Another fallback must be named (or the step changed first).
  const shrinks = (steps: readonly { name: string; mode: string; approverIds: readonly string[] }[]) =>
    steps.find((st) => st.mode === 'all' && st.approverIds.includes(personId) && st.approverIds.includes(fallbackId));
  for (const policy of input.policies) {
    const step = shrinks(policy.approvalSteps);
    if (step) return err('invalid_input', `the fallback already approves the all-of step "${step.name}" of access policy "${policy.name}" beside the person leaving; taking their place would leave one approval where the step asks for two: name another fallback`);
  }
  for (const request of input.requests) {
    if (request.requesterId === personId || !PENDING_REQUEST_STATES.includes(request.status)) continue;
    const step = shrinks(request.policy?.approvalSteps ?? []);
    if (step) return err('invalid_input', `the fallback already approves the all-of step "${step.name}" of request ${request.id} beside the person leaving: name another fallback`);
  }
  for (const policy of input.policies) {
    const touched = policy.approvalSteps.filter((s) => names(s, personId)).map((s) => s.name);
    if (touched.length === 0) continue;
    plan.policies.push({ ...policy, approvalSteps: policy.approvalSteps.map((s: ApprovalStep) => swapStep(s, personId, fallbackId)) });
    plan.reassigned.push({ kind: 'policy_step', policyId: policy.id, name: policy.name, steps: touched });
  }
  for (const request of input.requests) {
    // The person's own requests are cancelled, not reassigned.
    if (!PENDING_REQUEST_STATES.includes(request.status) || !request.policy || request.requesterId === fallbackId || request.requesterId === personId) continue;
    const touched = request.policy.approvalSteps.filter((s) => names(s, personId)).map((s) => s.name);
    if (touched.length === 0) continue;
    plan.requests.push({ ...request, policy: { ...request.policy, approvalSteps: request.policy.approvalSteps.map((s) => swapStep(s, personId, fallbackId)) } });
    plan.reassigned.push({ kind: 'request_step', requestId: request.id, steps: touched });
  }
  for (const task of input.tasks) {
    if (task.status !== 'open' || task.assigneeId !== personId) continue;
    plan.tasks.push({ ...task, assigneeId: fallbackId });
    plan.reassigned.push({ kind: 'task', taskId: task.id, title: task.title });
  }
  for (const resource of input.resources) {
    if (resource.ownerId !== personId) continue;
    plan.resources.push({ ...resource, ownerId: fallbackId });
    plan.reassigned.push({ kind: 'resource_owner', resourceId: resource.id, name: resource.name });
  }
  return ok(plan);
}

export type OffboardingProgress = {
  total: number;
  /** Revoked in the directory (or signed off), verified or not yet. */
  revoked: number;
  /** Read back gone. */
  verified: number;
  /** Still waiting for the connector (revoking), or failed and escalated to a person. */
  waiting: number;
  failed: number;
  /** Every grant verified gone. */
  done: boolean;
};

/** How far the revocation of these grants has got; `done` only once every one is verified gone. */
export function offboardingProgress(grants: readonly Pick<Grant, 'status'>[]): OffboardingProgress {
  const verified = grants.filter((g) => g.status === 'verified').length;
  const revoked = grants.filter((g) => g.status === 'revoked' || g.status === 'verified').length;
  const failed = grants.filter((g) => g.status === 'revoke_failed').length;
  return { total: grants.length, revoked, verified, waiting: grants.length - revoked - failed, failed, done: verified === grants.length };
}

export type ReviewDutyPlan = {
  items: ReviewItem[];
  reassigned: Extract<DutyReassignment, { kind: 'review_item' }>[];
  /** Items with a stage nobody is left to decide: the stage's fallback finds nobody either. */
  unassigned: { itemId: string; campaignId: string; name: string; stages: number[] }[];
};

/**
 * The review items a departing person still has to decide (their current stage or a later one, in
 * the open run of a campaign): their place at each such stage goes to the stage's fallback rule,
 * resolved as at opening (never the reviewed person, nobody disabled or without a reviewing role,
 * and the person leaving counts as disabled), beside the stage's other reviewers. A stage left
 * with nobody is `unassigned`, for an admin to settle: no one the campaign does not name is picked.
 */
export function planReviewReassignment(input: {
  personId: string;
  campaigns: readonly ReviewCampaign[];
  items: readonly ReviewItem[];
  world: ReviewerWorld;
  resourceOwnerOf: (resourceId: string) => string | null;
}): ReviewDutyPlan {
  const { personId } = input;
  const leaver = input.world.users.get(personId);
  const users = new Map(input.world.users);
  if (leaver) users.set(personId, { ...leaver, disabled: true });
  const world: ReviewerWorld = { users, groups: input.world.groups };
  const campaigns = new Map(input.campaigns.map((c) => [c.id, c]));
  const plan: ReviewDutyPlan = { items: [], reassigned: [], unassigned: [] };
  for (const item of input.items) {
    const campaign = campaigns.get(item.campaignId);
    if (!campaign || campaign.status !== 'open' || item.run !== campaign.run || item.decision !== null) continue;
    const moved: number[] = [];
    const empty: number[] = [];
    const stageDecisions = item.stageDecisions.map((sd) => {
      const stage = campaign.stages[sd.stage - 1];
      if (sd.stage < item.stage || sd.decision !== null || !sd.reviewerIds.includes(personId) || !stage) return sd;
      const fallback = resolveReviewers({ ...stage, reviewer: stage.fallback }, { reviewedUserId: item.subject.userId, resourceOwnerId: input.resourceOwnerOf(item.subject.resourceId) }, world);
      const reviewerIds = [...new Set([...sd.reviewerIds.filter((id) => id !== personId), ...fallback.reviewerIds])].sort();
      (reviewerIds.length > 0 ? moved : empty).push(sd.stage);
      const fallbackReason = fallback.reviewerIds.length > 0 ? `${leaver?.displayName ?? personId} left: the fallback reviews` : `${leaver?.displayName ?? personId} left, and the fallback ${fallback.fallbackReason ?? 'finds nobody'}`;
      return { ...sd, reviewerIds, fallbackReason: fallbackReason.slice(0, 512) };
    });
    if (moved.length === 0 && empty.length === 0) continue;
    const current = stageDecisions.find((sd) => sd.stage === item.stage);
    plan.items.push({ ...item, stageDecisions, reviewerIds: current?.reviewerIds ?? item.reviewerIds });
    if (moved.length > 0) plan.reassigned.push({ kind: 'review_item', itemId: item.id, campaignId: campaign.id, name: campaign.name, stages: moved, reviewerIds: current?.reviewerIds ?? [] });
    if (empty.length > 0) plan.unassigned.push({ itemId: item.id, campaignId: campaign.id, name: campaign.name, stages: empty });
  }
  return plan;
}
