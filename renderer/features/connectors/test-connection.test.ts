import { describe, expect, it } from 'vitest';
import { mayTestConnectors, stepLabel, testConnection } from './test-connection.js';

const answer = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;

describe('test connection', () => {
  it('posts to the connector\'s test endpoint and reads the steps', async () => {
    let asked = '';
    const fetchImpl = (async (url: string, init: RequestInit) => {
      asked = `${init.method} ${url}`;
      return new Response(JSON.stringify({ connectorId: 'ad/x', ok: false, failedStep: 'tls', summary: 'TLS: untrusted', steps: [{ step: 'dns', ok: true, detail: 'ok' }, { step: 'tls', ok: false, detail: 'TLS: untrusted' }] }), { status: 200 });
    }) as unknown as typeof fetch;
    const result = await testConnection('http://srv', 'tok', 'ad/x', fetchImpl);
    expect(asked).toBe('POST http://srv/api/v1/connectors/ad%2Fx/test');
    expect(result).toMatchObject({ ok: false, failedStep: 'tls' });
    expect(result.steps.map((s) => stepLabel(s.step))).toEqual(['DNS', 'TLS']);
  });

  it('says what the server refused, and refuses an answer of another shape', async () => {
    await expect(testConnection('http://srv', 'tok', 'x', answer(403, { error: { code: 'forbidden', message: 'testing a connector needs admin' } }))).rejects.toThrow('testing a connector needs admin');
    await expect(testConnection('http://srv', 'tok', 'x', answer(200, { ok: true }))).rejects.toThrow('not in the expected shape');
  });

  it('is for admins', () => {
    expect(mayTestConnectors(['admin'])).toBe(true);
    expect(mayTestConnectors(['auditor', 'policy_admin'])).toBe(false);
  });
});
