import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from './app-protocol.js';

// A real folder laid out like out/renderer, with a secret beside it that must never be served.
let base: string;
let handler: (request: Request) => Promise<Response>;
const CSP = "default-src 'none'; script-src 'self'";

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'jit-app-protocol-'));
  const renderer = path.join(base, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(path.join(renderer, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(path.join(renderer, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(path.join(base, 'secret.txt'), 'token=hunter2');
  symlinkSync(path.join(base, 'secret.txt'), path.join(renderer, 'assets', 'escape.txt'));
  symlinkSync(base, path.join(renderer, 'parent'));
  handler = createAppProtocolHandler({ rendererRoot: renderer, contentSecurityPolicy: () => CSP });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const appRequest = (url: string, method = 'GET') => new Request(url, { method });

describe('app:// protocol handler', () => {
  it('serves the renderer files with their type, the CSP and nosniff', async () => {
    const page = await handler(appRequest('app://console/'));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>console</title>');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const script = await handler(appRequest('app://console/assets/index-abc.js?v=1'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log(1)');
    expect((await handler(appRequest('app://console/assets/index-abc.css'))).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for missing files, folders and other hosts', async () => {
    expect((await handler(appRequest('app://console/nope.js'))).status).toBe(404);
    expect((await handler(appRequest('app://console/assets'))).status).toBe(404);
    expect((await handler(appRequest('app://other/index.html'))).status).toBe(404);
  });

  it('never serves a file outside the renderer folder, by traversal or by symlink', async () => {
    for (const url of [
      'app://console/..%2fsecret.txt',
      'app://console/assets/..%5c..%5csecret.txt',
      'app://console/assets/escape.txt',
      'app://console/parent/secret.txt',
    ]) {
      const response = await handler(appRequest(url));
      expect(response.status, url).toBe(404);
      expect(await response.text(), url).not.toContain('hunter2');
    }
  });

  it('answers only GET and HEAD', async () => {
    expect((await handler(appRequest('app://console/index.html', 'POST'))).status).toBe(405);
    const head = await handler(appRequest('app://console/index.html', 'HEAD'));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
