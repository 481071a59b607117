import { describe, expect, it } from 'vitest';
import { ApiError, normaliseServerUrl } from './api-client.js';

describe('normaliseServerUrl', () => {
  it('adds https when no scheme is typed and drops trailing slashes', () => {
    expect(normaliseServerUrl('jit.example.com')).toBe('https://jit.example.com');
    expect(normaliseServerUrl(' http://127.0.0.1:8787/ ')).toBe('http://127.0.0.1:8787');
    expect(normaliseServerUrl('https://example.com/jit//')).toBe('https://example.com/jit');
  });

  it('names the field when the address is unusable', () => {
    expect(() => normaliseServerUrl('')).toThrow(/Server URL/);
    expect(() => normaliseServerUrl('ftp://files.example.com')).toThrow(ApiError);
    expect(() => normaliseServerUrl('http://')).toThrow(/not a valid address/);
  });
});
