/**
 * A real OpenID Connect provider on loopback for the single sign-on tests: oidc-provider (the
 * certified Node implementation) with one client, people with and without `amr: ['mfa']`, its own
 * login form, and signing keys that rotate. Plain http on 127.0.0.1 (the console allows http only
 * for a loopback issuer).
 *
 *   const idp = await startOidcStandIn({ redirectUris: [...] });
 *   idp.issuer, idp.clientId, idp.clientSecret
 *   await idp.rotateKeys();                  // a new signing key first in the JWKS, the old one kept
 *   idp.tamperIdToken((claims) => ({ ...claims, aud: 'someone-else' }), { key: 'stranger' });
 *
 * tamperIdToken rewrites the next token answer's ID token with other claims, signed again with the
 * provider's current key (or a key it never published, or one it never published under its key's id): how a token for another audience, an expired
 * one or one from another sign-in reaches the console through the real token endpoint.
 */
import { generateKeyPairSync, createPrivateKey, sign, type JsonWebKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export type StandInUser = { id: string; username: string; password: string; name: string; email: string; amr: string[] };

export const STAND_IN_USERS: StandInUser[] = [
  // Entra-style object ids: the console matches `oid` to the person's externalIds.entra.
  { id: '6f1c2d3e-0a1b-4c2d-8e3f-000000000001', username: 'mia@example.test', password: 'mia-idp-password', name: 'Mia Okafor', email: 'mia@example.test', amr: ['pwd', 'mfa'] },
  { id: '6f1c2d3e-0a1b-4c2d-8e3f-000000000002', username: 'noah@example.test', password: 'noah-idp-password', name: 'Noah Berg', email: 'noah@example.test', amr: ['pwd'] },
  { id: '6f1c2d3e-0a1b-4c2d-8e3f-0000000000ff', username: 'stranger@example.test', password: 'stranger-idp-password', name: 'Stranger', email: 'stranger@example.test', amr: ['pwd', 'mfa'] },
];

type SigningKey = JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
/** current: the provider's signing key; stranger: a key it never published; forged: a stranger key under the current key's id. */
type Tamper = { rewrite: (claims: Record<string, unknown>) => Record<string, unknown>; key: 'current' | 'stranger' | 'forged' };

let keyCounter = 0;
function newSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JsonWebKey), kid: `standin-${process.pid}-${++keyCounter}`, alg: 'RS256', use: 'sig' };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs claims as an RS256 JWT with a private JWK (node:crypto, independent of the console's library). */
export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey({ key, format: 'jwk' })).toString('base64url')}`;
}

export function decodeJwt(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, message = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Stand-in identity provider</title></head><body>
<h1>Sign in to the stand-in identity provider</h1>${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export type OidcStandIn = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  users: StandInUser[];
  /** The signing keys published now, current first. */
  publishedKids(): string[];
  rotateKeys(): Promise<void>;
  tamperIdToken(rewrite: Tamper['rewrite'], options?: { key?: Tamper['key'] }): void;
  close(): Promise<void>;
};

export async function startOidcStandIn(options: { redirectUris: string[]; users?: StandInUser[]; clientId?: string; clientSecret?: string }): Promise<OidcStandIn> {
  const users = options.users ?? STAND_IN_USERS;
  const clientId = options.clientId ?? 'jit-console';
  const clientSecret = options.clientSecret ?? 'stand-in-client-secret-0123456789';
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let keys: SigningKey[] = [newSigningKey()];
  const stranger = newSigningKey();
  let tamper: Tamper | null = null;

  const build = () => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          // native: loopback redirects match on any port (RFC 8252 section 7.3), as Entra does.
          application_type: 'native',
          redirect_uris: options.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: keys as never },
      cookies: { keys: ['stand-in-cookie-key-0123456789abcdef'] },
      claims: { openid: ['sub', 'oid', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
      // Claims go in the ID token itself, as Entra puts oid there.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      async findAccount(_ctx: unknown, id: string) {
        const user = users.find((u) => u.id === id);
        if (!user) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, oid: id, email: user.email, email_verified: true, name: user.name, preferred_username: user.username }) };
      },
    } as never);
    provider.on('server_error', (_ctx: unknown, error: Error) => process.stderr.write(`oidc stand-in: ${error.stack ?? error.message}\n`));
    return provider;
  };
  let provider = build();

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (details.prompt.name === 'consent') {
      // A first-party client: what it asks for is granted without a consent screen.
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ clientId: String(details.params.client_id), accountId: String(details.session?.accountId) });
      if (!grant) throw new Error('grant not found');
      grant.addOIDCScope(String(details.params.scope));
      await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid));
      return;
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await formBody(req);
      const user = users.find((u) => u.username === form.get('username') && u.password === form.get('password'));
      if (!user) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid, 'Wrong username or password'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: user.id, amr: user.amr } }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(404).end();
  }

  /** Captures the token endpoint's answer and rewrites its ID token once. */
  function tamperWith(res: ServerResponse, current: Tamper) {
    const chunks: Buffer[] = [];
    const end = res.end.bind(res);
    res.write = ((chunk: unknown) => (chunks.push(Buffer.from(chunk as Buffer)), true)) as never;
    res.end = ((chunk?: unknown) => {
      if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk as Buffer));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const signer = current.key === 'stranger' ? stranger : current.key === 'forged' ? { ...stranger, kid: (keys[0] as SigningKey).kid } : (keys[0] as SigningKey);
      if (typeof body.id_token === 'string') body.id_token = signJwt(current.rewrite(decodeJwt(body.id_token)), signer);
      const text = JSON.stringify(body);
      res.setHeader('content-length', Buffer.byteLength(text));
      return end(text);
    }) as never;
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = /^\/interaction\/([^/]+)(?:\/(login))?$/.exec(path);
    if (match) {
      interaction(req, res, match[1] as string, match[2]).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : String(error));
      });
      return;
    }
    if (req.method === 'POST' && path === '/token' && tamper) {
      tamperWith(res, tamper);
      tamper = null;
    }
    provider.callback()(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    users,
    publishedKids: () => keys.map((k) => k.kid),
    async rotateKeys() {
      // The new key signs from now on; the previous one stays published for tokens already out.
      keys = [newSigningKey(), ...keys].slice(0, 2);
      provider = build();
    },
    tamperIdToken(rewrite, opts = {}) {
      tamper = { rewrite, key: opts.key ?? 'current' };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
