import { describe, expect, it } from 'vitest';
import { checkTrustProxy, parseTrustProxy } from './trust-proxy.js';

describe('JIT_TRUST_PROXY', () => {
  it('is off unless set', () => {
    for (const raw of [undefined, '', ' ', '0', 'false', 'OFF', 'no']) expect(parseTrustProxy(raw)).toBe(false);
  });

  it('takes a hop count or a list of proxy addresses and ranges', () => {
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(parseTrustProxy(' 10.0.0.0/8, ::1 ,fd00::/8,loopback')).toEqual(['10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
  });

  it('refuses trusting everyone and anything that is not an address, naming the variable', () => {
    expect(() => parseTrustProxy('true')).toThrow(/JIT_TRUST_PROXY: trusting every peer/);
    expect(() => parseTrustProxy('proxy.internal')).toThrow(/JIT_TRUST_PROXY: not an IP address or CIDR range: "proxy.internal"/);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/10.0.0.0\/33/);
    expect(() => parseTrustProxy('99')).toThrow(/hop count of 1-32/);
  });

  it('becomes Fastify options: a hop count trusts that many hops nearest the server', () => {
    expect(checkTrustProxy(undefined)).toBe(false);
    expect(checkTrustProxy(['127.0.0.1'])).toEqual(['127.0.0.1']);
    const hops = checkTrustProxy(2);
    expect(typeof hops).toBe('function');
    if (typeof hops !== 'function') throw new Error('expected a function');
    expect([0, 1, 2].map((hop) => hops('203.0.113.1', hop))).toEqual([true, true, false]);
    expect(() => checkTrustProxy(['nope'])).toThrow(/trustProxy: not an IP address/);
  });
});
