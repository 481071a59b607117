/**
 * More time on a grant: only its holder asks, and the ask is an extension request (an access
 * request with extendsGrantId) that the resource's approvers decide like any other. Pure, so tested.
 */
import type { AccessRequest, Grant } from '../../../core/index.js';
import { formatClock, formatDuration } from '../../lib/time.js';

const MINUTE = 60_000;
const CHOICES = [15, 30, 60, 120, 240, 480];

/** Minutes the policy's ceiling (counted from the grant's start) still allows past the current end. */
export function minutesLeftUnderCeiling(grant: Pick<Grant, 'startsAt' | 'expiresAt' | 'maxDurationMinutes'>): number {
  const ceiling = Date.parse(grant.startsAt) + grant.maxDurationMinutes * MINUTE;
  return Math.max(0, Math.floor((ceiling - Date.parse(grant.expiresAt)) / MINUTE));
}

/** The durations offered: the usual ones that fit under the ceiling, or what is left when none does. */
export function moreTimeChoices(grant: Pick<Grant, 'startsAt' | 'expiresAt' | 'maxDurationMinutes'>): number[] {
  const left = minutesLeftUnderCeiling(grant);
  const fitting = CHOICES.filter((m) => m <= left);
  return fitting.length > 0 ? fitting : left > 0 ? [left] : [];
}

export type AskState = { show: boolean; enabled: boolean; why: string };

/** Whether the signed-in person may ask for more time on this grant, and why not when they may not. */
export function askForMoreTime(grant: Grant, userId: string, waitingRequest: AccessRequest | undefined, now: number): AskState {
  if (grant.userId !== userId) return { show: false, enabled: false, why: 'Only the person holding a grant can ask for more time' };
  const no = (why: string): AskState => ({ show: true, enabled: false, why });
  if (grant.status !== 'active' && grant.status !== 'provisioning') return no(`A grant that is ${grant.status.replace(/_/g, ' ')} cannot get more time`);
  if (Date.parse(grant.expiresAt) <= now) return no('The grant has already ended');
  if (waitingRequest) return no(`Your request for ${formatDuration(waitingRequest.durationMinutes)} more is waiting for approval`);
  if (grant.extensions >= grant.maxExtensions) return no(grant.maxExtensions === 0 ? 'The access policy allows no more time on this grant' : `The access policy allows more time at most ${grant.maxExtensions} time${grant.maxExtensions === 1 ? '' : 's'}`);
  if (moreTimeChoices(grant).length === 0) return no(`The grant already runs to the policy maximum of ${formatDuration(grant.maxDurationMinutes)}`);
  return { show: true, enabled: true, why: 'Ask the approvers for more time on this grant' };
}

/** Pending extension requests by the grant they would extend. */
export function waitingExtensions(pending: readonly AccessRequest[]): Map<string, AccessRequest> {
  const out = new Map<string, AccessRequest>();
  for (const r of pending) if (r.extendsGrantId) out.set(r.extendsGrantId, r);
  return out;
}

/**
 * What an approver reads on an extension request, so it is never mistaken for new access:
 * "More time: +2 h on Global Reader for Dave Okafor, grant ends at 14:32".
 */
export function describeExtension(
  request: Pick<AccessRequest, 'durationMinutes'>,
  who: { person: string; resource: string },
  grant: Pick<Grant, 'expiresAt'> | null,
  now: number,
  timeZone?: string,
): string {
  const head = `More time: +${formatDuration(request.durationMinutes)} on ${who.resource} for ${who.person}`;
  if (!grant) return `${head} (the grant has not synced yet)`;
  const ends = Date.parse(grant.expiresAt);
  const verb = ends <= now ? 'grant ended at' : 'grant ends at';
  const after = new Date(ends + request.durationMinutes * MINUTE).toISOString();
  return `${head}, ${verb} ${formatClock(grant.expiresAt, now, timeZone)}; approved, it ends at ${formatClock(after, now, timeZone)}`;
}
