/**
 * POST /api/v1/auth/oidc/start is public: besides the cap on sign-ins under way in all, each client
 * address may hold only so many at once, so one host cannot fill the table and lock everyone else
 * out of single sign-on. Real HTTP through a trusted proxy (X-Forwarded-For names the client).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OPEN_FLOWS_PER_CLIENT } from '../../sync-server/http/oidc-routes.js';
import { resolveSsoSettings } from '../../sync-server/sso/settings.js';
import { startOidcStandIn, type OidcStandIn } from '../standins/oidc/provider.js';
import { http, startTestServer, type TestServer } from './helpers/server.js';

const REDIRECT = 'http://127.0.0.1:49152/callback';
let idp: OidcStandIn;
let srv: TestServer;

beforeAll(async () => {
  idp = await startOidcStandIn({ redirectUris: ['http://127.0.0.1/callback'] });
  srv = await startTestServer({
    trustProxy: ['127.0.0.1'],
    sso: resolveSsoSettings({ name: 'Stand-in IdP', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, redirectUris: [], breakGlassUsernames: ['admin'] }),
  });
});
afterAll(async () => {
  await srv?.close();
  await idp?.close();
});

const startFrom = (ip: string) => http('POST', `${srv.url}/api/v1/auth/oidc/start`, { body: { redirectUri: REDIRECT }, headers: { 'x-forwarded-for': ip } });

describe('starting single sign-on, per client address', () => {
  it('refuses one address past its open sign-ins with 429 and a sentence, while another address still starts', async () => {
    for (let i = 0; i < MAX_OPEN_FLOWS_PER_CLIENT; i++) expect((await startFrom('203.0.113.9')).status).toBe(200);
    const refused = await startFrom('203.0.113.9');
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toMatch(/sign-ins started from your address are still under way/);
    // IPv6 counts by its /64, as sign-in throttling does: a fresh address in the same /64 is the same client.
    for (let i = 0; i < MAX_OPEN_FLOWS_PER_CLIENT; i++) expect((await startFrom(`2001:db8:1:2::${(i + 1).toString(16)}`)).status).toBe(200);
    expect((await startFrom('2001:db8:1:2::ffff')).status).toBe(429);
    expect((await startFrom('198.51.100.4')).status).toBe(200);
  });
});
