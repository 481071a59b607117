import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncConnection, SyncHttpError } from './sync-http.js';

// A real server on 127.0.0.1 that takes the request and never answers it.
let silent: Server;
let url: string;
beforeAll(async () => {
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(() => {
  silent.closeAllConnections();
  silent.close();
});

const connection = (answerTimeoutMs: number) => new SyncConnection({ baseUrl: url, token: 't', fetch: (i, init) => globalThis.fetch(i, init), onUpgradeRequired: () => undefined, answerTimeoutMs });

describe('an exchange with a server that never answers', () => {
  it('gives up, says the server is not answering, and throws so replication retries', async () => {
    const conn = connection(150);
    const failure = await conn.call('GET', '/sync/v1/pull').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SyncHttpError);
    expect((failure as SyncHttpError).status).toBeNull();
    expect((failure as Error).message).toMatch(/no answer within 150 ms/);
    expect(conn.status$.value).toMatchObject({ online: false, failure: 'no-answer', lastError: expect.stringContaining('no answer within') });
  });

  it('stopping replication ends the exchange without reporting a failure', async () => {
    const conn = connection(60_000);
    const pending = conn.call('POST', '/sync/v1/push', { commands: [] }).catch((e: unknown) => e);
    conn.stop.abort();
    expect(await pending).toBeInstanceOf(SyncHttpError);
    expect(conn.status$.value).toEqual({ online: false });
  });
});
