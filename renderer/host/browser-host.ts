import { DEFAULT_SETTINGS, HostSettings, type SettingsPatch } from '../../preload/api.js';
import type { HostApi, SaveResult } from './host-api.js';

const SETTINGS_KEY = 'jit.settings';
const TOKEN_KEY = 'jit.session';

type Deps = { storage: Storage; document: Document; location: Location };

/** The web console's host: localStorage, Blob downloads, window.print, the Notification API, the tab title. */
export function createBrowserHost(deps: Deps = { storage: window.localStorage, document, location: window.location }): HostApi {
  const baseTitle = deps.document.title;
  const readSettings = (): HostSettings => {
    try {
      const raw = JSON.parse(deps.storage.getItem(SETTINGS_KEY) ?? '{}') as unknown;
      const parsed = HostSettings.safeParse({ ...DEFAULT_SETTINGS, ...(raw && typeof raw === 'object' ? raw : {}) });
      return parsed.success ? parsed.data : DEFAULT_SETTINGS;
    } catch {
      return DEFAULT_SETTINGS;
    }
  };
  return {
    kind: 'browser',
    async getSettings() {
      return readSettings();
    },
    async setSettings(patch: SettingsPatch) {
      const next = HostSettings.parse({ ...readSettings(), ...patch });
      deps.storage.setItem(SETTINGS_KEY, JSON.stringify(next));
      return next;
    },
    async getToken() {
      return deps.storage.getItem(TOKEN_KEY);
    },
    async setToken(token) {
      deps.storage.setItem(TOKEN_KEY, token);
    },
    async clearToken() {
      deps.storage.removeItem(TOKEN_KEY);
    },
    async saveFile(suggestedName, content, mimeType): Promise<SaveResult> {
      const url = URL.createObjectURL(new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type: mimeType }));
      const link = deps.document.createElement('a');
      link.href = url;
      link.download = suggestedName;
      link.rel = 'noopener';
      deps.document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      // The browser decides where it lands.
      return { saved: true, path: null };
    },
    async printToPdf(): Promise<SaveResult> {
      // The browser's print dialog offers "Save as PDF".
      window.print();
      return { saved: false, path: null };
    },
    async notify(title, body) {
      if (deps.document.visibilityState === 'visible' && deps.document.hasFocus()) return;
      if (typeof Notification === 'undefined') return;
      if (Notification.permission === 'default') await Notification.requestPermission();
      if (Notification.permission === 'granted') new Notification(title, { body, tag: 'jit-queue' });
    },
    async setBadgeCount(count) {
      deps.document.title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
    },
    onFocusQueue() {
      return () => {};
    },
    defaultServerUrl() {
      const { protocol, origin } = deps.location;
      return protocol === 'http:' || protocol === 'https:' ? origin : null;
    },
  };
}
