import { z } from 'zod';
import { AccessPolicy, AccessProfile, ApprovalStep } from './policy.js';
import { Resource, ResourceTarget } from './resource.js';

/**
 * The configuration as code (policy as code): every resource, access policy and access profile,
 * as people edit it in a file and import it (config.import). The entities' own schemas, without
 * the fields the server writes (changedBy, updatedAt: the import records who changed what, and
 * when, itself), and closed: an unknown or misspelt field is refused, never ignored.
 */
export const CONFIG_FORMAT = 1;

/** Most entities of each kind one file (and one import) may hold. */
export const CONFIG_MAX_ENTITIES = 2000;

export const ConfigPolicy = AccessPolicy.omit({ updatedAt: true, changedBy: true })
  .extend({ approvalSteps: z.array(ApprovalStep.strict()).max(8).default([]) })
  .strict();
export type ConfigPolicy = z.infer<typeof ConfigPolicy>;

export const ConfigProfile = AccessProfile.omit({ updatedAt: true, changedBy: true }).strict();
export type ConfigProfile = z.infer<typeof ConfigProfile>;

export const ConfigResource = Resource.omit({ updatedAt: true, changedBy: true }).extend({ target: ResourceTarget.strict() }).strict();
export type ConfigResource = z.infer<typeof ConfigResource>;

/** The entities of one configuration, each list by id. Every list is the whole of its kind. */
export const ConfigEntities = z.strictObject({
  policies: z.array(ConfigPolicy).max(CONFIG_MAX_ENTITIES),
  resources: z.array(ConfigResource).max(CONFIG_MAX_ENTITIES),
  profiles: z.array(ConfigProfile).max(CONFIG_MAX_ENTITIES),
});
export type ConfigEntities = z.infer<typeof ConfigEntities>;

/** A configuration file: its format version, then the entities (in this order: a resource names policies, a profile names resources). */
export const ConfigDocument = z.strictObject({
  format: z.literal(CONFIG_FORMAT, { error: `must be ${CONFIG_FORMAT} (the only format this server reads)` }),
  ...ConfigEntities.shape,
});
export type ConfigDocument = z.infer<typeof ConfigDocument>;

/** The kinds in the order a file lists them and an import applies them. */
export const CONFIG_KINDS = ['policy', 'resource', 'profile'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];
export const CONFIG_SECTION = { policy: 'policies', resource: 'resources', profile: 'profiles' } as const satisfies Record<ConfigKind, keyof ConfigEntities>;
