/**
 * Forwarding the audit log to a SIEM through a real TLS syslog listener (node:tls, RFC 5425 frames)
 * and a real HTTPS receiver, both with a certificate made here: every event arrives, the receivers
 * can go away and come back, the server can restart, and forwarding resumes after the last
 * acknowledged seq, never before it. Plus the paged export API.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFrameReader } from '../../sync-server/audit/siem/rfc5424.js';
import type { SiemSettings } from '../../sync-server/audit/siem/settings.js';
import { createStandinCertificates, type StandinCertificates } from '../standins/graph/tls.js';
import { http, makeTempDataDir, startTestServer, type HttpResponse, type TestServer } from './helpers/server.js';

type ExportPage = { events: { seq: number; hash: string; prevHash: string }[]; next: number | null; headSeq: number; firstSeq: number };

type Received = { seq: number; hash: string; raw: string };

/** A receiver that can be stopped and started again on the same port. */
type Receiver = { port: number; received: Received[]; start(): Promise<void>; stop(): Promise<void> };

function receiver(make: (onEvent: (r: Received) => void, sockets: Set<Socket>) => TlsServer | HttpsServer): Receiver {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  let server: TlsServer | HttpsServer | null = null;
  const self: Receiver = {
    port: 0,
    received,
    async start() {
      server = make((r) => received.push(r), sockets);
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      });
      await new Promise<void>((resolve) => server!.listen(self.port, '127.0.0.1', resolve));
      self.port = (server.address() as { port: number }).port;
    },
    async stop() {
      const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closing;
      server = null;
    },
  };
  return self;
}

/** Syslog over TLS: RFC 5425 frames of RFC 5424 messages, the event's JSON after the BOM. */
function syslogReceiver(certs: StandinCertificates): Receiver {
  return receiver((onEvent) =>
    createTlsServer({ cert: certs.serverCertPem, key: certs.serverKeyPem }, (socket) => {
      const read = createFrameReader((raw) => {
        const json = raw.slice(raw.indexOf('\uFEFF') + 1);
        const event = JSON.parse(json) as { seq: number; hash: string };
        onEvent({ seq: event.seq, hash: event.hash, raw });
      });
      socket.on('data', read);
      socket.on('error', () => undefined);
    }),
  );
}

function httpsReceiver(certs: StandinCertificates, answer: () => number): Receiver {
  return receiver((onEvent) =>
    createHttpsServer({ cert: certs.serverCertPem, key: certs.serverKeyPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = answer();
        if (status === 200) {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: { seq: number; hash: string }[] };
          for (const e of body.events) onEvent({ seq: e.seq, hash: e.hash, raw: '' });
        }
        res.writeHead(status, status === 503 ? { 'retry-after': '0' } : {}).end();
      });
    }),
  );
}

/** Waits for a condition the forwarder brings about (retries run on their own timers). */
async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const seqs = (r: Receiver) => r.received.map((e) => e.seq);
const eachOnce = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let certs: StandinCertificates;
/** Several servers and CLI runs per test: on a shared machine they take longer than the default limit. */
const dirs: string[] = [];
beforeAll(async () => {
  certs = await createStandinCertificates();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('forwarding every audit event to a SIEM', () => {
  it('reaches a TLS syslog listener and an HTTPS receiver, and resumes after the last acknowledged seq when they come back and when the server restarts', async () => {
    const syslog = syslogReceiver(certs);
    let httpsAnswer = 200;
    const receiverHttps = httpsReceiver(certs, () => httpsAnswer);
    await syslog.start();
    await receiverHttps.start();
    const fingerprint = new X509Certificate(certs.serverCertPem).fingerprint256;
    const siem: SiemSettings = {
      syslog: { host: '127.0.0.1', port: syslog.port, caPem: certs.caPem, fingerprints: [fingerprint], hostname: 'jit-test' },
      https: { url: `https://127.0.0.1:${receiverHttps.port}/ingest`, caPem: certs.caPem, token: 'siem-token' },
      batchSize: 25,
      maxBackoffMs: 200,
    };
    const dataDir = makeTempDataDir();
    dirs.push(dataDir);
    let srv: TestServer = await startTestServer({ dataDir, keepDataDir: true, seedDemo: true, siem, audit: { tickMs: 0 } });
    const status = async () => (await http('GET', `${srv.url}/api/v1/audit/siem`, { token: srv.adminToken })).body as { configured: boolean; sinks: { kind: string; ackedSeq: number; lag: number; lastError: string | null; headSeq: number }[] };
    const sink = async (kind: string) => (await status()).sinks.find((s) => s.kind === kind)!;
    try {
      let head = srv.store.auditHead().seq;
      await until('every seeded event at both receivers', async () => (await sink('syslog')).ackedSeq === head && (await sink('https')).ackedSeq === head && syslog.received.length >= head && receiverHttps.received.length >= head);
      expect(seqs(syslog)).toEqual(eachOnce(1, head));
      expect(seqs(receiverHttps)).toEqual(eachOnce(1, head));
      // RFC 5424 header and structured data; the event's own hash travels with it.
      const first = syslog.received[0]!.raw;
      expect(first).toMatch(/^<1\d\d>1 \d{4}-\d\d-\d\dT[\d:.]+Z jit-test jit-access \d+ [a-z_.]+ \[jit@32473 seq="1" id="ae-1" type="[a-z_.]+" actor="[^"]+" subject="[a-z]+:[^"]+" hash="[0-9a-f]{64}" prevHash="0{64}"\] \uFEFF\{/);
      expect(syslog.received.map((e) => e.hash)).toEqual([...srv.store.auditEvents()].map((e) => e.hash));
      expect(await status()).toMatchObject({ configured: true });
      expect((await sink('syslog')).lag).toBe(0);

      // Both receivers go away: the syslog listener stops, the HTTPS one answers 503.
      await syslog.stop();
      httpsAnswer = 503;
      const ackedBefore = head;
      for (let i = 0; i < 3; i++) await http('POST', `${srv.url}/api/v1/auth/login`, { body: { username: 'heidi', password: `wrong-${i}` } });
      head = srv.store.auditHead().seq;
      expect(head).toBeGreaterThan(ackedBefore);
      await until('both sinks to report the outage', async () => Boolean((await sink('syslog')).lastError) && Boolean((await sink('https')).lastError));
      const down = await status();
      expect(down.sinks.map((s) => [s.kind, s.ackedSeq, s.lag])).toEqual([
        ['syslog', ackedBefore, head - ackedBefore],
        ['https', ackedBefore, head - ackedBefore],
      ]);
      expect(down.sinks.find((s) => s.kind === 'https')!.lastError).toMatch(/HTTP 503/);
      const syslogSeen = syslog.received.length;
      const httpsSeen = receiverHttps.received.length;

      // Back again: what was not acknowledged arrives, nothing acknowledged is sent again.
      await syslog.start();
      httpsAnswer = 200;
      await until('the backlog at both receivers', async () => (await sink('syslog')).ackedSeq === head && (await sink('https')).ackedSeq === head);
      expect(seqs(syslog).slice(syslogSeen)).toEqual(eachOnce(ackedBefore + 1, head));
      expect(seqs(receiverHttps).slice(httpsSeen)).toEqual(eachOnce(ackedBefore + 1, head));
      expect((await sink('https')).lastError).toBeNull();

      // The server restarts: its cursors are in the store, so it sends only what is new.
      await srv.close();
      const beforeRestart = { syslog: syslog.received.length, https: receiverHttps.received.length, head };
      srv = await startTestServer({ dataDir, keepDataDir: true, siem, audit: { tickMs: 0 } });
      head = srv.store.auditHead().seq;
      expect(head).toBeGreaterThan(beforeRestart.head);
      await until('the events since the restart', async () => (await sink('syslog')).ackedSeq === head && (await sink('https')).ackedSeq === head);
      expect(seqs(syslog).slice(beforeRestart.syslog)).toEqual(eachOnce(beforeRestart.head + 1, head));
      expect(seqs(receiverHttps).slice(beforeRestart.https)).toEqual(eachOnce(beforeRestart.head + 1, head));
      // Over the whole run: every event once, in order.
      expect(seqs(syslog)).toEqual(eachOnce(1, head));
      expect(seqs(receiverHttps)).toEqual(eachOnce(1, head));

      const requester = await srv.login('bob');
      expect((await http('GET', `${srv.url}/api/v1/audit/siem`, { token: requester })).status).toBe(403);
      expect((await http('GET', `${srv.url}/api/v1/audit/siem`, { token: await srv.login('heidi') })).status).toBe(403);
    } finally {
      await srv.close();
      await syslog.stop().catch(() => undefined);
      await receiverHttps.stop();
    }
  }, 120_000);

  it('does not send to a syslog listener whose certificate is not the pinned one', async () => {
    const syslog = syslogReceiver(certs);
    await syslog.start();
    const srv = await startTestServer({ siem: { syslog: { host: '127.0.0.1', port: syslog.port, caPem: certs.caPem, fingerprints: ['00'.repeat(32).match(/../g)!.join(':')] }, maxBackoffMs: 200 }, audit: { tickMs: 0 } });
    try {
      await until('the pin failure in the status', async () => {
        const body = (await http('GET', `${srv.url}/api/v1/audit/siem`, { token: srv.adminToken })).body as { sinks: { lastError: string | null }[] };
        return /not the pinned one/.test(body.sinks[0]?.lastError ?? '');
      });
      expect(syslog.received).toEqual([]);
    } finally {
      await srv.close();
      await syslog.stop();
    }
  }, 120_000);
});

describe('GET /api/v1/audit/events', () => {
  it('pages through the whole log in seq order with the next cursor, and refuses requesters and approvers', async () => {
    const srv = await startTestServer({ seedDemo: true, audit: { tickMs: 0 } });
    try {
      const auditor = await srv.login('heidi');
      // After the sign-in, itself an event: the log then stays as it is while paged.
      const all = [...srv.store.auditEvents()];
      const pages: { seq: number; hash: string; prevHash: string }[][] = [];
      let after: number | null = 0;
      while (after !== null) {
        const page: HttpResponse<ExportPage> = await http<ExportPage>('GET', `${srv.url}/api/v1/audit/events?after=${after}&limit=7`, { token: auditor });
        expect(page.status).toBe(200);
        expect(page.body.headSeq).toBe(all.length);
        expect(page.body.firstSeq).toBe(1);
        pages.push(page.body.events);
        after = page.body.next;
      }
      expect(pages.flat()).toEqual(all);
      expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
      // The pages chain: each event links to the one before.
      expect(pages.flat().every((e, i, list) => i === 0 || e.prevHash === list[i - 1]!.hash)).toBe(true);
      // Past the head: an empty page and no next.
      expect((await http('GET', `${srv.url}/api/v1/audit/events?after=${all.length}`, { token: srv.adminToken })).body).toMatchObject({ events: [], next: null });
      for (const user of ['bob', 'alice']) expect((await http('GET', `${srv.url}/api/v1/audit/events`, { token: await srv.login(user) })).status).toBe(403);
      expect((await http('GET', `${srv.url}/api/v1/audit/events`)).status).toBe(401);
      expect((await http('GET', `${srv.url}/api/v1/audit/events?limit=50000`, { token: auditor })).status).toBe(400);
    } finally {
      await srv.close();
    }
  }, 120_000);
});
