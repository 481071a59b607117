/**
 * URL rules for the console window. Pure functions so they are tested without Electron.
 * The window loads the console from APP_ORIGIN (a custom protocol served from the built files) or,
 * in development, from the Vite dev server.
 */

import { isAcceptableServerUrl } from '../../preload/api.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'console';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The origins the console itself is served from: the app protocol, plus the dev server in development. */
export function consoleOrigins(devServerUrl?: string | null): string[] {
  const origins = [APP_ORIGIN];
  const dev = devServerUrl ? parse(devServerUrl) : null;
  if (dev && (dev.protocol === 'http:' || dev.protocol === 'https:')) origins.push(dev.origin);
  return origins;
}

function originOf(url: URL): string {
  // Custom schemes answer "null" to URL.origin in Node; build it from the parts.
  return url.protocol === `${APP_SCHEME}:` ? `${APP_SCHEME}://${url.host}` : url.origin;
}

/** True when the frame that sent an IPC message is the console, not an injected or navigated frame. */
export function isTrustedSender(frameUrl: string, origins: readonly string[]): boolean {
  const url = parse(frameUrl);
  if (!url) return false;
  return origins.includes(originOf(url));
}

/** In-window navigation is allowed only within the console itself (hash routes, reloads). */
export function isAllowedNavigation(targetUrl: string, origins: readonly string[]): boolean {
  return isTrustedSender(targetUrl, origins);
}

/** Links that may be handed to the OS browser: https only, no credentials in the URL. */
export function isSafeExternalUrl(targetUrl: string): boolean {
  const url = parse(targetUrl);
  if (!url) return false;
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname !== '';
}

/** The server URL the user configured, reduced to an origin for CSP and checks; null when invalid or plain http off this machine. */
export function serverOrigin(serverUrl: string | null | undefined): string | null {
  if (!serverUrl) return null;
  if (!isAcceptableServerUrl(serverUrl)) return null;
  return new URL(serverUrl).origin;
}

/**
 * Maps an app:// request to a file inside the built renderer, refusing anything that would leave it
 * (`..`, encoded separators, absolute paths). Returns the relative path, or null to answer 404.
 */
export function resolveAppFile(requestUrl: string): string | null {
  const url = parse(requestUrl);
  if (!url || url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  const segments = pathname.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  if (segments.length === 0) return 'index.html';
  return segments.join('/');
}
