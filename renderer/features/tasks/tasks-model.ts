/**
 * "My tasks": work the server handed to a person (remove or grant access by hand, an escalation,
 * drift, a break-glass review), with its steps, its due time and who may close it. Pure so the
 * words and the rules are tested; the server decides (task.close) and these only follow it.
 */
import { LIVE_GRANT_STATES, type Grant, type Task } from '../../../core/index.js';
import { maySendAs, type Viewer } from '../../session/permissions.js';

export const TASK_KIND_LABEL: Record<Task['kind'], string> = {
  manual_provision: 'Grant by hand',
  manual_revoke: 'Remove by hand',
  revocation_escalation: 'Revocation failed',
  provision_escalation: 'Provisioning failed',
  drift_alert: 'Access found again',
  approval_escalation: 'Approval escalated',
  break_glass_review: 'Review a break-glass approval',
  offboard_alert: 'Offboard?',
  no_owner_alert: 'No owner left',
  review_unassigned_alert: 'Review items without a reviewer',
};

/** What "done" means for each kind, said on the button's confirmation. */
export const DONE_MEANS: Record<Task['kind'], string> = {
  manual_provision: 'You granted the access in the application; the grant becomes active and its clock runs from its start.',
  manual_revoke: 'You removed the access in the application; the grant is recorded as revoked and verified by your sign-off.',
  revocation_escalation: 'The cause is fixed; the server keeps retrying and verifies the removal.',
  provision_escalation: 'The cause is fixed; the server keeps retrying the provisioning.',
  drift_alert: 'You looked into the access found again and dealt with it.',
  approval_escalation: 'The request was handled.',
  break_glass_review: 'You reviewed the emergency self-approval and found it justified.',
  offboard_alert: 'You dealt with the person the directory disabled (offboarding them from Accounts closes this by itself).',
  no_owner_alert: 'The service identity has an owner again in its directory, or you disabled it there.',
  review_unassigned_alert: 'The review items have someone to decide them, or the campaign owner decided them.',
};

/** What "could not" means for each kind (the scheduler's settleManualTasks). */
export const NOT_DONE_MEANS: Record<Task['kind'], string> = {
  manual_provision: 'The grant is marked as failed to provision and the requester sees why; nothing was granted.',
  manual_revoke: 'The revocation is escalated to an admin: the access may still be there.',
  revocation_escalation: 'The task closes; the grant stays escalated until the removal is verified.',
  provision_escalation: 'The task closes; the grant stays failed.',
  drift_alert: 'The task closes with your note; the access found again is left for an admin to decide.',
  approval_escalation: 'The task closes with your note.',
  break_glass_review: 'The emergency self-approval is recorded as not justified, with your note, for the auditors.',
  offboard_alert: 'The alert closes with your note; the person keeps their access until someone offboards them.',
  no_owner_alert: 'The alert closes with your note; the identity keeps its access with nobody to answer for it.',
  review_unassigned_alert: 'The alert closes with your note; undecided items take the campaign default at the deadline.',
};

export type TaskFilter = 'mine' | 'unassigned' | 'closed';

/** Late once more than a minute past its due time (a task due "now" is not overdue the moment it opens). */
export function isOverdue(task: Pick<Task, 'status' | 'dueAt'>, now: number): boolean {
  return task.status === 'open' && task.dueAt !== null && Date.parse(task.dueAt) + 60_000 < now;
}

/** How the viewer stands to a task, for the matrix: assigned to them, about their own grant, or neither. */
export function taskRelation(task: Task, viewer: Viewer, grant: Pick<Grant, 'userId'> | undefined): 'assignee' | 'own' | 'other' {
  if (grant && grant.userId === viewer.id) return 'own';
  return task.assigneeId === viewer.id ? 'assignee' : 'other';
}

/**
 * A break-glass follow-up whose grant is live (or not on this device) is decided as its review item
 * in Access reviews; the decision closes the task, and task.close refuses it by hand meanwhile.
 */
export function decidedInReview(task: Pick<Task, 'kind' | 'status'>, grant: Partial<Pick<Grant, 'status'>> | undefined): boolean {
  return task.kind === 'break_glass_review' && task.status === 'open' && (grant?.status === undefined || LIVE_GRANT_STATES.includes(grant.status));
}

/** Close it (done or could not): an open task the matrix lets the viewer close; never one about their own access, nor a break-glass follow-up still under review. */
export function mayCloseTask(viewer: Viewer, task: Task, grant: (Pick<Grant, 'userId'> & Partial<Pick<Grant, 'status'>>) | undefined): boolean {
  if (task.status !== 'open') return false;
  if (decidedInReview(task, grant)) return false;
  const relation = taskRelation(task, viewer, grant);
  if (relation === 'own') return false;
  // Unassigned tasks are an admin's to close (task-close.ts); the matrix's `other` cell says who.
  return maySendAs(viewer, 'task.close', relation);
}

/** The task's detail as steps a person follows: one per line, blank lines dropped. */
export function stepsOf(detail: string): string[] {
  return detail
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

const SEVERITY_RANK: Record<Task['severity'], number> = { critical: 0, warning: 1, info: 2 };

/** Open tasks first by overdue, then severity, then due time; closed ones newest first. */
export function sortTasks(tasks: readonly Task[], now: number): Task[] {
  return [...tasks].sort((a, b) => {
    const open = Number(b.status === 'open') - Number(a.status === 'open');
    if (open !== 0) return open;
    if (a.status !== 'open') return (b.closedAt ?? '').localeCompare(a.closedAt ?? '');
    const overdue = Number(isOverdue(b, now)) - Number(isOverdue(a, now));
    if (overdue !== 0) return overdue;
    const severity = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
    if (severity !== 0) return severity;
    return (a.dueAt ?? a.createdAt).localeCompare(b.dueAt ?? b.createdAt);
  });
}

/** The tasks one filter shows: open ones assigned to me, open ones assigned to nobody, or what I closed in the last 30 days. */
export function filterTasks(tasks: readonly Task[], filter: TaskFilter, viewerId: string, now: number): Task[] {
  const since = new Date(now - 30 * 24 * 60 * 60_000).toISOString();
  switch (filter) {
    case 'mine':
      return tasks.filter((t) => t.status === 'open' && t.assigneeId === viewerId);
    case 'unassigned':
      return tasks.filter((t) => t.status === 'open' && t.assigneeId === null);
    case 'closed':
      return tasks.filter((t) => t.status !== 'open' && (t.assigneeId === viewerId || t.closedBy === viewerId) && (t.closedAt ?? '') >= since);
  }
}
