/**
 * Where forwarded events go. A sink sends one batch and resolves once it counts as acknowledged:
 * - HTTPS: the receiver answered 2xx to the POST carrying it;
 * - syslog over TLS: RFC 5425 has no acknowledgement, so a batch counts once TLS has written all of
 *   it to an open, verified connection. A receiver that dies holding bytes it had not yet read loses
 *   them; where that matters, prefer the HTTPS sink (docs/decisions/audit-siem-and-retention.md).
 */
import https from 'node:https';
import tls from 'node:tls';
import type { AuditEvent } from '../../../core/index.js';
import { formatSyslogMessage, frameOctetCounted, type SyslogHeader } from './rfc5424.js';
import { syslogDefaults, type HttpsSinkSettings, type SyslogSinkSettings } from './settings.js';

export class SinkError extends Error {
  override name = 'SinkError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export type Sink = {
  /** Stable across restarts: the cursor is kept under it. */
  id: string;
  kind: 'syslog' | 'https';
  target: string;
  send(events: readonly AuditEvent[]): Promise<void>;
  close(): void;
};

const CONNECT_TIMEOUT_MS = 10_000;
const HTTP_TIMEOUT_MS = 30_000;

const words = (error: unknown) => {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(error);
};

export function createSyslogSink(settings: SyslogSinkSettings): Sink {
  const header: SyslogHeader = syslogDefaults(settings);
  const target = `tls://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
  let socket: tls.TLSSocket | null = null;

  const connect = () =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({
        host: settings.host,
        port: settings.port,
        servername: settings.serverName ?? (/^[\d.:]+$/.test(settings.host) ? undefined : settings.host),
        minVersion: 'TLSv1.2',
        ...(settings.caPem ? { ca: settings.caPem } : {}),
        ...(settings.clientCertPem ? { cert: settings.clientCertPem, key: settings.clientKeyPem } : {}),
        checkServerIdentity: (host, cert) => {
          const wrongName = tls.checkServerIdentity(settings.serverName ?? host, cert);
          if (wrongName) return wrongName;
          if (settings.fingerprints && !settings.fingerprints.includes(cert.fingerprint256)) {
            return new Error(`the receiver's certificate (SHA-256 ${cert.fingerprint256}) is not the pinned one (JIT_SIEM_SYSLOG_FINGERPRINT)`);
          }
          return undefined;
        },
      });
      const timer = setTimeout(() => s.destroy(new Error(`no TLS connection within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.removeListener('error', reject);
        // Nothing is expected back; a receiver that closes its side ends the connection.
        s.on('data', () => undefined);
        s.on('error', () => undefined);
        s.once('close', () => {
          if (socket === s) socket = null;
        });
        s.once('end', () => s.destroy());
        resolve(s);
      });
      s.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });

  return {
    id: `syslog:${target}`,
    kind: 'syslog',
    target,
    async send(events) {
      try {
        socket ??= await connect();
      } catch (error) {
        throw new SinkError(`cannot connect to ${target}: ${words(error)}`);
      }
      const s = socket;
      const frames = Buffer.concat(events.map((e) => frameOctetCounted(formatSyslogMessage(e, header))));
      await new Promise<void>((resolve, reject) => {
        const closed = () => reject(new SinkError(`the connection to ${target} closed before the batch was written`));
        s.once('close', closed);
        s.write(frames, (error) => {
          s.removeListener('close', closed);
          if (error || s.destroyed) reject(new SinkError(`writing to ${target} failed: ${error ? words(error) : 'the connection closed'}`));
          else resolve();
        });
      }).catch((error: unknown) => {
        s.destroy();
        if (socket === s) socket = null;
        throw error;
      });
    },
    close() {
      socket?.end();
      socket = null;
    },
  };
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function createHttpsSink(settings: HttpsSinkSettings): Sink {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, minVersion: 'TLSv1.2', ...(settings.caPem ? { ca: settings.caPem } : {}) });
  const target = settings.url;
  return {
    id: `https:${target}`,
    kind: 'https',
    target,
    send(events) {
      const body = JSON.stringify({ source: 'jit-access-console', firstSeq: events[0]?.seq, lastSeq: events.at(-1)?.seq, events });
      return new Promise<void>((resolve, reject) => {
        const request = https.request(target, {
          method: 'POST',
          agent,
          timeout: HTTP_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'jit-access-console audit forwarder',
            ...(settings.token ? { authorization: `Bearer ${settings.token}` } : {}),
          },
        });
        request.on('timeout', () => request.destroy(new Error(`no answer within ${HTTP_TIMEOUT_MS / 1000} s`)));
        request.on('error', (error) => reject(new SinkError(`POST ${target} failed: ${words(error)}`)));
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new SinkError(`POST ${target} answered HTTP ${status}`, status === 429 || status === 503 ? retryAfter(response.headers['retry-after']) : undefined));
          });
          response.on('error', (error) => reject(new SinkError(`POST ${target} failed: ${words(error)}`)));
        });
        request.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
