/**
 *   GET  /api/v1/people/{id}/offboarding   (admin) what offboarding did for a person and how far it has got
 *   POST /api/v1/webhooks/offboard         (signed with the shared secret, no session) an HR system or IdP offboards a person
 *
 * The offboarding itself is the command `person.offboard` (POST /api/v1/commands), admin only.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Id } from '../../core/index.js';
import { requireEndpoint } from '../http/auth.js';
import { notFound } from '../http/errors.js';
import type { SecretKey } from '../secrets/crypto.js';
import type { Store } from '../store/types.js';
import { ensureOffboardingTables, writeOffboardingSettings, type OffboardingSettings } from './migrations.js';
import { offboardingView } from './record.js';
import { handleOffboardWebhook } from './webhook.js';

const secured = [{ bearerAuth: [] as string[] }];
/** A webhook call names one person: a few hundred bytes. */
const WEBHOOK_BODY_LIMIT = 16 * 1024;

export type OffboardingRoutesDeps = { store: Store; now: () => Date; secretKey?: SecretKey | undefined; settings?: OffboardingSettings | undefined };

export function registerOffboardingRoutes(root: FastifyInstance, deps: OffboardingRoutesDeps): void {
  const { store, now } = deps;
  ensureOffboardingTables(store);
  if (deps.settings) writeOffboardingSettings(store, deps.settings);
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get('/api/v1/people/:id/offboarding', {
    schema: {
      tags: ['accounts'],
      summary: 'What offboarding did for a person and how far it has got (admin): grants revoked and verified of the total, requests cancelled, duties moved, sessions left',
      description: 'state is none (never offboarded), in_progress (a grant not yet verified gone) or done. Poll it, or follow the grants in the replica, until done.',
      security: secured,
      params: z.object({ id: Id }),
    },
    handler: async (request) => {
      requireEndpoint(request, 'GET /api/v1/people/:id/offboarding', 'reading offboarding progress');
      if (!store.get('users', request.params.id) && !store.getAccount(request.params.id)) throw notFound(`person ${request.params.id} does not exist`);
      return offboardingView(store, request.params.id);
    },
  });

  // Its own scope: the signature is over the body's bytes as sent, so it reaches the handler as text.
  void root.register(async (scope) => {
    scope.removeContentTypeParser(['application/json', 'text/plain']);
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.post('/api/v1/webhooks/offboard', {
      config: { public: true },
      schema: {
        tags: ['accounts'],
        summary: 'Offboard a person, called by an HR system or identity provider; signed with the shared secret',
        description:
          'Headers X-JIT-Timestamp (Unix seconds) and X-JIT-Signature: v1=<hex HMAC-SHA256 over "<timestamp>.<body>">. Body: {"username"|"mail"|"objectId": ..., "reason"?, "reference"?}. 401: not signed with the secret, or signed more than 5 minutes from now; 409: the same call again (a replay); 404: no such person.',
      },
      handler: async (request, reply) => {
        const answer = handleOffboardWebhook({ store, secretKey: deps.secretKey, now }, request.headers, typeof request.body === 'string' ? request.body : '');
        return reply.code(answer.status).type('application/json').send(answer.body);
      },
    });
  });
}
