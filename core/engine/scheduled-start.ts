/**
 * Scheduled start: a request may ask for access that begins later (a maintenance window on
 * Saturday night). It is decided as usual; its grant is created at approval but provisioned only
 * at the start, and it ends at start + duration whenever it was approved. An approval that comes
 * after the asked start provisions at once and still ends at start + duration (the window asked
 * for, not a new one); a request whose whole window passes undecided expires at the window's end.
 */
import type { Grant } from '../schema/grant.js';
import type { AccessRequest } from '../schema/request.js';
import { formatDuration } from './catalog.js';
import { err, ok, type Result } from './result.js';

/** How far ahead a start may be asked for. */
export const MAX_START_AHEAD_DAYS = 30;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * The start a new request asks for, checked: absent (or null) means "as soon as it is approved";
 * otherwise a UTC instant after now and at most MAX_START_AHEAD_DAYS ahead. The sentence names
 * the field first ("startsAt: ..."), as the REST error's `field` and the request form show it.
 */
export function startProblem(startsAt: string | null | undefined, now: Date): string | null {
  if (startsAt === undefined || startsAt === null || startsAt === '') return null;
  const at = Date.parse(startsAt);
  if (!Number.isFinite(at)) return `startsAt: "${String(startsAt).slice(0, 40)}" is not a time; give an ISO-8601 UTC time such as 2026-03-07T22:00:00.000Z`;
  if (at <= now.getTime()) return `startsAt: ${new Date(at).toISOString()} is not in the future; leave it out to start as soon as the request is approved`;
  const latest = now.getTime() + MAX_START_AHEAD_DAYS * DAY;
  if (at > latest) return `startsAt: may be at most ${MAX_START_AHEAD_DAYS} days ahead (${new Date(latest).toISOString()} at the latest)`;
  return null;
}

/** The checked start as stored on the request (an ISO instant), or null for "at approval". */
export function checkRequestedStart(startsAt: string | null | undefined, now: Date): Result<string | null> {
  const problem = startProblem(startsAt, now);
  if (problem) return err('invalid_input', problem);
  return ok(startsAt ? new Date(Date.parse(startsAt)).toISOString() : null);
}

/**
 * A pending request's deadline: the policy's (asked + requestTtlMinutes), or, for a scheduled
 * request, the end of the window asked for if that comes first (nothing is left to grant after it).
 */
export function requestDeadline(ttlDeadline: string, startsAt: string | null, durationMinutes: number): string {
  if (!startsAt) return ttlDeadline;
  const windowEnd = Date.parse(startsAt) + durationMinutes * MINUTE;
  return windowEnd < Date.parse(ttlDeadline) ? new Date(windowEnd).toISOString() : ttlDeadline;
}

/**
 * When the grant of a request approved now starts and ends: immediately for the usual request
 * (now + duration); for a scheduled one at its start (or now, approved after it) until start + duration.
 */
export function grantWindow(request: Pick<AccessRequest, 'durationMinutes'> & { startsAt?: string | null | undefined }, now: Date): { startsAt: string; expiresAt: string } {
  const asked = request.startsAt ? Date.parse(request.startsAt) : null;
  const start = asked === null ? now.getTime() : Math.max(asked, now.getTime());
  const end = (asked ?? now.getTime()) + request.durationMinutes * MINUTE;
  return { startsAt: new Date(start).toISOString(), expiresAt: new Date(end).toISOString() };
}

/** A grant approved but not provisioned yet because its start is still ahead. */
export function waitsForStart(grant: Pick<Grant, 'status' | 'startsAt'>, now: Date): boolean {
  return grant.status === 'provisioning' && Date.parse(grant.startsAt) > now.getTime();
}

/** Why a scheduled request expired, when its deadline was the end of its window; null otherwise. */
export function windowPassedInWords(request: Pick<AccessRequest, 'durationMinutes' | 'expiresAt'> & { startsAt?: string | null | undefined }): string | null {
  if (!request.startsAt || !request.expiresAt) return null;
  if (Date.parse(request.expiresAt) !== Date.parse(request.startsAt) + request.durationMinutes * MINUTE) return null;
  return `nobody decided it before the end of the window it asked for (${formatDuration(request.durationMinutes)} from ${request.startsAt}), so it expired; ask again for a new window`;
}
