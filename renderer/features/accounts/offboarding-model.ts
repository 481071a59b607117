/**
 * Offboarding on the Accounts screen: what it will do for a person, said before the admin confirms
 * (from the replica, with core's own duty plan), the command sent over REST, and its progress (the
 * server's GET /api/v1/people/:id/offboarding, with each grant's state read live from the replica
 * where it holds the grant, so the bar moves as the scheduler verifies).
 */
import {
  LIVE_GRANT_STATES,
  offboardingProgress,
  PENDING_REQUEST_STATES,
  planDutyReassignment,
  type AccessPolicy,
  type AccessRequest,
  type DutyReassignment,
  type Grant,
  type OffboardingProgress,
  type Resource,
  type Task,
} from '../../../core/index.js';
import { requestJson } from '../../session/api-client.js';

export type OffboardingView = {
  personId: string;
  state: 'none' | 'in_progress' | 'done';
  record: { startedAt: string; source: string; actorId: string; fallbackId: string | null; requestsCancelled: string[]; reassigned: DutyReassignment[]; sessionsEnded: number; runs: number; grantIds: string[]; followUps?: OffboardingFollowUp[] } | null;
  progress: OffboardingProgress;
  grants: Array<Pick<Grant, 'id' | 'resourceId' | 'connector' | 'status' | 'verification' | 'lastError'>>;
  sessions: number;
};

/** What offboarding could not hand on by itself: each an alert task for admins (sync-server/offboarding/leaver-duties.ts). */
export type OffboardingFollowUp = { kind: 'service_no_owner' | 'review_unassigned'; subjectId: string; name: string; taskId: string; message: string };

/** A follow-up in one sentence: the identity with no owner left, or the review item nobody is left to decide. */
export function followUpWords(followUp: OffboardingFollowUp): string {
  return followUp.kind === 'review_unassigned' ? `Review item ${followUp.subjectId} of ${followUp.name}: ${followUp.message}` : followUp.message;
}

export async function fetchOffboarding(serverUrl: string, token: string, personId: string): Promise<OffboardingView> {
  const { body } = await requestJson(serverUrl, `/api/v1/people/${encodeURIComponent(personId)}/offboarding`, { token, unreachable: `Could not reach ${serverUrl}: offboarding runs on the server.` });
  return body as OffboardingView;
}

export async function sendOffboard(serverUrl: string, token: string, payload: { personId: string; fallbackId?: string; reason: string }): Promise<string> {
  const { body } = await requestJson(serverUrl, '/api/v1/commands', { method: 'POST', token, body: JSON.stringify({ type: 'person.offboard', payload }) });
  return (body as { message?: string }).message ?? 'Offboarding started.';
}

export type OffboardPreview = {
  liveGrants: number;
  pendingRequests: number;
  duties: DutyReassignment[];
  /** Why it would be refused as it stands (no fallback for duties, the fallback is the person), or null. */
  problem: string | null;
  /** What will happen, one sentence each, in the order it happens. */
  sentences: string[];
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What offboarding this person would do now, as far as this replica knows. */
export function offboardPreview(input: {
  personId: string;
  personName: string;
  fallbackId: string | null;
  fallbackName: string | null;
  grants: readonly Pick<Grant, 'userId' | 'status'>[];
  requests: readonly AccessRequest[];
  policies: readonly AccessPolicy[];
  tasks: readonly Task[];
  resources: readonly Resource[];
}): OffboardPreview {
  const liveGrants = input.grants.filter((g) => g.userId === input.personId && LIVE_GRANT_STATES.includes(g.status)).length;
  const pendingRequests = input.requests.filter((r) => r.requesterId === input.personId && PENDING_REQUEST_STATES.includes(r.status)).length;
  const plan = planDutyReassignment({ personId: input.personId, fallbackId: input.fallbackId, policies: input.policies, requests: input.requests, tasks: input.tasks, resources: input.resources });
  const duties = plan.ok ? plan.value.reassigned : [];
  const sentences = [
    `${input.personName}'s account is disabled and every session ends at once.`,
    liveGrants > 0 ? `${plural(liveGrants, 'live grant')} ${liveGrants === 1 ? 'is' : 'are'} revoked in ${liveGrants === 1 ? 'its' : 'their'} directory and read back until verified gone (manual ones through their owner's task).` : 'They hold no live grant.',
    pendingRequests > 0 ? `${plural(pendingRequests, 'pending request')} ${pendingRequests === 1 ? 'is' : 'are'} cancelled.` : 'They have no pending request.',
    duties.length > 0 ? `${plural(duties.length, 'duty', 'duties')} move${duties.length === 1 ? 's' : ''} to ${input.fallbackName ?? 'the fallback'}: ${duties.map(dutyWords).join('; ')}.` : 'Nothing else names them as approver, owner or assignee.',
  ];
  return { liveGrants, pendingRequests, duties, problem: plan.ok ? null : plan.message, sentences };
}

export function dutyWords(duty: DutyReassignment): string {
  switch (duty.kind) {
    case 'policy_step':
      return `${duty.steps.join(', ')} in policy ${duty.name}`;
    case 'request_step':
      return `approving request ${duty.requestId}`;
    case 'task':
      return `task "${duty.title}"`;
    case 'resource_owner':
      return `owner of ${duty.name}`;
    case 'review_item':
      return `reviewing item ${duty.itemId} of campaign ${duty.name}`;
  }
}

/** The server's view with each grant's state as the replica has it now (fresher while the stream runs). */
export function liveProgress(view: OffboardingView, replicaGrants: ReadonlyMap<string, Pick<Grant, 'status'>>): { progress: OffboardingProgress; state: OffboardingView['state'] } {
  if (view.state === 'none') return { progress: view.progress, state: 'none' };
  const grants = view.grants.map((g) => replicaGrants.get(g.id) ?? g);
  const progress = offboardingProgress(grants);
  return { progress, state: progress.done ? 'done' : 'in_progress' };
}

export function progressWords(progress: OffboardingProgress): string {
  if (progress.total === 0) return 'No grants to revoke.';
  const parts = [`${progress.verified} of ${progress.total} grants verified gone`];
  if (progress.revoked > progress.verified) parts.push(`${progress.revoked - progress.verified} revoked, being read back`);
  if (progress.waiting > 0) parts.push(`${progress.waiting} waiting for the connector`);
  if (progress.failed > 0) parts.push(`${progress.failed} failed and escalated to an admin`);
  return `${parts.join(', ')}.`;
}
