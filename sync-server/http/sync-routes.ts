/**
 * Replication for the console's RxDB replica, exactly as core/sync/protocol.ts defines it:
 *   GET  /sync/v1/:collection/pull?seq=&id=&batchSize=  -> PullResponse (same checkpoint when idle)
 *   POST /sync/v1/:collection/push   PushRequest        -> conflicts ([] when none); commands only
 *   GET  /sync/v1/:collection/stream                    -> SSE: `data: "RESYNC"` first, then
 *        `data: {documents, checkpoint}` per commit touching the collection; `: heartbeat` every 15 s
 * Console roles only; bearer token in the Authorization header (never in the query string).
 * Any other protocol version answers 426 with an IncompatibleAnswer.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  canonicalJson,
  COLLECTIONS,
  CollectionName,
  Command,
  PROTOCOL_VERSION,
  PullQuery,
  PushRequest,
  type IncompatibleAnswer,
  type WireDoc,
} from '../../core/index.js';
import { InvalidCommandError, type CommandProcessor } from '../commands/processor.js';
import type { Store } from '../store/types.js';
import { requireConsole } from './auth.js';
import { ApiError, forbidden, notFound } from './errors.js';
import type { Metrics } from './metrics.js';

export const HEARTBEAT_MS = 15_000;

export type SyncDeps = { store: Store; processor: CommandProcessor; metrics: Metrics; heartbeatMs?: number };

/** Open streams, so closing the server can end them instead of waiting on them. */
export type StreamRegistry = Set<ServerResponse>;

function collectionOf(name: string): CollectionName {
  const parsed = CollectionName.safeParse(name);
  if (!parsed.success) throw notFound(`unknown collection "${name.slice(0, 64)}"; known: ${CollectionName.options.join(', ')}`);
  return parsed.data;
}

const sameCommand = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

export function registerSyncRoutes(root: FastifyInstance, deps: SyncDeps, streams: StreamRegistry): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, processor, metrics } = deps;
  const params = z.object({ collection: z.string().max(64) });
  const secured = [{ bearerAuth: [] as string[] }];

  app.get(`/sync/v${PROTOCOL_VERSION}/:collection/pull`, {
    schema: {
      tags: ['sync'],
      summary: 'Documents after a checkpoint, in seq order',
      security: secured,
      params,
      querystring: PullQuery,
    },
    handler: async (request) => {
      requireConsole(request);
      const collection = collectionOf(request.params.collection);
      metrics.replicationPulls.inc({ collection });
      const { seq, id, batchSize } = request.query;
      return store.pull(collection, { seq, id }, batchSize);
    },
  });

  app.post(`/sync/v${PROTOCOL_VERSION}/:collection/push`, {
    schema: {
      tags: ['sync'],
      summary: 'Push commands (the only client-written collection); answers the conflicting server documents',
      security: secured,
      params,
      body: PushRequest,
    },
    handler: async (request) => {
      const principal = requireConsole(request);
      const collection = collectionOf(request.params.collection);
      if (!COLLECTIONS[collection].push) {
        throw forbidden(`${collection} is authoritative on the server and replicates pull-only; send a command instead`);
      }
      const conflicts: WireDoc<Command>[] = [];
      for (const [index, row] of request.body.entries()) {
        metrics.replicationPushRows.inc();
        const { _deleted: deleted, ...pushed } = row.newDocumentState as Record<string, unknown> & { _deleted?: unknown };
        const id = typeof pushed.id === 'string' ? pushed.id : null;
        const before = id ? store.get('commands', id) : null;
        if (before) {
          // Already known: nothing is applied twice; a different copy gets the server's back.
          const parsed = Command.safeParse(pushed);
          if (deleted === true || !parsed.success || !sameCommand(parsed.data, before)) conflicts.push({ ...before, _deleted: false });
          continue;
        }
        if (deleted === true) continue; // a client dropping a command it never sent: nothing to do
        try {
          processor.apply(pushed, { authenticatedActorId: principal.account.id });
        } catch (error) {
          if (error instanceof ApiError) throw error;
          if (error instanceof InvalidCommandError) {
            throw new ApiError(400, 'invalid_input', `${index}.newDocumentState.${error.message}`, `${index}.newDocumentState.${error.field}`);
          }
          throw error;
        }
        // The command is recorded as the signed-in user's: a claimed other actor comes back as a conflict.
        const stored = store.get('commands', pushed.id as string);
        const parsed = Command.safeParse(pushed);
        if (stored && (!parsed.success || !sameCommand(parsed.data, stored))) conflicts.push({ ...stored, _deleted: false });
      }
      return conflicts;
    },
  });

  app.get(`/sync/v${PROTOCOL_VERSION}/:collection/stream`, {
    schema: {
      tags: ['sync'],
      summary: 'Server-Sent Events: "RESYNC" on connect, then {documents, checkpoint} per commit',
      security: secured,
      params,
      querystring: z.object({}).catchall(z.unknown()),
    },
    handler: async (request, reply) => {
      if ('token' in (request.query as Record<string, unknown>)) {
        throw new ApiError(400, 'invalid_input', 'token: tokens in the query string are not accepted; send Authorization: Bearer', 'token');
      }
      requireConsole(request);
      const collection = collectionOf(request.params.collection);
      openStream(reply, collection);
    },
  });

  function openStream(reply: FastifyReply, collection: CollectionName): void {
    const headers = { ...reply.getHeaders() } as Record<string, string | string[] | number>;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write('data: "RESYNC"\n\n');
    streams.add(raw);
    metrics.sseClients.inc({ collection });

    const unsubscribe = store.onCommit((changes) => {
      for (const change of changes) {
        if (change.collection !== collection) continue;
        raw.write(`data: ${JSON.stringify({ documents: change.docs, checkpoint: change.checkpoint })}\n\n`);
      }
    });
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), deps.heartbeatMs ?? HEARTBEAT_MS);
    heartbeat.unref();
    let closed = false;
    const cleanup = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(raw);
      metrics.sseClients.dec({ collection });
    };
    raw.on('close', cleanup);
    raw.on('error', cleanup);
  }

  /** Any other protocol version: a clear "upgrade" (or "server too old") answer, reachable without a token. */
  app.all('/sync/:version/*', {
    config: { public: true },
    schema: { hide: true },
    handler: async (request, reply) => {
      const { version } = request.params as { version: string };
      const match = /^v(\d{1,6})$/.exec(version);
      if (!match || Number(match[1]) === PROTOCOL_VERSION) throw notFound(`no sync route ${request.method} ${request.url.split('?')[0]}`);
      const clientVersion = Number(match[1]);
      const clientTooOld = clientVersion < PROTOCOL_VERSION;
      const body: IncompatibleAnswer = {
        error: {
          code: 'unsupported_protocol',
          reason: clientTooOld ? 'client_too_old' : 'server_too_old',
          message: clientTooOld
            ? `this app speaks sync protocol v${clientVersion}, the server needs v${PROTOCOL_VERSION}: update the app`
            : `the server speaks sync protocol v${PROTOCOL_VERSION}, older than this app's v${clientVersion}: ask an admin to update the server`,
          serverVersion: PROTOCOL_VERSION,
        },
      };
      return reply.code(426).send(body);
    },
  });
}
