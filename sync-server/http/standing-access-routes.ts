/**
 * Standing access (docs/decisions/standing-access.md): read over REST, not replicated.
 * - GET /api/v1/standing-access (admin, reviewer, auditor): every discovered holder by resource,
 *   classified now, with each connector's last discovery run.
 * - POST /api/v1/standing-access/discover (admin): books a discovery run now for one connector or
 *   all of them; the scheduler runs it (in this process or the worker) and audits its findings.
 * Converting a standing holder to eligibility is a command (standing.convert), like any change.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Scheduler } from '../scheduler/index.js';
import { standingAccessTables, standingAccessView } from '../standing-access/view.js';
import type { Store } from '../store/types.js';
import { requireEndpoint } from './auth.js';
import { ApiError, notFound } from './errors.js';

export type StandingAccessRoutesDeps = { store: Store; now: () => Date; scheduler?: Scheduler };

const secured = [{ bearerAuth: [] as string[] }];
const DISCOVERABLE = ['entra', 'ad'];
const DiscoverBody = z.strictObject({ connectorId: z.string().min(1).max(128).optional() });

export function registerStandingAccessRoutes(root: FastifyInstance, deps: StandingAccessRoutesDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tables = standingAccessTables(deps.store);

  app.get('/api/v1/standing-access', {
    schema: {
      tags: ['standing-access'],
      summary: 'Discovered standing access by resource: explained, standing, orphaned, stale (admin, reviewer, auditor)',
      security: secured,
      querystring: z.object({ staleAfterDays: z.coerce.number().int().min(1).max(3650).optional() }),
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/standing-access', 'reading discovered standing access');
      return standingAccessView(deps.store, deps.now(), { tables, ...(request.query.staleAfterDays ? { staleAfterDays: request.query.staleAfterDays } : {}) });
    },
  });

  app.post('/api/v1/standing-access/discover', {
    schema: {
      tags: ['standing-access'],
      summary: 'Run standing-access discovery now, for one connector or every one that serves a directory (admin)',
      security: secured,
    },
    handler: async (request, reply) => {
      const principal = requireEndpoint(request, 'POST /api/v1/standing-access/discover', 'running standing-access discovery');
      const served = [...new Set(deps.store.list('resources').filter((r) => !r.archived && DISCOVERABLE.includes(r.connector)).map((r) => r.connectorId))].sort();
      // Checked after the role, so someone who may not run it is told so whatever they sent.
      const body = DiscoverBody.safeParse(request.body ?? {});
      if (!body.success) throw new ApiError(400, 'invalid_input', `body.connectorId: ${body.error.issues[0]?.message ?? 'invalid'}`, 'body.connectorId');
      const wanted = body.data.connectorId;
      if (wanted !== undefined && !served.includes(wanted)) throw notFound(`no live Entra or AD resource uses connector ${wanted}`);
      const connectorIds = wanted === undefined ? served : [wanted];
      const now = deps.now();
      deps.store.tx(() => {
        for (const id of connectorIds) {
          tables.book(id, now.getTime(), now.getTime(), principal.user.id);
          deps.store.appendAudit({ type: 'standing.discovery_requested', actorId: principal.user.id, subjectType: 'connector', subjectId: id, data: {}, at: now.toISOString() });
        }
      });
      deps.scheduler?.pokeDiscovery();
      reply.code(202);
      return { booked: connectorIds, runs: standingAccessView(deps.store, now, { tables }).runs };
    },
  });
}
