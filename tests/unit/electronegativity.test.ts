/**
 * The Electronegativity step of `npm test` must not pass by scanning nothing: run it on a small app
 * with known problems and check it names each one, honours `eng-disable` justifications and the
 * allow-list, scans bundles that use class private fields, and fails on a stale allow-list entry.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../integration/helpers/server.js';

let root: string;

function write(file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

function scan(): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['scripts/electronegativity.mjs', '--root', root], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const allow = (entries: { id: string; file: string; reason: string }[]) => write('scripts/electronegativity-allow.json', JSON.stringify(entries));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'jit-electronegativity-test-'));
  write('package.json', JSON.stringify({ name: 'fixture', devDependencies: { electron: '^45.3.4' } }));
  write('preload/index.ts', "import { contextBridge } from 'electron';\ncontextBridge.exposeInMainWorld('host', { ping: () => 'pong' });\n");
  write('out/renderer/index.html', '<!doctype html><html><head><title>x</title></head><body><script type="module" src="./assets/index.js"></script></body></html>\n');
  // Class private fields and optional chaining, as the built renderer has them.
  write('out/renderer/assets/index.js', 'class Counter { #n = 0; next() { return this.#n?.valueOf() ?? 0; } }\nexport const counter = new Counter();\n');
  allow([{ id: 'ELECTRON_VERSION_JSON_CHECK', file: 'package.json', reason: 'fixture' }]);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('scripts/electronegativity.mjs', () => {
  it('fails on each finding in main/, preload/ or the built renderer, naming the check and the place', () => {
    write('main/window.ts', "import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });\n");
    // After a class with private fields, so the finding shows the whole bundle was walked.
    write('out/renderer/assets/extra.js', 'class Hidden { #x = 1; get x() { return this.#x; } }\nexport const h = new Hidden();\nexport const popup = new BrowserWindow({ webPreferences: { nodeIntegration: true } });\n');
    write('main/window.test.ts', "new BrowserWindow({ webPreferences: { nodeIntegration: true } });\n");
    const { status, output } = scan();
    expect(status).toBe(1);
    expect(output).toMatch(/NODE_INTEGRATION_JS_CHECK \(\w+, \w+\) at main\/window\.ts:2:/);
    expect(output).toMatch(/CONTEXT_ISOLATION_JS_CHECK \(\w+, \w+\) at main\/window\.ts:2:/);
    expect(output).toMatch(/NODE_INTEGRATION_JS_CHECK \(\w+, \w+\) at renderer\/assets\/extra\.js:3:/);
    expect(output).not.toContain('window.test.ts');
    expect(output).not.toMatch(/could not be scanned/);
  });

  it('passes when every finding is fixed or justified, beside the code or in the allow-list', () => {
    write(
      'main/window.ts',
      [
        "import { BrowserWindow } from 'electron';",
        'export const w = new BrowserWindow({',
        '  webPreferences: {',
        "    preload: '/app/preload.cjs', // eng-disable PRELOAD_JS_CHECK",
        '    contextIsolation: true,',
        '    sandbox: true,',
        '    nodeIntegration: false,',
        "    disableBlinkFeatures: 'Auxclick',",
        '  },',
        '}); // eng-disable LIMIT_NAVIGATION_GLOBAL_CHECK PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
        "w.webContents.session.webRequest.onHeadersReceived((d, cb) => cb({ responseHeaders: { ...d.responseHeaders, 'Content-Security-Policy': [\"default-src 'none'\"] } }));",
        "w.webContents.on('will-navigate', (e) => e.preventDefault());",
        "w.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));",
        "w.webContents.session.setPermissionRequestHandler((_c, _p, cb) => cb(false));",
        '',
      ].join('\n'),
    );
    const { status, output } = scan();
    expect(output).toMatch(/allowed ELECTRON_VERSION_JSON_CHECK package\.json: fixture/);
    expect(output).toMatch(/electronegativity: clean/);
    expect(status).toBe(0);
  });

  it('fails on an allow-list entry that matches no finding any more', () => {
    write('main/window.ts', 'export const nothing = 1;\n');
    allow([
      { id: 'ELECTRON_VERSION_JSON_CHECK', file: 'package.json', reason: 'fixture' },
      { id: 'OPEN_EXTERNAL_JS_CHECK', file: 'main/gone.ts', reason: 'was fixed' },
    ]);
    const { status, output } = scan();
    expect(status).toBe(1);
    expect(output).toContain('allow-list entry OPEN_EXTERNAL_JS_CHECK main/gone.ts matches no finding any more');
  });
});
