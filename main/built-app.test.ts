/**
 * The BUILT desktop app, started as close to for real as this machine allows (no Electron binary):
 * `electron-vite build` into a temporary app folder laid out like a packaged app (package.json, out/,
 * node_modules), then package.json "main" is imported by Node's own ESM loader with `electron`
 * resolved to a recording fake that keeps Electron's start-up rules (tests/electron/harness). What
 * main set up is then exercised as a window and the OS would.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNEL_NAMES } from '../preload/api.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const driver = path.join(repo, 'tests/electron/harness/start-built-app.mjs');
const SERVER_URL = 'http://127.0.0.1:8787';

type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
type ContentsProbe = Record<'navigateAway' | 'navigateFile' | 'navigateWithin' | 'redirectAway' | 'attachWebview', boolean> & Record<'openHttps' | 'openFile', unknown>;
type Report = {
  errors: string[];
  main: string;
  log: Array<{ what: string; detail?: unknown }>;
  ipcHandlers: string[];
  ipcListeners: string[];
  ipcListenersBeforeReady: string[];
  privilegedSchemes: Array<{ scheme: string; privileges: Record<string, boolean> }>;
  steps: {
    'import main': string;
    protocol: {
      index: { status: number; contentType: string; csp: string };
      scriptUrl: string | null;
      script: { status: number; contentType: string; bytes: number } | null;
      outside: { status: number; leaked: boolean };
    };
    ipc: Record<'settingsFromConsole' | 'settingsFromElsewhere' | 'settingsFromSubframe' | 'settingsFromGoneFrame' | 'badInput' | 'unknownField', Reply>;
    token: { set: Reply; get: Reply; storeFile: string; clearOnDisk: boolean; storedKeys: string[] };
    notify: { reply: Reply; shown: Array<{ title: string; body: string }> };
    window: { webPreferences: Record<string, unknown>; loadedUrl: string; contents: ContentsProbe; openedExternally: string[] };
    'other contents': ContentsProbe;
    permissions: { request: Record<string, unknown>; check: Record<string, unknown> };
  };
};

let base: string;
let appDir: string;
let profileDir: string;
let report: Report;

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'jit-built-app-'));
  appDir = path.join(base, 'app');
  profileDir = path.join(base, 'profile');
  // Built into the temporary app folder, so out/ in the working tree (which others serve) is untouched.
  const build = spawnSync(process.execPath, [path.join(repo, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', path.join(appDir, 'out')], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (build.status !== 0) throw new Error(`electron-vite build failed (${build.status}):\n${build.stderr}\n${build.stdout}`);
  cpSync(path.join(repo, 'package.json'), path.join(appDir, 'package.json'));
  symlinkSync(path.join(repo, 'node_modules'), path.join(appDir, 'node_modules'), 'dir');

  const reportFile = path.join(base, 'report.json');
  await promisify(execFile)(process.execPath, [driver, appDir, reportFile], {
    cwd: base,
    timeout: 30_000,
    env: {
      ...process.env,
      JIT_USER_DATA_DIR: profileDir,
      JIT_SERVER_URL: SERVER_URL,
      FAKE_ELECTRON_DEFAULT_USER_DATA: path.join(base, 'default-user-data'),
      // Set but empty, as some shells and CI runners leave it: must not count as a dev server.
      ELECTRON_RENDERER_URL: '',
    },
  });
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
}, 150_000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

const indexOf = (what: string) => report.log.findIndex((entry) => entry.what === what);

describe('the built bundles', () => {
  it('package.json "main" is the built main entry', () => {
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { main: string; type: string };
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.type).toBe('module');
    expect(existsSync(path.join(appDir, pkg.main))).toBe(true);
  });

  it('main is an ES module (electron-store 11 is ESM-only) importing only electron, Node built-ins and runtime dependencies', () => {
    const code = readFileSync(path.join(appDir, 'out/main/index.js'), 'utf8');
    expect(code).not.toMatch(/\brequire\(/);
    const imported = [...code.matchAll(/^\s*import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["']/gm)].map((m) => m[1]!);
    expect(imported).toContain('electron-store');
    const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    // devDependencies are not in a packaged app: anything else must be a runtime dependency.
    const unresolvable = imported.filter((name) => name !== 'electron' && !builtins.has(name) && !(name in pkg.dependencies));
    expect(unresolvable).toEqual([]);
    const electronStore = JSON.parse(readFileSync(path.join(repo, 'node_modules/electron-store/package.json'), 'utf8')) as { type?: string };
    expect(electronStore.type).toBe('module');
  });

  it('the preload is one self-contained CommonJS file that requires only electron, as a sandboxed preload must', () => {
    const file = path.join(appDir, 'out/preload/index.cjs');
    expect(existsSync(file)).toBe(true);
    const exposed: Record<string, unknown> = {};
    const required: string[] = [];
    const sent: unknown[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => (sent.push(args), { ok: true, value: { token: null } }),
        on: () => undefined,
        removeListener: () => undefined,
      },
    };
    // What a sandboxed preload has: a `require` that knows only a few modules and a reduced `process`.
    const module = { exports: {} };
    const sandbox = {
      module,
      exports: module.exports,
      process: { platform: 'linux', env: {} },
      require: (id: string) => {
        required.push(id);
        if (id === 'electron') return electron;
        throw new Error(`a sandboxed preload cannot require "${id}"`);
      },
    };
    vm.runInNewContext(readFileSync(file, 'utf8'), sandbox, { filename: file });
    expect(required).toEqual(['electron']);
    const bridge = exposed.jitHost as { invoke(channel: string, input: unknown): Promise<unknown> };
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on', 'platform']);
    return bridge.invoke('token.get', {}).then((value) => {
      expect(value).toEqual({ token: null });
      expect(sent).toEqual([['jit:token.get', {}]]);
    });
  });
});

describe('starting the built app', () => {
  it('starts without errors', () => {
    expect(report.errors).toEqual([]);
    expect(report.steps['import main']).toBe('ok');
    expect(indexOf('app.exit')).toBe(-1);
  });

  it('does what Electron requires before ready: profile folder, sandbox for all, privileged app:// scheme, single-instance lock', () => {
    const ready = indexOf('ready');
    expect(report.log.find((e) => e.what === 'app.setPath')?.detail).toEqual({ name: 'userData', value: profileDir });
    expect(indexOf('app.setPath')).toBeLessThan(indexOf('app.requestSingleInstanceLock'));
    // The lock is scoped to the profile folder, so two test apps with their own profiles both start.
    expect(report.log.find((e) => e.what === 'app.requestSingleInstanceLock')?.detail).toEqual({ userData: profileDir });
    for (const before of ['app.enableSandbox', 'protocol.registerSchemesAsPrivileged', 'app.requestSingleInstanceLock']) {
      expect(indexOf(before), before).toBeGreaterThanOrEqual(0);
      expect(indexOf(before), before).toBeLessThan(ready);
    }
    expect(report.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('serves the built renderer over app:// with the CSP naming only the configured server, and nothing outside it', () => {
    const { index, script, scriptUrl, outside } = report.steps.protocol;
    expect(index.status).toBe(200);
    expect(index.contentType).toMatch(/^text\/html/);
    const connectSrc = index.csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src'));
    expect(connectSrc).toBe(`connect-src 'self' ${SERVER_URL}`);
    expect(index.csp).toContain("script-src 'self';");
    // The page's own script resolves to a real file: the renderer folder was found from out/main.
    expect(scriptUrl).toMatch(/^app:\/\/console\/assets\/.+\.js$/);
    expect(script).toMatchObject({ status: 200, contentType: 'text/javascript; charset=utf-8' });
    expect(script!.bytes).toBeGreaterThan(1000);
    expect(outside).toEqual({ status: 404, leaked: false });
  });

  it('opens one locked-down window on the app origin with the built preload', () => {
    const { webPreferences, loadedUrl } = report.steps.window;
    expect(webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false, disableBlinkFeatures: 'Auxclick' });
    expect(webPreferences.preload).toBe(path.join(appDir, 'out/preload/index.cjs'));
    expect(existsSync(String(webPreferences.preload))).toBe(true);
    expect(loadedUrl).toBe('app://console/index.html');
    expect(report.log.filter((e) => e.what === 'new BrowserWindow')).toHaveLength(1);
  });

  it('every web contents refuses new windows, navigation away, redirects and webviews; only https goes to the browser', () => {
    for (const contents of [report.steps.window.contents, report.steps['other contents']]) {
      expect(contents).toEqual({
        openHttps: { action: 'deny' },
        openFile: { action: 'deny' },
        navigateAway: true,
        navigateFile: true,
        navigateWithin: false,
        redirectAway: true,
        attachWebview: true,
      });
    }
    expect(report.steps.window.openedExternally).not.toContain('file:///etc/passwd');
  });

  it('registers exactly the declared IPC channels and nothing else on ipcMain', () => {
    expect(report.ipcHandlers.sort()).toEqual(IPC_CHANNEL_NAMES.map((c) => `jit:${c}`).sort());
    // electron-store's own `electron-store-get-data` listener is gone.
    expect(report.ipcListenersBeforeReady).toEqual([]);
    expect(report.ipcListeners).toEqual([]);
  });

  it('answers the console page and refuses other frames, bad input and unknown fields', () => {
    const { ipc } = report.steps;
    expect(ipc.settingsFromConsole).toMatchObject({ ok: true, value: { serverUrl: SERVER_URL } });
    for (const refused of [ipc.settingsFromElsewhere, ipc.settingsFromSubframe, ipc.settingsFromGoneFrame]) {
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    }
    expect(ipc.badInput).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('count') } });
    expect(ipc.unknownField).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('isAdmin') } });
  });

  it('keeps the session token encrypted in the profile folder', () => {
    const token = report.steps.token;
    expect(token.set).toEqual({ ok: true, value: { ok: true } });
    expect(token.get).toEqual({ ok: true, value: { token: 'probe-session-token-4f1c' } });
    expect(token.storeFile).toBe(path.join(profileDir, 'jit-console.json'));
    expect(token.storedKeys).toContain('sessionToken');
    expect(token.clearOnDisk).toBe(false);
  });

  it('shows OS notifications from main', () => {
    expect(report.steps.notify.reply).toEqual({ ok: true, value: { shown: true } });
    expect(report.steps.notify.shown).toEqual([{ title: '2 new access requests', body: '2 waiting' }]);
  });

  it('grants web permissions only as the policy says, on request and on check', () => {
    expect(report.steps.permissions).toEqual({
      request: { media: false, notifications: false, geolocation: false, clipboardWrite: true, clipboardWriteElsewhere: false, loopbackNetwork: true },
      check: { media: false, clipboardRead: false, localNetwork: true },
    });
  });
});
