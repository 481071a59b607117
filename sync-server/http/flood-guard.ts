/**
 * Floods of commands, on the three routes that take them (POST /api/v1/commands, POST
 * /api/v1/requests, POST /sync/v1/:collection/push), keyed by the signed-in account (the address
 * only when there is no account, which installAuth already refuses):
 *
 * - Requests: at most `requestsPerMinute` per account and route (@fastify/rate-limit, checked
 *   before the body is parsed); beyond that 429 with Retry-After.
 * - Rejections: each account may have `rejectionsPerWindow` rejected commands recorded per window
 *   (../commands/rejection-budget.ts); beyond that a rejection is refused with 429 and Retry-After
 *   before anything is written, and the episode is audited once, not once per refusal.
 *
 * Commands that apply are never counted against the rejection budget, so an approver working
 * through a queue is not slowed; the request limit is far above what a person or a console sends.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PROTOCOL_VERSION } from '../../core/index.js';
import type { BeforeReject } from '../commands/processor.js';
import { createRejectionBudget, DEFAULT_REJECTION_BUDGET, RejectionBudgetSpent, type RejectionBudget, type RejectionBudgetSettings } from '../commands/rejection-budget.js';
import type { Store } from '../store/types.js';
import { ApiError } from './errors.js';

export type FloodGuardSettings = RejectionBudgetSettings & {
  /** Requests per minute one account may send to each command route. */
  requestsPerMinute: number;
};

export const DEFAULT_FLOOD_GUARD: FloodGuardSettings = { ...DEFAULT_REJECTION_BUDGET, requestsPerMinute: 3000 };

/** The routes that take commands: the only ones whose rejections are stored and replicated. */
export const COMMAND_ROUTES: readonly string[] = ['/api/v1/commands', '/api/v1/requests', `/sync/v${PROTOCOL_VERSION}/:collection/push`];

export type FloodGuard = {
  readonly settings: FloodGuardSettings;
  /** For the routes' own unrecordable refusals (another actor's id, a row without a usable id), audited per row. */
  readonly rejections: RejectionBudget;
  /** For createCommandProcessor: charges the signed-in sender's budget before a rejection is written. */
  readonly beforeReject: BeforeReject;
  /** Registers the request limit and the 429 answer; call before the command routes are registered. */
  install(app: FastifyInstance): Promise<void>;
};

const senderKey = (request: FastifyRequest) => (request.principal ? `account:${request.principal.account.id}` : `address:${request.ip}`);

export function createFloodGuard(options: { store: Store; now: () => Date; settings?: Partial<FloodGuardSettings> }): FloodGuard {
  const settings: FloodGuardSettings = { ...DEFAULT_FLOOD_GUARD, ...options.settings };
  const rejections = createRejectionBudget({ now: options.now, settings: { rejectionsPerWindow: settings.rejectionsPerWindow, windowSeconds: settings.windowSeconds } });

  return {
    settings,
    rejections,
    // Internal callers (the demo seed) have no signed-in sender and are not budgeted.
    beforeReject: ({ senderId }) => {
      if (senderId !== undefined) rejections.charge(senderId);
    },
    async install(app) {
      app.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        if (!methods.includes('POST') || !COMMAND_ROUTES.includes(route.url)) return;
        route.config = { ...(route.config ?? {}), rateLimit: { max: settings.requestsPerMinute, timeWindow: 60_000 } };
      });
      await app.register(fastifyRateLimit, {
        global: false,
        // After installAuth's onRequest hook has named the account, before the body is read.
        hook: 'preParsing',
        keyGenerator: senderKey,
        errorResponseBuilder: (request, context) => new ApiError(429, 'throttled', `too many requests: more than ${context.max} a minute to ${request.routeOptions.url ?? 'this route'}; try again in ${context.after}`),
      });
      app.addHook('onError', async (request, reply, error) => {
        if (!(error instanceof RejectionBudgetSpent)) return;
        reply.header('retry-after', String(error.retryAfterSeconds));
        if (!error.announce) return;
        request.log.warn({ sender: error.senderId }, 'rejected commands refused: the sender spent its rejection budget');
        options.store.appendAudit({
          type: 'command.rejected',
          actorId: error.senderId,
          subjectType: 'account',
          subjectId: error.senderId,
          data: { reason: 'flood', recorded: false, rejectionsPerWindow: error.settings.rejectionsPerWindow, windowSeconds: error.settings.windowSeconds, retryAfterSeconds: error.retryAfterSeconds, route: request.routeOptions.url ?? null },
          at: options.now().toISOString(),
        });
      });
    },
  };
}
