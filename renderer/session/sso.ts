/**
 * Single sign-on from the sign-in screen. The web console leaves for the provider and comes back to
 * /signin-oidc with its answer; the flow secret the server gave at the start waits in this tab's
 * sessionStorage (never in a URL) and goes back with the answer. The desktop app instead uses the
 * system browser and a loopback redirect in main (HostApi.signInWithProvider). Used by the sign-in screen and session.tsx.
 */
import { requestJson, type LoginAnswer } from './api-client.js';

export type SignInMethods = { password: 'everyone' | 'break_glass_only'; sso: { name: string } | null };
export type SsoAnswer = LoginAnswer & { secondFactorAt: string | null };

// One path segment: the built console's assets are relative (./assets/...), as the desktop app's app:// needs.
export const WEB_CALLBACK_PATH = '/signin-oidc';
const PENDING_KEY = 'jit.oidc.pending';

type Deps = { storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>; location: Pick<Location, 'origin' | 'pathname' | 'search' | 'assign'>; history: Pick<History, 'replaceState'> };
const browser = (): Deps => ({ storage: window.sessionStorage, location: window.location, history: window.history });

export async function signInMethods(serverUrl: string): Promise<SignInMethods> {
  return (await requestJson(serverUrl, '/api/v1/auth/methods')).body as SignInMethods;
}

/** Asks the server for a sign-in and sends this tab to the provider. */
export async function beginWebSignIn(serverUrl: string, deps: Deps = browser()): Promise<void> {
  const redirectUri = `${deps.location.origin}${WEB_CALLBACK_PATH}`;
  const started = (await requestJson(serverUrl, '/api/v1/auth/oidc/start', { method: 'POST', body: JSON.stringify({ redirectUri }) })).body as { authorizationUrl: string; flow: string };
  deps.storage.setItem(PENDING_KEY, JSON.stringify({ serverUrl, flow: started.flow }));
  deps.location.assign(started.authorizationUrl);
}

export type WebCallback = { serverUrl: string; flow: string; callback: string };

/** The provider's answer, when this page is its redirect and this tab started the sign-in; the address bar is cleared of it either way. */
export function takeWebCallback(deps: Deps = browser()): WebCallback | null {
  if (deps.location.pathname !== WEB_CALLBACK_PATH) return null;
  const callback = deps.location.search;
  deps.history.replaceState(null, '', '/');
  const raw = deps.storage.getItem(PENDING_KEY);
  deps.storage.removeItem(PENDING_KEY);
  if (!raw || !callback) return null;
  try {
    const pending = JSON.parse(raw) as { serverUrl?: unknown; flow?: unknown };
    return typeof pending.serverUrl === 'string' && typeof pending.flow === 'string' ? { serverUrl: pending.serverUrl, flow: pending.flow, callback } : null;
  } catch {
    return null;
  }
}

export async function completeWebSignIn(pending: WebCallback): Promise<SsoAnswer> {
  return (await requestJson(pending.serverUrl, '/api/v1/auth/oidc/complete', { method: 'POST', body: JSON.stringify({ flow: pending.flow, callback: pending.callback }) })).body as SsoAnswer;
}
