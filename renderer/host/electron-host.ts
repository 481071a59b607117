import type { JitHostBridge } from '../../preload/api.js';
import type { HostApi } from './host-api.js';

/** The desktop host: every call goes through the typed preload bridge to main. */
export function createElectronHost(bridge: JitHostBridge, initialServerUrl: string | null): HostApi {
  return {
    kind: 'electron',
    getSettings: () => bridge.invoke('settings.get', {}),
    setSettings: (patch) => bridge.invoke('settings.set', patch),
    getToken: async () => (await bridge.invoke('token.get', {})).token,
    setToken: async (token) => void (await bridge.invoke('token.set', { token })),
    clearToken: async () => void (await bridge.invoke('token.clear', {})),
    saveFile: (suggestedName, content, mimeType) => bridge.invoke('file.save', { suggestedName, content, mimeType }),
    printToPdf: (suggestedName) => bridge.invoke('file.printToPdf', { suggestedName }),
    notify: async (title, body) => void (await bridge.invoke('notify', { title, body })),
    setBadgeCount: async (count) => void (await bridge.invoke('badge.set', { count })),
    onFocusQueue: (listener) => bridge.on('queue.focus', () => listener()),
    defaultServerUrl: () => initialServerUrl,
    signInWithProvider: () => bridge.invoke('sso.signIn', {}),
  };
}
