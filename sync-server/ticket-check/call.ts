/**
 * One signed call to a ticket-check hook and what its answer means. Anything but a 2xx JSON answer
 * `{"status":"open"|"closed"|"unknown"}` within the timeout is "unknown", with the reason in words.
 * Only the configured URL is called: no redirects are followed, and the answer is read up to 16 KiB.
 */
import https from 'node:https';
import tls from 'node:tls';
import { ticketHookUrlProblem, type TicketCheckStatus } from '../../core/index.js';
import { signedHeaders } from './signature.js';

/** The most of an answer that is read: `{"status":"open"}` needs 17 bytes. */
export const MAX_ANSWER_BYTES = 16 * 1024;
const REASON_MAX = 200;

export type HookVerdict = { status: TicketCheckStatus; reason: string };

export type HookCall = {
  url: string;
  secret: string;
  timeoutMs: number;
  /** The JSON body, exactly as signed and sent. */
  body: string;
  now: () => Date;
  /** The agent holding the trusted CAs (the system's, plus the server's configured extra CA). */
  agent: https.Agent;
};

/** The agent every hook call goes through; `extraCaPem` is trusted beside the system's roots (JIT_TICKET_HOOK_CA_FILE). */
export function createHookAgent(extraCaPem?: string): https.Agent {
  return new https.Agent({
    keepAlive: false,
    maxSockets: 32,
    ...(extraCaPem ? { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, extraCaPem] }) } : {}),
  });
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL|EPROTO/;

/** A network or TLS failure in words: what an admin reads on the request. */
function failureInWords(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (TLS_CODES.test(code)) return `TLS failed: the hook's certificate is not trusted or does not name its host (${code})`;
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was cut before an answer';
  return `the call failed (${code || error.message.slice(0, 80)})`;
}

/** The hook's answer read as a verdict: the status, and the hook's own reason if it gave one. */
export function readAnswer(statusCode: number, contentType: string, text: string): HookVerdict {
  if (statusCode >= 300 && statusCode < 400) return { status: 'unknown', reason: `answered HTTP ${statusCode}, a redirect, which is never followed` };
  if (statusCode < 200 || statusCode >= 300) return { status: 'unknown', reason: `answered HTTP ${statusCode}` };
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) return { status: 'unknown', reason: `answered ${contentType.slice(0, 60) || 'no content type'}, not JSON` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: 'unknown', reason: 'the answer is not valid JSON' };
  }
  const answer = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const status = answer.status;
  if (status !== 'open' && status !== 'closed' && status !== 'unknown') return { status: 'unknown', reason: 'the answer has no status of open, closed or unknown' };
  // The hook's words, if any: printable, short (they are shown to approvers and stored).
  const said = typeof answer.reason === 'string' ? answer.reason.replace(/[^\x20-\x7E\u00A0-\uFFFF]/g, ' ').trim().slice(0, REASON_MAX) : '';
  const words = { open: 'the ticket system says it is open', closed: 'the ticket system says it is closed', unknown: 'the ticket system does not know it' }[status];
  return { status, reason: said ? `${words}: ${said}` : words };
}

/** Calls the hook once; never throws. */
export function callTicketHook(call: HookCall): Promise<HookVerdict> {
  const refused = ticketHookUrlProblem(call.url);
  // The policy's checks refuse such a URL on save; this is the last guard before anything leaves.
  if (refused) return Promise.resolve({ status: 'unknown', reason: `not called: the address ${refused}` });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (verdict: HookVerdict) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(verdict);
    };
    const request = https.request(call.url, {
      method: 'POST',
      agent: call.agent,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': 'jit-access-console ticket-check',
        'content-length': Buffer.byteLength(call.body),
        ...signedHeaders(call.secret, call.body, call.now()),
      },
    });
    // One deadline for the whole exchange: connecting, TLS, the answer and its body.
    // The verdict is settled first, so whatever the destroyed socket reports after it does not change it.
    const deadline = setTimeout(() => {
      finish({ status: 'unknown', reason: `no answer within ${call.timeoutMs / 1000} s` });
      request.destroy();
    }, call.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish({ status: 'unknown', reason: failureInWords(error) }));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          finish({ status: 'unknown', reason: `the answer is longer than ${MAX_ANSWER_BYTES / 1024} KiB` });
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error: NodeJS.ErrnoException) => finish({ status: 'unknown', reason: failureInWords(error) }));
      response.on('end', () => {
        finish(readAnswer(response.statusCode ?? 0, String(response.headers['content-type'] ?? ''), Buffer.concat(chunks).toString('utf8')));
      });
    });
    request.end(call.body);
  });
}
