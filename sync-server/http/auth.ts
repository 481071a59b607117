import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayUseConsole, type AccountRole, type DirectoryUser } from '../../core/index.js';
import { hashToken } from '../auth/tokens.js';
import type { AccountRecord, SessionRecord, Store } from '../store/types.js';
import { forbidden, unauthenticated } from './errors.js';

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
    const session = deps.store.getSession(hashToken(token));
    if (!session) throw unauthenticated('the token is not valid; sign in again');
    if (Date.parse(session.expiresAt) <= deps.now().getTime()) {
      deps.store.deleteSession(session.tokenHash);
      throw unauthenticated('the session expired; sign in again');
    }
    const account = deps.store.getAccount(session.accountId);
    const user = account ? deps.store.get('users', account.id) : null;
    if (!account || !user) throw unauthenticated('the account no longer exists');
    if (account.disabledAt || user.disabled) throw forbidden('the account is disabled');
    request.principal = { account, user: { ...user, roles: account.roles }, session };
  });
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

export function requireConsole(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (!mayUseConsole(principal.account.roles)) {
    throw forbidden('replication is for console roles (approver, policy_admin, reviewer, auditor, admin); requesters use /api/v1/requests');
  }
  return principal;
}
