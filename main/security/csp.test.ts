import { describe, expect, it } from 'vitest';
import { buildCsp } from './csp.js';

function directive(csp: string, name: string): string[] {
  const found = csp.split(';').map((d) => d.trim().split(/\s+/)).find(([n]) => n === name);
  if (!found) throw new Error(`no ${name} in ${csp}`);
  return found.slice(1);
}

describe('buildCsp', () => {
  it('limits connect-src to the page itself and the configured server', () => {
    const csp = buildCsp({ serverUrl: 'https://jit.example.com:8443/some/path' });
    expect(directive(csp, 'connect-src')).toEqual(["'self'", 'https://jit.example.com:8443']);
  });

  it('connects nowhere else when no server is configured or the URL is not http(s)', () => {
    expect(directive(buildCsp({ serverUrl: null }), 'connect-src')).toEqual(["'self'"]);
    expect(directive(buildCsp({ serverUrl: 'javascript:alert(1)' }), 'connect-src')).toEqual(["'self'"]);
  });

  it('denies by default and forbids inline or remote scripts, frames, plugins and forms', () => {
    const csp = buildCsp({ serverUrl: 'http://127.0.0.1:8787' });
    expect(directive(csp, 'default-src')).toEqual(["'none'"]);
    expect(directive(csp, 'script-src')).toEqual(["'self'"]);
    expect(directive(csp, 'style-src')).toEqual(["'self'"]);
    expect(directive(csp, 'object-src')).toEqual(["'none'"]);
    expect(directive(csp, 'frame-ancestors')).toEqual(["'none'"]);
    expect(directive(csp, 'form-action')).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-eval');
  });

  it('in development allows the dev server and its hot-reload websocket', () => {
    const csp = buildCsp({ serverUrl: 'http://127.0.0.1:8787', devServerUrl: 'http://localhost:5173' });
    expect(directive(csp, 'script-src')).toContain('http://localhost:5173');
    expect(directive(csp, 'style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directive(csp, 'connect-src')).toEqual(["'self'", 'http://127.0.0.1:8787', 'http://localhost:5173', 'ws://localhost:5173']);
  });
});
