import { z } from 'zod';

/** Identifiers: short, printable, safe in URLs and SQL keys. */
export const Id = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9._:@-]+$/, 'may contain only letters, digits and . _ : @ -');
export type Id = z.infer<typeof Id>;

/** ISO-8601 instant in UTC, as produced by Date.prototype.toISOString. */
export const IsoTime = z.iso.datetime({ offset: false, message: 'must be an ISO-8601 UTC time' });
export type IsoTime = z.infer<typeof IsoTime>;

export const Sensitivity = z.enum(['low', 'medium', 'high', 'critical']);
export type Sensitivity = z.infer<typeof Sensitivity>;

/** Console account roles. A person may hold several. */
export const AccountRole = z.enum(['requester', 'approver', 'policy_admin', 'reviewer', 'auditor', 'admin']);
export type AccountRole = z.infer<typeof AccountRole>;

export const ConnectorKind = z.enum(['entra', 'ad', 'manual', 'webhook']);
export type ConnectorKind = z.infer<typeof ConnectorKind>;

/** Durations are whole minutes everywhere in the domain: 1 minute to 366 days. */
export const DurationMinutes = z.number().int().min(1).max(366 * 24 * 60);
