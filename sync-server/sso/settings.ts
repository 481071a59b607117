/**
 * Single sign-on settings: one OpenID Connect provider (Entra ID or any other), read from the
 * environment by cli.ts or given to createServer. Checked at start: a bad value fails the start and
 * names the variable. See docs/decisions/single-sign-on.md.
 */

/** Which ID token claim names the person, and which field of the person it is compared with. */
export const SSO_CLAIMS = ['oid', 'sub', 'preferred_username', 'email'] as const;
export type SsoClaim = (typeof SSO_CLAIMS)[number];
export const SSO_MATCH_FIELDS = ['entra', 'username', 'email'] as const;
export type SsoMatchField = (typeof SSO_MATCH_FIELDS)[number];

export type SsoSettings = {
  /** Shown on the sign-in screen: "Sign in with <name>". */
  name: string;
  /** The provider's issuer URL (https; http only on a loopback address, for tests). */
  issuer: string;
  clientId: string;
  /** Absent: a public client, which proves itself with PKCE alone. */
  clientSecret?: string;
  /**
   * Where the provider may send the web console back to: `<console origin>/signin-oidc`. The desktop
   * app's loopback address (http://127.0.0.1:<any port>/callback, RFC 8252) is always accepted.
   */
  redirectUris: string[];
  /** Default `oid` (Entra's object id, stable per tenant) matched to the person's Entra object id. */
  claim: SsoClaim;
  matchOn: SsoMatchField;
  /**
   * Usernames that may still sign in with a password while single sign-on is on: the break-glass
   * admins, for when the provider is down or misconfigured. Default: `admin`.
   */
  breakGlassUsernames: string[];
  /** Scopes asked for; `openid` is always included. */
  scopes: string[];
};

export type SsoSettingsInput = Partial<Omit<SsoSettings, 'issuer' | 'clientId'>> & { issuer: string; clientId: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** A desktop app's loopback redirect: http://127.0.0.1:<port>/callback (RFC 8252 section 7.3), any port. */
export function isDesktopLoopbackRedirect(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.port !== '' && url.pathname === '/callback' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
}

class SsoSettingsError extends Error {}

function checkUrl(name: string, value: string, { allowLoopbackHttp }: { allowLoopbackHttp: boolean }): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SsoSettingsError(`${name} must be a URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' && !(allowLoopbackHttp && isLoopbackHttp(url))) throw new SsoSettingsError(`${name} must be an https URL (plain http only on 127.0.0.1), got "${value}"`);
  if (url.hash) throw new SsoSettingsError(`${name} may not carry a #fragment, got "${value}"`);
  return url;
}

/** The settings with their defaults, or an Error naming what is wrong. */
export function resolveSsoSettings(input: SsoSettingsInput): SsoSettings {
  const issuer = checkUrl('issuer (JIT_OIDC_ISSUER)', input.issuer, { allowLoopbackHttp: true }).href.replace(/\/$/, '');
  if (!input.clientId.trim()) throw new SsoSettingsError('clientId (JIT_OIDC_CLIENT_ID) is required');
  const claim = input.claim ?? 'oid';
  if (!SSO_CLAIMS.includes(claim)) throw new SsoSettingsError(`claim (JIT_OIDC_CLAIM) must be one of ${SSO_CLAIMS.join(', ')}, got "${String(claim)}"`);
  const matchOn = input.matchOn ?? (claim === 'email' ? 'email' : claim === 'preferred_username' ? 'username' : 'entra');
  if (!SSO_MATCH_FIELDS.includes(matchOn)) throw new SsoSettingsError(`matchOn (JIT_OIDC_MATCH) must be one of ${SSO_MATCH_FIELDS.join(', ')}, got "${String(matchOn)}"`);
  const redirectUris = (input.redirectUris ?? []).map((uri) => checkUrl('redirectUris (JIT_OIDC_REDIRECT_URIS)', uri, { allowLoopbackHttp: true }).href);
  const breakGlassUsernames = [...new Set((input.breakGlassUsernames ?? ['admin']).map((u) => u.trim()).filter(Boolean))];
  const scopes = [...new Set(['openid', ...(input.scopes ?? ['profile', 'email'])])];
  const name = (input.name ?? 'single sign-on').trim().slice(0, 64) || 'single sign-on';
  return { name, issuer, clientId: input.clientId.trim(), ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}), redirectUris, claim, matchOn, breakGlassUsernames, scopes };
}

const list = (raw: string | undefined) => (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** JIT_OIDC_* from the environment; undefined when JIT_OIDC_ISSUER is not set (single sign-on off). */
export function ssoFromEnv(env: NodeJS.ProcessEnv = process.env): SsoSettings | undefined {
  if (!env.JIT_OIDC_ISSUER) return undefined;
  return resolveSsoSettings({
    issuer: env.JIT_OIDC_ISSUER,
    clientId: env.JIT_OIDC_CLIENT_ID ?? '',
    ...(env.JIT_OIDC_CLIENT_SECRET ? { clientSecret: env.JIT_OIDC_CLIENT_SECRET } : {}),
    ...(env.JIT_OIDC_NAME ? { name: env.JIT_OIDC_NAME } : {}),
    redirectUris: list(env.JIT_OIDC_REDIRECT_URIS),
    ...(env.JIT_OIDC_CLAIM ? { claim: env.JIT_OIDC_CLAIM as SsoClaim } : {}),
    ...(env.JIT_OIDC_MATCH ? { matchOn: env.JIT_OIDC_MATCH as SsoMatchField } : {}),
    ...(env.JIT_BREAK_GLASS_ADMINS !== undefined ? { breakGlassUsernames: list(env.JIT_BREAK_GLASS_ADMINS) } : {}),
    ...(env.JIT_OIDC_SCOPES ? { scopes: list(env.JIT_OIDC_SCOPES.replace(/\s+/g, ',')) } : {}),
  });
}
