import { changeWidenings, err, governedResources, importChangesOf, ok, widensOwnAccess, type Proposal, type ProposalChange, type Result } from '../../core/index.js';
import { clipWidenings, configWorld, currentOf, writeChange } from './config-change.js';
import { applyImportProposal } from './config-import.js';
import { personNow, type UseCase, type UseCaseContext } from './context.js';
import { preparePolicy } from './policy-upsert.js';
import { prepareProfile } from './profile-upsert.js';
import { prepareResource } from './resource-upsert.js';

/** Proposers that are the server itself on a caller's word (sync-server/offboarding/duty-proposals.ts). */
const MACHINE_PROPOSERS: ReadonlySet<string> = new Set(['webhook:offboard', 'system']);

function describeDecided(proposal: Proposal, ctx: UseCaseContext): string {
  const by = proposal.decidedBy ? ` by ${ctx.names(proposal.decidedBy)}` : '';
  return `proposal ${proposal.id} is already ${proposal.status}${by}`;
}

function loadPending(proposalId: string, ctx: UseCaseContext): Result<Proposal> {
  const proposal = ctx.store.get('proposals', proposalId);
  if (!proposal) return err('not_found', `proposal ${proposalId} does not exist`);
  if (proposal.status !== 'pending') return err('already_decided', describeDecided(proposal, ctx));
  return ok(proposal);
}

/** The change re-validated against the organisation as it is now (a policy it names may have changed meanwhile). */
function revalidate(change: ProposalChange, ctx: UseCaseContext): Result<ProposalChange> {
  switch (change.kind) {
    case 'policy':
      return preparePolicy(change.after, ctx);
    case 'profile':
      return prepareProfile(change.after, ctx);
    case 'resource':
      return prepareResource(change.after, ctx);
  }
}

const decided = (proposal: Proposal, status: Proposal['status'], ctx: UseCaseContext, reason: string): Proposal => {
  const now = ctx.now.toISOString();
  return { ...proposal, status, decidedBy: ctx.actor.id, decidedAt: now, decisionReason: reason.trim(), updatedAt: now, revision: proposal.revision + 1 };
};

export const proposalApprove: UseCase<'proposal.approve'> = (payload, ctx) => {
  const loaded = loadPending(payload.proposalId, ctx);
  if (!loaded.ok) return loaded;
  const proposal = loaded.value;
  if (proposal.proposedBy === ctx.actor.id) {
    return err('self_approval_forbidden', 'you proposed this change; another policy admin or admin must approve it');
  }
  if (ctx.now.getTime() >= Date.parse(proposal.expiresAt)) {
    return err('stale', `proposal ${proposal.id} expired at ${proposal.expiresAt} before it was approved; propose the change again`);
  }
  if (importChangesOf(proposal).length > 0) {
    // A configuration import: its changes apply together or not at all.
    const written = applyImportProposal(proposal, ctx);
    if (!written.ok) return written;
    ctx.store.put('proposals', decided(proposal, 'applied', ctx, payload.reason));
    ctx.audit('proposal.applied', 'proposal', proposal.id, { kind: 'import', subjectIds: written.value.slice(0, 200), proposedBy: proposal.proposedBy, reason: payload.reason.trim() });
    return ok({ message: `proposal ${proposal.id} approved: the import's ${written.value.length} change(s) applied`, subjectIds: [proposal.id, ...written.value].slice(0, 64) });
  }
  const current = currentOf(proposal.kind, proposal.subjectId, ctx);
  if ((current?.updatedAt ?? null) !== (proposal.change.before?.updatedAt ?? null)) {
    return err('stale', `${proposal.subjectName} changed after this was proposed; propose the change again against its current version`);
  }
  const change = revalidate(proposal.change, ctx);
  if (!change.ok) return err(change.code, `the proposed change no longer applies: ${change.message}`);
  // Judged again against the organisation of today: what it governs, why it widens and whom it
  // benefits may have moved since it was proposed (a resource re-pointed at the policy, the proposer
  // moved into a profile's department). The approver must approve what the change does now.
  const world = configWorld(ctx);
  const governedNow = governedResources(change.value, world).map((r) => r.id).sort();
  const widensNow = clipWidenings(changeWidenings(change.value, world));
  if (governedNow.join() !== [...proposal.effect.resourceIds].sort().join() || widensNow.join('\n') !== proposal.widenings.join('\n')) {
    return err('stale', `what ${proposal.subjectName} governs or how the change widens access has changed since it was proposed; propose it again so it is reviewed as it is now`);
  }
  const proposer = personNow(ctx.store, proposal.proposedBy);
  // Offboarding by the signed webhook or the directory's signal proposes as the server ('webhook:offboard', 'system'): no person to lose.
  const byServer = MACHINE_PROPOSERS.has(proposal.proposedBy);
  if (!byServer && (!proposer || proposer.disabled)) return err('stale', `the proposer of ${proposal.id} can no longer act; propose the change again`);
  if (proposer && !byServer && widensOwnAccess(proposer, change.value, world)) {
    return err('self_approval_forbidden', `this change would now widen the access of its proposer, ${proposer.displayName}; it cannot be applied`);
  }
  if (widensOwnAccess(ctx.actor.user, change.value, world)) {
    return err('self_approval_forbidden', `this change widens your own access to ${proposal.subjectName}; someone who does not benefit from it must approve it`);
  }
  writeChange(change.value, ctx, [proposal.proposedBy, ctx.actor.id], { proposalId: proposal.id });
  ctx.store.put('proposals', decided(proposal, 'applied', ctx, payload.reason));
  ctx.audit('proposal.applied', 'proposal', proposal.id, { kind: proposal.kind, subjectId: proposal.subjectId, proposedBy: proposal.proposedBy, reason: payload.reason.trim() });
  return ok({ message: `proposal ${proposal.id} approved: ${proposal.subjectName} changed`, subjectIds: [proposal.id, proposal.subjectId] });
};

export const proposalReject: UseCase<'proposal.reject'> = (payload, ctx) => {
  const loaded = loadPending(payload.proposalId, ctx);
  if (!loaded.ok) return loaded;
  const proposal = loaded.value;
  const withdrawing = proposal.proposedBy === ctx.actor.id;
  if (!withdrawing && payload.reason.trim() === '') return err('invalid_input', 'payload.reason: rejecting someone else’s proposal needs a reason');
  ctx.store.put('proposals', decided(proposal, withdrawing ? 'withdrawn' : 'rejected', ctx, payload.reason));
  ctx.audit(withdrawing ? 'proposal.withdrawn' : 'proposal.rejected', 'proposal', proposal.id, { kind: proposal.kind, subjectId: proposal.subjectId, reason: payload.reason.trim() });
  return ok({ message: `proposal ${proposal.id} ${withdrawing ? 'withdrawn' : 'rejected'}`, subjectIds: [proposal.id] });
};
