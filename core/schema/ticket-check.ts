import { z } from 'zod';
import { IsoTime } from './common.js';

/**
 * A policy's ticket-check hook: the server asks this HTTPS URL whether a request's ticket is open,
 * signing the call with a shared secret that only the server holds (named here, never stored on the
 * policy: policies replicate to consoles and go into the configuration file).
 * docs/decisions/ticket-check-hook.md has the wire format.
 */
export const TICKET_CHECK_URL_MAX = 2048;
export const TICKET_CHECK_TIMEOUT_SECONDS = { min: 1, max: 10, default: 5 } as const;
/** A server-held secret's name: lower-case letters, digits and . _ - (it is also an audit subject id). */
export const TicketHookSecretName = z
  .string()
  .min(1, 'is required')
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

export const TicketCheckHook = z.strictObject({
  /** https://host[:port]/path only (core/engine/ticket-check.ts ticketHookUrlProblem). */
  url: z.string().min(1, 'is required').max(TICKET_CHECK_URL_MAX),
  /** The shared secret the server signs with, by name (`npm run secrets -- set-ticket-hook-secret NAME`). */
  secretName: TicketHookSecretName,
  /** No answer within this is "unknown". */
  timeoutSeconds: z.number().int().min(TICKET_CHECK_TIMEOUT_SECONDS.min).max(TICKET_CHECK_TIMEOUT_SECONDS.max).default(TICKET_CHECK_TIMEOUT_SECONDS.default),
  /** What an unknown answer (or none) does: refuse the request, or send it to a person even where the policy would approve automatically. */
  onUnknown: z.enum(['refuse', 'human']).default('human'),
});
export type TicketCheckHook = z.infer<typeof TicketCheckHook>;

export const TicketCheckStatus = z.enum(['open', 'closed', 'unknown']);
export type TicketCheckStatus = z.infer<typeof TicketCheckStatus>;

/** What the ticket system said of a request's ticket, stored on the request (`request.ticketCheck.status === 'open'`). */
export const TicketCheckResult = z.object({
  status: TicketCheckStatus,
  checkedAt: IsoTime,
  /** Why, in words: the hook's own reason, or what went wrong (timeout, HTTP 500, not JSON, TLS). */
  reason: z.string().max(512),
  /** The host that was asked (never the path: it may name internal routes). */
  hookHost: z.string().max(255),
});
export type TicketCheckResult = z.infer<typeof TicketCheckResult>;
