/**
 * "My access": a person's own requests and grants, read from their replica (live, offline too).
 * Pure functions so the words are tested: where a pending request is in its chain, and the
 * history of what ended, each with its reason.
 */
import { LIVE_GRANT_STATES, PENDING_REQUEST_STATES, stepApproversInWords, type AccessRequest, type Command, type DirectoryUser, type Grant } from '../../../core/index.js';

export type StepProgress = {
  name: string;
  state: 'approved' | 'current' | 'next';
  /** Who decides it, in words ("Alice Moreau or anyone who is an approver"). */
  who: string;
  /** For a decided step: who approved it and when. */
  approvedBy: { name: string; at: string }[];
};

export type ChainProgress = { steps: StepProgress[]; current: number; total: number; summary: string };

/** Where a pending request stands: each step of its frozen policy, the current one named. */
export function chainProgress(request: AccessRequest, nameOf: (userId: string) => string): ChainProgress {
  const steps = request.policy?.approvalSteps ?? [];
  const progress = steps.map((step, index): StepProgress => {
    const approvals = request.decisions.filter((d) => d.stepIndex === index && d.decision === 'approve');
    const approved = approvals.map((d) => ({ name: nameOf(d.approverId), at: d.decidedAt }));
    // An all-of step names who is still to approve; an any-of step everyone who may.
    const remaining = step.mode === 'all' ? step.approverIds.filter((id) => !approvals.some((d) => d.approverId === id)) : step.approverIds;
    const who = stepApproversInWords({ mode: step.mode, approvers: [...new Set(remaining)].map(nameOf), roles: step.approverRoles, groups: step.approverGroupIds ?? [] });
    return { name: step.name, state: index < request.currentStep ? 'approved' : index === request.currentStep ? 'current' : 'next', who, approvedBy: approved };
  });
  const current = Math.min(request.currentStep, Math.max(0, steps.length - 1));
  const step = progress[current];
  const summary = !step ? 'Waiting for the server to start the approval chain' : `Step ${current + 1} of ${steps.length} · ${step.name}: waiting for ${step.who}`;
  return { steps: progress, current, total: steps.length, summary };
}

export type HistoryRow = {
  key: string;
  requestId: string;
  resourceId: string;
  /** When it ended. */
  at: string;
  outcome: string;
  tone: 'success' | 'danger' | 'neutral' | 'warning';
  reason: string;
  /** The service identity the access was for, when it was asked on its behalf. */
  forId?: string;
};

const REQUEST_OUTCOME: Partial<Record<AccessRequest['status'], { outcome: string; tone: HistoryRow['tone'] }>> = {
  denied: { outcome: 'Denied', tone: 'danger' },
  expired: { outcome: 'Expired undecided', tone: 'warning' },
  cancelled: { outcome: 'Cancelled', tone: 'neutral' },
  ineligible: { outcome: 'Not eligible', tone: 'danger' },
};

/** How a grant ended, for its holder: given back, revoked by someone, or at its expiry; verified gone once read back. */
function grantEnding(grant: Grant, nameOf: (userId: string) => string): { outcome: string; tone: HistoryRow['tone']; reason: string } {
  const early = grant.revokeRequestedAt !== null && Date.parse(grant.revokeRequestedAt) < Date.parse(grant.expiresAt);
  const verified = grant.status === 'verified' ? ' · verified gone' : '';
  if (!early) return { outcome: `Ended at expiry${verified}`, tone: 'success', reason: grant.endedReason };
  // Given back by its holder, or by the owner who asked for it on a service identity's behalf.
  if (grant.endedBy === grant.userId || (grant.requestedBy && grant.endedBy === grant.requestedBy)) return { outcome: `Given back${verified}`, tone: 'success', reason: grant.endedReason };
  const by = grant.endedBy ? `Revoked by ${nameOf(grant.endedBy)}` : 'Revoked';
  return { outcome: `Ended early${verified}`, tone: 'warning', reason: [by, grant.endedReason].filter(Boolean).join(': ') };
}

/** What ended, newest first: refused or withdrawn requests, and grants that ended (at expiry, given back or revoked). */
export function historyOf(requests: readonly AccessRequest[], grants: readonly Grant[], nameOf: (userId: string) => string): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const request of requests) {
    const ended = REQUEST_OUTCOME[request.status];
    if (!ended) continue;
    const decider = request.decisions.find((d) => d.decision === 'deny');
    const reason = request.outcomeReason || decider?.reason || '';
    rows.push({
      key: `r:${request.id}`,
      requestId: request.id,
      resourceId: request.resourceId,
      at: request.decidedAt ?? request.updatedAt,
      ...ended,
      reason: decider ? `${nameOf(decider.approverId)}: ${reason || 'no reason given'}` : reason,
      ...(request.onBehalfOf ? { forId: request.onBehalfOf } : {}),
    });
  }
  // A grant whose request was cancelled before its start never began: the request's row says it.
  const cancelledBeforeStart = new Set(requests.filter((r) => r.status === 'cancelled' && r.grantId).map((r) => r.grantId));
  for (const grant of grants) {
    if (LIVE_GRANT_STATES.includes(grant.status)) continue;
    if (grant.provisionedAt === null && cancelledBeforeStart.has(grant.id)) continue;
    rows.push({ key: `g:${grant.id}`, requestId: grant.requestId, resourceId: grant.resourceId, at: grant.revokedAt ?? grant.updatedAt, ...grantEnding(grant, nameOf), ...(grant.requestedBy ? { forId: grant.userId } : {}) });
  }
  return rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

export const isPending = (request: AccessRequest) => PENDING_REQUEST_STATES.includes(request.status);

/** New requests written on this device that the server has not answered yet (offline, or on their way). */
export function unsentRequests(waiting: ReadonlyMap<string, { commandId: string; type: string }>, commands: ReadonlyMap<string, Command>, known: ReadonlySet<string>): Command[] {
  const unsent: Command[] = [];
  for (const [subject, w] of waiting) {
    const command = w.type === 'request.create' ? commands.get(w.commandId) : undefined;
    if (command && !known.has(subject)) unsent.push(command);
  }
  return unsent.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}

/**
 * The service identities (Entra service principals, AD service accounts) whose directory lists this
 * person as an owner, by name: they ask for access for them and act on their grants. The replica
 * holds exactly these beside the people it needs (the server's 'related' rule).
 */
export function ownedIdentities(users: Iterable<DirectoryUser>, userId: string, { enabledOnly = false } = {}): DirectoryUser[] {
  const owned: DirectoryUser[] = [];
  for (const u of users) if (u.kind === 'service' && (u.ownerIds ?? []).includes(userId) && !(enabledOnly && u.disabled)) owned.push(u);
  return owned.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id.localeCompare(b.id));
}

/** "you and Ann Lee", "you": an identity's owners as its owner reads them. */
export function ownersInWords(identity: Pick<DirectoryUser, 'ownerIds'>, userId: string, nameOf: (id: string) => string): string {
  const others = (identity.ownerIds ?? []).filter((id) => id !== userId).map(nameOf);
  if (others.length === 0) return 'you';
  if (others.length <= 2) return `you and ${others.join(' and ')}`;
  return `you, ${others.slice(0, 2).join(', ')} and ${others.length - 2} more`;
}
