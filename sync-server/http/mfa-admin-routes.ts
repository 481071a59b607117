/**
 * An admin resets someone else's authenticator (a lost or replaced phone):
 *
 *   POST /api/v1/accounts/{id}/mfa/reset   the authenticator and recovery codes are removed; the person enrols again
 *
 * Admin only, never for one's own account (that is removed in Settings with a code or the password,
 * under its own rules). An admin with an authenticator of their own proves it first: their session's
 * second factor must be at most 15 minutes old (core's checkFreshFactor), so a stolen admin session
 * alone cannot strip someone's second factor. Every session of the account loses its step-up mark,
 * its wrong-code lock-out is cleared, and the reset is audited (`account.mfa_removed`, by the admin).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkFreshFactor, DEFAULT_MFA_FRESH_MINUTES, Id } from '../../core/index.js';
import { sessionSecondFactorAt, type MfaStore } from '../mfa/mfa-store.js';
import type { Store } from '../store/types.js';
import { requireEndpoint } from './auth.js';
import { ApiError, notFound } from './errors.js';

export type MfaAdminRouteDeps = { store: Store; now: () => Date; mfa: MfaStore };

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
const secured = [{ bearerAuth: [] as string[] }];

export function registerMfaAdminRoutes(root: FastifyInstance, deps: MfaAdminRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, now, mfa } = deps;

  app.post('/api/v1/accounts/:id/mfa/reset', {
    schema: {
      tags: ['accounts'],
      summary: "Reset someone else's authenticator (admin): it and its recovery codes are removed, and they set one up again",
      description:
        'Refused for your own account (403: remove yours in Settings). An admin who has an authenticator must have proved it within the last 15 minutes (403 mfa_required: POST /api/v1/auth/step-up, then send it again). 409 when the account has no authenticator to reset.',
      security: secured,
      params: z.object({ id: Id }),
      body: z.strictObject({ reason: z.string().trim().max(1024).default('') }).nullish(),
      response: { 200: z.object({ id: Id, username: z.string(), removed: z.enum(['pending', 'active']) }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
    },
    handler: async (request) => {
      const admin = requireEndpoint(request, 'POST /api/v1/accounts/:id/mfa/reset', "resetting someone's authenticator");
      const at = now();
      if (request.params.id === admin.account.id) {
        throw new ApiError(403, 'forbidden', 'your own authenticator is removed in Settings (two-step verification), with a current code or your password; another admin can reset it if you have lost it');
      }
      const account = store.getAccount(request.params.id);
      if (!account) throw notFound(`account ${request.params.id} does not exist`);
      const user = store.get('users', account.id);
      const who = user?.displayName ?? account.username;
      if (mfa.get(admin.account.id)?.status === 'active') {
        const fresh = checkFreshFactor(`resetting ${who}'s authenticator`, DEFAULT_MFA_FRESH_MINUTES, sessionSecondFactorAt(store, admin.session.tokenHash), at);
        if (!fresh.ok) throw new ApiError(403, 'mfa_required', fresh.message);
      }
      const removed = store.tx(() => {
        const authenticator = mfa.get(account.id);
        if (!authenticator) throw new ApiError(409, 'conflict', `${who} has no authenticator set up: there is nothing to reset`);
        mfa.remove(account.id, 'admin', at.toISOString());
        // A lost phone often comes with a run of wrong codes: the new one can be confirmed at once.
        mfa.clearFailures(account.id);
        store.appendAudit({
          type: 'account.mfa_removed',
          actorId: admin.account.id,
          subjectType: 'account',
          subjectId: account.id,
          data: { username: account.username, by: 'admin', with: 'admin_reset', was: authenticator.status, reason: request.body?.reason ?? '', ip: request.ip },
          at: at.toISOString(),
        });
        return authenticator.status;
      });
      return { id: account.id, username: account.username, removed };
    },
  });
}
