/**
 * A ticket system's end of the ticket-check hook, over real HTTPS on 127.0.0.1 with a throwaway CA:
 * the receiver every hook should be. It checks the signature with the shared secret
 * (verifyTicketCheckSignature: HMAC-SHA256 over "<timestamp>.<body>", timestamps within 5 minutes
 * of its clock), refuses a call it has already seen, and answers each ticket as the test says:
 * open, closed or unknown, or misbehaves (slow, garbage, a redirect, HTTP 500, a huge answer).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { verifyTicketCheckSignature, type SignatureCheck } from '../../../sync-server/ticket-check/signature.js';
import { createStandinCertificates, type StandinCertificates } from '../graph/tls.js';

export type HookBehaviour = 'open' | 'closed' | 'unknown' | 'slow' | 'garbage' | 'redirect' | 'error' | 'huge';

export type ReceivedCall = { path: string; headers: IncomingHttpHeaders; body: string; signature: SignatureCheck; answered: number };

export type TicketHookStandin = {
  /** The hook's address: https://127.0.0.1:PORT/jit/ticket-check */
  url: string;
  origin: string;
  caPem: string;
  certificates: StandinCertificates;
  /** Every call received, in order (refused ones too). */
  calls: ReceivedCall[];
  /** How this ticket is answered from now on (default: open). */
  answer(ticket: string, behaviour: HookBehaviour): void;
  close(): Promise<void>;
};

export const HOOK_PATH = '/jit/ticket-check';
const MAX_BODY = 64 * 1024;

export async function startTicketHookStandin(options: {
  secret: string;
  /** The receiver's clock, for the replay window (default: the real one). */
  now?: () => Date;
  /** Serve with these certificates (another receiver under the same CA); default: a new CA. */
  certificates?: StandinCertificates;
}): Promise<TicketHookStandin> {
  const certificates = options.certificates ?? (await createStandinCertificates());
  const now = options.now ?? (() => new Date());
  const behaviours = new Map<string, HookBehaviour>();
  const calls: ReceivedCall[] = [];
  const seen = new Set<string>();
  const held = new Set<() => void>();

  const server: Server = createServer({ key: certificates.serverKeyPem, cert: certificates.serverCertPem }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const call: ReceivedCall = { path, headers: req.headers, body, signature: { ok: false, reason: 'not checked' }, answered: 0 };
      calls.push(call);
      const send = (status: number, type: string, text: string, headers: Record<string, string> = {}) => {
        call.answered = status;
        res.writeHead(status, { 'content-type': type, ...headers });
        res.end(text);
      };
      const json = (status: number, value: unknown) => send(status, 'application/json', JSON.stringify(value));
      if (req.method !== 'POST' || path !== HOOK_PATH) return json(404, { error: 'no such route' });
      if (size > MAX_BODY) return json(413, { error: 'body too large' });
      // 1. The signature, with the shared secret, over the bytes received; 2. the timestamp's age.
      call.signature = verifyTicketCheckSignature({ secret: options.secret, headers: req.headers, body, now: now() });
      if (!call.signature.ok) return json(401, { error: call.signature.reason });
      // 3. The same signed call twice is a replay, however recent.
      const signature = String(req.headers['x-jit-signature']);
      if (seen.has(signature)) {
        call.signature = { ok: false, reason: 'already received: a replay' };
        return json(401, { error: 'replayed call' });
      }
      seen.add(signature);
      let ticket: string;
      try {
        ticket = String((JSON.parse(body) as { ticket?: unknown }).ticket ?? '');
      } catch {
        return json(400, { error: 'body is not JSON' });
      }
      const behaviour = behaviours.get(ticket) ?? 'open';
      switch (behaviour) {
        case 'open':
        case 'closed':
          return json(200, { status: behaviour, reason: `${ticket} is ${behaviour === 'open' ? 'in progress' : 'resolved'}` });
        case 'unknown':
          return json(200, { status: 'unknown' });
        case 'garbage':
          return send(200, 'application/json', '{"status": open, <html>');
        case 'redirect':
          return send(302, 'application/json', '{}', { location: `${origin}/elsewhere` });
        case 'error':
          return json(500, { error: 'the ticket system is down' });
        case 'huge':
          return send(200, 'application/json', JSON.stringify({ status: 'open', padding: 'x'.repeat(100 * 1024) }));
        case 'slow': {
          // Never answers: held until the caller gives up (or the stand-in closes).
          const release = () => {
            held.delete(release);
            if (!res.writableEnded) json(200, { status: 'open' });
          };
          held.add(release);
          res.on('close', () => held.delete(release));
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}${HOOK_PATH}`,
    origin,
    caPem: certificates.caPem,
    certificates,
    calls,
    answer: (ticket, behaviour) => void behaviours.set(ticket, behaviour),
    async close() {
      for (const release of [...held]) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
