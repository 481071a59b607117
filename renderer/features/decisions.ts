import { useCallback } from 'react';
import type { AccessRequest, CommandType, Grant, Proposal, RevocationCategory } from '../../core/index.js';
import { sendCommand } from '../db/index.js';
import { useConsoleData } from '../session/console-data.js';
import { maySend } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { useToasts } from '../ui/toasts.js';
import { approvalNeed, combineNeeds, requestNeed } from './mfa/mfa-model.js';
import { useStepUp } from './mfa/StepUp.js';

/**
 * Every decision is a command written to the local replica; it syncs when it can and the server's
 * verdict comes back as a command result. baseRevision is what the user saw, so a decision made on
 * stale data is refused with a reason rather than applied.
 */
export function useDecisions() {
  const { db, user } = useSession();
  const { policies, resources, users } = useConsoleData();
  const { ensureFreshFactor } = useStepUp();
  const toasts = useToasts();
  const nameOf = useCallback((id: string) => users.get(id)?.displayName ?? id, [users]);
  const resourceName = useCallback((id: string) => resources.get(id)?.name ?? id, [resources]);
  /** Step-up MFA: what approving this request needs, from the policy on the replica (the server checks again). */
  const approvalNeedOf = useCallback(
    (request: AccessRequest) => approvalNeed(request, policies, `Approving ${nameOf(request.requesterId)}’s request for ${resourceName(request.resourceId)}`),
    [policies, nameOf, resourceName],
  );

  const guard = useCallback(
    async (what: string, write: () => Promise<string | null>, type: CommandType): Promise<string | null> => {
      // The screens offer only what the roles may send; this is the last check before the replica.
      if (!maySend(user, type)) {
        toasts.push({ tone: 'info', title: 'Read-only', body: `Your roles (${user.roles.join(', ') || 'none'}) do not send this: ${what}.` });
        return null;
      }
      try {
        return await write();
      } catch (error) {
        toasts.push({ tone: 'danger', title: `Could not record: ${what}`, body: error instanceof Error ? error.message : String(error) });
        return null;
      }
    },
    [toasts, user],
  );

  return {
    approve: useCallback(
      (request: AccessRequest) =>
        guard(
          'approval',
          // A policy that needs the approver's second factor: the code first (nothing is sent when the person cancels).
          async () => ((await ensureFreshFactor(approvalNeedOf(request))) ? sendCommand(db, { type: 'request.approve', actorId: user.id, baseRevision: request.revision, payload: { requestId: request.id, reason: '', breakGlass: false } }) : null),
          'request.approve',
        ),
      [db, user.id, guard, ensureFreshFactor, approvalNeedOf],
    ),
    /** Before approving several at once: one code covers them all. False when the person cancels. */
    prepareApprovals: useCallback((requests: readonly AccessRequest[]) => ensureFreshFactor(combineNeeds(requests.map(approvalNeedOf))), [ensureFreshFactor, approvalNeedOf]),
    deny: useCallback(
      (request: AccessRequest, reason: string) =>
        guard('denial', () => sendCommand(db, { type: 'request.deny', actorId: user.id, baseRevision: request.revision, payload: { requestId: request.id, reason } }), 'request.deny'),
      [db, user.id, guard],
    ),
    /** The requester withdraws their own pending request (an admin may cancel anyone's). */
    cancel: useCallback(
      (request: AccessRequest, reason: string) =>
        guard('cancellation', () => sendCommand(db, { type: 'request.cancel', actorId: user.id, baseRevision: request.revision, payload: { requestId: request.id, reason } }), 'request.cancel'),
      [db, user.id, guard],
    ),
    /** `category`: why, from those the sender's side may pick (core PERSON_CATEGORIES); the note is optional. */
    revoke: useCallback(
      (grant: Grant, reason: string, category: RevocationCategory) =>
        guard('revocation', () => sendCommand(db, { type: 'grant.revoke', actorId: user.id, baseRevision: grant.revision, payload: { grantId: grant.id, category, reason } }), 'grant.revoke'),
      [db, user.id, guard],
    ),
    /** The grantee asks for more time: an extension request that goes to the resource's approvers. */
    askForMoreTime: useCallback(
      (grant: Grant, minutes: number, reason: string) =>
        guard(
          'request for more time',
          // More time is asked under the requester's rule of the resource's policies.
          async () =>
            (await ensureFreshFactor(requestNeed(resources.get(grant.resourceId), policies, `Asking for more time on ${resourceName(grant.resourceId)}`)))
              ? sendCommand(db, { type: 'grant.extend', actorId: user.id, baseRevision: grant.revision, payload: { grantId: grant.id, minutes, reason } })
              : null,
          'grant.extend',
        ),
      [db, user.id, guard, ensureFreshFactor, resources, policies, resourceName],
    ),
    approveProposal: useCallback(
      (proposal: Proposal, reason: string) =>
        guard('approval of the change', () => sendCommand(db, { type: 'proposal.approve', actorId: user.id, baseRevision: proposal.revision, payload: { proposalId: proposal.id, reason } }), 'proposal.approve'),
      [db, user.id, guard],
    ),
    /** Refusing someone else's proposal needs a reason; the proposer withdrawing their own does not. */
    rejectProposal: useCallback(
      (proposal: Proposal, reason: string) =>
        guard(proposal.proposedBy === user.id ? 'withdrawal' : 'rejection of the change', () =>
          sendCommand(db, { type: 'proposal.reject', actorId: user.id, baseRevision: proposal.revision, payload: { proposalId: proposal.id, reason } }),
        'proposal.reject',
        ),
      [db, user.id, guard],
    ),
  };
}
