import { z } from 'zod';
import { Id } from '../../../core/index.js';
import { DnSyntaxError, parseDn } from './dn.js';

/**
 * Modify operations per second (one modify may carry several members of one group). DCs take far
 * more; the budget keeps a burst of due revocations from crowding out everyone else's LDAP traffic.
 */
export const DEFAULT_AD_WRITE_BUDGET = { writes: 500, perSeconds: 1 } as const;

const ldapUrl = z
  .string()
  .min(1, 'each URL must be set')
  .max(512)
  .superRefine((u, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${u.slice(0, 80)}" is not a URL (ldaps://dc1.example.com or ldap://dc1.example.com)` });
      return;
    }
    if (parsed.protocol !== 'ldaps:' && parsed.protocol !== 'ldap:') ctx.addIssue({ code: 'custom', message: `"${u.slice(0, 80)}" must start with ldaps:// or ldap://` });
    else if (!parsed.hostname) ctx.addIssue({ code: 'custom', message: `"${u.slice(0, 80)}" names no host` });
    else if (parsed.pathname.replace(/^\/+/, '') !== '' || parsed.search || parsed.username) ctx.addIssue({ code: 'custom', message: `"${u.slice(0, 80)}" must be only scheme, host and port (the base DN is its own field)` });
  })
  .transform((u) => u.replace(/\/+$/, ''));

const distinguishedName = (field: string) =>
  z
    .string()
    .min(1, `${field} is required`)
    .max(2048)
    .superRefine((dn, ctx) => {
      try {
        if (parseDn(dn).length === 0) ctx.addIssue({ code: 'custom', message: `${field} is empty` });
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `${field} is not a DN: ${error instanceof DnSyntaxError ? error.message : String(error)}` });
      }
    });

export const AdConnectorConfig = z
  .object({
    id: Id,
    kind: z.literal('ad'),
    displayName: z.string().max(256).optional(),
    /** One or more domain controllers, tried in order: ldaps://dc1.corp.example (636) or ldap://... with startTls. */
    urls: z.array(ldapUrl).min(1, 'urls needs at least one domain controller').max(8),
    /** Upgrade ldap:// connections with StartTLS before binding. */
    startTls: z.boolean().default(false),
    /**
     * ldap:// without StartTLS sends the bind password and every change in clear text. Refused
     * unless this says so explicitly; the connector then warns in the log and on the connectors screen.
     */
    allowPlainLdap: z.boolean().default(false),
    /** Where users and groups are searched (sAMAccountName, objectGUID) and listed. */
    baseDn: distinguishedName('baseDn'),
    /** The service account: a DN, or a user principal name (svc-jit@corp.example). */
    bindDn: z.string().min(1, 'bindDn is required').max(2048),
    /** One of bindPassword or bindPasswordFile. */
    bindPassword: z.string().min(1).max(1024).optional(),
    /** A file holding the password (read at each connection; a trailing newline is ignored). */
    bindPasswordFile: z.string().min(1).max(4096).optional(),
    /** CA certificate(s) that signed the DCs' certificates (PEM); without it only the system roots are trusted. */
    caPem: z
      .string()
      .max(1_000_000)
      .refine((pem) => pem.includes('-----BEGIN CERTIFICATE-----'), 'caPem must hold a PEM certificate (-----BEGIN CERTIFICATE-----)')
      .optional(),
    /** The name the DCs' certificates carry, when the URLs use another (an address). */
    tlsServerName: z.string().min(1).max(253).optional(),
    /**
     * Time-bound memberships (`<TTL=seconds,DN>`), where the forest has the Privileged Access
     * Management feature: access then ends on the DC's clock even if this server is down.
     * `auto` uses them when the feature is enabled; `off` never. Removal at expiry happens either way.
     */
    ttl: z.enum(['auto', 'off']).default('auto'),
    /** Connections kept per connector. */
    poolSize: z.number().int().min(1).max(16).default(4),
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(5_000),
    /** Every LDAP operation (bind, search, modify) ends with an error after this long. */
    operationTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
    writeBudget: z
      .object({ writes: z.number().int().min(1, 'writeBudget.writes must be at least 1'), perSeconds: z.number().min(0.001, 'writeBudget.perSeconds must be positive') })
      .optional(),
    /** Members changed in one modify when several writes are due for one group. */
    maxValuesPerModify: z.number().int().min(1).max(1000).default(50),
    /** Values asked for per ranged read of `member` (AD's MaxValRange is 1,500). */
    rangeSize: z.number().int().min(1).max(10_000).default(1500),
    /** Entries per page of a paged search (AD's MaxPageSize is 1,000). */
    pageSize: z.number().int().min(1).max(5000).default(1000),
    /** Wait between verification reads (replication between DCs takes seconds within a site). */
    verifyReadIntervalMs: z.number().int().min(0).max(600_000).default(1000),
    /** In-call retries of a failed connection before the scheduler takes over. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** How long Kerberos tickets live in this domain (the caveat on receipts); AD's default is 10 h. */
    ticketLifetimeHours: z.number().min(0.1).max(24 * 30).default(10),
    reverification: z
      .object({
        driftCheckAfterMs: z.array(z.number().int().min(0).max(400 * 86_400_000)).max(20).optional(),
        windowMs: z.number().int().min(0).max(400 * 86_400_000).optional(),
        everyMs: z.number().int().min(60_000).max(400 * 86_400_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.bindPassword && !c.bindPasswordFile) ctx.addIssue({ code: 'custom', path: ['bindPassword'], message: 'either bindPassword or bindPasswordFile is required' });
    if (c.bindPassword && c.bindPasswordFile) ctx.addIssue({ code: 'custom', path: ['bindPasswordFile'], message: 'give bindPassword or bindPasswordFile, not both' });
    c.urls.forEach((u, i) => {
      if (u.startsWith('ldaps:') && c.startTls) ctx.addIssue({ code: 'custom', path: ['urls', i], message: 'ldaps:// is already TLS: use ldap:// with startTls, or turn startTls off' });
      if (u.startsWith('ldap:') && !c.startTls && !c.allowPlainLdap) {
        ctx.addIssue({ code: 'custom', path: ['urls', i], message: 'ldap:// without TLS sends the password in clear text: use ldaps://, set startTls, or set allowPlainLdap to accept the risk' });
      }
    });
    if (!c.bindDn.includes('@') && !c.bindDn.includes('\\')) {
      try {
        parseDn(c.bindDn);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['bindDn'], message: `bindDn is neither a DN nor a user principal name: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  });
export type AdConnectorConfig = z.infer<typeof AdConnectorConfig>;
export type AdConnectorConfigInput = z.input<typeof AdConnectorConfig>;

export const AD_SECRET_FIELDS = ['bindPassword', 'bindPasswordFile'] as const;

/** Whether the connection carries the password in clear text. */
export const isPlainLdap = (c: Pick<AdConnectorConfig, 'urls' | 'startTls'>): boolean => !c.startTls && c.urls.some((u) => u.startsWith('ldap:'));

export function describeAdConfig(c: AdConnectorConfig): Record<string, string | number | boolean | null> {
  const budget = c.writeBudget ?? DEFAULT_AD_WRITE_BUDGET;
  return {
    urls: c.urls.join(' '),
    transport: isPlainLdap(c) ? 'plain LDAP (no TLS: the password and changes travel in clear text)' : c.startTls ? 'StartTLS' : 'LDAPS',
    plainLdap: isPlainLdap(c),
    baseDn: c.baseDn,
    bindDn: c.bindDn,
    bindPassword: c.bindPassword ? '[redacted]' : null,
    bindPasswordFile: c.bindPasswordFile ? '[redacted]' : null,
    extraTrustedCa: Boolean(c.caPem),
    tlsServerName: c.tlsServerName ?? null,
    ttl: c.ttl,
    poolSize: c.poolSize,
    writeBudget: `${budget.writes} writes / ${budget.perSeconds} s`,
  };
}
