import { app, BrowserWindow, dialog, ipcMain, Notification, protocol, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron';
import Store from 'electron-store';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_CHANNEL_NAMES, IPC_PREFIX, type IpcEvent, type IpcEventPayload } from '../preload/api.js';
import { createAppProtocolHandler } from './app-protocol.js';
import { keychainEncryptor, registerHostHandlers, SettingsService, TokenVault, type RawStore } from './host-services.js';
import { IpcRegistry, type IpcCaller } from './ipc/registry.js';
import { signInThroughSystemBrowser } from './sso-loopback.js';
import { buildCsp } from './security/csp.js';
import { APP_ORIGIN, APP_SCHEME, consoleOrigins, isTrustedSender } from './security/urls.js';
import { createConsoleWindow, hardenContents, hardenSession } from './window.js';

// The Electron entry only starts things and relays messages; rules live in the modules it imports.
// Built to out/main/index.js (package.json "main"); the preload and the renderer sit beside it in out/.
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '../renderer');
const preloadPath = path.join(here, '../preload/index.cjs');
// An empty ELECTRON_RENDERER_URL is no dev server (`??` would have loaded '' instead of the console).
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL || null : null;
const origins = consoleOrigins(devServerUrl);

// A separate profile folder per run (tests give each app its own; people may keep several). Set
// before anything reads userData: the store below and the single-instance lock are scoped to it.
if (process.env.JIT_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.JIT_USER_DATA_DIR));

// Every renderer is sandboxed, whatever a window's own preferences say.
app.enableSandbox();
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

// A settings file that no longer parses is reset rather than stopping the app from starting;
// SettingsService then repairs what is left field by field.
const store = new Store<Record<string, unknown>>({ name: 'jit-console', clearInvalidConfig: true }) as unknown as RawStore;
// electron-store answers `electron-store-get-data` (userData path, app version) to any renderer that
// asks; the console's renderer never uses the store, so only the declared jit:* channels stay open.
ipcMain.removeAllListeners('electron-store-get-data');
const settings = new SettingsService(store);
const tokens = new TokenVault(store, keychainEncryptor(safeStorage, process.platform));
let mainWindow: BrowserWindow | null = null;
// Electron holds main-process notifications weakly: without a reference, a click can arrive after
// the object was collected and its handler is lost.
const liveNotifications = new Set<Notification>();

function currentServerUrl(): string | null {
  return settings.get().serverUrl ?? process.env.JIT_SERVER_URL ?? null;
}

function send<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC_PREFIX + event, payload);
}

function serveAppProtocol(): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler({ rendererRoot, contentSecurityPolicy: () => buildCsp({ serverUrl: currentServerUrl() }) }));
}

function applyCspToDevServer(): void {
  if (!devServerUrl) return;
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (!details.url.startsWith(devServerUrl)) return callback({ responseHeaders: details.responseHeaders ?? {} });
    // Electronegativity cannot read this policy: it is built at run time (buildCsp, security/csp.ts), as
    // connect-src names the sync server the user configured. Its content is tested instead
    // (main/security/csp.test.ts, and tests/electron/desktop-csp.spec.ts against the built console).
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [buildCsp({ serverUrl: currentServerUrl(), devServerUrl })] }, // eng-disable CSP_GLOBAL_CHECK
    });
  });
}

function showNotification(title: string, body: string): boolean {
  if (!Notification.isSupported()) return false;
  const notification = new Notification({ title, body });
  liveNotifications.add(notification);
  const release = () => liveNotifications.delete(notification);
  notification.on('click', () => {
    release();
    mainWindow?.show();
    mainWindow?.focus();
    send('queue.focus', {});
  });
  notification.on('close', release);
  notification.on('failed', release);
  notification.show();
  return true;
}

/** Who sent an IPC message. A frame that navigated away or was destroyed reads as no URL (refused). */
function callerOf(event: IpcMainInvokeEvent): IpcCaller {
  try {
    const frame = event.senderFrame;
    return frame ? { frameUrl: frame.url, isMainFrame: frame.parent === null } : { frameUrl: '', isMainFrame: false };
  } catch {
    return { frameUrl: '', isMainFrame: false };
  }
}

function registerIpc(): void {
  // Only the console's own top-level page may call main; an iframe or a page navigated elsewhere may not.
  const registry = new IpcRegistry((caller) => caller.isMainFrame && isTrustedSender(caller.frameUrl, origins));
  registerHostHandlers(registry, {
    settings,
    tokens,
    async chooseSavePath(suggestedName, filters) {
      const options = { defaultPath: path.join(app.getPath('downloads'), suggestedName), filters };
      const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    writeFile: (file, content) => writeFile(file, content),
    async printWindowToPdf() {
      if (!mainWindow) throw new Error('no console window is open');
      return mainWindow.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
    },
    isWindowFocused: () => mainWindow?.isFocused() ?? false,
    showNotification,
    setBadgeCount: (count) => void app.setBadgeCount(count),
    // The system browser, never a web view in the app (RFC 8252).
    signInThroughBrowser: (serverUrl) => signInThroughSystemBrowser({ serverUrl, openBrowser: (url) => shell.openExternal(url) }), // eng-disable OPEN_EXTERNAL_JS_CHECK
  });
  const missing = registry.missingChannels();
  if (missing.length > 0) throw new Error(`IPC channels without a handler: ${missing.join(', ')}`);
  for (const channel of IPC_CHANNEL_NAMES) {
    ipcMain.handle(IPC_PREFIX + channel, (event, input: unknown) => registry.dispatch(channel, input, callerOf(event)));
  }
  let lastServerUrl = settings.get().serverUrl;
  settings.onChange((next) => {
    send('settings.changed', next);
    // The CSP names the server; a new server needs the page reloaded under the new policy.
    if (next.serverUrl !== lastServerUrl) {
      lastServerUrl = next.serverUrl;
      setTimeout(() => mainWindow?.webContents.reload(), 50);
    }
  });
}

function openWindow(): void {
  mainWindow = createConsoleWindow({
    preloadPath,
    startUrl: devServerUrl ?? `${APP_ORIGIN}/index.html`,
    origins,
    bounds: settings.get().windowBounds,
    onBoundsChanged: (bounds) => settings.setWindowBounds(bounds),
  });
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
}

/** JIT_SERVER_URL pre-fills the server on first start; a bad value is reported, not fatal. */
function adoptServerUrlFromEnvironment(): void {
  const fromEnvironment = process.env.JIT_SERVER_URL;
  if (settings.get().serverUrl || !fromEnvironment) return;
  try {
    settings.update({ serverUrl: fromEnvironment });
  } catch {
    console.warn('JIT_SERVER_URL is not an http(s) URL; it was ignored and the server is asked for at sign-in');
  }
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  // Every web contents, not only the console window's, gets the same locks as soon as it exists.
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, origins));
  app
    .whenReady()
    .then(() => {
      adoptServerUrlFromEnvironment();
      hardenSession(session.defaultSession, origins);
      serveAppProtocol();
      applyCspToDevServer();
      registerIpc();
      openWindow();
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) openWindow();
      });
    })
    .catch((error: unknown) => {
      // Starting half-way would leave a window without its protections or handlers: stop instead.
      console.error(`the console could not start: ${error instanceof Error ? error.message : String(error)}`);
      app.exit(1);
    });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
