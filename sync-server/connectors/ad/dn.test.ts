import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDn, canonicalDn, DnSyntaxError, dnEquals, dnKey, escapeDnValue, isWithin, parseDn } from './dn.js';

describe('escapeDnValue (RFC 4514)', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a+b', 'a\\+b'],
    ['back\\slash', 'back\\\\slash'],
    ['"quoted"', '\\"quoted\\"'],
    ['<x>;y=z', '\\<x\\>\\;y\\=z'],
    ['#first', '\\#first'],
    ['mid#dle', 'mid#dle'],
    [' leading', '\\ leading'],
    ['trailing ', 'trailing\\ '],
    ['nul\u0000byte', 'nul\\00byte'],
    ['*)(|(cn=*', '*)(|(cn\\=*'],
    ['Zoë', 'Zoë'],
  ])('%j -> %j', (value, escaped) => {
    expect(escapeDnValue(value)).toBe(escaped);
  });
});

describe('parseDn', () => {
  it('reads RDNs, multi-valued RDNs and escapes', () => {
    expect(parseDn('CN=Smith\\, John+UID=js,OU=People,DC=jit,DC=test')).toEqual([
      [{ type: 'CN', value: 'Smith, John' }, { type: 'UID', value: 'js' }],
      [{ type: 'OU', value: 'People' }],
      [{ type: 'DC', value: 'jit' }],
      [{ type: 'DC', value: 'test' }],
    ]);
    expect(parseDn('cn=Caf\\C3\\A9, dc=x')[0]).toEqual([{ type: 'cn', value: 'Café' }]);
    expect(parseDn('CN=\\ lead\\ ,DC=x')[0]).toEqual([{ type: 'CN', value: ' lead ' }]);
    expect(parseDn('CN=a=b,DC=x')[0]).toEqual([{ type: 'CN', value: 'a=b' }]);
  });

  it.each([
    ['CN=x,', 'ends in a comma'],
    ['CN', 'expected "="'],
    ['C N=x', 'not an attribute type'],
    ['CN=#04024869', 'hex-encoded'],
    ['CN="quoted"', 'quoted values'],
    ['CN=a;b', 'must be escaped'],
    ['CN=a\u0000b', 'must be escaped'],
    ['CN=a\\', 'ends in an escape'],
    ['CN=a\\zz', 'not a valid escape'],
    ['CN=a\\4', 'not a hex escape'],
    ['CN=\\FF\\FE', 'not UTF-8'],
    ['CN=,DC=x', 'empty value'],
  ])('refuses %j', (dn, why) => {
    expect(() => parseDn(dn)).toThrow(DnSyntaxError);
    expect(() => parseDn(dn)).toThrow(why);
  });

  it('gives back every value it was given, whatever the characters (escape then parse)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }), { minLength: 1, maxLength: 4 }), (values) => {
        const dn = buildDn(values.map((v) => ['CN', v] as const), 'DC=jit,DC=test');
        const parsed = parseDn(dn);
        expect(parsed.slice(0, values.length).map((r) => r[0]?.value)).toEqual(values);
        expect(parsed).toHaveLength(values.length + 2);
      }),
      { numRuns: 200 },
    );
  });
});

describe('comparing and building', () => {
  it('compares DNs without regard to case or escape form', () => {
    expect(dnEquals('CN=Ann\\2C B,OU=People,DC=JIT,DC=test', 'cn=ann\\, b, ou=people,dc=jit,dc=TEST')).toBe(true);
    expect(dnEquals('CN=Ann,DC=x', 'CN=Ann2,DC=x')).toBe(false);
    expect(dnKey('CN=a+UID=b,DC=x')).toBe(dnKey('UID=b+CN=a,DC=x'));
    expect(canonicalDn('CN=a\\2Cb , DC=x')).toBe('CN=a\\,b,DC=x');
  });

  it('knows what lies below a base DN', () => {
    expect(isWithin('CN=a,OU=People,DC=jit,DC=test', 'dc=jit,dc=test')).toBe(true);
    expect(isWithin('CN=a,OU=People,DC=jit,DC=other', 'DC=jit,DC=test')).toBe(false);
    expect(isWithin('DC=test', 'DC=jit,DC=test')).toBe(false);
  });

  it('a hostile name stays one value of one RDN', () => {
    for (const name of ['*)(|(cn=*', 'a,OU=Admins', 'x+CN=y', 'back\\', '#hash', 'nul\u0000', ' lead']) {
      const dn = buildDn([['CN', name]], 'OU=People,DC=jit,DC=test');
      const rdns = parseDn(dn);
      expect(rdns[0]).toEqual([{ type: 'CN', value: name }]);
      expect(rdns).toHaveLength(4);
    }
  });
});
