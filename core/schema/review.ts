import { z } from 'zod';
import { Id, IsoTime, Sensitivity } from './common.js';
import { TimeOfDay, TimeZoneName, Weekday } from './time-window.js';

/**
 * Access reviews. One replicated collection, `reviews`, holds two kinds of document told apart by
 * `kind`: a campaign (its definition and the state of its current run) and a review item (one
 * membership, grant or eligibility in one run, awaiting keep or remove). The rules are in
 * core/engine/review-*.ts; the shape checks beyond these schemas in core/engine/review-fields.ts.
 */

/** What a campaign looks at. `standing`: the holders discovery found that no grant explains (and orphaned ones). */
export const ReviewScope = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('resources'), resourceIds: z.array(Id).min(1, 'name at least one resource').max(1000) }),
  z.strictObject({ type: z.literal('sensitivity'), sensitivities: z.array(Sensitivity).min(1, 'name at least one sensitivity').max(4) }),
  /** Discovered standing access, on every resource or on the ones named. */
  z.strictObject({ type: z.literal('standing'), resourceIds: z.array(Id).max(1000).default([]) }),
]);
export type ReviewScope = z.infer<typeof ReviewScope>;

/** What is reviewed on the resources in scope. At least one (review-fields.ts). */
export const ReviewedAccess = z.strictObject({
  /** Members the directory lists that no grant explains (and orphaned ones), from the last discovery. */
  standingMembers: z.boolean().default(true),
  /** Grants of the period: live now, or ended within the campaign's look-back. */
  jitGrants: z.boolean().default(true),
  /** People an access profile makes eligible (named on the profile; departments and roles are reviewed on the profile itself). */
  eligibility: z.boolean().default(false),
});
export type ReviewedAccess = z.infer<typeof ReviewedAccess>;

/**
 * Who reviews an item. `resource_owner`: the resource's owner; `manager`: the reviewed person's
 * manager; `person`: one named person; `group`: any member of a directory group.
 */
export const ReviewerRule = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('resource_owner') }),
  z.strictObject({ type: z.literal('manager') }),
  z.strictObject({ type: z.literal('person'), userId: Id }),
  z.strictObject({ type: z.literal('group'), groupId: Id }),
]);
export type ReviewerRule = z.infer<typeof ReviewerRule>;

/**
 * One stage. The fallback reviews when the first rule finds nobody who may review (missing,
 * disabled, without a reviewing role) or only the reviewed person: nobody reviews their own access.
 */
export const ReviewStage = z.strictObject({
  name: z.string().trim().min(1).max(128),
  reviewer: ReviewerRule,
  fallback: ReviewerRule,
});
export type ReviewStage = z.infer<typeof ReviewStage>;

export const RECURRENCE_FREQUENCIES = ['monthly', 'quarterly', 'half_yearly', 'yearly'] as const;

/**
 * "Quarterly, on the first Monday at 09:00 Europe/Paris": the nth (or last) weekday of the first
 * month of each period. Quarters start in January, April, July and October; half years in January
 * and July; years in `startMonth` (1-12, default January; for quarterly and half_yearly it shifts
 * the months the same way).
 */
export const RecurrenceRule = z.strictObject({
  frequency: z.enum(RECURRENCE_FREQUENCIES),
  week: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal('last')]),
  weekday: Weekday,
  time: TimeOfDay.default('09:00'),
  timeZone: TimeZoneName.default('UTC'),
  startMonth: z.number().int().min(1).max(12).default(1),
});
export type RecurrenceRule = z.infer<typeof RecurrenceRule>;

export const ReviewSchedule = z.discriminatedUnion('type', [
  /** Opens once at `opensAt`, or only when sent review.open if absent. */
  z.strictObject({ type: z.literal('once'), opensAt: IsoTime.optional() }),
  z.strictObject({ type: z.literal('recurring'), rule: RecurrenceRule }),
]);
export type ReviewSchedule = z.infer<typeof ReviewSchedule>;

/**
 * What an item nobody decided by the deadline becomes. `flag` keeps the access and marks the item
 * for follow-up: removal needs an explicit choice (docs/decisions/review-default-flag.md).
 */
export const DefaultDecision = z.enum(['keep', 'remove', 'flag']);
export type DefaultDecision = z.infer<typeof DefaultDecision>;

/** A campaign as its owner writes it (review.campaign_upsert). */
export const CampaignDefinition = z.strictObject({
  id: Id,
  name: z.string().trim().min(1).max(256),
  description: z.string().max(2048).default(''),
  scope: ReviewScope,
  reviewed: ReviewedAccess.default({ standingMembers: true, jitGrants: true, eligibility: false }),
  /** For jitGrants: grants that ended within this many days before opening are reviewed too. */
  lookBackDays: z.number().int().min(0).max(366).default(90),
  stages: z.array(ReviewStage).min(1, 'a campaign needs at least one stage').max(3, 'at most 3 stages'),
  schedule: ReviewSchedule,
  /** From opening to the deadline. */
  durationDays: z.number().int().min(1).max(90),
  /** Reviewers with undecided items are reminded this often while it is open; 0: never. */
  reminderEveryDays: z.number().int().min(0).max(30).default(3),
  defaultDecision: DefaultDecision.default('flag'),
  /** Off: the schedule opens nothing more (a run already open carries on). */
  enabled: z.boolean().default(true),
});
export type CampaignDefinition = z.infer<typeof CampaignDefinition>;

/**
 * A run's state. open: reviewers decide; applying: closed to decisions, removals applied but not
 * all verified gone; closed: everything applied and verified (or refused, with the reason).
 */
export const CampaignStatus = z.enum(['scheduled', 'open', 'applying', 'closed']);
export type CampaignStatus = z.infer<typeof CampaignStatus>;

export const RunCounts = z.object({
  items: z.number().int().min(0),
  decided: z.number().int().min(0),
  keep: z.number().int().min(0),
  remove: z.number().int().min(0),
  flagged: z.number().int().min(0),
  applied: z.number().int().min(0),
  verified: z.number().int().min(0),
  refused: z.number().int().min(0),
});
export type RunCounts = z.infer<typeof RunCounts>;

export const CampaignRun = z.object({
  run: z.number().int().min(1),
  openedAt: IsoTime,
  dueAt: IsoTime,
  closedAt: IsoTime.nullable().default(null),
  finishedAt: IsoTime.nullable().default(null),
  status: CampaignStatus,
  counts: RunCounts,
});
export type CampaignRun = z.infer<typeof CampaignRun>;

export const ReviewCampaign = CampaignDefinition.extend({
  kind: z.literal('campaign'),
  /** Its own id: every document of the collection has campaignId, so the replica can index it. */
  campaignId: Id,
  ownerId: Id,
  /** The current (or last) run's state; `scheduled` before the first opens. */
  status: CampaignStatus,
  run: z.number().int().min(0).default(0),
  openedAt: IsoTime.nullable().default(null),
  dueAt: IsoTime.nullable().default(null),
  closedAt: IsoTime.nullable().default(null),
  /** When the schedule opens the next run; null: none booked. */
  nextOpensAt: IsoTime.nullable().default(null),
  counts: RunCounts,
  /** Every reviewer of the current run (any stage), so a reviewer's replica holds the campaigns they review. */
  reviewerIds: z.array(Id).max(10000).default([]),
  /** Earlier runs, newest first. */
  history: z.array(CampaignRun).max(40).default([]),
  /** Break-glass follow-ups live in one campaign the server keeps; it has no schedule of its own. */
  system: z.enum(['break_glass']).optional(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  revision: z.number().int().min(0),
}).strip();
export type ReviewCampaign = z.infer<typeof ReviewCampaign>;

/** What an item is about, as it was when the campaign opened: the snapshot. */
export const ReviewSubject = z.object({
  type: z.enum(['standing', 'grant', 'eligibility', 'break_glass']),
  /** The console's person; null for a standing holder nobody known is behind. */
  userId: Id.nullable(),
  displayName: z.string().max(256),
  /** The principal in the directory (Entra object id, AD DN); '' for eligibility. */
  principalId: z.string().max(1024).default(''),
  resourceId: Id,
  resourceName: z.string().max(256),
  connectorId: Id,
  sensitivity: Sensitivity,
  grantId: Id.nullable().default(null),
  grantStatus: z.string().max(32).nullable().default(null),
  grantExpiresAt: IsoTime.nullable().default(null),
  grantedByBreakGlass: z.boolean().default(false),
  profileId: Id.nullable().default(null),
  /** Discovery's class and reason for a standing holder ("no grant explains it: held outside the console"). */
  holderClass: z.enum(['explained', 'standing', 'orphaned']).nullable().default(null),
  detail: z.string().max(1024).default(''),
  accountDisabled: z.boolean().default(false),
  lastSignInAt: IsoTime.nullable().default(null),
  signInReadable: z.boolean().default(false),
  /** The person's last grant of this resource through the console (any status), for "not used through JIT". */
  lastJitUseAt: IsoTime.nullable().default(null),
});
export type ReviewSubject = z.infer<typeof ReviewSubject>;

export const RECOMMENDATION_CODES = ['no_sign_in', 'jit_unused', 'account_disabled', 'standing_no_grant', 'grant_expired', 'break_glass'] as const;
export const RecommendationCode = z.enum(RECOMMENDATION_CODES);
export type RecommendationCode = z.infer<typeof RecommendationCode>;

/** A deterministic recommendation with its reason in words (core/engine/review-recommend.ts). Every one recommends removal. */
export const Recommendation = z.object({ code: RecommendationCode, reason: z.string().max(512) });
export type Recommendation = z.infer<typeof Recommendation>;

export const ReviewDecision = z.enum(['keep', 'remove']);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

/** One stage's decision of an item. */
export const StageDecision = z.object({
  stage: z.number().int().min(1).max(3),
  reviewerIds: z.array(Id).max(500),
  /** Why the fallback reviews, in words; null when the stage's own rule found someone. */
  fallbackReason: z.string().max(512).nullable().default(null),
  decision: ReviewDecision.nullable().default(null),
  reason: z.string().max(2048).default(''),
  decidedBy: Id.nullable().default(null),
  decidedAt: IsoTime.nullable().default(null),
});
export type StageDecision = z.infer<typeof StageDecision>;

/**
 * After the decision: none (kept, or not yet closed); applying: the removal is under way; applied:
 * the directory write is done, awaiting the read-back; verified: read back gone (receipts);
 * refused: not removed and why (the lockout guard); failed: the removal escalated.
 */
export const ApplyState = z.enum(['none', 'applying', 'applied', 'verified', 'refused', 'failed']);
export type ApplyState = z.infer<typeof ApplyState>;

export const ReviewItem = z.object({
  kind: z.literal('item'),
  id: Id,
  campaignId: Id,
  run: z.number().int().min(1),
  subject: ReviewSubject,
  /** The current stage (1-based); each stage's own record is in `stageDecisions`. */
  stage: z.number().int().min(1).max(3),
  stageCount: z.number().int().min(1).max(3),
  /** The current stage's reviewers: who may decide it now. */
  reviewerIds: z.array(Id).max(500),
  stageDecisions: z.array(StageDecision).max(3),
  recommendations: z.array(Recommendation).max(8).default([]),
  /** The final decision: the last stage's, or the default at the deadline. */
  decision: ReviewDecision.nullable().default(null),
  decisionSource: z.enum(['reviewer', 'default']).nullable().default(null),
  reason: z.string().max(2048).default(''),
  decidedBy: Id.nullable().default(null),
  decidedAt: IsoTime.nullable().default(null),
  /** Nobody decided by the deadline and the default is flag (or a break-glass follow-up went overdue): kept, and marked for follow-up. */
  flagged: z.boolean().default(false),
  flagReason: z.string().max(512).default(''),
  dueAt: IsoTime,
  remindedAt: IsoTime.nullable().default(null),
  reminders: z.number().int().min(0).default(0),
  /** Break-glass follow-up undecided by its deadline: handed to the resource owner's manager. */
  escalatedAt: IsoTime.nullable().default(null),
  escalatedToId: Id.nullable().default(null),
  apply: z.object({
    state: ApplyState,
    /** The grant whose revocation carries the removal (the reviewed grant, or the removal grant of a standing member). */
    grantId: Id.nullable().default(null),
    /** Verification receipts (the `verifications` collection) of the removal. */
    receiptIds: z.array(Id).max(16).default([]),
    message: z.string().max(1024).default(''),
    at: IsoTime.nullable().default(null),
  }),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  revision: z.number().int().min(0),
});
export type ReviewItem = z.infer<typeof ReviewItem>;

/** A document of the `reviews` collection, parsed by its kind. */
export const ReviewDoc = z.discriminatedUnion('kind', [ReviewCampaign, ReviewItem]);
export type ReviewDoc = z.infer<typeof ReviewDoc>;

export const isCampaign = (doc: ReviewDoc): doc is ReviewCampaign => doc.kind === 'campaign';
export const isReviewItem = (doc: ReviewDoc): doc is ReviewItem => doc.kind === 'item';

/** Every field of a shape optional, without its default: the other kind's fields stay absent. */
function optionalFields(shape: Record<string, z.ZodType>): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(shape).map(([name, field]) => {
      const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
      return [name, inner.optional()];
    }),
  );
}

/**
 * The collection's stored shape: one flat object (RxDB wants one JSON schema per collection) with
 * either kind's fields. Documents are written through ReviewCampaign or ReviewItem, which give
 * each kind its required fields and defaults; CollectionDoc<'reviews'> is ReviewDoc.
 */
export const ReviewDocument = z.object({
  ...optionalFields(ReviewItem.shape),
  ...optionalFields(ReviewCampaign.shape),
  kind: z.enum(['campaign', 'item']),
  id: Id,
  campaignId: Id,
  updatedAt: IsoTime,
  revision: z.number().int().min(0),
});

/** review.decide's entries: one item or many (bulk), each with its own reason. */
export const ItemDecision = z.strictObject({
  itemId: Id,
  decision: ReviewDecision,
  reason: z.string().trim().max(2048).default(''),
});
export type ItemDecision = z.infer<typeof ItemDecision>;
