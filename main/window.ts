import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import path from 'node:path';
import type { WindowBounds } from '../preload/api.js';
import { isPermissionGranted } from './security/permissions.js';
import { isAllowedNavigation, isSafeExternalUrl } from './security/urls.js';

export type WindowOptions = {
  preloadPath: string;
  startUrl: string;
  origins: readonly string[];
  bounds: WindowBounds | null;
  onBoundsChanged(bounds: WindowBounds): void;
};

const hardened = new WeakSet<WebContents>();

function openInBrowser(url: string): void {
  // A failed hand-off (no default browser) must not become an unhandled rejection in main.
  shell.openExternal(url).catch((error: unknown) => console.warn(`could not open ${new URL(url).origin} in the browser: ${String(error)}`));
}

/**
 * Locks any web contents (main calls it from `web-contents-created`, so nothing escapes it): no new
 * windows, no navigation or redirect away from the console, no <webview>; https links go to the OS
 * browser. Idempotent, so listeners are never doubled.
 */
export function hardenContents(contents: WebContents, origins: readonly string[]): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) openInBrowser(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url, origins)) return;
    event.preventDefault();
    if (isSafeExternalUrl(url)) openInBrowser(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, origins)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Permission requests and checks both go through one policy (security/permissions.ts). */
export function hardenSession(session: Session, origins: readonly string[]): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionGranted({ permission, requestingUrl: details.requestingUrl, isMainFrame: details.isMainFrame }, origins));
  });
  session.setPermissionCheckHandler((_contents, permission, _requestingOrigin, details) =>
    isPermissionGranted({ permission, requestingUrl: details.requestingUrl, isMainFrame: details.isMainFrame }, origins),
  );
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
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
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
  window.loadURL(options.startUrl).catch((error: unknown) => console.error(`the console page did not load: ${String(error)}`));
  return window;
}
