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
  if (!isSafeExternalUrl(url)) return;
  // Electronegativity asks for a review of openExternal: only https URLs without credentials reach
  // it (isSafeExternalUrl, checked again here whatever the caller did), never file:, custom schemes or
  // anything the OS would run. A failed hand-off (no default browser) must not become an unhandled
  // rejection in main.
  shell.openExternal(url).catch((error: unknown) => console.warn(`could not open ${new URL(url).origin} in the browser: ${String(error)}`)); // eng-disable OPEN_EXTERNAL_JS_CHECK
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
    openInBrowser(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url, origins)) return;
    event.preventDefault();
    openInBrowser(url);
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
      // Electronegativity asks for a review of preload scripts. This one is the app's own built file
      // (out/preload/index.cjs), runs sandboxed and context-isolated, requires only electron, and
      // exposes one bridge of declared channels and events (preload/index.ts); main checks every call.
      preload: path.resolve(options.preloadPath), // eng-disable PRELOAD_JS_CHECK
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
      // No auxclick (middle-click) events: a link cannot be opened outside the navigation rules by them.
      disableBlinkFeatures: 'Auxclick',
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
