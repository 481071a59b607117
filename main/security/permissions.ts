import { isTrustedSender } from './urls.js';

/**
 * Which web permissions the console window may have. Everything is refused except what a screen of
 * the console actually uses, and only for the console's own top-level page:
 * - `clipboard-sanitized-write`: "Copy as JSON" on a revocation receipt (navigator.clipboard.writeText).
 * - `local-network-access`, `local-network`, `loopback-network`: Chromium's Local Network Access
 *   checks can refuse a page's requests to a sync server on the LAN or on this machine (the usual
 *   on-premises setup). The page's CSP already limits connect-src to the configured server, so this
 *   grants no reach beyond it.
 * Notifications are not among them: the desktop host shows them from main (IPC `notify`), so the
 * page never needs the web Notification permission. Camera, microphone, geolocation, USB, HID,
 * serial, MIDI, screen capture, fullscreen, pointer lock, openExternal... are all refused.
 */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write', 'local-network-access', 'local-network', 'loopback-network']);

export type PermissionAsk = {
  permission: string;
  /** The URL of the frame asking; empty when Electron does not know it (a service worker, say). */
  requestingUrl: string | undefined;
  isMainFrame: boolean;
};

export function isPermissionGranted(ask: PermissionAsk, origins: readonly string[]): boolean {
  if (!GRANTED_PERMISSIONS.has(ask.permission)) return false;
  if (!ask.isMainFrame || !ask.requestingUrl) return false;
  return isTrustedSender(ask.requestingUrl, origins);
}
