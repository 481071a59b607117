import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../session/api-client.js';
import { fetchConnectors, healthWord, jobMatrix, mayViewConnectors, outstandingJobs, settingLabel, settingRows } from './connectors-model.js';

describe('settingRows', () => {
  it('shows secrets only as set or not set, whatever the server sent', () => {
    const rows = settingRows({
      tenantId: '1111',
      clientSecret: '[redacted]',
      certificatePath: null,
      // A server that forgot to redact must still not get the value on screen.
      webhookToken: 'tok-very-secret',
      apiKey: '',
      disableInstanceDiscovery: true,
      extraTrustedCa: false,
      writeBudget: '3000 writes / 150 s',
      batchConcurrency: 4,
      proxyUrl: null,
    });
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey.clientSecret).toMatchObject({ label: 'Client secret', value: 'set', kind: 'secret' });
    expect(byKey.certificatePath).toMatchObject({ value: 'not set', kind: 'secret' });
    expect(byKey.webhookToken).toMatchObject({ value: 'set', kind: 'secret' });
    expect(byKey.apiKey).toMatchObject({ value: 'not set', kind: 'secret' });
    expect(byKey.tenantId).toMatchObject({ label: 'Tenant ID', value: '1111', kind: 'plain' });
    expect(byKey.disableInstanceDiscovery).toMatchObject({ value: 'Yes', kind: 'flag' });
    expect(byKey.extraTrustedCa).toMatchObject({ label: 'Extra trusted CA', value: 'No' });
    expect(byKey.proxyUrl).toMatchObject({ label: 'Proxy URL', value: 'not set', kind: 'empty' });
    expect(rows.map((r) => r.value).join(' ')).not.toMatch(/tok-very-secret|redacted/);
  });

  it('labels keys in words', () => {
    expect(settingLabel('graphBaseUrl')).toBe('Graph base URL');
    expect(settingLabel('resource_unit_budget')).toBe('Resource unit budget');
  });
});

describe('jobMatrix', () => {
  it('lays out kinds by state, keeping states it does not know', () => {
    const jobs = [
      { kind: 'revoke', state: 'queued', n: 3 },
      { kind: 'provision', state: 'done', n: 2 },
      { kind: 'provision', state: 'waiting', n: 1 },
      { kind: 'future_kind', state: 'paused', n: 4 },
    ];
    const m = jobMatrix(jobs);
    expect(m.states).toEqual(['queued', 'running', 'waiting', 'done', 'cancelled', 'paused']);
    expect(m.rows.map((r) => [r.label, r.counts, r.total])).toEqual([
      ['Grant access', [0, 0, 1, 2, 0, 0], 3],
      ['Remove access', [3, 0, 0, 0, 0, 0], 3],
      ['Future kind', [0, 0, 0, 0, 0, 4], 4],
    ]);
    expect(outstandingJobs(jobs)).toBe(4);
  });
});

describe('healthWord', () => {
  it('says Starting, in the warning tone, for a connector still coming up, and Unhealthy only for a fault', () => {
    expect(healthWord({ ok: true })).toMatchObject({ label: 'Healthy', tone: 'success' });
    expect(healthWord({ ok: false, starting: true })).toMatchObject({ label: 'Starting', tone: 'warning' });
    expect(healthWord({ ok: false })).toMatchObject({ label: 'Unhealthy', tone: 'danger' });
  });
});

describe('mayViewConnectors', () => {
  it('matches the server: admin, auditor and policy admin only', () => {
    expect(mayViewConnectors(['auditor'])).toBe(true);
    expect(mayViewConnectors(['requester', 'policy_admin'])).toBe(true);
    expect(mayViewConnectors(['approver', 'reviewer'])).toBe(false);
  });
});

describe('fetchConnectors', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(status: number, body: unknown): Promise<{ url: string; seen: { auth?: string } }> {
    const seen: { auth?: string } = {};
    server = createServer((req, res) => {
      seen.auth = req.headers.authorization;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  it('sends the bearer token and returns the checked answer', async () => {
    const answer = { connectors: [{ id: 'entra-demo', kind: 'entra', displayName: 'Entra', settings: { clientSecret: '[redacted]' }, ok: true, detail: 'fine' }], scheduler: { running: true, jobs: [] } };
    const { url, seen } = await serve(200, answer);
    await expect(fetchConnectors(url, 'tok-1')).resolves.toEqual(answer);
    expect(seen.auth).toBe('Bearer tok-1');
  });

  it('keeps what the connector found on connecting, and whether it is still starting', async () => {
    const ad = {
      id: 'ad-demo', kind: 'ad', displayName: 'AD', settings: {}, ok: true, detail: 'bound',
      facts: [{ key: 'timeLimitedMembership', label: 'Time-limited membership (PAM)', value: 'not available on this forest — removal is scheduled' }],
    };
    const { url } = await serve(200, { connectors: [ad, { ...ad, id: 'ad-2', ok: false, starting: true, detail: 'starting: provisioning', facts: undefined }], scheduler: { running: true, jobs: [] } });
    const answer = await fetchConnectors(url, 'tok');
    expect(answer.connectors[0]?.facts).toEqual(ad.facts);
    expect(answer.connectors[1]).toMatchObject({ ok: false, starting: true });
  });

  it("turns the server's error body into an ApiError with its status and message", async () => {
    const { url } = await serve(403, { error: { code: 'forbidden', message: 'viewing connectors needs one of admin, auditor, policy_admin' } });
    const error = await fetchConnectors(url, 'tok').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden', message: expect.stringContaining('viewing connectors') });
  });

  it('names the field when the answer has an unexpected shape', async () => {
    const { url } = await serve(200, { connectors: [{ id: 'x' }], scheduler: { running: true, jobs: [] } });
    await expect(fetchConnectors(url, 'tok')).rejects.toThrow(/connectors\.0\.kind/);
  });

  it('says the server cannot be reached when there is no connection', async () => {
    await expect(fetchConnectors('http://127.0.0.1:9', 'tok')).rejects.toThrow(/Could not reach http:\/\/127\.0\.0\.1:9/);
  });
});
