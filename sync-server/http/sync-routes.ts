/**
 * Replication for the console's RxDB replica, exactly as core/sync/protocol.ts defines it:
 *   GET  /sync/v1/:collection/pull?seq=&id=&batchSize=  -> PullResponse (same checkpoint when idle)
 *   POST /sync/v1/:collection/push   PushRequest        -> conflicts ([] when none); commands only
 *   GET  /sync/v1/stream?collections=a,b,c              -> SSE: `data: "RESYNC"` first, then
 *        `data: {collection, documents, checkpoint}` per commit per collection; `: heartbeat` every 15 s.
 *        One connection for all of a client's collections (browsers allow six per host).
 *   GET  /sync/v1/:collection/stream                    -> the same for one collection, without the
 *        `collection` tag (kept for older clients)
 * Every role replicates what the matrix's SYNC_READ lets it see, filtered per document (sync-view.ts);
 * pulls answer the reader's `view`. The multiplexed stream carries the named collections the reader
 * may stream (403 when none) and ends when their view changes.
 * Bearer token in the Authorization header (never in the query string).
 * Any other protocol version answers 426 with an IncompatibleAnswer.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  canonicalJson,
  CollectionName,
  Command,
  Id,
  PROTOCOL_VERSION,
  PullQuery,
  PushRequest,
  type IncompatibleAnswer,
  type MultiplexedStreamMessage,
  type StreamMessage,
  type WireDoc,
} from '../../core/index.js';
import { InvalidCommandError, type CommandProcessor } from '../commands/processor.js';
import type { RejectionBudget } from '../commands/rejection-budget.js';
import { sessionSecondFactorAt } from '../mfa/mfa-store.js';
import type { Store } from '../store/types.js';
import type { TicketChecker } from '../ticket-check/index.js';
import { countAfter, filteredPull } from '../store/filtered-pull.js';
import { principalOf, requireSync, type Principal } from './auth.js';
import { ApiError, notFound } from './errors.js';
import type { Metrics } from './metrics.js';
import { auditHorizon, pullAuditBlocksJson, sealedBlockDocs } from '../audit/blocks-pull.js';
import { syncViewOf, type SyncView } from './sync-view.js';

export const HEARTBEAT_MS = 15_000;

/** Live streams one account may hold open at once (console tabs, the desktop app, a spare for reconnects). */
export const MAX_STREAMS_PER_ACCOUNT = 8;

export type SyncDeps = {
  /** Live streams one account may hold open at once; default MAX_STREAMS_PER_ACCOUNT. */
  maxStreamsPerAccount?: number;
  store: Store;
  processor: CommandProcessor;
  metrics: Metrics;
  heartbeatMs?: number;
  now?: () => Date;
  /** Skipped rows a sender may have audited per window (http/flood-guard.ts); unlimited when absent. */
  rejections?: Pick<RejectionBudget, 'charge'>;
  /** Asks ticket-check hooks before a pushed command that creates a request (sync-server/ticket-check/); none are asked when absent. */
  ticketChecker?: TicketChecker;
};

/** Audit subject of a pushed row whose id is missing or invalid. */
export const UNIDENTIFIED_COMMAND = 'unidentified-command';

/** Open streams, so closing the server can end them instead of waiting on them. */
export type StreamRegistry = Set<ServerResponse>;

function collectionOf(name: string): CollectionName {
  const parsed = CollectionName.safeParse(name);
  if (!parsed.success) throw notFound(`unknown collection "${name.slice(0, 64)}"; known: ${CollectionName.options.join(', ')}`);
  return parsed.data;
}

/** `a,b,c` -> the named collections, each once; an unknown one is 404 naming it. */
function collectionsOf(list: string): CollectionName[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new ApiError(400, 'invalid_input', `collections: name at least one collection, e.g. ?collections=requests,grants`, 'collections');
  return [...new Set(names.map(collectionOf))];
}

function refuseQueryToken(query: Record<string, unknown>): void {
  if ('token' in query) throw new ApiError(400, 'invalid_input', 'token: tokens in the query string are not accepted; send Authorization: Bearer', 'token');
}

const sameCommand = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

export function registerSyncRoutes(root: FastifyInstance, deps: SyncDeps, streams: StreamRegistry): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, processor, metrics } = deps;
  const maxStreamsPerAccount = deps.maxStreamsPerAccount ?? MAX_STREAMS_PER_ACCOUNT;
  const streamsPerAccount = new Map<string, number>();
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
    handler: async (request, reply) => {
      const collection = collectionOf(request.params.collection);
      const principal = requireSync(request, collection, 'pull');
      metrics.replicationPulls.inc({ collection });
      const { seq, id, batchSize } = request.query;
      const view = syncViewOf(store, principal.account);
      if (collection === 'audit' && view.whole(collection)) {
        // Every event visible: sealed blocks and the open tail (docs/decisions/sealed-audit-blocks.md).
        const page = pullAuditBlocksJson(store.db, { seq, id }, batchSize);
        return reply.type('application/json; charset=utf-8').send(`${page.json},"view":${JSON.stringify(view.key)},"remaining":${page.remaining}}`);
      }
      if (view.whole(collection)) {
        // Already JSON text: a first sync pulls whole collections, and a parse-and-serialise round trip per document was most of the server's cost.
        const json = store.pullJson(collection, { seq, id }, batchSize);
        // What is left after this page, so a replica loading from scratch can say how far it is.
        const after = (JSON.parse(json.slice(json.lastIndexOf('"checkpoint":') + '"checkpoint":'.length, -1)) as { seq: number }).seq;
        return reply.type('application/json; charset=utf-8').send(`${json.slice(0, -1)},"view":${JSON.stringify(view.key)},"remaining":${countAfter(store.db, collection, after)}}`);
      }
      // A filtered reader's audit events start after the older history, fetched on demand (audit/older-blocks-route.ts).
      const from = collection === 'audit' ? Math.max(seq, auditHorizon(store.db)) : seq;
      // Filtered documents by document; where an index narrows them (a requester's own requests), only those rows are read.
      const answer = filteredPull(store, collection, { seq: from, id: from === seq ? id : '' }, batchSize, (doc) => view.show(collection, doc), view.candidates(collection));
      return { ...answer, view: view.key };
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
      const collection = collectionOf(request.params.collection);
      const principal = requireSync(request, collection, 'push');
      const conflicts: WireDoc<Command>[] = [];
      // Ticket-check hooks are asked for the whole push at once, before any of it is applied, never inside a transaction.
      const ticketChecks = await Promise.all(
        request.body.map((row) => ((row.newDocumentState as { _deleted?: unknown })._deleted === true ? undefined : deps.ticketChecker?.answersFor(row.newDocumentState, principal.account.id))),
      );
      for (const [index, row] of request.body.entries()) {
        metrics.replicationPushRows.inc();
        const { _deleted: deleted, ...pushed } = row.newDocumentState as Record<string, unknown> & { _deleted?: unknown };
        const id = typeof pushed.id === 'string' ? pushed.id : null;
        const before = id ? store.get('commands', id) : null;
        if (before && before.actorId !== principal.account.id) {
          // Another actor's command id: never answered with their command (nor applied); see below.
          skipUnrecordable(principal.account.id, id, pushed.type, `${index}.newDocumentState.id`, `id: ${before.id} is already the id of another actor's command`, 'conflict');
          continue;
        }
        if (before) {
          // Already known: nothing is applied twice; a different copy gets the server's back.
          const parsed = Command.safeParse(pushed);
          if (deleted === true || !parsed.success || !sameCommand(parsed.data, before)) conflicts.push({ ...before, _deleted: false });
          continue;
        }
        if (deleted === true) continue; // a client dropping a command it never sent: nothing to do
        try {
          // Any invalid field of a command with a usable id and type is recorded as a rejected result the client replicates.
          // The session's last second factor is the server's record, read as the push arrives: a pushed field could claim anything.
          processor.apply(pushed, { authenticatedActorId: principal.account.id, secondFactorAt: sessionSecondFactorAt(store, principal.session.tokenHash), ticketChecks: ticketChecks[index] });
        } catch (error) {
          if (!(error instanceof InvalidCommandError)) throw error;
          // No usable id or type, or an id that is another actor's: no result of the sender's can be
          // recorded, so no verdict can reach the client. Answering 4xx would make RxDB retry this batch
          // forever and hold back every later command in the queue, so the row is skipped (never
          // applied), logged and audited, and the rest of the push goes on.
          skipUnrecordable(principal.account.id, id, pushed.type, `${index}.newDocumentState.${error.field}`, error.message, error.code);
          continue;
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
      refuseQueryToken(request.query as Record<string, unknown>);
      const collection = collectionOf(request.params.collection);
      const principal = requireSync(request, collection, 'stream');
      openStream(reply, principal, [collection], false);
    },
  });

  // A static path: the router prefers it over `/:collection/...` and over the version catch-all.
  app.get(`/sync/v${PROTOCOL_VERSION}/stream`, {
    schema: {
      tags: ['sync'],
      summary: 'Server-Sent Events for several collections on one connection: "RESYNC" on connect, then {collection, documents, checkpoint} per commit per collection',
      security: secured,
      querystring: z.object({ collections: z.string().max(1024).optional() }).catchall(z.unknown()),
    },
    handler: async (request, reply) => {
      refuseQueryToken(request.query as Record<string, unknown>);
      const requested = collectionsOf(request.query.collections ?? '');
      // A replica opened under other roles may still name a collection it no longer gets: it is left out, not refused.
      const open = syncViewOf(store, principalOf(request).account);
      const collections = requested.filter((collection) => open.allows(collection));
      const principal = requireSync(request, collections[0] ?? (requested[0] as CollectionName), 'stream');
      openStream(reply, principal, collections, true);
    },
  });

  /** The trace of a skipped push row: a warning, an audit event (subject: its id when usable) and the metric. */
  function skipUnrecordable(senderId: string, rawId: string | null, rawType: unknown, field: string, message: string, code: 'invalid_input' | 'conflict' = 'invalid_input'): void {
    deps.rejections?.charge(senderId);
    app.log.warn({ field, code, sender: senderId }, `push: skipped a command that cannot be recorded: ${message}`);
    const usableId = rawId !== null && Id.safeParse(rawId).success ? rawId : null;
    store.tx(() => {
      store.appendAudit({
        type: 'command.rejected',
        actorId: senderId,
        subjectType: 'command',
        subjectId: usableId ?? UNIDENTIFIED_COMMAND,
        data: { code, field, message: message.slice(0, 512), recorded: false, type: typeof rawType === 'string' ? rawType.slice(0, 64) : null, ...(usableId ? {} : { pushedId: rawId === null ? null : rawId.slice(0, 128) }) },
        at: (deps.now?.() ?? new Date()).toISOString(),
      });
    });
    metrics.commands.inc({ type: 'unknown', status: 'skipped' });
  }

  /**
   * Holds the connection open and writes each commit's changes to the given collections. Tagged
   * messages carry the collection name (the multiplexed stream); untagged ones are the
   * one-collection stream's.
   */
  function openStream(reply: FastifyReply, principal: Principal, collections: readonly CollectionName[], tagged: boolean): void {
    const readerId = principal.account.id;
    // Streams are exempt from idle timeouts: without a cap one account could hold every connection.
    const open = streamsPerAccount.get(readerId) ?? 0;
    if (open >= maxStreamsPerAccount) {
      reply.header('retry-after', '30');
      throw new ApiError(429, 'throttled', `${open} live streams are already open for this account (at most ${maxStreamsPerAccount}); close a console tab or window and try again`);
    }
    streamsPerAccount.set(readerId, open + 1);
    const opened = syncViewOf(store, principal.account).key;
    /** The reader's view now, or null when it is no longer the one this stream was opened under. */
    const currentView = (): SyncView | null => {
      const account = store.getAccount(readerId);
      if (!account || account.disabledAt) return null;
      const view = syncViewOf(store, account);
      return view.key === opened ? view : null;
    };
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
    // Per collection carried: the gauge reads "clients receiving live changes of this collection".
    for (const collection of collections) metrics.sseClients.inc({ collection });

    const wanted = new Set<CollectionName>(collections);
    const unsubscribe = store.onCommit((changes) => {
      if (!changes.some((change) => wanted.has(change.collection))) return;
      // What the reader may see is decided after this commit: a role or relation change ends the stream.
      const view = currentView();
      if (!view) return void raw.end();
      for (const change of changes) {
        if (!wanted.has(change.collection)) continue;
        const whole = view.whole(change.collection);
        const documents = whole ? [...change.docs] : change.docs.map((doc) => view.show(change.collection, doc)).filter((doc) => doc !== null);
        // A commit that seals a block (full, or its tail grown old) also sends it, replacing its events one by one.
        if (whole && change.sealed) documents.push(...(sealedBlockDocs(store.db, change.sealed) as typeof documents));
        // Hidden documents are not announced; the next pull's checkpoint moves past them.
        if (documents.length === 0) continue;
        const message: MultiplexedStreamMessage | StreamMessage = tagged
          ? { collection: change.collection, documents, checkpoint: change.checkpoint }
          : { documents, checkpoint: change.checkpoint };
        raw.write(`data: ${JSON.stringify(message)}\n\n`);
      }
    });
    const heartbeat = setInterval(() => {
      // A role change writes no replicated document: the heartbeat notices it.
      if (!currentView()) return void raw.end();
      raw.write(': heartbeat\n\n');
    }, deps.heartbeatMs ?? HEARTBEAT_MS);
    heartbeat.unref();
    let closed = false;
    const cleanup = () => {
      if (closed) return;
      closed = true;
      const left = (streamsPerAccount.get(readerId) ?? 1) - 1;
      if (left > 0) streamsPerAccount.set(readerId, left);
      else streamsPerAccount.delete(readerId);
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(raw);
      for (const collection of collections) metrics.sseClients.dec({ collection });
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
