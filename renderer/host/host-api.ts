import type { HostSettings, SettingsPatch } from '../../preload/api.js';

export type { HostSettings, SettingsPatch };

export type SaveResult = { saved: boolean; path: string | null };

/**
 * Every capability the console needs from where it runs. The desktop app implements it over the
 * preload bridge; the web console with browser APIs. Screens use only this interface.
 */
export interface HostApi {
  readonly kind: 'electron' | 'browser';
  getSettings(): Promise<HostSettings>;
  setSettings(patch: SettingsPatch): Promise<HostSettings>;
  getToken(): Promise<string | null>;
  setToken(token: string): Promise<void>;
  clearToken(): Promise<void>;
  /** Text, or bytes for a binary file (an evidence pack's zip). */
  saveFile(suggestedName: string, content: string | Uint8Array, mimeType: string): Promise<SaveResult>;
  printToPdf(suggestedName: string): Promise<SaveResult>;
  /** Shown only when the user is not looking at the console. */
  notify(title: string, body: string): Promise<void>;
  setBadgeCount(count: number): Promise<void>;
  /** The host asks the console to show the queue (a notification was clicked). */
  onFocusQueue(listener: () => void): () => void;
  /** The default server for the sign-in form. */
  defaultServerUrl(): string | null;
  /**
   * Single sign-on, desktop only: the system browser and a loopback redirect (RFC 8252), against the
   * server in the settings. The web console instead leaves for the provider and comes back to
   * /signin-oidc (session/sso.ts).
   */
  signInWithProvider?(): Promise<{ token: string; expiresAt: string; user: { id: string; displayName: string; roles: string[] }; secondFactorAt: string | null }>;
}
