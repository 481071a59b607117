import { describe, expect, it } from 'vitest';
import { consoleOrigins, isAllowedNavigation, isSafeExternalUrl, isTrustedSender, resolveAppFile, serverOrigin } from './urls.js';

describe('sender check', () => {
  const origins = consoleOrigins(null);

  it('trusts only the console origin', () => {
    expect(isTrustedSender('app://console/index.html#/queue', origins)).toBe(true);
    expect(isTrustedSender('app://other/index.html', origins)).toBe(false);
    expect(isTrustedSender('https://console/', origins)).toBe(false);
    expect(isTrustedSender('file:///tmp/index.html', origins)).toBe(false);
    expect(isTrustedSender('', origins)).toBe(false);
    expect(isTrustedSender('not a url', origins)).toBe(false);
  });

  it('adds the dev server origin only when given an http(s) URL', () => {
    expect(consoleOrigins('http://localhost:5173/')).toEqual(['app://console', 'http://localhost:5173']);
    expect(consoleOrigins('javascript:alert(1)')).toEqual(['app://console']);
    expect(isTrustedSender('http://localhost:5173/src/main.tsx', consoleOrigins('http://localhost:5173'))).toBe(true);
    expect(isTrustedSender('http://localhost:5174/', consoleOrigins('http://localhost:5173'))).toBe(false);
  });
});

describe('navigation and external links', () => {
  const origins = consoleOrigins(null);

  it('blocks navigation away from the console', () => {
    expect(isAllowedNavigation('app://console/index.html#/grants', origins)).toBe(true);
    expect(isAllowedNavigation('https://example.com/', origins)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', origins)).toBe(false);
  });

  it('opens only https links without credentials in the OS browser', () => {
    expect(isSafeExternalUrl('https://learn.microsoft.com/entra')).toBe(true);
    expect(isSafeExternalUrl('http://example.com')).toBe(false);
    expect(isSafeExternalUrl('file:///etc/passwd')).toBe(false);
    expect(isSafeExternalUrl('javascript:alert(1)')).toBe(false);
    expect(isSafeExternalUrl('smb://share/x')).toBe(false);
    expect(isSafeExternalUrl('https://user:pass@example.com')).toBe(false);
  });

  it('reduces a server URL to its origin and refuses non-http ones', () => {
    expect(serverOrigin('https://jit.example.com:8443/api/v1')).toBe('https://jit.example.com:8443');
    expect(serverOrigin('ftp://jit.example.com')).toBeNull();
    // Bearer tokens travel to the server: plain http only when it never leaves the machine.
    expect(serverOrigin('http://jit.example.com')).toBeNull();
    expect(serverOrigin('http://10.0.0.5:8787')).toBeNull();
    expect(serverOrigin('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(serverOrigin('http://localhost:8787')).toBe('http://localhost:8787');
    expect(serverOrigin('http://[::1]:8787')).toBe('http://[::1]:8787');
    expect(serverOrigin('https://user:secret@jit.example.com')).toBeNull();
    expect(serverOrigin('')).toBeNull();
    expect(serverOrigin(null)).toBeNull();
  });
});

describe('app protocol file resolution', () => {
  it('serves files inside the renderer folder', () => {
    expect(resolveAppFile('app://console/')).toBe('index.html');
    expect(resolveAppFile('app://console/index.html')).toBe('index.html');
    expect(resolveAppFile('app://console/assets/index-abc.js?x=1')).toBe('assets/index-abc.js');
  });

  it('refuses path traversal, encoded or not, and other hosts', () => {
    expect(resolveAppFile('app://console/../../etc/passwd')).toBe('etc/passwd'); // the URL parser already collapsed it
    // The URL parser collapses encoded dot segments too; what is left stays inside the folder.
    expect(resolveAppFile('app://console/assets/%2e%2e/%2e%2e/etc/passwd')).toBe('etc/passwd');
    expect(resolveAppFile('app://console/assets/..%2f..%2fetc%2fpasswd')).toBeNull();
    expect(resolveAppFile('app://console/assets/..%5c..%5cwin.ini')).toBeNull();
    expect(resolveAppFile('app://console/a%00.js')).toBeNull();
    expect(resolveAppFile('app://console/%E0%A4%A')).toBeNull();
    expect(resolveAppFile('app://elsewhere/index.html')).toBeNull();
    expect(resolveAppFile('file:///etc/passwd')).toBeNull();
  });
});
