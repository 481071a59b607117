import { app, BrowserWindow, dialog, ipcMain, net, Notification, protocol, safeStorage, session } from 'electron';
import Store from 'electron-store';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_CHANNEL_NAMES, IPC_PREFIX, type IpcEvent, type IpcEventPayload } from '../preload/api.js';
import { registerHostHandlers, SettingsService, TokenVault, type RawStore } from './host-services.js';
import { IpcRegistry } from './ipc/registry.js';
import { buildCsp } from './security/csp.js';
import { APP_ORIGIN, APP_SCHEME, consoleOrigins, isTrustedSender, resolveAppFile } from './security/urls.js';
import { createConsoleWindow } from './window.js';

// The Electron entry only starts things and relays messages; rules live in the modules it imports.
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererRoot = path.join(here, '../renderer');
const preloadPath = path.join(here, '../preload/index.cjs');
const devServerUrl = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null;
const origins = consoleOrigins(devServerUrl);

// A separate profile folder per run (tests give each app its own; people may keep several).
if (process.env.JIT_USER_DATA_DIR) app.setPath('userData', path.resolve(process.env.JIT_USER_DATA_DIR));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const store = new Store<Record<string, unknown>>({ name: 'jit-console' }) as unknown as RawStore;
const settings = new SettingsService(store);
const tokens = new TokenVault(store, safeStorage);
let mainWindow: BrowserWindow | null = null;

function currentServerUrl(): string | null {
  return settings.get().serverUrl ?? process.env.JIT_SERVER_URL ?? null;
}

function send<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC_PREFIX + event, payload);
}

function serveAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const relative = resolveAppFile(request.url);
    if (!relative) return new Response('Not found', { status: 404 });
    const file = path.join(rendererRoot, relative);
    // Defence in depth: the resolved file must still be inside the renderer folder.
    if (!file.startsWith(rendererRoot + path.sep)) return new Response('Not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', buildCsp({ serverUrl: currentServerUrl() }));
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

function applyCspToDevServer(): void {
  if (!devServerUrl) return;
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (!details.url.startsWith(devServerUrl)) return callback({ responseHeaders: details.responseHeaders ?? {} });
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [buildCsp({ serverUrl: currentServerUrl(), devServerUrl })] },
    });
  });
}

function registerIpc(): void {
  const registry = new IpcRegistry((frameUrl) => isTrustedSender(frameUrl, origins));
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
    showNotification(title, body) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title, body });
      notification.on('click', () => {
        mainWindow?.show();
        mainWindow?.focus();
        send('queue.focus', {});
      });
      notification.show();
    },
    setBadgeCount: (count) => void app.setBadgeCount(count),
  });
  const missing = registry.missingChannels();
  if (missing.length > 0) throw new Error(`IPC channels without a handler: ${missing.join(', ')}`);
  for (const channel of IPC_CHANNEL_NAMES) {
    ipcMain.handle(IPC_PREFIX + channel, (event, input: unknown) => registry.dispatch(channel, input, { frameUrl: event.senderFrame?.url ?? '' }));
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

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    // No window or webview the console did not create may open anything.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  void app.whenReady().then(() => {
    if (!settings.get().serverUrl && process.env.JIT_SERVER_URL) settings.update({ serverUrl: process.env.JIT_SERVER_URL });
    serveAppProtocol();
    applyCspToDevServer();
    registerIpc();
    openWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) openWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
