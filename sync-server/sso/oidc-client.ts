/**
 * The console as an OpenID Connect client, through openid-client: discovery, the authorization URL
 * (code flow, PKCE S256, state, nonce), and the code exchange, in which the library validates the
 * ID token (signature against the provider's JWKS, which it fetches again when an unknown key id
 * appears and its copy is a minute old, and every five minutes; issuer, audience, expiry, nonce). Failures are sorted into the reasons the audit log records.
 */
import * as oidc from 'openid-client';
import { isLoopbackHttp, type SsoSettings } from './settings.js';

export type SsoFailureReason =
  | 'provider_error'
  | 'provider_unreachable'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'bad_nonce'
  | 'bad_state'
  | 'unknown_key'
  | 'bad_signature'
  | 'invalid_token';

export class SsoFailure extends Error {
  constructor(
    readonly reason: SsoFailureReason,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type VerifiedSignIn = { claims: Record<string, unknown> };

/**
 * The library's options: the ID token's signature is verified even though it comes straight from the
 * token endpoint (by default openid-client, as OpenID Connect Core 3.1.3.7 allows, trusts TLS there and
 * skips it); plain http only for a provider on a loopback address (the tests' stand-in).
 */
function extensions(issuer: URL): ((config: oidc.Configuration) => void)[] {
  return [oidc.enableNonRepudiationChecks, ...(isLoopbackHttp(issuer) ? [oidc.allowInsecureRequests] : [])];
}

export function createOidcClient(settings: SsoSettings) {
  let configuration: Promise<oidc.Configuration> | null = null;
  const issuer = new URL(settings.issuer);
  const discover = () => {
    // Discovered once, again after a failure: a provider down at start does not keep SSO down.
    configuration ??= oidc
      .discovery(issuer, settings.clientId, settings.clientSecret, settings.clientSecret ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None(), { execute: extensions(issuer), timeout: 10 })
      .catch((error: unknown) => {
        configuration = null;
        throw new SsoFailure('provider_unreachable', `the sign-in provider could not be reached (${settings.issuer})`, error instanceof Error ? error.message : String(error));
      });
    return configuration;
  };

  return {
    async authorizationUrl(input: { redirectUri: string; state: string; nonce: string; codeVerifier: string }): Promise<string> {
      const config = await discover();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: input.redirectUri,
        scope: settings.scopes.join(' '),
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(input.codeVerifier),
        code_challenge_method: 'S256',
        state: input.state,
        nonce: input.nonce,
      });
      return url.href;
    },

    /** Exchanges the code the provider sent back (`callback`: the redirect URI with its query) and validates the ID token. */
    async finish(input: { callback: URL; state: string; nonce: string; codeVerifier: string }): Promise<VerifiedSignIn> {
      const config = await discover();
      let tokens;
      try {
        tokens = await oidc.authorizationCodeGrant(config, input.callback, { pkceCodeVerifier: input.codeVerifier, expectedState: input.state, expectedNonce: input.nonce, idTokenExpected: true });
      } catch (error) {
        throw classify(error);
      }
      const claims = tokens.claims();
      if (!claims) throw new SsoFailure('invalid_token', 'the provider sent no ID token');
      return { claims: { ...claims } };
    },
  };
}
export type OidcClient = ReturnType<typeof createOidcClient>;

/** openid-client wraps oauth4webapi's error, whose own cause names the claim: walk down the causes. */
function causes(error: unknown): { messages: string[]; claim: string | undefined } {
  const messages: string[] = [];
  let claim: string | undefined;
  for (let at: unknown = error, depth = 0; at && typeof at === 'object' && depth < 5; at = (at as { cause?: unknown }).cause, depth++) {
    if (at instanceof Error) messages.push(at.message);
    const named = (at as { claim?: unknown }).claim;
    if (typeof named === 'string') claim ??= named;
  }
  return { messages, claim };
}

function classify(error: unknown): SsoFailure {
  const { messages, claim } = causes(error);
  const detail = messages.join(': ') || String(error);
  if (error instanceof oidc.AuthorizationResponseError) return new SsoFailure('provider_error', `the provider refused the sign-in: ${error.error_description ?? error.error}`, detail);
  if (error instanceof oidc.ResponseBodyError) return new SsoFailure('provider_error', `the provider refused the code: ${error.error_description ?? error.error}`, detail);
  const code = (error as { code?: string }).code;
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    if (claim === 'aud' || claim === 'azp') return new SsoFailure('wrong_audience', 'the ID token was issued for another application', detail);
    if (claim === 'iss') return new SsoFailure('wrong_issuer', 'the ID token was issued by another provider', detail);
    if (claim === 'nonce') return new SsoFailure('bad_nonce', 'the ID token belongs to another sign-in (its nonce does not match)', detail);
  }
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return new SsoFailure('expired', 'the ID token has expired or is not valid yet', detail);
  if (code === 'OAUTH_KEY_SELECTION_FAILED') return new SsoFailure('unknown_key', 'the ID token is signed with a key the provider does not publish', detail);
  if (/signature/i.test(detail)) return new SsoFailure('bad_signature', 'the ID token’s signature does not verify', detail);
  if (/state/i.test(detail)) return new SsoFailure('bad_state', 'the answer belongs to another sign-in (its state does not match)', detail);
  if (error instanceof TypeError && /fetch failed/i.test(detail)) return new SsoFailure('provider_unreachable', 'the sign-in provider could not be reached', detail);
  return new SsoFailure('invalid_token', 'the provider’s answer could not be validated', detail);
}
