import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { Client } from 'ldapts';
import { backoffDelayMs, sleep as realSleep } from '../backoff.js';
import type { AdConnectorConfig } from './config.js';
import { isConnectionProblem, ldapCode, LDAP, systemCode, tlsProblem } from './errors.js';

/** What the DC says about itself in its root DSE, read once per connection. */
export type DcInfo = {
  url: string;
  dnsHostName: string;
  defaultNamingContext: string;
  configurationNamingContext: string;
  supportedControls: string[];
  vendorName: string;
};

export type Session = { client: Client; url: string; dc: DcInfo };

/** The step of connecting that failed: for diagnosis and for choosing whether to try another DC. */
export type ConnectStep = 'dns' | 'tcp' | 'tls' | 'bind' | 'root_dse';

export class ConnectError extends Error {
  constructor(
    readonly step: ConnectStep,
    readonly url: string,
    override readonly cause: unknown,
    /** The bind DN, for a refused bind: the refusal names whose account it is. */
    readonly account?: string,
  ) {
    super(`${url}: ${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ConnectError';
  }
}

export function connectStepOf(error: unknown): ConnectStep {
  const code = systemCode(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns';
  if (tlsProblem(error)) return 'tls';
  if (ldapCode(error) === LDAP.invalidCredentials || ldapCode(error) === LDAP.strongAuthRequired || ldapCode(error) === LDAP.confidentialityRequired) return 'bind';
  return 'tcp';
}

export type PoolDeps = {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called on each new bound connection before its first use (the connector learns what the forest supports). Must not throw. */
  onConnect?: (session: Session) => Promise<void>;
};

const first = (v: unknown): string => (Array.isArray(v) ? String(v[0] ?? '') : v === undefined ? '' : String(v));

/** The TLS options for one DC: the configured CA (or the system roots), TLS 1.2+, and the name to check. */
export function tlsOptionsFor(config: Pick<AdConnectorConfig, 'caPem' | 'tlsServerName'>, host: string): ConnectionOptions {
  const expected = config.tlsServerName ?? host;
  return {
    ...(config.caPem ? { ca: config.caPem } : {}),
    minVersion: 'TLSv1.2',
    // SNI carries names only; an address is still checked against the certificate's IP entries.
    ...(isIP(expected) ? {} : { servername: expected }),
    host: expected,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(expected, cert),
  };
}

export function readBindPassword(config: Pick<AdConnectorConfig, 'bindPassword' | 'bindPasswordFile'>): string {
  if (config.bindPassword) return config.bindPassword;
  if (!config.bindPasswordFile) throw new Error('no bind password configured');
  return readFileSync(config.bindPasswordFile, 'utf8').replace(/\r?\n$/, '');
}

/**
 * Opens one connection: TCP (or TLS for ldaps://), StartTLS when configured, the simple bind, and
 * a read of the root DSE. A failure names its step. The client gets the operation timeout, so no
 * call on it waits forever (ldapts closes the connection when one times out).
 */
export async function openSession(config: AdConnectorConfig, url: string): Promise<Session> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const secure = url.startsWith('ldaps:');
  const tlsOptions = tlsOptionsFor(config, host);
  const client = new Client({ url, timeout: config.operationTimeoutMs, connectTimeout: config.connectTimeoutMs, ...(secure ? { tlsOptions } : {}) });
  const fail = (step: ConnectStep, error: unknown): never => {
    void client.unbind().catch(() => undefined);
    throw new ConnectError(step, url, error, step === 'bind' ? config.bindDn : undefined);
  };
  if (!secure && config.startTls) {
    await client.startTLS({ ...tlsOptions }).catch((error: unknown) => fail(connectStepOf(error) === 'tls' ? 'tls' : connectStepOf(error), error));
  }
  let password: string;
  try {
    password = readBindPassword(config);
  } catch (error) {
    return fail('bind', error);
  }
  await client.bind(config.bindDn, password).catch((error: unknown) => fail(connectStepOf(error), error));
  let dc: DcInfo;
  try {
    const { searchEntries } = await client.search('', {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['dnsHostName', 'defaultNamingContext', 'configurationNamingContext', 'supportedControl', 'vendorName'],
    });
    const e = searchEntries[0] ?? { dn: '' };
    const controls = e.supportedControl;
    dc = {
      url,
      dnsHostName: first(e.dnsHostName) || host,
      defaultNamingContext: first(e.defaultNamingContext),
      configurationNamingContext: first(e.configurationNamingContext),
      supportedControls: Array.isArray(controls) ? controls.map(String) : controls ? [String(controls)] : [],
      vendorName: first(e.vendorName) || 'Microsoft',
    };
  } catch (error) {
    return fail('root_dse', error);
  }
  return { client, url, dc };
}

/**
 * A few bound connections per connector, shared by every call. A connection that broke (closed by
 * the DC, timed out, reset) is dropped and a new one opened, trying each configured DC in turn,
 * starting with the one that answered last. ldapts would reconnect a dropped client on its own,
 * unbound and, for StartTLS, without TLS: a client is never used again once it is not bound.
 */
export class LdapPool {
  private readonly idle: Session[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;
  private preferred = 0;
  private closed = false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly onConnect: ((session: Session) => Promise<void>) | undefined;
  /** The DC that answered last (for receipts and health). */
  lastDc: DcInfo | undefined;

  constructor(
    private readonly config: AdConnectorConfig,
    deps: PoolDeps = {},
  ) {
    this.sleep = deps.sleep ?? realSleep;
    this.random = deps.random ?? Math.random;
    this.onConnect = deps.onConnect;
  }

  private async acquire(): Promise<Session> {
    for (;;) {
      if (this.closed) throw new Error('the AD connector is closed');
      const session = this.idle.pop();
      if (session) {
        if (session.client.isBound) return session;
        this.discard(session, false);
        continue;
      }
      if (this.open < this.config.poolSize) {
        this.open++;
        try {
          return await this.connectAny();
        } catch (error) {
          this.open--;
          this.wakeOne();
          throw error;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Each configured DC in turn, from the one that answered last; the first error that is not the connection's own is final. */
  private async connectAny(): Promise<Session> {
    const urls = this.config.urls;
    let lastError: unknown;
    for (let i = 0; i < urls.length; i++) {
      const index = (this.preferred + i) % urls.length;
      try {
        const session = await openSession(this.config, urls[index] as string);
        this.preferred = index;
        this.lastDc = session.dc;
        await this.onConnect?.(session);
        return session;
      } catch (error) {
        lastError = error;
        // A refused bind or an untrusted certificate would be refused by every DC alike.
        if (error instanceof ConnectError && (error.step === 'bind' || error.step === 'tls')) throw error;
      }
    }
    throw lastError;
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }

  private release(session: Session): void {
    if (this.closed || !session.client.isBound) {
      this.discard(session, true);
      return;
    }
    this.idle.push(session);
    this.wakeOne();
  }

  private discard(session: Session, counted: boolean): void {
    void session.client.unbind().catch(() => undefined);
    if (counted || this.open > 0) this.open = Math.max(0, this.open - 1);
    this.wakeOne();
  }

  /**
   * Runs `fn` on a bound connection. A broken connection (or one that could not be opened) is
   * retried on a fresh one, up to `maxAttempts`, with a short backoff; LDAP answers (refusals,
   * "no such object") come back to the caller at once. Writes are idempotent, so a write retried
   * after a timeout that had in fact been applied answers "already in state".
   */
  async use<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.config.maxAttempts; attempt++) {
      if (attempt > 0) await this.sleep(backoffDelayMs(attempt - 1, { baseMs: 100, capMs: 2_000, random: this.random }));
      let session: Session;
      try {
        session = await this.acquire();
      } catch (error) {
        lastError = error;
        if (error instanceof ConnectError && (error.step === 'bind' || error.step === 'tls')) throw error;
        continue;
      }
      try {
        const result = await fn(session);
        this.lastDc = session.dc;
        this.release(session);
        return result;
      } catch (error) {
        lastError = error;
        if (isConnectionProblem(error) && ldapCode(error) === undefined) {
          this.discard(session, true);
          continue;
        }
        this.release(session);
        throw error;
      }
    }
    throw lastError;
  }

  close(): void {
    this.closed = true;
    for (const session of this.idle.splice(0)) void session.client.unbind().catch(() => undefined);
    this.open = 0;
    for (const wake of this.waiting.splice(0)) wake();
  }
}
