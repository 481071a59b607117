import { BrowserWindow, shell, type WebContents } from 'electron';
import path from 'node:path';
import type { WindowBounds } from '../preload/api.js';
import { isAllowedNavigation, isSafeExternalUrl } from './security/urls.js';

export type WindowOptions = {
  preloadPath: string;
  startUrl: string;
  origins: readonly string[];
  bounds: WindowBounds | null;
  onBoundsChanged(bounds: WindowBounds): void;
};

/** Locks a window's web contents: no new windows, no navigation away, https links to the OS browser. */
export function hardenContents(contents: WebContents, origins: readonly string[]): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url, origins)) return;
    event.preventDefault();
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, origins)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // The console never needs camera, microphone, location...; notifications go through main.
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

export function createConsoleWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: options.bounds?.width ?? 1280,
    height: options.bounds?.height ?? 820,
    ...(options.bounds ? { x: options.bounds.x, y: options.bounds.y } : {}),
    minWidth: 900,
    minHeight: 560,
    show: false,
    title: 'JIT Access Console',
    backgroundColor: '#0f1115',
    webPreferences: {
      preload: path.resolve(options.preloadPath),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  hardenContents(window.webContents, options.origins);
  window.once('ready-to-show', () => window.show());
  const saveBounds = () => {
    if (!window.isDestroyed() && !window.isMinimized() && !window.isFullScreen()) options.onBoundsChanged(window.getBounds());
  };
  window.on('resized', saveBounds);
  window.on('moved', saveBounds);
  window.on('close', saveBounds);
  void window.loadURL(options.startUrl);
  return window;
}
