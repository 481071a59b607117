/**
 * GET /sync/v{N}/audit/blocks?through=SEQ&limit=N: older sealed blocks of the audit log on demand
 * (docs/decisions/older-audit-history.md), for a console whose replica holds only the recent part
 * of what its roles may see. Deny by default: only roles that may pull `audit` at all, and of each
 * block only the events the per-role replication rules (sync-view.ts) let this reader see; the
 * rest are counted as withheld, never sent.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PROTOCOL_VERSION, type AuditEvent } from '../../core/index.js';
import { requireSync } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import { syncViewOf } from '../http/sync-view.js';
import type { Store } from '../store/types.js';
import { olderBlocksPage } from './blocks-pull.js';

/** Blocks per answer at most: 10,000 events. */
export const MAX_OLDER_BLOCKS = 10;

const Query = z.object({
  through: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(0).max(MAX_OLDER_BLOCKS).default(5),
});

export function registerOlderBlocksRoute(root: FastifyInstance, deps: { store: Store }): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(`/sync/v${PROTOCOL_VERSION}/audit/blocks`, {
    schema: {
      tags: ['sync'],
      summary: 'Older sealed audit blocks, newest first, with only the events this reader may see',
      description: `through: the last event of the newest block wanted (a sealed block's lastSeq; default: the horizon, the last event before what a fresh replica pulls). limit: blocks, at most ${MAX_OLDER_BLOCKS} (0: only the horizon and how many blocks are older).`,
      security: [{ bearerAuth: [] as string[] }],
      querystring: Query,
    },
    handler: async (request) => {
      const principal = requireSync(request, 'audit', 'pull');
      const view = syncViewOf(deps.store, principal.account);
      const { through, limit } = request.query;
      try {
        return olderBlocksPage(deps.store.db, { through: through ?? null, limit, visible: (event: AuditEvent) => view.show('audit', { ...event, _deleted: false }) !== null });
      } catch (error) {
        if (error instanceof RangeError) throw new ApiError(400, 'invalid_input', error.message, 'through');
        throw error;
      }
    },
  });
}
