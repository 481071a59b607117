import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../preload/api.js';
import { keychainEncryptor, registerHostHandlers, SettingsService, TokenVault, type Encryptor, type HostDeps, type RawStore, type SafeStorageLike } from './host-services.js';
import { IpcRegistry } from './ipc/registry.js';

vi.mock('electron', () => {
  throw new Error('host services must not import electron directly');
});

function memoryStore(initial: Record<string, unknown> = {}): RawStore & { data: Map<string, unknown> } {
  const data = new Map(Object.entries(initial));
  return { data, get: (k) => data.get(k), set: (k, v) => void data.set(k, v), delete: (k) => void data.delete(k) };
}

// Reversible, and visibly not plain text, like the OS keychain's encryption. `rotated` marks values
// encrypted under an older key, as safeStorage reports with shouldReEncrypt.
const fakeKeychain = (available = true): Encryptor => ({
  isAvailable: async () => available,
  encrypt: async (plain) => Buffer.from(`enc:${[...plain].reverse().join('')}`),
  decrypt: async (buf) => {
    const text = buf.toString();
    const rotated = text.startsWith('old:');
    if (!text.startsWith('enc:') && !rotated) throw new Error('cannot decrypt');
    return { result: [...text.slice(4)].reverse().join(''), shouldReEncrypt: rotated };
  },
});

describe('SettingsService', () => {
  it('starts from defaults and persists changes', () => {
    const store = memoryStore();
    const settings = new SettingsService(store);
    expect(settings.get()).toEqual(DEFAULT_SETTINGS);
    settings.update({ serverUrl: 'https://jit.example.com', theme: 'dark' });
    expect(new SettingsService(store).get()).toMatchObject({ serverUrl: 'https://jit.example.com', theme: 'dark' });
  });

  it('refuses an invalid server URL naming the field', () => {
    const settings = new SettingsService(memoryStore());
    expect(() => settings.update({ serverUrl: 'file:///etc' })).toThrow(/https URL/);
    expect(() => settings.update({ serverUrl: 'http://jit.example.com' })).toThrow(/plain http only for localhost/);
  });

  it('repairs a hand-edited file field by field', () => {
    const settings = new SettingsService(memoryStore({ settings: { theme: 'neon', serverUrl: 'https://ok.example', lastUsername: 5 } }));
    expect(settings.get()).toEqual({ ...DEFAULT_SETTINGS, serverUrl: 'https://ok.example' });
  });
});

describe('TokenVault', () => {
  it('never writes the token in clear', async () => {
    const store = memoryStore();
    const vault = new TokenVault(store, fakeKeychain());
    await vault.set('secret-token-123');
    expect(JSON.stringify([...store.data.values()])).not.toContain('secret-token-123');
    await expect(new TokenVault(store, fakeKeychain()).get()).resolves.toBe('secret-token-123');
    vault.clear();
    await expect(vault.get()).resolves.toBeNull();
  });

  it('keeps the token in memory only when OS encryption is unavailable, dropping an older stored one', async () => {
    const store = memoryStore();
    await new TokenVault(store, fakeKeychain()).set('previous-user-token');
    const vault = new TokenVault(store, fakeKeychain(false));
    await vault.set('secret-token-123');
    await expect(vault.get()).resolves.toBe('secret-token-123');
    expect(store.data.size).toBe(0);
    // A later launch with a keychain does not resurrect the previous user's token.
    await expect(new TokenVault(store, fakeKeychain()).get()).resolves.toBeNull();
  });

  it('drops a token it cannot decrypt', async () => {
    const store = memoryStore({ sessionToken: Buffer.from('garbage').toString('base64') });
    await expect(new TokenVault(store, fakeKeychain()).get()).resolves.toBeNull();
    expect(store.data.has('sessionToken')).toBe(false);
  });

  it('re-encrypts a token the OS asks to re-encrypt after a key rotation', async () => {
    const store = memoryStore({ sessionToken: Buffer.from('old:321-nekot').toString('base64') });
    await expect(new TokenVault(store, fakeKeychain()).get()).resolves.toBe('token-123');
    expect(Buffer.from(String(store.data.get('sessionToken')), 'base64').toString()).toBe('enc:321-nekot');
  });
});

describe('keychainEncryptor', () => {
  const safeStorage = (available: boolean, backend: string): SafeStorageLike => ({
    isAsyncEncryptionAvailable: async () => available,
    encryptStringAsync: async (plain) => Buffer.from(plain),
    decryptStringAsync: async (buf) => ({ result: buf.toString(), shouldReEncrypt: false }),
    getSelectedStorageBackend: () => backend,
  });

  it("treats Linux's basic_text fallback (a key built into Chromium) as no encryption", async () => {
    await expect(keychainEncryptor(safeStorage(true, 'basic_text'), 'linux').isAvailable()).resolves.toBe(false);
    await expect(keychainEncryptor(safeStorage(true, 'gnome_libsecret'), 'linux').isAvailable()).resolves.toBe(true);
    await expect(keychainEncryptor(safeStorage(true, 'unknown'), 'darwin').isAvailable()).resolves.toBe(true);
    await expect(keychainEncryptor(safeStorage(false, 'kwallet6'), 'linux').isAvailable()).resolves.toBe(false);
  });
});

describe('registerHostHandlers', () => {
  function setup(overrides: Partial<HostDeps> = {}) {
    const store = memoryStore();
    const deps: HostDeps = {
      settings: new SettingsService(store),
      tokens: new TokenVault(store, fakeKeychain()),
      chooseSavePath: vi.fn(async (name: string) => `/home/admin/Downloads/${name}`),
      writeFile: vi.fn(async () => {}),
      printWindowToPdf: vi.fn(async () => new Uint8Array([37, 80, 68, 70])),
      isWindowFocused: () => false,
      showNotification: vi.fn(() => true),
      setBadgeCount: vi.fn(),
      signInThroughBrowser: vi.fn(async () => ({ token: 't'.repeat(43), expiresAt: '2026-12-02T18:00:00.000Z', user: { id: 'u-mia', displayName: 'Mia', roles: ['requester'] }, secondFactorAt: null })),
      ...overrides,
    };
    const registry = new IpcRegistry(() => true);
    registerHostHandlers(registry, deps);
    return { registry, deps };
  }
  const caller = { frameUrl: 'app://console/', isMainFrame: true };

  it('covers every declared channel', () => {
    expect(setup().registry.missingChannels()).toEqual([]);
  });

  it('signs in through the browser against the server in the settings only, and not before one is chosen', async () => {
    const { registry, deps } = setup();
    await expect(registry.dispatch('sso.signIn', {}, caller)).resolves.toMatchObject({ ok: false, error: { message: expect.stringMatching(/choose the server first/) } });
    deps.settings.update({ serverUrl: 'https://jit.example.com' });
    await expect(registry.dispatch('sso.signIn', {}, caller)).resolves.toMatchObject({ ok: true, value: { user: { id: 'u-mia' } } });
    expect(deps.signInThroughBrowser).toHaveBeenCalledWith('https://jit.example.com');
    await expect(registry.dispatch('sso.signIn', { serverUrl: 'https://evil.example' }, caller)).resolves.toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('shows an OS notification only when the window is not focused', async () => {
    const focused = setup({ isWindowFocused: () => true });
    await expect(focused.registry.dispatch('notify', { title: '3 new requests', body: '' }, caller)).resolves.toEqual({ ok: true, value: { shown: false } });
    expect(focused.deps.showNotification).not.toHaveBeenCalled();
    const away = setup();
    await expect(away.registry.dispatch('notify', { title: '3 new requests', body: 'x' }, caller)).resolves.toEqual({ ok: true, value: { shown: true } });
    expect(away.deps.showNotification).toHaveBeenCalledWith('3 new requests', 'x');
    const unsupported = setup({ showNotification: () => false });
    await expect(unsupported.registry.dispatch('notify', { title: '3 new requests', body: '' }, caller)).resolves.toEqual({ ok: true, value: { shown: false } });
  });

  it('saves files where the user chose, and nothing when cancelled', async () => {
    const { registry, deps } = setup();
    await expect(registry.dispatch('file.save', { suggestedName: 'grants.csv', content: 'a,b', mimeType: 'text/csv' }, caller)).resolves.toEqual({
      ok: true,
      value: { saved: true, path: '/home/admin/Downloads/grants.csv' },
    });
    expect(deps.writeFile).toHaveBeenCalledWith('/home/admin/Downloads/grants.csv', 'a,b');
    const cancelled = setup({ chooseSavePath: async () => null });
    await expect(cancelled.registry.dispatch('file.printToPdf', { suggestedName: 'request' }, caller)).resolves.toEqual({ ok: true, value: { saved: false, path: null } });
    expect(cancelled.deps.printWindowToPdf).not.toHaveBeenCalled();
  });

  it('saves bytes as they are (an evidence pack zip) through the same save dialog', async () => {
    const { registry, deps } = setup();
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 255]);
    await expect(registry.dispatch('file.save', { suggestedName: 'evidence-2026-07-01_2026-09-30.zip', content: zip, mimeType: 'application/zip' }, caller)).resolves.toMatchObject({ ok: true, value: { saved: true } });
    expect(deps.writeFile).toHaveBeenCalledWith('/home/admin/Downloads/evidence-2026-07-01_2026-09-30.zip', zip);
  });

  it('refuses a file name with a folder in it', async () => {
    const { registry } = setup();
    const reply = await registry.dispatch('file.save', { suggestedName: '../../.bashrc', content: '', mimeType: 'text/plain' }, caller);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('sets the dock badge', async () => {
    const { registry, deps } = setup();
    await registry.dispatch('badge.set', { count: 12 }, caller);
    expect(deps.setBadgeCount).toHaveBeenCalledWith(12);
  });
});
