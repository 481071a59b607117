/**
 * The configuration part of moving a leaver's duties: naming the fallback on a policy's approval
 * steps, or as a resource's owner, gives them approval power, which widens access
 * (core/engine/config-change.ts), so it becomes a proposal a second admin or policy admin approves,
 * like any other widening change. The urgent parts of offboarding (disable, end sessions, revoke,
 * cancel, the leaver's place on requests in flight) never wait for it. A change that widens nothing
 * (the fallback already holds that power) applies at once, as an upsert would.
 */
import { createHash } from 'node:crypto';
import { changeEffect, changeWidenings, DEFAULT_SEPARATION, recordEditor, type AccessPolicy, type ProposalChange, type Resource } from '../../core/index.js';
import { clipWidenings, configWorld, PROPOSAL_TTL_DAYS } from '../commands/config-change.js';
import type { Store } from '../store/types.js';

export type DutyChangeOutcome = { outcome: 'applied' } | { outcome: 'proposed'; proposalId: string } | { outcome: 'already_proposed'; proposalId: string };

/** One proposal per leaver, entity and fallback: a second run finds it and does not propose again. */
export const offboardingProposalId = (personId: string, kind: ProposalChange['kind'], entityId: string, fallbackId: string | null): string =>
  `prop-off-${createHash('sha256').update(`${personId}\u0000${kind}\u0000${entityId}\u0000${fallbackId ?? ''}`).digest('hex').slice(0, 24)}`;

type Change = { kind: 'policy'; after: AccessPolicy } | { kind: 'resource'; after: Resource };

export function proposeOrApplyDutyChange(store: Store, input: { change: Change; actorId: string; personId: string; fallbackId: string | null; now: Date }): DutyChangeOutcome {
  const { change, actorId, personId, fallbackId, now } = input;
  const at = now.toISOString();
  const collection = change.kind === 'policy' ? 'policies' : 'resources';
  const before = store.get(collection, change.after.id) as AccessPolicy | Resource | null;
  const proposalChange = { kind: change.kind, before, after: change.after } as ProposalChange;
  const world = configWorld({ store });
  const widenings = changeWidenings(proposalChange, world);
  const { updatedAt: _u, changedBy: _c, ...after } = change.after;
  if (widenings.length === 0) {
    store.put(collection, { ...change.after, changedBy: recordEditor(before?.changedBy ?? [], [actorId], now, DEFAULT_SEPARATION), updatedAt: at } as never);
    store.appendAudit({ type: change.kind === 'policy' ? 'policy.changed' : 'resource.changed', actorId, subjectType: change.kind, subjectId: change.after.id, data: { name: change.after.name, created: false, after, offboarding: personId, fallbackId }, at });
    return { outcome: 'applied' };
  }
  const id = offboardingProposalId(personId, change.kind, change.after.id, fallbackId);
  if (store.get('proposals', id)) return { outcome: 'already_proposed', proposalId: id };
  store.put('proposals', {
    id,
    kind: change.kind,
    subjectId: change.after.id,
    subjectName: change.after.name,
    change: proposalChange,
    widenings: clipWidenings(widenings),
    effect: changeEffect(proposalChange, world),
    status: 'pending',
    proposedBy: actorId,
    proposedAt: at,
    expiresAt: new Date(now.getTime() + PROPOSAL_TTL_DAYS * 86_400_000).toISOString(),
    updatedAt: at,
    revision: 1,
  });
  store.appendAudit({ type: 'proposal.created', actorId, subjectType: 'proposal', subjectId: id, data: { kind: change.kind, subjectId: change.after.id, name: change.after.name, widenings, change: { after }, offboarding: personId, fallbackId }, at });
  return { outcome: 'proposed', proposalId: id };
}
