/**
 * The editor's what-if: what a configuration change would do before it is saved, computed over
 * whatever copy of the organisation the caller has (the console's replica, offline too) with the
 * same rules that decide live requests. It says who gains or loses eligibility (only profiles, and
 * a resource being archived, decide that), how each recent request on the governed resources would
 * be decided under the change compared with the configuration as it is (createRequest, both times),
 * and which live grants run past a new maximum.
 */
import type { ErrorCode } from '../schema/command.js';
import type { Grant } from '../schema/grant.js';
import type { AccessRequest, RequestStatus } from '../schema/request.js';
import type { Resource } from '../schema/resource.js';
import { governedResources, withChange, type ConfigWorld } from './config-change.js';
import { checkEligibility } from './eligibility.js';
import { grantMaximumMinutes, grantRunMinutes, shortenedEnd, SHORTENABLE_GRANT_STATES } from './grant-shorten.js';
import { createRequest, type RequestWorld } from './request.js';
import { formatDuration } from './catalog.js';
import { DEFAULT_SEPARATION, recordEditor, type SeparationSettings } from './separation.js';
import type { ProposalChange } from '../schema/proposal.js';

/** How a request is decided when it arrives: at once, by a chain of steps, or refused with a reason. */
export type RequestOutcome =
  | { kind: 'auto-approved'; asksSecondFactor: boolean }
  | { kind: 'chain'; steps: string[]; asksSecondFactor: boolean }
  | { kind: 'refused'; code: ErrorCode; message: string };

export type ReplayedRequest = {
  requestId: string;
  requesterId: string;
  resourceId: string;
  createdAt: string;
  durationMinutes: number;
  /** What happened to it in fact. */
  status: RequestStatus;
  before: RequestOutcome;
  after: RequestOutcome;
  /** The difference, in words: "refused: a ticket reference is required for ...". */
  why: string;
};

export type GrantOverMaximum = {
  grantId: string;
  userId: string;
  resourceId: string;
  startsAt: string;
  expiresAt: string;
  durationMinutes: number;
  /** The longest it may run under the change (the resource's policies, capped by the holder's profiles). */
  maxMinutesAfter: number;
  /** startsAt + maxMinutesAfter: when a shortened grant would end (in the past: at once). */
  shortenedExpiresAt: string;
};

/** One person's change of eligibility, for the resources it concerns. */
export type EligibilityShift = { userId: string; resourceIds: string[] };

export type ConfigWhatIf = {
  resourceIds: string[];
  eligibility: {
    /** People eligible for at least one governed resource, before and after. */
    before: number;
    after: number;
    /** Who becomes eligible for a governed resource they could not request before, and who can no longer request one (lists cut at `limit`). */
    gained: EligibilityShift[];
    lost: EligibilityShift[];
    gainedCount: number;
    lostCount: number;
  };
  requests: {
    windowDays: number;
    /** Requests on the governed resources asked within the window. */
    considered: number;
    /** Those whose requester is not on this copy of the directory: not replayed. */
    skipped: number;
    changed: ReplayedRequest[];
    /** Counts over every changed request (the list is cut at `limit`). */
    counts: { toChain: number; toAutomatic: number; newlyRefused: number; noLongerRefused: number; otherwise: number };
  };
  grants: {
    /** Live grants on the governed resources. */
    live: number;
    overMaximum: GrantOverMaximum[];
    overMaximumCount: number;
  };
};

export type WhatIfInput = {
  change: ProposalChange;
  world: ConfigWorld;
  /** Requests to replay: any, the ones on governed resources inside the window are used. */
  requests: readonly AccessRequest[];
  grants: readonly Grant[];
  now: Date;
  /** Who makes the change: their own requests lose auto-approval for the cooling-off period. */
  editorId?: string;
  separation?: SeparationSettings;
  windowDays?: number;
  /** The most requests, grants and people listed (the counts are complete). */
  limit?: number;
  /** Directory groups by id, for auto-approval rules' on-call groups; absent: no requester is on call. */
  groupOf?: RequestWorld['groupOf'];
};

const LIVE = SHORTENABLE_GRANT_STATES;
const DAY = 86_400_000;

type Users = ReadonlyMap<string, ConfigWorld['users'][number]>;

function decide(request: AccessRequest, resource: Resource | undefined, world: ConfigWorld, users: Users, separation: SeparationSettings, groupOf: WhatIfInput['groupOf']): RequestOutcome | null {
  const requester = users.get(request.requesterId);
  if (!requester) return null;
  if (!resource) return { kind: 'refused', code: 'not_found', message: `resource ${request.resourceId} does not exist` };
  // Replayed at the moment it was asked, so access windows and rules' time windows judge the hour it came in.
  const now = new Date(request.createdAt);
  // A fresh second factor, so the outcome is the rest of the rules; whether one is asked for is read from the policy.
  const created = createRequest(
    {
      id: request.id,
      requester,
      resource,
      durationMinutes: request.durationMinutes,
      justification: request.justification,
      ticket: request.ticket,
      extendsGrantId: request.extendsGrantId,
      // A later start as it was asked: access windows judge the start, not the asking.
      startsAt: request.startsAt ?? null,
    },
    { profiles: world.profiles, policies: world.policies, separation, groupOf },
    { now, secondFactorAt: now.toISOString() },
  );
  if (!created.ok) return { kind: 'refused', code: created.code, message: created.message };
  const policy = created.value.policy!;
  if (created.value.status === 'approved') return { kind: 'auto-approved', asksSecondFactor: policy.requireMfa };
  return { kind: 'chain', steps: policy.approvalSteps.map((s) => s.name), asksSecondFactor: policy.requireMfa };
}

const sameOutcome = (a: RequestOutcome, b: RequestOutcome) => {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'refused' || b.kind === 'refused') return a.kind === 'refused' && b.kind === 'refused' && a.code === b.code && a.message === b.message;
  if (a.asksSecondFactor !== b.asksSecondFactor) return false;
  return a.kind !== 'chain' || (b.kind === 'chain' && a.steps.join('\u0000') === b.steps.join('\u0000'));
};

const steps = (n: number) => `${n} approval step${n === 1 ? '' : 's'}`;

/** The difference between two outcomes, in words. */
export function outcomeChangeInWords(before: RequestOutcome, after: RequestOutcome): string {
  if (after.kind === 'refused') return before.kind === 'refused' ? `refused for another reason: ${after.message}` : `refused: ${after.message}`;
  if (before.kind === 'refused') return `no longer refused (it was: ${before.message}); ${after.kind === 'auto-approved' ? 'approved automatically' : `goes to ${steps(after.steps.length)}`}`;
  if (before.kind === 'auto-approved' && after.kind === 'chain') return `waits for ${steps(after.steps.length)} (${after.steps.join(' → ')}) instead of being approved automatically`;
  if (before.kind === 'chain' && after.kind === 'auto-approved') return `approved automatically instead of by ${steps(before.steps.length)}`;
  if (before.kind === 'chain' && after.kind === 'chain' && before.steps.join() !== after.steps.join()) {
    return `goes through ${steps(after.steps.length)} (${after.steps.join(' → ') || 'none'}) instead of ${before.steps.length} (${before.steps.join(' → ') || 'none'})`;
  }
  if (!before.asksSecondFactor && after.asksSecondFactor) return 'the requester is asked for a second factor first';
  if (before.asksSecondFactor && !after.asksSecondFactor) return 'the requester is no longer asked for a second factor';
  return 'decided differently';
}

/** The world after the change, with its editor named on the changed entity as the server would record them. */
function changedWorld(change: ProposalChange, world: ConfigWorld, now: Date, editorId: string | undefined, separation: SeparationSettings): ConfigWorld {
  if (!editorId) return withChange(change, world);
  const changedBy = recordEditor(change.before?.changedBy ?? [], [editorId], now, separation);
  return withChange({ ...change, after: { ...change.after, changedBy } } as ProposalChange, world);
}

/** What the change would do, computed with the live rules over the given copy of the organisation. */
export function configWhatIf(input: WhatIfInput): ConfigWhatIf {
  const { change, world, now } = input;
  const separation = input.separation ?? DEFAULT_SEPARATION;
  const windowDays = input.windowDays ?? 90;
  const limit = input.limit ?? 1000;
  const after = changedWorld(change, world, now, input.editorId, separation);
  // The resources the change governs, as they are and as they will be (a profile may drop some).
  const governed = new Map<string, { before: Resource | undefined; after: Resource | undefined }>();
  for (const r of governedResources(change, world)) governed.set(r.id, { before: world.resources.find((x) => x.id === r.id), after: after.resources.find((x) => x.id === r.id) });
  if (change.kind === 'resource' && change.before) governed.set(change.after.id, { before: change.before, after: after.resources.find((x) => x.id === change.after.id) });
  const resourceIds = [...governed.keys()];
  const users: Users = new Map(world.users.map((u) => [u.id, u]));

  // Eligibility: profiles (and archiving) decide it; a policy never does.
  let eligibleBefore = 0;
  let eligibleAfter = 0;
  const gained: EligibilityShift[] = [];
  const lost: EligibilityShift[] = [];
  let gainedCount = 0;
  let lostCount = 0;
  for (const user of world.users) {
    const was: string[] = [];
    const is: string[] = [];
    for (const [id, pair] of governed) {
      if (pair.before && checkEligibility(user, pair.before, world.profiles).ok) was.push(id);
      if (pair.after && checkEligibility(user, pair.after, after.profiles).ok) is.push(id);
    }
    if (was.length > 0) eligibleBefore++;
    if (is.length > 0) eligibleAfter++;
    const plus = is.filter((id) => !was.includes(id));
    const minus = was.filter((id) => !is.includes(id));
    if (plus.length > 0 && gainedCount++ < limit) gained.push({ userId: user.id, resourceIds: plus });
    if (minus.length > 0 && lostCount++ < limit) lost.push({ userId: user.id, resourceIds: minus });
  }

  // Recent requests, each decided at the moment it was asked, under the configuration as it is and as it would be.
  const since = now.getTime() - windowDays * DAY;
  const counts = { toChain: 0, toAutomatic: 0, newlyRefused: 0, noLongerRefused: 0, otherwise: 0 };
  const changed: ReplayedRequest[] = [];
  let considered = 0;
  let skipped = 0;
  for (const request of input.requests) {
    const pair = governed.get(request.resourceId);
    if (!pair || Date.parse(request.createdAt) < since) continue;
    considered++;
    const before = decide(request, pair.before, world, users, separation, input.groupOf);
    const next = decide(request, pair.after, after, users, separation, input.groupOf);
    if (!before || !next) {
      skipped++;
      continue;
    }
    if (sameOutcome(before, next)) continue;
    if (next.kind === 'refused' && before.kind !== 'refused') counts.newlyRefused++;
    else if (before.kind === 'refused' && next.kind !== 'refused') counts.noLongerRefused++;
    else if (before.kind === 'auto-approved' && next.kind === 'chain') counts.toChain++;
    else if (before.kind === 'chain' && next.kind === 'auto-approved') counts.toAutomatic++;
    else counts.otherwise++;
    if (changed.length < limit) {
      changed.push({
        requestId: request.id,
        requesterId: request.requesterId,
        resourceId: request.resourceId,
        createdAt: request.createdAt,
        durationMinutes: request.durationMinutes,
        status: request.status,
        before,
        after: next,
        why: outcomeChangeInWords(before, next),
      });
    }
  }
  changed.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.requestId.localeCompare(b.requestId));

  // Live grants that run past the maximum the change allows their holder.
  const overMaximum: GrantOverMaximum[] = [];
  let overMaximumCount = 0;
  let live = 0;
  for (const grant of input.grants) {
    const pair = governed.get(grant.resourceId);
    if (!pair?.after || !LIVE.includes(grant.status)) continue;
    live++;
    // The rule grant.shorten applies (core/engine/grant-shorten.ts): what is listed here is what it shortens.
    const cap = grantMaximumMinutes(pair.after, users.get(grant.userId), after);
    if (cap === null) continue;
    const durationMinutes = grantRunMinutes(grant);
    if (durationMinutes <= cap) continue;
    if (overMaximumCount++ >= limit) continue;
    overMaximum.push({
      grantId: grant.id,
      userId: grant.userId,
      resourceId: grant.resourceId,
      startsAt: grant.startsAt,
      expiresAt: grant.expiresAt,
      durationMinutes,
      maxMinutesAfter: cap,
      shortenedExpiresAt: shortenedEnd(grant, cap),
    });
  }
  overMaximum.sort((a, b) => a.shortenedExpiresAt.localeCompare(b.shortenedExpiresAt) || a.grantId.localeCompare(b.grantId));

  return {
    resourceIds,
    eligibility: { before: eligibleBefore, after: eligibleAfter, gained, lost, gainedCount, lostCount },
    requests: { windowDays, considered, skipped, changed, counts },
    grants: { live, overMaximum, overMaximumCount },
  };
}

/** "2 h 30 min over the new maximum of 2 h". */
export function overMaximumInWords(grant: Pick<GrantOverMaximum, 'durationMinutes' | 'maxMinutesAfter'>): string {
  return `${formatDuration(grant.durationMinutes)}, ${formatDuration(grant.durationMinutes - grant.maxMinutesAfter)} past the new maximum of ${formatDuration(grant.maxMinutesAfter)}`;
}
