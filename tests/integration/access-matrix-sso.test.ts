/**
 * The single sign-on endpoints held to the access matrix (core/engine/access-matrix.ts), cell by
 * cell, against a real server with a real OpenID Connect provider on loopback: every role and a
 * caller without a token get what the table says. The rest of the matrix is access-matrix.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_ROLES, allowedRoles, ENDPOINT_ACCESS, type AccountRole, type Endpoint } from '../../core/index.js';
import { resolveSsoSettings } from '../../sync-server/sso/settings.js';
import { signInAtProvider } from '../standins/oidc/login-agent.js';
import { startOidcStandIn, STAND_IN_USERS, type OidcStandIn } from '../standins/oidc/provider.js';
import { SSO_ENDPOINTS } from './helpers/sso-endpoints.js';
import { http, login, startTestServer, type TestServer } from './helpers/server.js';

const REDIRECT = 'http://127.0.0.1:49152/callback';
const PASSWORD = 'matrix-sso-console-password-5';
const SIGNER = STAND_IN_USERS[0] as (typeof STAND_IN_USERS)[0];
let idp: OidcStandIn;
let srv: TestServer;
const tokens = new Map<AccountRole, string>();

beforeAll(async () => {
  idp = await startOidcStandIn({ redirectUris: ['http://127.0.0.1/callback'] });
  const usernames = ALL_ROLES.map((role) => `ms-${role.replace('_', '-')}`);
  srv = await startTestServer({
    sso: resolveSsoSettings({ name: 'Stand-in IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, redirectUris: [], breakGlassUsernames: ['admin', ...usernames] }),
  });
  for (const [n, role] of ALL_ROLES.entries()) {
    const username = usernames[n] as string;
    const res = await http('POST', `${srv.url}/api/v1/accounts`, { token: srv.adminToken, body: { id: `u-${username}`, username, password: PASSWORD, displayName: username, roles: [role] } });
    expect(res.status, res.text).toBe(201);
    tokens.set(role, await login(srv.url, username, PASSWORD));
  }
  // The person the provider's user is: a sign-in completes for them.
  const person = srv.store.get('users', 'u-ms-requester')!;
  srv.store.put('users', { ...person, externalIds: { entra: SIGNER.id }, updatedAt: new Date().toISOString() });
});
afterAll(async () => {
  await srv?.close();
  await idp?.close();
});

async function call(endpoint: Endpoint, token: string | undefined): Promise<number> {
  const auth = token ? { token } : {};
  const start = () => http<{ authorizationUrl: string; flow: string }>('POST', `${srv.url}/api/v1/auth/oidc/start`, { ...auth, body: { redirectUri: REDIRECT } });
  if (endpoint === 'POST /api/v1/auth/oidc/start') return (await start()).status;
  if (endpoint === 'POST /api/v1/auth/oidc/complete') {
    const started = await start();
    const callback = await signInAtProvider(started.body.authorizationUrl, SIGNER, REDIRECT);
    return (await http('POST', `${srv.url}/api/v1/auth/oidc/complete`, { ...auth, body: { flow: started.body.flow, callback: callback.search } })).status;
  }
  const [method, path] = endpoint.split(' ') as [string, string];
  return (await http(method, `${srv.url}${path}`, auth)).status;
}

describe('the single sign-on endpoints, cell by cell', () => {
  it('answer every role, and a caller without a token, as the access matrix says', async () => {
    const differences: string[] = [];
    for (const endpoint of [...SSO_ENDPOINTS, 'GET /api/v1/auth/methods' as const]) {
      const access = ENDPOINT_ACCESS[endpoint];
      const open = allowedRoles(access);
      for (const role of ALL_ROLES) {
        const status = await call(endpoint, tokens.get(role));
        const answered = status >= 200 && status < 300 ? 'allowed' : status === 403 ? 'refused' : `unexpected ${status}`;
        if (answered !== (open.includes(role) ? 'allowed' : 'refused')) differences.push(`${endpoint} / ${role}: server answered ${status}`);
      }
      const anonymous = await call(endpoint, undefined);
      const expected = access.roles === 'public' ? 'a 2xx' : '401';
      if ((access.roles === 'public') !== (anonymous >= 200 && anonymous < 300)) differences.push(`${endpoint} without a token: expected ${expected}, got ${anonymous}`);
    }
    expect(differences).toEqual([]);
  });
});
