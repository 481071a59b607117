/**
 * The queue's two views: requests the viewer may decide now ("mine": the current step names them,
 * their role or group, and they have not decided it) and the rest ("waiting on others", read-only,
 * with who is expected). Counts, the navigation badge and notifications use only "mine".
 */
import { stepApproversInWords, type AccessRequest } from '../../../core/index.js';
import { mayDecideRequest, type Viewer } from '../../session/permissions.js';

export type QueueView = 'mine' | 'others';

export const isMine = (request: AccessRequest, viewer: Viewer): boolean => mayDecideRequest(viewer, request) || mayDecideRequest(viewer, request, 'request.deny');

export function splitByViewer<T extends { request: AccessRequest }>(items: readonly T[], viewer: Viewer): { mine: T[]; others: T[] } {
  const mine: T[] = [];
  const others: T[] = [];
  for (const item of items) (isMine(item.request, viewer) ? mine : others).push(item);
  return { mine, others };
}

/** Who the request waits for now, in words ("Carol Diaz or Mallory Reyes"), for the waiting-on-others rows. */
export function expectedDecider(request: AccessRequest, nameOf: (userId: string) => string): string {
  const step = request.policy?.approvalSteps[request.currentStep];
  if (!step) return 'the server to start its approval chain';
  const decided = new Set(request.decisions.filter((d) => d.stepIndex === request.currentStep).map((d) => d.approverId));
  const named = [...step.approverIds, ...(step.escalatedApproverIds ?? [])].filter((id) => step.mode !== 'all' || !decided.has(id));
  return `${step.name}: ${stepApproversInWords({ mode: step.mode, approvers: [...new Set(named)].map(nameOf), roles: step.approverRoles, groups: step.approverGroupIds ?? [] })}`;
}
