/**
 * A stand-in for the `electron` module with the rules of the real one that matter at start-up:
 * `protocol.handle`, `BrowserWindow` and `session.defaultSession` refuse to work before the app is
 * ready, `registerSchemesAsPrivileged` refuses to work after it, and `ipcMain.handle` refuses a second
 * handler for a channel. It records what the app does so a test can read it back (see `fake`).
 * Only the parts of Electron 45's API the console uses are here; the synchronous safeStorage calls,
 * deprecated in 45, throw so the app stays on the asynchronous ones.
 */
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import process from 'node:process';

const log = [];
const record = (what, detail) => log.push(detail === undefined ? { what } : { what, detail });

let ready = false;
let resolveReady;
const readyPromise = new Promise((resolve) => (resolveReady = resolve));
function requireReady(api) {
  if (!ready) throw new Error(`${api} can only be used after the app is ready (fake electron, as the real one)`);
}

const paths = new Map([
  ['userData', process.env.FAKE_ELECTRON_DEFAULT_USER_DATA ?? path.join(process.cwd(), 'fake-electron-user-data')],
  ['downloads', process.env.FAKE_ELECTRON_DOWNLOADS ?? path.join(process.cwd(), 'fake-electron-downloads')],
]);

class FakeApp extends EventEmitter {
  isPackaged = false;
  getPath(name) {
    const value = paths.get(name);
    if (!value) throw new Error(`fake electron has no path named ${name}`);
    return value;
  }
  setPath(name, value) {
    record('app.setPath', { name, value });
    paths.set(name, value);
  }
  getVersion() {
    return '0.1.0';
  }
  getName() {
    return 'jit-access-console';
  }
  enableSandbox() {
    if (ready) throw new Error('app.enableSandbox() must be called before the app is ready');
    record('app.enableSandbox');
  }
  requestSingleInstanceLock() {
    record('app.requestSingleInstanceLock', { userData: paths.get('userData') });
    return true;
  }
  whenReady() {
    return readyPromise;
  }
  isReady() {
    return ready;
  }
  setBadgeCount(count) {
    record('app.setBadgeCount', count);
    return true;
  }
  quit() {
    record('app.quit');
  }
  exit(code) {
    record('app.exit', code);
  }
}
export const app = new FakeApp();

class FakeIpcMain extends EventEmitter {
  handlers = new Map();
  handle(channel, handler) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel) {
    this.handlers.delete(channel);
  }
}
export const ipcMain = new FakeIpcMain();

export const protocol = {
  privileged: [],
  handlers: new Map(),
  registerSchemesAsPrivileged(schemes) {
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    record('protocol.registerSchemesAsPrivileged', schemes);
    this.privileged.push(...schemes);
  },
  handle(scheme, handler) {
    requireReady('protocol.handle');
    if (this.handlers.has(scheme)) throw new Error(`scheme ${scheme} is already handled`);
    record('protocol.handle', scheme);
    this.handlers.set(scheme, handler);
  },
};

class FakeSession {
  permissionRequestHandler = null;
  permissionCheckHandler = null;
  headersReceived = null;
  webRequest = { onHeadersReceived: (listener) => (this.headersReceived = listener) };
  setPermissionRequestHandler(handler) {
    record('session.setPermissionRequestHandler');
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler) {
    record('session.setPermissionCheckHandler');
    this.permissionCheckHandler = handler;
  }
}
const defaultSession = new FakeSession();
export const session = {
  get defaultSession() {
    requireReady('session.defaultSession');
    return defaultSession;
  },
};

let nextContentsId = 1;
export class FakeWebContents extends EventEmitter {
  id = nextContentsId++;
  session = defaultSession;
  windowOpenHandler = null;
  sent = [];
  url = '';
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
  send(channel, payload) {
    this.sent.push({ channel, payload });
  }
  reload() {
    record('webContents.reload', this.id);
  }
  async printToPDF() {
    return Buffer.from('%PDF-1.7 fake');
  }
}
/** What real Electron does whenever any web contents is created (windows, popups, webviews). */
export function createWebContents() {
  const contents = new FakeWebContents();
  app.emit('web-contents-created', { preventDefault() {} }, contents);
  return contents;
}

const windows = [];
export class BrowserWindow extends EventEmitter {
  static getAllWindows() {
    return windows.filter((w) => !w.destroyed);
  }
  constructor(options = {}) {
    super();
    requireReady('new BrowserWindow()');
    record('new BrowserWindow', { webPreferences: options.webPreferences ?? {} });
    this.options = options;
    this.destroyed = false;
    this.webContents = createWebContents();
    windows.push(this);
  }
  loadURL(url) {
    record('window.loadURL', url);
    this.webContents.url = url;
    return Promise.resolve();
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return false;
  }
  isFullScreen() {
    return false;
  }
  isFocused() {
    return false;
  }
  getBounds() {
    return { x: 10, y: 20, width: 1280, height: 820 };
  }
  show() {}
  focus() {}
  restore() {}
}

export const shell = {
  opened: [],
  openExternal(url) {
    record('shell.openExternal', url);
    this.opened.push(url);
    return Promise.resolve();
  },
};

export const dialog = {
  async showSaveDialog() {
    return { canceled: true, filePath: '' };
  },
};

export class Notification extends EventEmitter {
  static shown = [];
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    Notification.shown.push(this.options);
  }
}

// Reversible and visibly not the plain text, like the OS keychain.
const seal = (plain) => Buffer.from(`sealed:${Buffer.from(plain).toString('hex')}`);
export const safeStorage = {
  async isAsyncEncryptionAvailable() {
    return ready;
  },
  getSelectedStorageBackend() {
    return ready ? 'gnome_libsecret' : 'unknown';
  },
  async encryptStringAsync(plain) {
    requireReady('safeStorage.encryptStringAsync');
    return seal(plain);
  },
  async decryptStringAsync(buffer) {
    const text = buffer.toString();
    if (!text.startsWith('sealed:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return { result: Buffer.from(text.slice(7), 'hex').toString(), shouldReEncrypt: false };
  },
  isEncryptionAvailable() {
    throw new Error('deprecated synchronous safeStorage API used');
  },
  encryptString() {
    throw new Error('deprecated synchronous safeStorage API used');
  },
  decryptString() {
    throw new Error('deprecated synchronous safeStorage API used');
  },
};

export const net = {
  fetch() {
    throw new Error('net.fetch is not expected in the console main process');
  },
};

// Renderer-side modules exist in the real package too; main must not touch them.
export const contextBridge = undefined;
export const ipcRenderer = undefined;

/** The test's handle on the fake: what happened, and the switch that makes the app ready. */
export const fake = {
  log,
  windows,
  defaultSession,
  becomeReady() {
    ready = true;
    record('ready');
    app.emit('ready', {}, {});
    resolveReady();
  },
};

const electron = { app, ipcMain, protocol, session, BrowserWindow, shell, dialog, Notification, safeStorage, net, contextBridge, ipcRenderer };
export default electron;
