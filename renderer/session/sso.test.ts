import { describe, expect, it } from 'vitest';
import { takeWebCallback, WEB_CALLBACK_PATH } from './sso.js';

function fakeTab(pathname: string, search: string, pending: string | null) {
  const items = new Map<string, string>(pending === null ? [] : [['jit.oidc.pending', pending]]);
  const replaced: string[] = [];
  return {
    replaced,
    items,
    deps: {
      storage: { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) },
      location: { origin: 'https://jit.example.test', pathname, search, assign: () => undefined },
      history: { replaceState: (_d: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) },
    },
  };
}

describe('the web console back from the sign-in provider', () => {
  it('takes the provider’s answer with the flow secret this tab kept, once, and clears the address bar', () => {
    const tab = fakeTab(WEB_CALLBACK_PATH, '?code=abc&state=xyz', JSON.stringify({ serverUrl: 'https://jit.example.test', flow: 'secret' }));
    expect(takeWebCallback(tab.deps)).toEqual({ serverUrl: 'https://jit.example.test', flow: 'secret', callback: '?code=abc&state=xyz' });
    expect(tab.replaced).toEqual(['/']);
    expect(tab.items.size).toBe(0);
    expect(takeWebCallback(tab.deps)).toBeNull();
  });

  it('ignores an answer this tab did not start (no flow secret kept): a link someone sent', () => {
    const tab = fakeTab(WEB_CALLBACK_PATH, '?code=abc&state=xyz', null);
    expect(takeWebCallback(tab.deps)).toBeNull();
    expect(tab.replaced).toEqual(['/']);
  });

  it('leaves every other page alone', () => {
    const tab = fakeTab('/', '', JSON.stringify({ serverUrl: 'https://jit.example.test', flow: 'secret' }));
    expect(takeWebCallback(tab.deps)).toBeNull();
    expect(tab.replaced).toEqual([]);
    expect(tab.items.size).toBe(1);
  });
});
