import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allowedRoles, ENDPOINT_ACCESS, syncAccess, type AccountRole, type CollectionName, type DirectoryUser, type Endpoint, type SyncOperation } from '../../core/index.js';
import { hashToken } from '../auth/tokens.js';
import type { AccountRecord, SessionRecord, Store } from '../store/types.js';
import { ApiError, forbidden, unauthenticated } from './errors.js';

/** Who is calling: their account (roles are the authority), directory entry and session. */
export type Principal = { account: AccountRecord; user: DirectoryUser; session: SessionRecord };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes reachable without a token. Everything else needs one (deny by default). */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+([A-Za-z0-9_-]{16,256})\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** Who a session stands for right now, or why it no longer stands for anyone. */
export function principalForSession(store: Store, tokenHash: string, now: Date): Principal | ApiError {
  const session = store.getSession(tokenHash);
  if (!session) return unauthenticated('the token is not valid; sign in again');
  if (Date.parse(session.expiresAt) <= now.getTime()) {
    store.deleteSession(session.tokenHash);
    return unauthenticated('the session expired; sign in again');
  }
  const account = store.getAccount(session.accountId);
  const user = account ? store.get('users', account.id) : null;
  if (!account || !user) return unauthenticated('the account no longer exists');
  if (account.disabledAt || user.disabled) return forbidden('the account is disabled');
  return { account, user: { ...user, roles: account.roles }, session };
}

/** Adds `request.principal` and refuses, before the body is read, any non-public route without a valid token. */
export function installAuth(app: FastifyInstance, deps: { store: Store; now: () => Date }): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    // CORS preflights carry no credentials; the CORS hook answers them.
    if (request.method === 'OPTIONS') return;
    // Unknown paths fall to the not-found handler, which reveals nothing.
    if (!request.routeOptions.url) return;
    if (request.routeOptions.config.public === true) return;
    const token = bearerToken(request);
    if (!token) throw unauthenticated();
    const principal = principalForSession(deps.store, hashToken(token), deps.now());
    if (principal instanceof ApiError) throw principal;
    request.principal = principal;
  });
}

/**
 * A live stream is authorised once, when it opens, and then lasts for hours. This ends the ones
 * whose session no longer stands (signed out, expired, account disabled or gone), checking every `checkMs` and at once when asked (after a sign-out).
 */
export type StreamGuard = { sweep(): void; stop(): void };

export function guardStreams(
  app: FastifyInstance,
  deps: { store: Store; now: () => Date; streams: ReadonlySet<ServerResponse>; checkMs: number; onError: (error: unknown) => void },
): StreamGuard {
  const sessionOf = new WeakMap<ServerResponse, string>();
  // Runs after installAuth's hook: remembers which session each response, streams included, belongs to.
  app.addHook('onRequest', async (request, reply) => {
    if (request.principal) sessionOf.set(reply.raw, request.principal.session.tokenHash);
  });
  const sweep = () => {
    try {
      const now = deps.now();
      for (const stream of [...deps.streams]) {
        const tokenHash = sessionOf.get(stream);
        const principal = tokenHash === undefined ? null : principalForSession(deps.store, tokenHash, now);
        // Deny by default: a stream with no known session ends too.
        // A role change is the stream's own business: it ends when the reader's view changes.
        if (!principal || principal instanceof ApiError) stream.end();
      }
    } catch (error) {
      // A timer callback must not throw (it would end the process); the next sweep tries again.
      deps.onError(error);
    }
  };
  const timer = setInterval(sweep, deps.checkMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

export function requireRole(request: FastifyRequest, roles: readonly AccountRole[], what: string): Principal {
  const principal = principalOf(request);
  if (!principal.account.roles.some((r) => roles.includes(r))) {
    throw forbidden(`${what} needs one of the roles ${roles.join(', ')}; you have ${principal.account.roles.join(', ')}`);
  }
  return principal;
}

/** The caller may use this endpoint, as the authorisation matrix (core/engine/access-matrix.ts) says. */
export function requireEndpoint(request: FastifyRequest, endpoint: Endpoint, what: string): Principal {
  return requireRole(request, allowedRoles(ENDPOINT_ACCESS[endpoint]), what);
}

/** The caller may replicate this collection this way, as the authorisation matrix says (what they then see: sync-view.ts). */
export function requireSync(request: FastifyRequest, collection: CollectionName, operation: SyncOperation): Principal {
  const principal = principalOf(request);
  if (!principal.account.roles.some((r) => syncAccess(collection, operation).includes(r))) {
    if (operation === 'push') throw forbidden(`${collection} is authoritative on the server and replicates pull-only; send a command instead`);
    throw forbidden(`${operation} of ${collection} is not open to the roles ${principal.account.roles.join(', ')}`);
  }
  return principal;
}
