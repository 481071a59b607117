import { z } from 'zod';
import { Id, IsoTime } from './common.js';
import { AccessPolicy, AccessProfile } from './policy.js';
import { Resource } from './resource.js';

/** The entity before (null: it is new) and as it will be written once a second person approves. */
export const ProposalChange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('policy'), before: AccessPolicy.nullable(), after: AccessPolicy }),
  z.object({ kind: z.literal('profile'), before: AccessProfile.nullable(), after: AccessProfile }),
  z.object({ kind: z.literal('resource'), before: Resource.nullable(), after: Resource }),
]);
export type ProposalChange = z.infer<typeof ProposalChange>;

/** What the change would do, computed by the server when it was proposed (the what-if). */
export const ProposalEffect = z.object({
  /** Resources whose requests the change governs. */
  resourceIds: z.array(Id).max(10000).default([]),
  /** People eligible for at least one of those resources after the change. */
  peopleEligible: z.number().int().min(0).default(0),
  /** People who become eligible for something they could not request before (at most 1,000 named). */
  newlyEligibleUserIds: z.array(Id).max(1000).default([]),
  newlyEligible: z.number().int().min(0).default(0),
});
export type ProposalEffect = z.infer<typeof ProposalEffect>;

export const ProposalStatus = z.enum([
  'pending',
  /** A second person approved it and the change was written. */
  'applied',
  'rejected',
  /** Its proposer took it back. */
  'withdrawn',
  /** The entity changed after it was proposed: approving it would overwrite a change nobody reviewed with it. */
  'superseded',
]);
export type ProposalStatus = z.infer<typeof ProposalStatus>;

/** Most changes one proposal of a configuration import holds; a larger import that widens access is refused with the advice to split it. */
export const MAX_IMPORT_PROPOSAL_CHANGES = 200;

/**
 * A configuration change that widens access, waiting for a second person (four eyes). Tightening
 * changes apply at once and never become proposals.
 */
export const Proposal = z.object({
  id: Id,
  kind: z.enum(['policy', 'profile', 'resource']),
  subjectId: Id,
  subjectName: z.string().max(256),
  change: ProposalChange,
  /**
   * A configuration import (config.import) that widens access: every change it makes, in the order
   * they apply, applied together or not at all; `change` (with kind, subjectId) is the first that
   * widens. Empty for the change of one entity.
   */
  changes: z.array(ProposalChange).max(MAX_IMPORT_PROPOSAL_CHANGES).default([]),
  /** Why it needs a second person: each way the change widens access, in words. */
  widenings: z.array(z.string().max(1024)).min(1).max(64),
  effect: ProposalEffect,
  status: ProposalStatus,
  proposedBy: Id,
  proposedAt: IsoTime,
  /** Approving after this is refused: the what-if was computed against an older organisation. */
  expiresAt: IsoTime,
  decidedBy: Id.nullable().default(null),
  decidedAt: IsoTime.nullable().default(null),
  decisionReason: z.string().max(2048).default(''),
  updatedAt: IsoTime,
  revision: z.number().int().min(0),
});
export type Proposal = z.infer<typeof Proposal>;

/** An import's changes; none for the change of one entity, or a proposal stored before imports existed (read without its defaults). */
export const importChangesOf = (proposal: Pick<Proposal, 'changes'>): ProposalChange[] => (proposal as { changes?: ProposalChange[] }).changes ?? [];
