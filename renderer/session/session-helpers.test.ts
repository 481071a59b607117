import { describe, expect, it } from 'vitest';
import { ApiError, normaliseServerUrl } from './api-client.js';
import { createStreamBudget } from './stream-budget.js';

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

describe('createStreamBudget', () => {
  const serverUrl = 'http://127.0.0.1:9';

  async function firstChunk(response: Response): Promise<string> {
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return new TextDecoder().decode(value);
  }

  it('passes live streams and every other call to the network', async () => {
    const seen: string[] = [];
    const budget = createStreamBudget({
      serverUrl,
      live: ['requests'],
      polled: ['users'],
      baseFetch: async (input) => {
        seen.push(String(input));
        return new Response('[]');
      },
    });
    await budget.fetch(`${serverUrl}/sync/v1/requests/stream`);
    await budget.fetch(`${serverUrl}/sync/v1/users/pull?seq=0&id=&batchSize=500`);
    expect(seen).toEqual([`${serverUrl}/sync/v1/requests/stream`, `${serverUrl}/sync/v1/users/pull?seq=0&id=&batchSize=500`]);
    budget.stop();
  });

  it('answers polled streams locally with RESYNC when nudged, holding no connection', async () => {
    const budget = createStreamBudget({
      serverUrl,
      live: ['requests'],
      polled: ['users', 'audit'],
      baseFetch: async () => {
        throw new Error('a polled stream must not reach the network');
      },
    });
    const response = await budget.fetch(`${serverUrl}/sync/v1/audit/stream`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const chunk = firstChunk(response);
    budget.nudge();
    expect(await chunk).toBe('data: "RESYNC"\n\n');
    budget.stop();
  });

  it('re-pulls polled collections on a timer too', async () => {
    const budget = createStreamBudget({ serverUrl, live: [], polled: ['users'], intervalMs: 20, baseFetch: async () => new Response('') });
    const response = await budget.fetch(`${serverUrl}/sync/v1/users/stream`);
    expect(await firstChunk(response)).toContain('RESYNC');
    budget.stop();
  });

  it('closes the stand-in stream when the reader aborts', async () => {
    const budget = createStreamBudget({ serverUrl, live: [], polled: ['users'], baseFetch: async () => new Response('') });
    const abort = new AbortController();
    const response = await budget.fetch(`${serverUrl}/sync/v1/users/stream`, { signal: abort.signal });
    const reader = response.body!.getReader();
    abort.abort();
    expect((await reader.read()).done).toBe(true);
    budget.stop();
  });
});
