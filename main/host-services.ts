import { DEFAULT_SETTINGS, DesktopHostSettings, type HostSettings, type SettingsPatch, type WindowBounds } from '../preload/api.js';
import type { IpcRegistry } from './ipc/registry.js';
import type { SsoAnswer } from './sso-loopback.js';

/** Where settings persist: electron-store in the app, a Map in tests. */
export interface RawStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

const SETTINGS_KEY = 'settings';
const TOKEN_KEY = 'sessionToken';

/** Settings read defensively: a hand-edited or outdated file falls back to defaults field by field. */
export class SettingsService {
  private readonly listeners = new Set<(settings: HostSettings) => void>();

  constructor(private readonly store: RawStore) {}

  get(): HostSettings {
    const raw = this.store.get(SETTINGS_KEY);
    const merged = { ...DEFAULT_SETTINGS, ...(raw && typeof raw === 'object' ? raw : {}) };
    const parsed = DesktopHostSettings.safeParse(merged);
    if (parsed.success) return parsed.data;
    // Keep the fields that are still valid.
    const repaired: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof HostSettings>) {
      const field = DesktopHostSettings.shape[key].safeParse(merged[key]);
      if (field.success) repaired[key] = field.data;
    }
    return DesktopHostSettings.parse(repaired);
  }

  update(patch: SettingsPatch): HostSettings {
    const next = DesktopHostSettings.parse({ ...this.get(), ...patch });
    this.store.set(SETTINGS_KEY, next);
    for (const listener of this.listeners) listener(next);
    return next;
  }

  setWindowBounds(bounds: WindowBounds): void {
    this.store.set(SETTINGS_KEY, { ...this.get(), windowBounds: bounds });
  }

  onChange(listener: (settings: HostSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** What the vault needs from OS encryption; `keychainEncryptor` adapts Electron's safeStorage to it. */
export interface Encryptor {
  /** True only when the OS really protects the key (keychain, DPAPI, a Linux secret service). */
  isAvailable(): Promise<boolean>;
  encrypt(plain: string): Promise<Buffer>;
  /** `shouldReEncrypt`: the OS rotated the key; store the value again under the new one. */
  decrypt(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

/** The parts of Electron's safeStorage the adapter uses (structural, so this file needs no electron import). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  getSelectedStorageBackend(): string;
}

/**
 * Electron 45's asynchronous safeStorage (the synchronous calls are deprecated). On Linux without a
 * secret service Chromium falls back to `basic_text`, a key hard-coded in Chromium: that is not
 * encryption, so the vault treats it as unavailable and keeps the token in memory only.
 */
export function keychainEncryptor(safeStorage: SafeStorageLike, platform: string): Encryptor {
  return {
    async isAvailable() {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) return false;
      return !(platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text');
    },
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    decrypt: (encrypted) => safeStorage.decryptStringAsync(encrypted),
  };
}

/**
 * The session token, encrypted with the OS keychain (safeStorage). Without OS encryption the token
 * is kept in memory only, for this run: never written to disk in clear.
 */
export class TokenVault {
  private memoryOnly: string | null = null;

  constructor(
    private readonly store: RawStore,
    private readonly encryptor: Encryptor,
  ) {}

  async get(): Promise<string | null> {
    if (!(await this.encryptor.isAvailable())) return this.memoryOnly;
    const stored = this.store.get(TOKEN_KEY);
    if (typeof stored !== 'string' || stored === '') return null;
    try {
      const { result, shouldReEncrypt } = await this.encryptor.decrypt(Buffer.from(stored, 'base64'));
      if (shouldReEncrypt) this.store.set(TOKEN_KEY, (await this.encryptor.encrypt(result)).toString('base64'));
      return result;
    } catch {
      // A token from another machine or user profile cannot be read: sign in again.
      this.store.delete(TOKEN_KEY);
      return null;
    }
  }

  async set(token: string): Promise<void> {
    if (!(await this.encryptor.isAvailable())) {
      this.memoryOnly = token;
      // An older encrypted token must not come back on a later launch in place of this one.
      this.store.delete(TOKEN_KEY);
      return;
    }
    this.store.set(TOKEN_KEY, (await this.encryptor.encrypt(token)).toString('base64'));
  }

  clear(): void {
    this.memoryOnly = null;
    this.store.delete(TOKEN_KEY);
  }
}

export type HostDeps = {
  settings: SettingsService;
  tokens: TokenVault;
  /** Asks where to save; null when the user cancels. */
  chooseSavePath(suggestedName: string, filters: Array<{ name: string; extensions: string[] }>): Promise<string | null>;
  writeFile(path: string, content: string | Uint8Array): Promise<void>;
  printWindowToPdf(): Promise<Uint8Array>;
  isWindowFocused(): boolean;
  /** Shows an OS notification; false when the OS has none to show. */
  showNotification(title: string, body: string): boolean;
  setBadgeCount(count: number): void;
  /** Single sign-on in the system browser against this server (./sso-loopback.ts). */
  signInThroughBrowser(serverUrl: string): Promise<SsoAnswer>;
};

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Registers a handler for every channel of the contract. */
export function registerHostHandlers(registry: IpcRegistry, deps: HostDeps): void {
  registry
    .handle('settings.get', () => deps.settings.get())
    .handle('settings.set', (patch) => deps.settings.update(patch))
    .handle('token.get', async () => ({ token: await deps.tokens.get() }))
    .handle('token.set', async ({ token }) => {
      await deps.tokens.set(token);
      return { ok: true as const };
    })
    .handle('token.clear', () => {
      deps.tokens.clear();
      return { ok: true as const };
    })
    .handle('file.save', async ({ suggestedName, content }) => {
      const ext = extensionOf(suggestedName);
      const path = await deps.chooseSavePath(suggestedName, ext ? [{ name: ext.toUpperCase(), extensions: [ext] }] : []);
      if (!path) return { saved: false, path: null };
      await deps.writeFile(path, content);
      return { saved: true, path };
    })
    .handle('file.printToPdf', async ({ suggestedName }) => {
      const name = extensionOf(suggestedName) === 'pdf' ? suggestedName : `${suggestedName}.pdf`;
      const path = await deps.chooseSavePath(name, [{ name: 'PDF', extensions: ['pdf'] }]);
      if (!path) return { saved: false, path: null };
      await deps.writeFile(path, await deps.printWindowToPdf());
      return { saved: true, path };
    })
    .handle('notify', ({ title, body }) => {
      // Someone looking at the console needs no OS notification.
      if (deps.isWindowFocused()) return { shown: false };
      return { shown: deps.showNotification(title, body) };
    })
    .handle('badge.set', ({ count }) => {
      deps.setBadgeCount(count);
      return { ok: true as const };
    })
    .handle('sso.signIn', () => {
      // Only the server in the settings (the one the window's security policy names) is asked.
      const { serverUrl } = deps.settings.get();
      if (!serverUrl) throw new Error('choose the server first');
      return deps.signInThroughBrowser(serverUrl);
    });
}
