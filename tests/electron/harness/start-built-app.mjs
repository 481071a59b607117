/* global Request */
/**
 * Starts a BUILT console app (an app folder with package.json, out/ and node_modules) in plain Node
 * the way Electron would: `electron` resolves to a recording fake, package.json "main" is imported by
 * Node's own ESM loader (so every import must resolve as in a packaged app), then the app becomes
 * ready. It then pokes what main set up, as a window and the OS would, and writes what it saw as JSON.
 *
 *   node start-built-app.mjs <appDir> <reportFile>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL, URL } from 'node:url';

const [appDir, reportFile] = process.argv.slice(2);
if (!appDir || !reportFile) throw new Error('usage: start-built-app.mjs <appDir> <reportFile>');

register('./electron-resolve-hook.mjs', import.meta.url);
const { fake, app, ipcMain, protocol, shell, Notification, createWebContents } = await import('electron');

const errors = [];
process.on('uncaughtException', (error) => errors.push(`uncaught: ${error?.stack ?? error}`));
process.on('unhandledRejection', (error) => errors.push(`unhandled rejection: ${error?.stack ?? error}`));

const report = { errors, steps: {} };
const step = async (name, run) => {
  try {
    report.steps[name] = await run();
  } catch (error) {
    report.steps[name] = { failed: String(error?.stack ?? error) };
  }
};

const pkg = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8'));
report.main = pkg.main;
await step('import main', async () => {
  await import(pathToFileURL(path.join(appDir, pkg.main)).href);
  return 'ok';
});
report.ipcListenersBeforeReady = ipcMain.eventNames().map(String);

fake.becomeReady();
for (let waited = 0; fake.windows.length === 0 && waited < 5000; waited += 20) await sleep(20);
await sleep(50);

report.log = fake.log;
report.ipcHandlers = [...ipcMain.handlers.keys()];
report.ipcListeners = ipcMain.eventNames().map(String);
report.privilegedSchemes = protocol.privileged;

const frame = (url, isMainFrame = true) => ({ senderFrame: { url, parent: isMainFrame ? null : { url: 'app://console/index.html' } } });
const consoleFrame = frame('app://console/index.html#/queue');
const invoke = async (channel, event, input) => {
  const handler = ipcMain.handlers.get(`jit:${channel}`);
  if (!handler) return { missingHandler: channel };
  return handler(event, input);
};

await step('protocol', async () => {
  const handler = protocol.handlers.get('app');
  if (!handler) return { missingHandler: 'app' };
  const read = async (url) => {
    const response = await handler(new Request(url));
    const body = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type'), csp: response.headers.get('content-security-policy'), body };
  };
  const index = await read('app://console/index.html');
  const script = /<script[^>]+src="([^"]+)"/.exec(index.body)?.[1] ?? null;
  const scriptUrl = script ? new URL(script, 'app://console/index.html').href : null;
  const scriptResponse = scriptUrl ? await read(scriptUrl) : null;
  const outside = await read('app://console/..%2f..%2fpackage.json');
  return {
    index: { status: index.status, contentType: index.contentType, csp: index.csp },
    scriptUrl,
    script: scriptResponse && { status: scriptResponse.status, contentType: scriptResponse.contentType, bytes: scriptResponse.body.length },
    outside: { status: outside.status, leaked: outside.body.includes('"dependencies"') },
  };
});

await step('ipc', async () => ({
  settingsFromConsole: await invoke('settings.get', consoleFrame, {}),
  settingsFromElsewhere: await invoke('settings.get', frame('https://evil.example/'), {}),
  settingsFromSubframe: await invoke('settings.get', frame('app://console/index.html', false), {}),
  settingsFromGoneFrame: await invoke('settings.get', { senderFrame: null }, {}),
  badInput: await invoke('badge.set', consoleFrame, { count: -1 }),
  unknownField: await invoke('settings.set', consoleFrame, { theme: 'dark', isAdmin: true }),
}));

await step('token', async () => {
  const token = 'probe-session-token-4f1c';
  const set = await invoke('token.set', consoleFrame, { token });
  const storeFile = path.join(app.getPath('userData'), 'jit-console.json');
  const onDisk = readFileSync(storeFile, 'utf8');
  const get = await invoke('token.get', consoleFrame, {});
  return { set, get, storeFile, clearOnDisk: onDisk.includes(token), storedKeys: Object.keys(JSON.parse(onDisk)) };
});

await step('notify', async () => {
  const reply = await invoke('notify', consoleFrame, { title: '2 new access requests', body: '2 waiting' });
  return { reply, shown: Notification.shown };
});

// Web contents events, as Chromium would raise them; `prevented` says whether main stopped each one.
const raise = (contents, event, ...args) => {
  let prevented = false;
  contents.emit(event, { preventDefault: () => (prevented = true) }, ...args);
  return prevented;
};
const probeContents = (contents) => ({
  openHttps: contents.windowOpenHandler?.({ url: 'https://learn.microsoft.com/entra' }) ?? null,
  openFile: contents.windowOpenHandler?.({ url: 'file:///etc/passwd' }) ?? null,
  navigateAway: raise(contents, 'will-navigate', 'https://evil.example/login'),
  navigateFile: raise(contents, 'will-navigate', 'file:///etc/passwd'),
  navigateWithin: raise(contents, 'will-navigate', 'app://console/index.html#/grants'),
  redirectAway: raise(contents, 'will-redirect', 'https://evil.example/'),
  attachWebview: raise(contents, 'will-attach-webview', {}, { src: 'https://evil.example/' }),
});

await step('window', async () => {
  const window = fake.windows[0];
  if (!window) return { noWindow: true };
  const contents = probeContents(window.webContents);
  return { webPreferences: window.options.webPreferences, loadedUrl: window.webContents.url, contents, openedExternally: [...shell.opened] };
});

await step('other contents', async () => probeContents(createWebContents()));

await step('permissions', async () => {
  const session = fake.defaultSession;
  const ask = (permission, requestingUrl, isMainFrame = true) =>
    new Promise((resolve) => {
      if (!session.permissionRequestHandler) return resolve('no handler');
      session.permissionRequestHandler(fake.windows[0]?.webContents, permission, resolve, { requestingUrl, isMainFrame });
    });
  const check = (permission, requestingUrl) => (session.permissionCheckHandler ? session.permissionCheckHandler(null, permission, requestingUrl, { requestingUrl, isMainFrame: true }) : 'no handler');
  return {
    request: {
      media: await ask('media', 'app://console/index.html'),
      notifications: await ask('notifications', 'app://console/index.html'),
      geolocation: await ask('geolocation', 'app://console/index.html'),
      clipboardWrite: await ask('clipboard-sanitized-write', 'app://console/index.html'),
      clipboardWriteElsewhere: await ask('clipboard-sanitized-write', 'https://evil.example/'),
      loopbackNetwork: await ask('loopback-network', 'app://console/index.html'),
    },
    check: { media: check('media', 'app://console/index.html'), clipboardRead: check('clipboard-read', 'app://console/index.html'), localNetwork: check('local-network-access', 'app://console/index.html') },
  };
});

writeFileSync(reportFile, JSON.stringify(report, null, 2));
// Electron would keep running; the stand-in's job is done.
process.exit(0);
