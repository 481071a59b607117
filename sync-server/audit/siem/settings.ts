/**
 * Forwarding the audit log to a SIEM, from the environment (sync-server/cli.ts):
 *   JIT_SIEM_SYSLOG_URL          tls://host[:port] (default port 6514): syslog over TLS, RFC 5424 messages
 *                                framed as RFC 5425 says. The receiver's certificate is verified against
 *                                the system's roots, or only JIT_SIEM_SYSLOG_CA_FILE's CAs when given;
 *   JIT_SIEM_SYSLOG_FINGERPRINT  and must also have one of these SHA-256 fingerprints (hex, colons allowed,
 *                                comma-separated) when given: a pin;
 *   JIT_SIEM_SYSLOG_SERVERNAME   the name its certificate must carry (default the URL's host);
 *   JIT_SIEM_SYSLOG_CERT_FILE / _KEY_FILE  a client certificate, for receivers that ask for one;
 *   JIT_SIEM_SYSLOG_HOSTNAME / _APP_NAME / _FACILITY  the message header (default os hostname, jit-access, 13)
 *   JIT_SIEM_HTTPS_URL           https://...: batches of events POSTed as JSON, a 2xx acknowledges them;
 *   JIT_SIEM_HTTPS_CA_FILE       trusted instead of the system's roots; JIT_SIEM_HTTPS_TOKEN_FILE a file holding
 *                                the bearer token sent (or JIT_SIEM_HTTPS_TOKEN)
 *   JIT_SIEM_BATCH_SIZE          events per batch (default 500); JIT_SIEM_MAX_BACKOFF_SECONDS (default 300)
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { DEFAULT_FACILITY } from './rfc5424.js';

export type SyslogSinkSettings = {
  host: string;
  port: number;
  /** Trusted instead of the system's roots when given. */
  caPem?: string;
  /** SHA-256 fingerprints (upper-case hex with colons, as Node reports them) of which the receiver's certificate must be one. */
  fingerprints?: string[];
  serverName?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  hostname?: string;
  appName?: string;
  facility?: number;
};

export type HttpsSinkSettings = { url: string; caPem?: string; token?: string };

export type SiemSettings = {
  syslog?: SyslogSinkSettings;
  https?: HttpsSinkSettings;
  batchSize?: number;
  /** The longest wait between retries (default 300 s); the first is 1 s, doubling, with jitter. */
  maxBackoffMs?: number;
  /** Also look for events appended by another process (the scheduler worker) this often; default 5 s. */
  pollMs?: number;
};

export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_MAX_BACKOFF_MS = 300_000;

function readPem(env: NodeJS.ProcessEnv, name: string, what = 'CERTIFICATE'): string | undefined {
  const path = env[name];
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${name}: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!text.includes(`-----BEGIN ${what}`) && !(what === 'PRIVATE KEY' && /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))) throw new Error(`${name}: ${path} holds no PEM ${what.toLowerCase()}`);
  return text;
}

/** "ab:CD..." or "abcd..." to Node's form (AB:CD:...). */
export function normaliseFingerprint(raw: string): string {
  const hex = raw.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new Error(`JIT_SIEM_SYSLOG_FINGERPRINT: "${raw}" is not a SHA-256 fingerprint (64 hex digits)`);
  return hex.match(/../g)!.join(':');
}

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0, got "${raw}"`);
  return value;
}

export function siemSettingsFromEnv(env: NodeJS.ProcessEnv): SiemSettings | undefined {
  const settings: SiemSettings = {};
  if (env.JIT_SIEM_SYSLOG_URL) {
    let url: URL;
    try {
      url = new URL(env.JIT_SIEM_SYSLOG_URL);
    } catch {
      throw new Error(`JIT_SIEM_SYSLOG_URL must be tls://host[:port], got "${env.JIT_SIEM_SYSLOG_URL}"`);
    }
    if (url.protocol !== 'tls:' || !url.hostname) throw new Error(`JIT_SIEM_SYSLOG_URL must be tls://host[:port] (syslog over TLS only), got "${env.JIT_SIEM_SYSLOG_URL}"`);
    const caPem = readPem(env, 'JIT_SIEM_SYSLOG_CA_FILE');
    const clientCertPem = readPem(env, 'JIT_SIEM_SYSLOG_CERT_FILE');
    const clientKeyPem = readPem(env, 'JIT_SIEM_SYSLOG_KEY_FILE', 'PRIVATE KEY');
    if (Boolean(clientCertPem) !== Boolean(clientKeyPem)) throw new Error('JIT_SIEM_SYSLOG_CERT_FILE and JIT_SIEM_SYSLOG_KEY_FILE go together: both or neither');
    const facility = env.JIT_SIEM_SYSLOG_FACILITY ? Number(env.JIT_SIEM_SYSLOG_FACILITY) : undefined;
    if (facility !== undefined && !(Number.isInteger(facility) && facility >= 0 && facility <= 23)) throw new Error(`JIT_SIEM_SYSLOG_FACILITY must be 0-23, got "${env.JIT_SIEM_SYSLOG_FACILITY}"`);
    settings.syslog = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : 6514,
      ...(caPem ? { caPem } : {}),
      ...(env.JIT_SIEM_SYSLOG_FINGERPRINT ? { fingerprints: env.JIT_SIEM_SYSLOG_FINGERPRINT.split(',').filter((f) => f.trim()).map(normaliseFingerprint) } : {}),
      ...(env.JIT_SIEM_SYSLOG_SERVERNAME ? { serverName: env.JIT_SIEM_SYSLOG_SERVERNAME } : {}),
      ...(clientCertPem && clientKeyPem ? { clientCertPem, clientKeyPem } : {}),
      ...(env.JIT_SIEM_SYSLOG_HOSTNAME ? { hostname: env.JIT_SIEM_SYSLOG_HOSTNAME } : {}),
      ...(env.JIT_SIEM_SYSLOG_APP_NAME ? { appName: env.JIT_SIEM_SYSLOG_APP_NAME } : {}),
      ...(facility !== undefined ? { facility } : {}),
    };
  }
  if (env.JIT_SIEM_HTTPS_URL) {
    const url = env.JIT_SIEM_HTTPS_URL;
    if (!url.startsWith('https://')) throw new Error(`JIT_SIEM_HTTPS_URL must be an https:// address, got "${url}"`);
    const caPem = readPem(env, 'JIT_SIEM_HTTPS_CA_FILE');
    let token = env.JIT_SIEM_HTTPS_TOKEN || undefined;
    if (env.JIT_SIEM_HTTPS_TOKEN_FILE) token = readFileSync(env.JIT_SIEM_HTTPS_TOKEN_FILE, 'utf8').trim();
    settings.https = { url, ...(caPem ? { caPem } : {}), ...(token ? { token } : {}) };
  }
  if (!settings.syslog && !settings.https) return undefined;
  const batchSize = positive(env, 'JIT_SIEM_BATCH_SIZE');
  const maxBackoff = positive(env, 'JIT_SIEM_MAX_BACKOFF_SECONDS');
  return { ...settings, ...(batchSize ? { batchSize } : {}), ...(maxBackoff ? { maxBackoffMs: maxBackoff * 1000 } : {}) };
}

export const syslogDefaults = (s: SyslogSinkSettings) => ({ hostname: s.hostname ?? hostname(), appName: s.appName ?? 'jit-access', procId: String(process.pid), facility: s.facility ?? DEFAULT_FACILITY });
