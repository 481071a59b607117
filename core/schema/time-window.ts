import { z } from 'zod';
import { Id } from './common.js';

/** Days of the week, Monday first (ISO 8601). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

/** A time of day on the wall clock, "08:00"; an end may also be "24:00" (midnight at the end of the day). */
export const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as 08:00 (00:00 to 23:59)');
export const EndOfWindow = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time such as 18:00 (00:01 to 24:00)');

/** An IANA time zone name as written ("Europe/Paris", "America/New_York", "UTC"); whether it exists is checked with Intl (core/engine/time-window.ts). */
export const TimeZoneName = z
  .string()
  .min(1, 'is required: an IANA time zone such as Europe/Paris')
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone name such as Europe/Paris');

/**
 * Hours on some days of the week, on the wall clock of one time zone: on each listed day the window
 * opens at `start` and closes at `end` that day, or the next day when `end` is not after `start`
 * (Sat 22:00-04:00 ends Sunday morning). Wall-clock time: across a DST change the window keeps its
 * hours, so it is an hour shorter or longer that day (core/engine/time-window.ts).
 */
export const TimeWindow = z.strictObject({
  days: z.array(Weekday).min(1, 'needs at least one day').max(7),
  start: TimeOfDay,
  end: EndOfWindow,
  timeZone: TimeZoneName,
});
export type TimeWindow = z.infer<typeof TimeWindow>;

/** The highest risk threshold: a score is 0 to 100, so "below 101" would be every request. */
export const RISK_THRESHOLD_MAX = 100;

/**
 * One auto-approval rule: every condition it names must hold (a condition left null or false is not
 * asked). A request that a rule of each of its policies approves skips the approval chain
 * (core/engine/auto-approval.ts).
 */
export const AutoApprovalRule = z.strictObject({
  /** Shown in the explanation recorded on the request. */
  name: z.string().max(128).default(''),
  /** The request's risk score is below this (1 to 100). */
  riskBelow: z.number().int().min(1).max(RISK_THRESHOLD_MAX).nullable().default(null),
  /** Asked within this window. */
  window: TimeWindow.nullable().default(null),
  /** The requester is a member of this directory group (the on-call rota). */
  onCallGroupId: Id.nullable().default(null),
  /** The ticket-check hook answered that the request's ticket is open. */
  ticketOpen: z.boolean().default(false),
});
export type AutoApprovalRule = z.infer<typeof AutoApprovalRule>;

/** Recorded on a request whose policies have auto-approval rules: whether they approved it, and why, in words. */
export const AutoApprovalRecord = z.object({
  approved: z.boolean(),
  reason: z.string().max(1024),
});
export type AutoApprovalRecord = z.infer<typeof AutoApprovalRecord>;
