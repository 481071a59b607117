import type { ConnectorOutcome } from '../../../core/index.js';
import { parseDn, printable } from './dn.js';

/** LDAP result codes the connector branches on (RFC 4511 §4.1.9). */
export const LDAP = {
  timeLimitExceeded: 3,
  strongAuthRequired: 8,
  confidentialityRequired: 13,
  noSuchAttribute: 16,
  constraintViolation: 19,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  entryAlreadyExists: 68,
  other: 80,
} as const;

/** The `data` code of an AD bind refusal (code 49), in words an admin can act on. */
const BIND_DATA: Record<string, string> = {
  '52e': 'the password is wrong (or the account does not exist)',
  '525': 'the account does not exist',
  '530': 'the account may not sign in at this time',
  '531': 'the account may not sign in from this computer',
  '532': 'the password has expired',
  '533': 'the account is disabled',
  '701': 'the account has expired',
  '773': 'the password must be changed before the account can sign in',
};

/** The account's own name (the first RDN's value) for a sentence, or the DN itself if it does not parse. */
function accountName(dn: string): string {
  try {
    return printable(parseDn(dn)[0]?.[0]?.value ?? dn);
  } catch {
    return printable(dn);
  }
}

/** 775: the account exists and the password may be right, but the DC refuses every sign-in until the lockout ends. */
function lockedOut(account: string | undefined): string {
  const who = account ? `the account ${accountName(account)} (${printable(account)})` : 'the account';
  const name = account ? accountName(account) : 'it';
  return (
    `${who} is locked out after too many failed sign-ins: it unlocks by itself once the domain's lockout duration has passed, ` +
    `or a domain admin can unlock it now (Active Directory Users and Computers, Account tab; or Unlock-ADAccount ${name}). ` +
    `Then find what else still signs in as ${name} with an old password, or it will lock again`
  );
}

export type Failure = Extract<ConnectorOutcome, { status: 'failed' }>;

const text = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The LDAP result code of an error from ldapts, if it is one. */
export function ldapCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The Node or OpenSSL code of a socket or TLS error (ECONNREFUSED, CERT_HAS_EXPIRED...). */
export function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const UNTRUSTED_CERT = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

export type TlsProblem = 'untrusted' | 'name_mismatch' | 'expired' | 'other';

export function tlsProblem(error: unknown): TlsProblem | undefined {
  const code = systemCode(error) ?? '';
  if (UNTRUSTED_CERT.has(code)) return 'untrusted';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'name_mismatch';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'expired';
  // A socket error (ECONNRESET during the handshake: the DC went away) is a connection problem, not TLS.
  if (/^E[A-Z]+$/.test(code)) return undefined;
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|handshake|ssl|tls/i.test(text(error))) return 'other';
  return undefined;
}

/** What a TLS failure means, in words. */
export function describeTls(error: unknown, host: string): string {
  switch (tlsProblem(error)) {
    case 'untrusted':
      return `the certificate of ${host} is not signed by a trusted CA (${systemCode(error)}): put the CA that issued it in caPem`;
    case 'name_mismatch':
      return `the certificate of ${host} is for another name (${text(error).replace(/^.*?altnames:\s*/i, 'it names: ')}): use a URL with a name it carries, or set tlsServerName`;
    case 'expired':
      return `the certificate of ${host} is expired or not yet valid (${systemCode(error)})`;
    default:
      return `the TLS handshake with ${host} failed: ${text(error)}`;
  }
}

/** Whether the connection itself failed (refused, reset, timed out, closed): retry on a fresh one. */
export function isConnectionProblem(error: unknown): boolean {
  if (ldapCode(error) !== undefined) {
    const code = ldapCode(error);
    return code === LDAP.busy || code === LDAP.unavailable || code === LDAP.other;
  }
  const code = systemCode(error);
  if (code && /^E[A-Z]+$/.test(code)) return true;
  return /timed? ?out|Connection closed|Socket error|socket hang up|not connected|connection lost/i.test(text(error));
}

/** A refused simple bind (49) in words, from AD's `data` code; `account` (the bind DN) is named where it helps. */
export function bindRefusal(error: unknown, account?: string): string {
  const data = /data ([0-9a-f]{3})/i.exec(text(error))?.[1]?.toLowerCase();
  if (data === '775') return lockedOut(account);
  return data && BIND_DATA[data] ? BIND_DATA[data] : `the DC refused the credentials (${text(error).slice(0, 200)})`;
}

/** An error from an LDAP call as the scheduler's typed failure; `account` is the bind DN, named when a bind is refused. */
export function failureOf(error: unknown, what: string, account?: string): Failure {
  // A connection that could not be opened (pool.ts ConnectError): the cause decides, the message keeps the step.
  const opening = error as { step?: unknown; cause?: unknown; url?: unknown; account?: unknown } | null;
  if (opening && typeof opening.step === 'string' && opening.cause !== undefined) {
    const bindAs = opening.step === 'bind' && typeof opening.account === 'string' ? opening.account : undefined;
    const inner = failureOf(opening.cause, `${what}: ${String(opening.url)} (${opening.step}${bindAs ? ` as ${bindAs}` : ''})`, bindAs);
    return opening.step === 'bind' && ldapCode(opening.cause) === undefined ? { ...inner, retryable: false, code: 'bind_failed' } : inner;
  }
  const message = `${what}: ${text(error)}`.slice(0, 2000);
  const code = ldapCode(error);
  switch (code) {
    case LDAP.noSuchObject:
      return { status: 'failed', retryable: false, code: 'not_found', message };
    case LDAP.invalidDnSyntax:
      return { status: 'failed', retryable: false, code: 'invalid_dn', message };
    case LDAP.insufficientAccessRights:
      return { status: 'failed', retryable: false, code: 'forbidden', message: `${message} (the service account may not change this group)` };
    case LDAP.invalidCredentials:
      return { status: 'failed', retryable: false, code: 'bind_failed', message: `${what}: ${bindRefusal(error, account)}` };
    case LDAP.strongAuthRequired:
    case LDAP.confidentialityRequired:
      return { status: 'failed', retryable: false, code: 'tls_required', message: `${message} (the DC accepts simple binds only over TLS: use ldaps:// or startTls)` };
    case LDAP.constraintViolation:
      return { status: 'failed', retryable: false, code: 'constraint_violation', message };
    case LDAP.busy:
      return { status: 'failed', retryable: true, throttled: true, code: 'dc_busy', message };
    case LDAP.unavailable:
    case LDAP.timeLimitExceeded:
    case LDAP.other:
      return { status: 'failed', retryable: true, code: 'dc_unavailable', message };
    case undefined:
      break;
    default:
      return { status: 'failed', retryable: false, code: `ldap_${code}`, message };
  }
  const tls = tlsProblem(error);
  if (tls) return { status: 'failed', retryable: false, code: tls === 'name_mismatch' ? 'tls_name_mismatch' : tls === 'untrusted' ? 'tls_untrusted' : 'tls_failed', message };
  if (isConnectionProblem(error)) return { status: 'failed', retryable: true, code: 'dc_unreachable', message };
  return { status: 'failed', retryable: true, code: 'ldap_error', message };
}
