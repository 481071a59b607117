import { z } from 'zod';
import { Id, type ConnectorKind } from '../../core/index.js';
import { AD_SECRET_FIELDS, AdConnectorConfig, describeAdConfig } from './ad/config.js';

export { AdConnectorConfig, type AdConnectorConfigInput } from './ad/config.js';

const httpsUrl = (field: string) =>
  z
    .string()
    .url(`${field} must be a URL`)
    .refine((u) => u.startsWith('https://'), `${field} must be an https:// URL`)
    .transform((u) => u.replace(/\/+$/, ''));

/** Graph's documented write budget per app and tenant: 3,000 writes per 150 seconds. */
export const DEFAULT_WRITE_BUDGET = { writes: 3000, perSeconds: 150 } as const;

/** The smallest tenant tier's resource units: 3,500 per 10 seconds. */
export const DEFAULT_RESOURCE_UNIT_BUDGET = { units: 3500, perSeconds: 10 } as const;

export const WriteBudget = z.object({
  writes: z.number().int().min(1, 'writeBudget.writes must be at least 1'),
  perSeconds: z.number().min(0.001, 'writeBudget.perSeconds must be positive'),
});
export type WriteBudget = z.infer<typeof WriteBudget>;

export const EntraConnectorConfig = z
  .object({
    id: Id,
    kind: z.literal('entra'),
    displayName: z.string().max(256).optional(),
    tenantId: z.string().min(1, 'tenantId is required').max(128),
    clientId: z.string().min(1, 'clientId is required').max(128),
    /** One of clientSecret or certificatePath: the app's client credential. */
    clientSecret: z.string().min(1).max(1024).optional(),
    /** PEM file holding the certificate and its private key. */
    certificatePath: z.string().min(1).max(4096).optional(),
    authorityHost: httpsUrl('authorityHost').default('https://login.microsoftonline.com'),
    /** https://graph.microsoft.com, or a national cloud such as https://graph.microsoft.us. */
    graphBaseUrl: httpsUrl('graphBaseUrl').default('https://graph.microsoft.com'),
    graphVersion: z.enum(['v1.0', 'beta']).default('v1.0'),
    /** Token scope; defaults to `${graphBaseUrl}/.default`. */
    scope: z.string().max(1024).optional(),
    /** Needed for authorities that are not Microsoft's public ones (sovereign, private, test). */
    disableInstanceDiscovery: z.boolean().default(false),
    /**
     * Extra trusted CA certificates (PEM) for the identity and Graph endpoints, on top of the
     * system roots: for a TLS-inspecting proxy, or a private endpoint with its own CA.
     */
    tlsCaPem: z.string().max(1_000_000).optional(),
    writeBudget: WriteBudget.optional(),
    /**
     * Graph's resource-unit budget per app and tenant (3,500 / 5,000 / 8,000 per 10 s by tenant
     * size). Reads are paced so that they and the writes together stay under it.
     */
    resourceUnitBudget: z
      .object({ units: z.number().int().min(1, 'resourceUnitBudget.units must be at least 1'), perSeconds: z.number().min(0.001, 'resourceUnitBudget.perSeconds must be positive') })
      .optional(),
    /** Reads between verification reads; replication lag is usually seconds. */
    verifyReadIntervalMs: z.number().int().min(0).max(600_000).default(2000),
    /** In-call retries of throttled or failing requests before the scheduler takes over. */
    maxAttempts: z.number().int().min(1).max(20).default(5),
    /** Longest single wait the connector makes itself; longer Retry-After goes back to the scheduler. */
    maxRetryWaitMs: z.number().int().min(0).max(600_000).default(30_000),
    /** Parallel $batch requests in flight per connector. */
    batchConcurrency: z.number().int().min(1).max(32).default(4),
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /**
     * More app registrations of the same tenant, to write past one app's budget (3,000 per 150 s)
     * toward the tenant's (18,000 per 5 min). Writes go to the least busy one; each has its own
     * budget and pacing; reads use the first (clientId above). A secret field as a whole.
     */
    additionalApps: z
      .array(
        z
          .object({
            clientId: z.string().min(1, 'additionalApps[].clientId is required').max(128),
            clientSecret: z.string().min(1).max(1024).optional(),
            certificatePath: z.string().min(1).max(4096).optional(),
            writeBudget: WriteBudget.optional(),
          })
          .strict()
          .refine((a) => Boolean(a.clientSecret) !== Boolean(a.certificatePath), 'each additional app needs either clientSecret or certificatePath'),
      )
      .max(10)
      .optional(),
    /** Re-reading ended grants of this connector (overrides the scheduler's settings). */
    reverification: z
      .object({
        /** Drift re-checks after a verified revocation, in ms (e.g. [3600000, 86400000]). */
        driftCheckAfterMs: z.array(z.number().int().min(0).max(400 * 86_400_000)).max(20).optional(),
        /** Grants ended within this long are re-read by the rolling sweep; 0: no sweep. */
        windowMs: z.number().int().min(0).max(400 * 86_400_000).optional(),
        /** How often the sweep re-reads each of them. */
        everyMs: z.number().int().min(60_000).max(400 * 86_400_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.clientSecret && !c.certificatePath) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'either clientSecret or certificatePath is required' });
    }
    if (c.clientSecret && c.certificatePath) {
      ctx.addIssue({ code: 'custom', path: ['certificatePath'], message: 'give clientSecret or certificatePath, not both' });
    }
  });
export type EntraConnectorConfig = z.infer<typeof EntraConnectorConfig>;
export type EntraConnectorConfigInput = z.input<typeof EntraConnectorConfig>;

export const ManualConnectorConfig = z
  .object({
    id: Id,
    kind: z.literal('manual'),
    displayName: z.string().max(256).optional(),
  })
  .strict();
export type ManualConnectorConfig = z.infer<typeof ManualConnectorConfig>;

export const ConnectorConfig = z.discriminatedUnion('kind', [EntraConnectorConfig, AdConnectorConfig, ManualConnectorConfig]);
export type ConnectorConfig = z.infer<typeof ConnectorConfig>;
export type ConnectorConfigInput = z.input<typeof ConnectorConfig>;

/**
 * The fields of each kind that are secrets (or say where one lives): kept encrypted at rest
 * (sync-server/secrets), redacted by describeConfig, never echoed in an error.
 */
export const SECRET_FIELDS: { readonly [K in ConnectorConfig['kind']]: readonly (keyof Extract<ConnectorConfig, { kind: K }> & string)[] } = {
  entra: ['clientSecret', 'certificatePath', 'additionalApps'],
  ad: AD_SECRET_FIELDS,
  manual: [],
};

/** A config as the console may show it: secrets replaced by whether they are set. */
export type ConnectorDescription = {
  id: string;
  kind: ConnectorKind;
  displayName: string;
  settings: Record<string, string | number | boolean | null>;
};

const REDACTED = '[redacted]';

export function describeConfig(config: ConnectorConfig): ConnectorDescription {
  if (config.kind === 'manual') {
    return { id: config.id, kind: 'manual', displayName: config.displayName ?? config.id, settings: {} };
  }
  if (config.kind === 'ad') return { id: config.id, kind: 'ad', displayName: config.displayName ?? config.id, settings: describeAdConfig(config) };
  const budget = config.writeBudget ?? DEFAULT_WRITE_BUDGET;
  return {
    id: config.id,
    kind: 'entra',
    displayName: config.displayName ?? config.id,
    settings: {
      tenantId: config.tenantId,
      clientId: config.clientId,
      credential: config.clientSecret ? 'client secret' : 'certificate',
      clientSecret: config.clientSecret ? REDACTED : null,
      // The path says where the key lives, which is itself sensitive on a shared console.
      certificatePath: config.certificatePath ? REDACTED : null,
      authorityHost: config.authorityHost,
      graphBaseUrl: config.graphBaseUrl,
      graphVersion: config.graphVersion,
      disableInstanceDiscovery: config.disableInstanceDiscovery,
      extraTrustedCa: Boolean(config.tlsCaPem),
      additionalApps: config.additionalApps?.length ?? 0,
      writeBudget: `${budget.writes} writes / ${budget.perSeconds} s`,
      resourceUnitBudget: `${(config.resourceUnitBudget ?? DEFAULT_RESOURCE_UNIT_BUDGET).units} units / ${(config.resourceUnitBudget ?? DEFAULT_RESOURCE_UNIT_BUDGET).perSeconds} s`,
    },
  };
}

/** Parses one config, throwing an error that names the offending field. */
export function parseConnectorConfig(input: unknown): ConnectorConfig {
  const parsed = ConnectorConfig.safeParse(input);
  if (parsed.success) return parsed.data;
  const id = typeof input === 'object' && input !== null && 'id' in input ? String((input as { id: unknown }).id) : '(no id)';
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
  // Never echo the input: it may hold a secret.
  throw new Error(`connector config ${id} is invalid: ${problems}`);
}
