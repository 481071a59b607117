import type { JitHostBridge } from '../../preload/api.js';
import { createBrowserHost } from './browser-host.js';
import { createElectronHost } from './electron-host.js';
import type { HostApi } from './host-api.js';

export type { HostApi } from './host-api.js';

declare global {
  interface Window {
    /** Present only inside the desktop app (set by the preload). */
    jitHost?: JitHostBridge;
  }
}

/** Picks the host the console runs in. The desktop app's default server comes from its settings. */
export async function detectHost(): Promise<HostApi> {
  if (window.jitHost) {
    const settings = await window.jitHost.invoke('settings.get', {});
    return createElectronHost(window.jitHost, settings.serverUrl);
  }
  return createBrowserHost();
}
