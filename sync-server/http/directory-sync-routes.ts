/**
 * The directory sync and the people it links, over REST:
 *
 *   GET   /api/v1/directory-sync                 each source: running or idle, its last run's counts, its last error (admin, auditor)
 *   POST  /api/v1/directory-sync/{id}/run        start (or resume) one source's run now: 202; with ?wait=true, answer with its change report (admin)
 *   GET   /api/v1/directory-sync/runs            finished runs, newest first (?connectorId=, ?limit=) (admin, auditor)
 *   GET   /api/v1/directory-sync/runs/{id}       one run's change report: added, changed field by field, disabled, removed
 *   PATCH /api/v1/accounts/{id}                  set or remove a person's directory ids by hand (admin; audited, marked manual)
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Id } from '../../core/index.js';
import { LinkRuleError, setDirectoryLinks, type DirectoryOf } from '../accounts/links.js';
import { DIRECTORY_SYNC_MIGRATIONS, getRun, listRuns, type DirectorySync } from '../directory-sync/index.js';
import type { Store } from '../store/types.js';
import { requireEndpoint } from './auth.js';
import { ApiError } from './errors.js';

export type DirectorySyncRouteDeps = { store: Store; now: () => Date; directorySync?: DirectorySync; directoryOf: DirectoryOf };

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
const secured = [{ bearerAuth: [] as string[] }];

export const LinksBody = z.strictObject({
  /** connector id (or `entra` / `ad`) -> the object id there; null removes the link. */
  externalIds: z.record(Id, z.string().min(1).max(1024).nullable()).refine((ids) => Object.keys(ids).length >= 1 && Object.keys(ids).length <= 32, 'name 1 to 32 directories'),
  reason: z.string().trim().min(1, 'say why this person is linked by hand').max(1024),
});

const noSync = (): ApiError => new ApiError(404, 'not_found', 'no directory sync is configured on this server (JIT_DIRECTORY_SYNC_FILE)');

export function registerDirectorySyncRoutes(root: FastifyInstance, deps: DirectorySyncRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, now } = deps;
  // The runs are readable (empty) on a server where no sync is configured.
  store.applyMigrations(DIRECTORY_SYNC_MIGRATIONS);

  app.get('/api/v1/directory-sync', {
    schema: { tags: ['directory'], summary: 'Each directory sync source: a run under way or idle, the last run and its counts, the last error (admin, auditor)', security: secured },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/directory-sync', 'reading the directory sync');
      return { intervalMs: deps.directorySync?.config.intervalMs ?? 0, sources: deps.directorySync?.status() ?? [] };
    },
  });

  app.post('/api/v1/directory-sync/:id/run', {
    schema: {
      tags: ['directory'],
      summary: "Start (or resume) one source's run now (admin): 202 at once, or with wait=true the change report when its round is done",
      description: 'A run already under way is joined. With wait=true, a directory that refuses or throttles past the retry budget answers 503 with the reason; the next run resumes at the page it stopped at. The outcome of a run started without waiting is in GET /api/v1/directory-sync (lastError) and the runs.',
      security: secured,
      params: z.object({ id: Id }),
      querystring: z.object({ wait: z.enum(['true', 'false']).default('false') }),
      response: {
        200: z.object({ ok: z.literal(true), runId: z.string(), resumed: z.boolean(), report: z.record(z.string(), z.unknown()) }),
        202: z.object({ connectorId: Id, started: z.literal(true) }),
        403: ErrorBody,
        404: ErrorBody,
        503: ErrorBody,
      },
    },
    handler: async (request, reply) => {
      const admin = requireEndpoint(request, 'POST /api/v1/directory-sync/:id/run', 'running the directory sync');
      const sync = deps.directorySync;
      if (!sync) throw noSync();
      const connectorId = request.params.id;
      if (!sync.config.sources.some((s) => s.connectorId === connectorId)) throw new ApiError(404, 'not_found', `${connectorId} is not a directory sync source`);
      const running = sync.runNow(connectorId, admin.account.id);
      if (request.query.wait !== 'true') {
        running.catch((error: unknown) => request.log.error({ err: error }, 'directory sync failed'));
        return reply.code(202).send({ connectorId, started: true as const });
      }
      const outcome = await running;
      if (!outcome.ok) throw new ApiError(503, outcome.retryAfterMs !== undefined ? 'throttled' : 'internal_error', `directory sync of ${connectorId} stopped: ${outcome.code}: ${outcome.message}`);
      return outcome;
    },
  });

  app.get('/api/v1/directory-sync/runs', {
    schema: { tags: ['directory'], summary: 'Finished directory sync runs, newest first, with their counts (admin, auditor)', security: secured, querystring: z.object({ connectorId: Id.optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }) },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/directory-sync/runs', 'reading directory sync runs');
      return { runs: listRuns(store, { ...(request.query.connectorId ? { connectorId: request.query.connectorId } : {}), limit: request.query.limit }) };
    },
  });

  app.get('/api/v1/directory-sync/runs/:id', {
    schema: { tags: ['directory'], summary: "One run's change report: added, changed field by field, disabled, enabled, removed, skipped (admin, auditor)", security: secured, params: z.object({ id: Id }) },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/directory-sync/runs/:id', 'reading directory sync runs');
      const run = getRun(store, request.params.id);
      if (!run) throw new ApiError(404, 'not_found', `directory sync run ${request.params.id} does not exist`);
      return run;
    },
  });

  app.patch('/api/v1/accounts/:id', {
    schema: {
      tags: ['accounts'],
      summary: "Set or remove a person's directory ids by hand (admin)",
      description:
        'externalIds maps a configured connector id (or entra / ad, for any connector of that kind without its own key) to the object id there: an Entra object id (a GUID) or an AD distinguished name or GUID; null removes it. Each change is audited (account.linked / account.unlinked, with the reason) and marked manual: the directory sync leaves it as set.',
      security: secured,
      params: z.object({ id: Id }),
      body: LinksBody,
      response: { 200: z.object({ id: Id, externalIds: z.record(z.string(), z.string()), manualLinks: z.array(z.string()), changes: z.array(z.object({ connectorId: z.string(), from: z.string().nullable(), to: z.string().nullable() })) }), 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'PATCH /api/v1/accounts/:id', 'linking people to directories');
      try {
        const { person, changes } = store.tx(() =>
          setDirectoryLinks(store, { actorId: admin.account.id, personId: request.params.id, links: request.body.externalIds, reason: request.body.reason, at: now().toISOString() }, deps.directoryOf),
        );
        return { id: person.id, externalIds: person.externalIds, manualLinks: person.manualLinks ?? [], changes };
      } catch (error) {
        if (error instanceof LinkRuleError) throw new ApiError(error.status, error.code, error.message, error.field);
        throw error;
      }
    },
  });
}
