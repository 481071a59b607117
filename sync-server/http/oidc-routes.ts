/**
 * Single sign-on through OpenID Connect (docs/decisions/single-sign-on.md):
 *
 *   GET  /api/v1/auth/methods         how this server signs people in: password (for everyone, or the
 *                                     break-glass admins only) and the provider's name when configured
 *   POST /api/v1/auth/oidc/start      a new sign-in: the provider's authorization URL (code flow, PKCE,
 *                                     state, nonce) and the flow secret the client keeps
 *   POST /api/v1/auth/oidc/complete   the provider's answer (the query of its redirect) and the flow
 *                                     secret: the server exchanges the code, the library validates the
 *                                     ID token, the person is matched, and a console session starts as
 *                                     with a password
 *
 * An ID token whose `amr` holds `mfa` marks the session with a second factor at its `auth_time`, so
 * a policy requiring MFA is met within its freshness without a code. While single sign-on is on,
 * password sign-in is refused before any password check for everyone outside the break-glass set.
 * Every sign-in and every refusal is an audit event, with its reason.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AccountRole, ENDPOINT_ACCESS, Id, type Endpoint } from '../../core/index.js';
import { addressKey } from '../auth/client-address.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { createMfaStore } from '../mfa/mfa-store.js';
import { createFlowStore, randomValue } from '../sso/flows.js';
import { matchPerson, type PersonMatch } from '../sso/match.js';
import { createOidcClient, SsoFailure, type OidcClient } from '../sso/oidc-client.js';
import { isDesktopLoopbackRedirect, type SsoSettings } from '../sso/settings.js';
import type { Store } from '../store/types.js';
import { ApiError } from './errors.js';

export type OidcRouteDeps = {
  store: Store;
  now: () => Date;
  tokenTtlMinutes: number;
  sso?: SsoSettings;
  /** The configured Entra connectors' ids: a person's object id may be kept under any of them (sso/match.ts). */
  entraConnectorIds?: () => string[];
};

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });
const PublicUser = z.object({ id: Id, displayName: z.string(), roles: z.array(AccountRole) });
/** Sign-ins under way at once, beyond which new ones wait: the table cannot be filled by strangers. */
const MAX_OPEN_FLOWS = 10_000;
/**
 * ...and started by one client address (its /64 for IPv6, as sign-in throttling counts): enough for
 * an office behind one NAT signing in at nine, too few for one host to fill the table and lock
 * everyone else out of single sign-on.
 */
export const MAX_OPEN_FLOWS_PER_CLIENT = 30;

const MATCH_MESSAGES: Record<Exclude<PersonMatch, { ok: true }>['reason'], string> = {
  missing_claim: 'the provider did not say who you are (the claim the console matches on is missing)',
  unverified_email: 'the provider has not verified your email address',
  unknown_person: 'you are signed in at the provider, but no console account is linked to you; ask an admin',
  ambiguous_person: 'more than one person in the console matches you; ask an admin to fix the directory',
  no_account: 'you are known in the directory but have no console account; ask an admin',
  disabled: 'the account is disabled',
};

/** Whether the access matrix (core/engine/access-matrix.ts) opens the endpoint without a session: the table decides, not the route. */
const isPublic = (endpoint: Endpoint): boolean => ENDPOINT_ACCESS[endpoint].roles === 'public';

export function registerOidcRoutes(root: FastifyInstance, deps: OidcRouteDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { store, now, sso } = deps;

  app.get('/api/v1/auth/methods', {
    config: { public: isPublic('GET /api/v1/auth/methods') },
    schema: {
      tags: ['auth'],
      summary: 'How this server signs people in',
      description: 'password: everyone, or only the break-glass admins when single sign-on is on. sso: the provider’s name for "Sign in with <name>", null when not configured.',
      response: { 200: z.object({ password: z.enum(['everyone', 'break_glass_only']), sso: z.object({ name: z.string() }).nullable() }) },
    },
    handler: async () => ({ password: sso ? ('break_glass_only' as const) : ('everyone' as const), sso: sso ? { name: sso.name } : null }),
  });
  if (!sso) return;

  const flows = createFlowStore(store);
  const mfa = createMfaStore(store, undefined);
  const client: OidcClient = createOidcClient(sso);
  const breakGlass = new Set(sso.breakGlassUsernames.map((u) => u.toLowerCase()));
  const countFlows = store.db.prepare('SELECT COUNT(*) FROM oidc_flows WHERE expires_at > ?').pluck();

  const failed = (input: { reason: string; ip: string; accountId?: string; detail?: string; value?: string | null }) =>
    store.appendAudit({
      type: 'auth.login_failed',
      actorId: input.accountId ?? 'anonymous',
      subjectType: 'account',
      subjectId: input.accountId ?? 'unknown',
      data: { method: 'oidc', issuer: sso.issuer, reason: input.reason, ...(input.value ? { claim: sso.claim, value: input.value.slice(0, 256) } : {}), ...(input.detail ? { detail: input.detail.slice(0, 512) } : {}), ip: input.ip },
      at: now().toISOString(),
    });

  // Password sign-in while SSO is on: only the break-glass admins, refused before the password is checked.
  root.addHook('preHandler', async (request) => {
    if (request.routeOptions.url !== '/api/v1/auth/login' || request.method !== 'POST') return;
    const username = (request.body as { username?: unknown } | undefined)?.username;
    if (typeof username !== 'string' || breakGlass.has(username.toLowerCase())) return;
    const account = store.getAccountByUsername(username);
    store.appendAudit({
      type: 'auth.login_failed',
      actorId: account?.id ?? 'anonymous',
      subjectType: 'account',
      subjectId: account?.id ?? 'unknown',
      data: { method: 'password', reason: 'sso_required', username: username.slice(0, 64), ip: request.ip },
      at: now().toISOString(),
    });
    throw new ApiError(403, 'forbidden', `sign in with ${sso.name}: password sign-in is kept for the break-glass admins while single sign-on is on`);
  });

  app.post('/api/v1/auth/oidc/start', {
    config: { public: isPublic('POST /api/v1/auth/oidc/start') },
    schema: {
      tags: ['auth'],
      summary: `Start a sign-in at the OpenID Connect provider`,
      description:
        'redirectUri: one of the server’s configured redirect URIs (the web console’s /signin-oidc), or the desktop app’s loopback address http://127.0.0.1:<port>/callback. Answers the URL to open in a browser and the flow secret, which the client keeps and sends with the provider’s answer; the sign-in must be completed within 10 minutes.',
      body: z.strictObject({ redirectUri: z.string().min(1).max(2048) }),
      response: { 200: z.object({ authorizationUrl: z.string(), flow: z.string(), expiresAt: z.string() }), 400: ErrorBody, 429: ErrorBody, 502: ErrorBody },
    },
    handler: async (request) => {
      const { redirectUri } = request.body;
      if (!sso.redirectUris.includes(redirectUri) && !isDesktopLoopbackRedirect(redirectUri)) {
        throw new ApiError(400, 'invalid_input', 'redirectUri: is not one of this server’s redirect URIs (JIT_OIDC_REDIRECT_URIS) nor a desktop loopback address http://127.0.0.1:<port>/callback', 'redirectUri');
      }
      if ((countFlows.get(now().toISOString()) as number) >= MAX_OPEN_FLOWS) throw new ApiError(429, 'throttled', 'too many sign-ins are under way; try again in a minute');
      const clientKey = addressKey(request.ip);
      if (flows.openFor(clientKey, now()) >= MAX_OPEN_FLOWS_PER_CLIENT) {
        throw new ApiError(429, 'throttled', `${MAX_OPEN_FLOWS_PER_CLIENT} sign-ins started from your address are still under way; finish one, or try again in 10 minutes`);
      }
      const nonce = randomValue();
      const codeVerifier = randomValue();
      const begun = flows.begin({ nonce, codeVerifier, redirectUri, now: now(), clientKey });
      let authorizationUrl: string;
      try {
        authorizationUrl = await client.authorizationUrl({ redirectUri, state: begun.state, nonce, codeVerifier });
      } catch (error) {
        if (error instanceof SsoFailure) throw new ApiError(502, 'internal_error', error.message);
        throw error;
      }
      return { authorizationUrl, flow: begun.secret, expiresAt: new Date(now().getTime() + 10 * 60_000).toISOString() };
    },
  });

  app.post('/api/v1/auth/oidc/complete', {
    config: { public: isPublic('POST /api/v1/auth/oidc/complete') },
    schema: {
      tags: ['auth'],
      summary: 'Finish a sign-in with the provider’s answer: a bearer token, as POST /api/v1/auth/login answers',
      description:
        'callback: the query string the provider sent to the redirect URI (code, state, iss, or error). flow: the secret POST /api/v1/auth/oidc/start answered. Each flow is used once. Refusals are 401 with the reason in words (wrong audience, expired token, another sign-in’s nonce or state, an unknown signing key, a person the console does not know) and are audited.',
      body: z.strictObject({ flow: z.string().min(1).max(256), callback: z.string().min(1).max(8192) }),
      response: { 200: z.object({ token: z.string(), expiresAt: z.string(), user: PublicUser, secondFactorAt: z.string().nullable() }), 401: ErrorBody, 403: ErrorBody },
    },
    handler: async (request, reply) => {
      const ip = request.ip;
      const params = new URLSearchParams(request.body.callback.replace(/^[^?]*\?/, ''));
      const state = params.get('state') ?? '';
      const taken = flows.take(state, request.body.flow, now());
      if (!taken.ok) {
        failed({ reason: taken.reason === 'unknown_state' ? 'bad_state' : taken.reason, ip });
        const why = taken.reason === 'expired_flow' ? 'the sign-in took too long; start again' : 'this answer belongs to no sign-in under way (already used, or started elsewhere); start again';
        throw new ApiError(401, 'unauthenticated', why);
      }
      const { flow } = taken;
      const callback = new URL(flow.redirectUri);
      callback.search = params.toString();
      let claims: Record<string, unknown>;
      try {
        ({ claims } = await client.finish({ callback, state, nonce: flow.nonce, codeVerifier: flow.codeVerifier }));
      } catch (error) {
        if (!(error instanceof SsoFailure)) throw error;
        failed({ reason: error.reason, ip, ...(error.detail ? { detail: error.detail } : {}) });
        throw new ApiError(401, 'unauthenticated', `sign-in refused: ${error.message}`);
      }
      const match = matchPerson(store, sso, claims, deps.entraConnectorIds?.() ?? []);
      if (!match.ok) {
        failed({ reason: match.reason, ip, value: match.value });
        throw new ApiError(match.reason === 'disabled' ? 403 : 401, match.reason === 'disabled' ? 'forbidden' : 'unauthenticated', MATCH_MESSAGES[match.reason]);
      }
      const { account, user } = match;
      const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : [];
      // The provider's multi-factor sign-in counts as this session's second factor, from when it happened.
      const authTime = typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : typeof claims.iat === 'number' ? claims.iat * 1000 : now().getTime();
      const secondFactorAt = amr.includes('mfa') ? new Date(Math.min(authTime, now().getTime())).toISOString() : null;
      const token = newToken();
      const at = now().toISOString();
      const expiresAt = new Date(now().getTime() + deps.tokenTtlMinutes * 60_000).toISOString();
      store.tx(() => {
        store.deleteExpiredSessions(at);
        store.createSession({ tokenHash: hashToken(token), accountId: account.id, createdAt: at, expiresAt });
        if (secondFactorAt) mfa.markSession(hashToken(token), secondFactorAt, 'idp_mfa');
        store.appendAudit({
          type: 'auth.login_succeeded',
          actorId: account.id,
          subjectType: 'account',
          subjectId: account.id,
          data: { method: 'oidc', issuer: sso.issuer, claim: sso.claim, value: match.value.slice(0, 256), amr, ...(secondFactorAt ? { secondFactorAt } : {}), ip },
          at,
        });
      });
      return reply.send({ token, expiresAt, user: { id: account.id, displayName: user.displayName, roles: account.roles }, secondFactorAt });
    },
  });
}
