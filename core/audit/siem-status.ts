import { z } from 'zod';

/**
 * Forwarding the audit log to a SIEM, as GET /api/v1/audit/siem answers it: each sink with the last
 * sequence its receiver acknowledged (forwarding resumes after it), how far behind the head it is,
 * and its last failure. One schema for the server's route and the console's reading of it.
 */
export const SiemSinkStatus = z.object({
  id: z.string(),
  kind: z.enum(['syslog', 'https']),
  target: z.string(),
  ackedSeq: z.number(),
  ackedAt: z.string().nullable(),
  headSeq: z.number(),
  /** Events not yet acknowledged. */
  lag: z.number(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  /** When the next attempt is due after a failure. */
  retryAt: z.string().nullable(),
});
export type SiemSinkStatus = z.infer<typeof SiemSinkStatus>;

export const SiemStatusAnswer = z.object({ configured: z.boolean(), sinks: z.array(SiemSinkStatus) });
export type SiemStatusAnswer = z.infer<typeof SiemStatusAnswer>;
