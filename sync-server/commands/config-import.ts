import {
  AccessPolicy,
  AccessProfile,
  canonicalJson,
  err,
  importChangesOf,
  importGoverned,
  importWideningWords,
  importWidenings,
  importWidensOwnAccess,
  ok,
  Resource,
  type ConfigDiff,
  type Proposal,
  type ProposalChange,
  type Result,
} from '../../core/index.js';
import { clipWidenings, configWorld, currentOf, PROPOSAL_TTL_DAYS, proposalIdFor, writeChange } from './config-change.js';
import { planImport, validateChanges, type ImportPlan } from './config-import-plan.js';
import { personNow, type Applied, type UseCase, type UseCaseContext } from './context.js';

/**
 * config.import: a whole configuration from a file, applied as one command, all or nothing.
 * Tightening (and neutral) changes apply at once, each written like its single upsert (its editor
 * in changedBy, its own audit event, marked imported, with this command's id). If any change widens
 * access the whole import becomes one proposal holding every change, for a second policy admin or
 * admin (docs/decisions/config-import-four-eyes.md); one that widens the importer's own access is
 * refused.
 */

const count = (n: number, word: string) => `${n} ${word}`;

/** "2 added, 1 changed, 1 archived": what the import did, in words. */
export function diffSummary(diff: ConfigDiff): string {
  const archived = diff.removed.filter((r) => r.becomes === 'archived').length;
  const disabled = diff.removed.filter((r) => r.becomes === 'disabled').length;
  const parts = [
    diff.added.length ? count(diff.added.length, 'added') : '',
    diff.changed.length ? count(diff.changed.length, 'changed') : '',
    archived ? count(archived, 'archived') : '',
    disabled ? count(disabled, 'disabled') : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing changed';
}

export function planFor(payload: { config: Parameters<typeof planImport>[0]; prune: boolean }, ctx: UseCaseContext): ImportPlan {
  return planImport(payload.config, { prune: payload.prune }, { store: ctx.store, now: ctx.now, importer: ctx.actor.user, bootstrap: ctx.bootstrap });
}

function propose(plan: ImportPlan, ctx: UseCaseContext): Result<Applied> {
  const headline = plan.changes.find((c) => plan.widenings.some((w) => w.kind === c.kind && w.id === c.after.id)) as ProposalChange;
  const id = proposalIdFor(ctx.command.id);
  const now = ctx.now.toISOString();
  const more = plan.changes.length - 1;
  const words = clipWidenings(importWideningWords(plan.widenings));
  const proposal: Proposal = {
    id,
    kind: headline.kind,
    subjectId: headline.after.id,
    subjectName: `${headline.after.name}${more > 0 ? ` and ${more} more change${more > 1 ? 's' : ''}` : ''} (configuration import)`.slice(0, 256),
    change: headline,
    changes: plan.changes,
    widenings: words,
    effect: plan.effect ?? { resourceIds: [], peopleEligible: 0, newlyEligibleUserIds: [], newlyEligible: 0 },
    status: 'pending',
    proposedBy: ctx.actor.id,
    proposedAt: now,
    expiresAt: new Date(ctx.now.getTime() + PROPOSAL_TTL_DAYS * 86_400_000).toISOString(),
    decidedBy: null,
    decidedAt: null,
    decisionReason: '',
    updatedAt: now,
    revision: 1,
  };
  ctx.store.put('proposals', proposal);
  ctx.audit('proposal.created', 'proposal', id, {
    kind: 'import',
    subjectId: headline.after.id,
    name: proposal.subjectName,
    widenings: words,
    changes: plan.changes.slice(0, 200).map((c) => ({ kind: c.kind, id: c.after.id, created: c.before === null })),
  });
  return ok({
    message: `the import widens access (${words[0] ?? ''}${words.length > 1 ? ` and ${words.length - 1} more` : ''}): its ${plan.changes.length} change(s) are proposed together as ${id} and apply when another policy admin or admin approves it`,
    subjectIds: [id],
  });
}

export const configImport: UseCase<'config.import'> = (payload, ctx) => {
  const plan = planFor(payload, ctx);
  if (payload.baseHash !== undefined && payload.baseHash !== plan.baseHash) {
    return err('stale', 'the configuration changed on the server after the diff was computed; compute the diff again and review it before importing');
  }
  switch (plan.outcome.status) {
    case 'unchanged':
      return ok({ message: 'the file matches the configuration: nothing to import', subjectIds: [] });
    case 'refused':
      return err(plan.outcome.code, plan.outcome.message);
    case 'propose':
      return propose(plan, ctx);
    case 'apply':
      for (const change of plan.changes) writeChange(change, ctx, ctx.bootstrap ? [] : [ctx.actor.id], { imported: true });
      return ok({ message: `configuration imported: ${diffSummary(plan.diff)}`, subjectIds: plan.changes.map((c) => c.after.id).slice(0, 64) });
  }
};

const ENTITY = { policy: AccessPolicy, resource: Resource, profile: AccessProfile } as const;
/** A stored entity read through its schema (a document older than a field reads as its default), as comparable text. */
const asStored = (kind: ProposalChange['kind'], doc: unknown) => (doc === null ? 'null' : canonicalJson(ENTITY[kind].parse(doc)));

/**
 * Approving an import's proposal: every entity must still be as it was proposed against, the
 * changes must still validate, govern the same resources and widen access in the same ways, and
 * widen neither the proposer's nor the approver's own access; then they are written together,
 * proposer and approver as editors. The caller has checked the proposal is pending, not expired
 * and not the approver's own.
 */
export function applyImportProposal(proposal: Proposal, ctx: UseCaseContext): Result<string[]> {
  const changes = importChangesOf(proposal);
  for (const change of changes) {
    // The whole stored document, not only its updatedAt: two writes within one millisecond share one.
    if (asStored(change.kind, currentOf(change.kind, change.after.id, ctx)) !== asStored(change.kind, change.before)) {
      return err('stale', `${change.after.name} (${change.after.id}) changed after this import was proposed; import the file again against the current configuration`);
    }
  }
  const validated = validateChanges(changes, ctx);
  if (!validated.ok) return err(validated.code, `the proposed import no longer applies: ${validated.message}`);
  const world = configWorld(ctx);
  const widensNow = clipWidenings(importWideningWords(importWidenings(validated.value, world)));
  const governedNow = importGoverned(validated.value, world);
  if (governedNow.join() !== [...proposal.effect.resourceIds].sort().join() || widensNow.join('\n') !== proposal.widenings.join('\n')) {
    return err('stale', 'what the import governs or how it widens access has changed since it was proposed; import the file again so it is reviewed as it is now');
  }
  const proposer = personNow(ctx.store, proposal.proposedBy);
  if (!proposer || proposer.disabled) return err('stale', `the proposer of ${proposal.id} can no longer act; import the file again`);
  if (importWidensOwnAccess(proposer, validated.value, world)) {
    return err('self_approval_forbidden', `this import would now widen the access of its proposer, ${proposer.displayName}; it cannot be applied`);
  }
  if (importWidensOwnAccess(ctx.actor.user, validated.value, world)) {
    return err('self_approval_forbidden', 'this import widens your own access; someone who does not benefit from it must approve it');
  }
  for (const change of validated.value) writeChange(change, ctx, [proposal.proposedBy, ctx.actor.id], { proposalId: proposal.id, imported: true });
  return ok(validated.value.map((c) => c.after.id));
}
