import type { Endpoint } from '../../../core/index.js';

/** The endpoints a server serves only with single sign-on configured (sync-server/http/oidc-routes.ts). */
export const SSO_ENDPOINTS: readonly Endpoint[] = ['POST /api/v1/auth/oidc/start', 'POST /api/v1/auth/oidc/complete'];
