import { createHmac, createPublicKey, randomBytes, timingSafeEqual, verify as verifySignature, X509Certificate } from 'node:crypto';

export type AppRegistration = {
  clientId: string;
  clientSecret?: string;
  /** PEM certificate whose key signs client assertions (certificate credentials). */
  certificatePem?: string;
  displayName: string;
  permissions: Set<string>;
};

export type TokenClaims = { tid: string; appid: string; exp: number; iat: number; nbf: number; aud: string; iss: string; oid: string; jti: string };

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Access tokens shaped like Entra's JWTs, signed with a per-instance HMAC key the stand-in checks. */
export class TokenIssuer {
  private readonly key = randomBytes(32);

  constructor(private readonly tenantId: string) {}

  issue(clientId: string, nowMs: number, lifetimeSeconds: number): string {
    const iat = Math.floor(nowMs / 1000);
    const claims: TokenClaims = {
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${this.tenantId}/`,
      iat,
      nbf: iat - 300,
      exp: iat + lifetimeSeconds,
      appid: clientId,
      oid: clientId,
      tid: this.tenantId,
      jti: randomBytes(9).toString('base64url'),
    };
    const unsigned = `${b64url({ typ: 'JWT', alg: 'HS256' })}.${b64url(claims)}`;
    return `${unsigned}.${createHmac('sha256', this.key).update(unsigned).digest('base64url')}`;
  }

  /** The claims of a token this instance issued, or the reason it is refused. */
  check(token: string, nowMs: number): { ok: true; claims: TokenClaims } | { ok: false; message: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, message: 'IDX14100: JWT is not well formed, there are no dots (.).' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = createHmac('sha256', this.key).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, message: 'Access token validation failure. Invalid signature.' };
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    if (claims.tid !== this.tenantId) return { ok: false, message: 'Access token validation failure. Invalid tenant.' };
    if (claims.exp * 1000 <= nowMs) return { ok: false, message: 'Lifetime validation failed, the token is expired.' };
    return { ok: true, claims };
  }
}

/**
 * Checks a certificate credential's client assertion (RFC 7523 JWT): signed by the key of the
 * app's registered certificate, issued by and for the client, addressed to the token endpoint.
 */
export function verifyClientAssertion(assertion: string, app: AppRegistration, tokenEndpoint: string, nowMs: number): string | undefined {
  if (!app.certificatePem) return 'No certificate is registered for this application.';
  const parts = assertion.split('.');
  if (parts.length !== 3) return 'The client assertion is not a well-formed JWT.';
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: string };
  let payload: { aud?: string; iss?: string; sub?: string; exp?: number; nbf?: number };
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as typeof payload;
  } catch {
    return 'The client assertion is not a well-formed JWT.';
  }
  const publicKey = createPublicKey(new X509Certificate(app.certificatePem).publicKey.export({ type: 'spki', format: 'pem' }));
  const data = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  if (header.alg !== 'RS256' && header.alg !== 'PS256') return `Unsupported client assertion algorithm '${String(header.alg)}'.`;
  // PS256 is RSA-PSS (padding 6 = RSA_PKCS1_PSS_PADDING) with a 32-byte salt, as MSAL signs it.
  const valid =
    header.alg === 'RS256'
      ? verifySignature('sha256', data, publicKey, signature)
      : verifySignature('sha256', data, { key: publicKey, padding: 6, saltLength: 32 }, signature);
  if (!valid) return 'The client assertion signature is invalid.';
  if (payload.iss !== app.clientId || payload.sub !== app.clientId) return 'The client assertion issuer and subject must be the client id.';
  if (payload.aud !== tokenEndpoint) return `The client assertion audience must be '${tokenEndpoint}'.`;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 <= nowMs) return 'The client assertion has expired.';
  return undefined;
}
