import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../preload/api.js';
import { createBrowserHost } from './browser-host.js';

function memoryStorage(): Storage {
  const data = new Map<string, string>();
  return {
    get length() {
      return data.size;
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, String(v)),
  };
}

function fakeDocument(): Document {
  return { title: 'JIT Access Console', visibilityState: 'visible', hasFocus: () => true } as unknown as Document;
}

const location = (href: string) => new URL(href) as unknown as Location;

describe('browser host', () => {
  it('keeps settings and the session token in local storage', async () => {
    const storage = memoryStorage();
    const host = createBrowserHost({ storage, document: fakeDocument(), location: location('http://127.0.0.1:8787/') });
    expect(await host.getSettings()).toEqual(DEFAULT_SETTINGS);
    await host.setSettings({ serverUrl: 'http://127.0.0.1:8787', theme: 'dark' });
    await host.setToken('t-123');
    const again = createBrowserHost({ storage, document: fakeDocument(), location: location('http://127.0.0.1:8787/') });
    expect(await again.getSettings()).toMatchObject({ serverUrl: 'http://127.0.0.1:8787', theme: 'dark' });
    expect(await again.getToken()).toBe('t-123');
    await again.clearToken();
    expect(await host.getToken()).toBeNull();
  });

  it('survives corrupted settings', async () => {
    const storage = memoryStorage();
    storage.setItem('jit.settings', '{not json');
    const host = createBrowserHost({ storage, document: fakeDocument(), location: location('https://jit.example.com/') });
    expect(await host.getSettings()).toEqual(DEFAULT_SETTINGS);
  });

  it('refuses settings that are not valid', async () => {
    const host = createBrowserHost({ storage: memoryStorage(), document: fakeDocument(), location: location('https://jit.example.com/') });
    await expect(host.setSettings({ serverUrl: 'javascript:alert(1)' })).rejects.toThrow(/http\(s\) URL/);
  });

  it('defaults the server to the page origin and counts pending requests in the title', async () => {
    const document = fakeDocument();
    const host = createBrowserHost({ storage: memoryStorage(), document, location: location('https://jit.example.com/#/queue') });
    expect(host.defaultServerUrl()).toBe('https://jit.example.com');
    await host.setBadgeCount(12);
    expect(document.title).toBe('(12) JIT Access Console');
    await host.setBadgeCount(0);
    expect(document.title).toBe('JIT Access Console');
    expect(createBrowserHost({ storage: memoryStorage(), document, location: location('file:///index.html') }).defaultServerUrl()).toBeNull();
  });
});
