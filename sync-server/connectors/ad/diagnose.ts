/**
 * "Test connection" for an AD connector: each step in order, stopping at the first that fails,
 * each said in words an admin can act on: DNS, TCP, TLS (untrusted certificate, name mismatch),
 * bind (bad credentials, locked, expired), base DN, rights on each group the resources use, TTL.
 */
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect, isIP } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { EqualityFilter } from 'ldapts';
import type { AssignmentRef, ConnectorDiagnosis, DiagnosisStep } from '../../../core/index.js';
import { isPlainLdap, type AdConnectorConfig } from './config.js';
import { detectPam, parseObjectRef, resolveObject } from './directory.js';
import { bindRefusal, describeTls, LDAP, ldapCode, systemCode } from './errors.js';
import { ConnectError, openSession, tlsOptionsFor, type Session } from './pool.js';

const text = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function tcp(host: string, port: number, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function tlsHandshake(config: AdConnectorConfig, host: string, port: number): Promise<PeerCertificate> {
  return await new Promise<PeerCertificate>((resolve, reject) => {
    const socket = tlsConnect({ port, ...tlsOptionsFor(config, host), host });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`no TLS handshake within ${config.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, config.connectTimeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const subjectOf = (cert: PeerCertificate) => (Array.isArray(cert.subject?.CN) ? cert.subject.CN.join(',') : (cert.subject?.CN ?? '(no CN)'));
const issuerOf = (cert: PeerCertificate) => (Array.isArray(cert.issuer?.CN) ? cert.issuer.CN.join(',') : (cert.issuer?.CN ?? '(no CN)'));

/** The DC-side steps for one URL: DNS, TCP, TLS, bind. Resolves with an open session when all passed. */
async function reach(config: AdConnectorConfig, url: string, steps: DiagnosisStep[]): Promise<Session | undefined> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const secure = parsed.protocol === 'ldaps:';
  const port = Number(parsed.port || (secure ? 636 : 389));
  let address = host;
  if (isIP(host)) steps.push({ step: 'dns', ok: true, detail: `${host} is an address: no DNS lookup needed` });
  else {
    try {
      const found = await lookup(host, { all: true });
      address = found[0]?.address ?? host;
      steps.push({ step: 'dns', ok: true, detail: `${host} resolves to ${found.map((a) => a.address).join(', ')}` });
    } catch (error) {
      steps.push({ step: 'dns', ok: false, detail: `DNS: ${host} cannot be resolved (${systemCode(error) ?? text(error)}): check the name in the URL and this server's DNS` });
      return undefined;
    }
  }
  try {
    await tcp(address, port, config.connectTimeoutMs);
    steps.push({ step: 'tcp', ok: true, detail: `TCP: ${host}:${port} accepts connections` });
  } catch (error) {
    const code = systemCode(error);
    const why = code === 'ECONNREFUSED' ? 'the connection was refused: nothing listens there (is the DC running, is it the right port?)' : code === 'ETIMEDOUT' ? `${text(error)}: a firewall may drop the traffic` : `${code ?? ''} ${text(error)}`.trim();
    steps.push({ step: 'tcp', ok: false, detail: `TCP: ${host}:${port}: ${why}` });
    return undefined;
  }
  if (secure) {
    try {
      const cert = await tlsHandshake(config, host, port);
      steps.push({ step: 'tls', ok: true, detail: `TLS: certificate for ${subjectOf(cert)} issued by ${issuerOf(cert)}, valid until ${cert.valid_to}, trusted and matching ${config.tlsServerName ?? host}` });
    } catch (error) {
      steps.push({ step: 'tls', ok: false, detail: `TLS: ${describeTls(error, host)}` });
      return undefined;
    }
  }
  const upgraded = () => {
    if (!secure && config.startTls) steps.push({ step: 'tls', ok: true, detail: `TLS: StartTLS upgraded the connection; the certificate is trusted and matches ${config.tlsServerName ?? host}` });
    if (isPlainLdap(config)) steps.push({ step: 'tls', ok: true, detail: 'TLS: none (allowPlainLdap): the password and every change travel in clear text' });
  };
  try {
    const session = await openSession(config, url);
    upgraded();
    steps.push({ step: 'bind', ok: true, detail: `bind: signed in as ${config.bindDn} on ${session.dc.dnsHostName}` });
    return session;
  } catch (error) {
    const step = error instanceof ConnectError ? error.step : 'bind';
    const cause = error instanceof ConnectError ? error.cause : error;
    if (step === 'tls') {
      steps.push({ step: 'tls', ok: false, detail: `TLS (StartTLS): ${describeTls(cause, host)}` });
      return undefined;
    }
    upgraded();
    let detail: string;
    if (ldapCode(cause) === LDAP.strongAuthRequired || ldapCode(cause) === LDAP.confidentialityRequired) detail = 'the DC accepts simple binds only over TLS: use ldaps:// or startTls';
    else if (ldapCode(cause) === LDAP.invalidCredentials) detail = bindRefusal(cause, config.bindDn);
    else detail = `${step === 'root_dse' ? 'reading the root DSE after the bind' : step} failed: ${text(cause)}`;
    steps.push({ step: 'bind', ok: false, detail: `bind as ${config.bindDn}: ${detail}` });
    return undefined;
  }
}

async function checkBaseDn(session: Session, config: AdConnectorConfig, steps: DiagnosisStep[]): Promise<boolean> {
  try {
    await session.client.search(config.baseDn, { scope: 'base', filter: new EqualityFilter({ attribute: 'objectClass', value: 'top' }), attributes: ['1.1'] });
    steps.push({ step: 'base_dn', ok: true, detail: `base DN ${config.baseDn} exists` });
    return true;
  } catch (error) {
    const domain = session.dc.defaultNamingContext;
    const detail = ldapCode(error) === LDAP.noSuchObject ? `base DN ${config.baseDn} was not found on ${session.dc.dnsHostName}${domain ? ` (its domain is ${domain})` : ''}` : `base DN ${config.baseDn} could not be read: ${text(error)}`;
    steps.push({ step: 'base_dn', ok: false, detail });
    return false;
  }
}

/** The service account must be able to write `member` of every group the resources use (allowedAttributesEffective). */
async function checkRights(session: Session, config: AdConnectorConfig, resources: AssignmentRef['resource'][], steps: DiagnosisStep[]): Promise<boolean> {
  const groups = resources.filter((r) => r.kind === 'ad_group');
  if (groups.length === 0) {
    steps.push({ step: 'rights', ok: true, detail: 'rights: no AD group resource uses this connector yet, so none was checked' });
    return true;
  }
  const problems: string[] = [];
  for (const resource of groups.slice(0, 50)) {
    const name = `${resource.name} (${resource.target.externalId})`;
    try {
      const group = await resolveObject(session, config.baseDn, parseObjectRef(resource.target.externalId));
      if (!group) {
        problems.push(`${name} was not found under ${config.baseDn}`);
        continue;
      }
      const { searchEntries } = await session.client.search(`<GUID=${group.guid}>`, { scope: 'base', attributes: ['allowedAttributesEffective'] });
      const allowed = searchEntries[0]?.allowedAttributesEffective;
      const list = (Array.isArray(allowed) ? allowed : allowed ? [allowed] : []).map((a) => String(a).toLowerCase());
      if (!list.includes('member')) problems.push(`${config.bindDn} cannot modify the members of ${name}: grant it "Write Members" on the group or its OU`);
    } catch (error) {
      problems.push(`${name} could not be checked: ${text(error)}`);
    }
  }
  if (problems.length > 0) {
    steps.push({ step: 'rights', ok: false, detail: `rights: ${problems.join('; ')}` });
    return false;
  }
  steps.push({ step: 'rights', ok: true, detail: `rights: ${config.bindDn} may change the members of ${groups.length === 1 ? 'the group' : `all ${Math.min(groups.length, 50)} groups`} the resources use` });
  return true;
}

export async function diagnoseAd(config: AdConnectorConfig, resources: AssignmentRef['resource'][]): Promise<ConnectorDiagnosis> {
  const steps: DiagnosisStep[] = [];
  const done = (): ConnectorDiagnosis => {
    const failed = steps.find((s) => !s.ok);
    return failed ? { ok: false, failedStep: failed.step, summary: failed.detail, steps } : { ok: true, summary: `every check passed on ${config.urls.length === 1 ? 'the DC' : `all ${config.urls.length} DCs`}`, steps };
  };
  for (const url of config.urls) {
    const session = await reach(config, url, steps);
    if (!session) return done();
    try {
      if (!(await checkBaseDn(session, config, steps))) return done();
      if (!(await checkRights(session, config, resources, steps))) return done();
      try {
        const pam = await detectPam(session);
        steps.push({ step: 'ttl', ok: true, detail: `time-bound memberships: ${config.ttl === 'off' ? 'off in the config' : pam.enabled ? 'used' : 'not available'} (${pam.detail})` });
      } catch (error) {
        steps.push({ step: 'ttl', ok: true, detail: `time-bound memberships: could not read the optional features (${text(error)}): scheduled removal only` });
      }
    } finally {
      await session.client.unbind().catch(() => undefined);
    }
  }
  return done();
}
