/**
 * `GET /api/v1/audit/events?after=SEQ&limit=N`: the audit log paged in seq order (auditor, admin),
 * for SIEMs that pull; and `GET /api/v1/audit/siem`: each forwarding sink's state (admin).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SiemStatusAnswer } from '../../../core/index.js';
import { readAuditEvents } from '../../store/sqlite-store.js';
import type { Store } from '../../store/types.js';
import { requireEndpoint } from '../../http/auth.js';
import type { SiemForwarder } from './forwarder.js';

const secured = [{ bearerAuth: [] as string[] }];
export const MAX_EXPORT_PAGE = 5_000;

export function registerSiemRoutes(root: FastifyInstance, deps: { store: Store; forwarder?: SiemForwarder }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store } = deps;

  app.get('/api/v1/audit/events', {
    schema: {
      tags: ['audit'],
      summary: 'The audit log in seq order, a page after a seq (auditor, admin)',
      description:
        'Events with seq > after, oldest first, at most limit. next is the after to ask with for the following page, null once the page reaches the head. firstSeq is the oldest event still in the log (older ones were moved to an archive: npm run audit:archive). Each event carries its hash and prevHash, so the pages chain.',
      security: secured,
      querystring: z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(MAX_EXPORT_PAGE).default(1000) }),
      response: {
        200: z.object({
          events: z.array(z.object({ id: z.string(), seq: z.number(), type: z.string(), actorId: z.string(), at: z.string(), subjectType: z.string(), subjectId: z.string(), data: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string() })),
          next: z.number().nullable(),
          headSeq: z.number(),
          firstSeq: z.number().nullable(),
        }),
      },
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/audit/events', 'exporting audit events');
      const { after, limit } = request.query;
      const head = store.auditHead().seq;
      const events = [];
      for (const event of readAuditEvents(store.db, after + 1)) {
        events.push(event);
        if (events.length >= limit) break;
      }
      const last = events.at(-1)?.seq ?? after;
      const first = store.db.prepare('SELECT MIN(seq) FROM audit_events').pluck().get() as number | null;
      return { events, next: last < head ? last : null, headSeq: head, firstSeq: first };
    },
  });

  app.get('/api/v1/audit/siem', {
    schema: {
      tags: ['audit'],
      summary: 'Forwarding to a SIEM: each sink with its last acknowledged seq, its lag and its last error (admin)',
      security: secured,
      response: {
        200: SiemStatusAnswer,
      },
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/audit/siem', 'reading the SIEM forwarding status');
      return { configured: deps.forwarder !== undefined, sinks: deps.forwarder?.status() ?? [] };
    },
  });
}
