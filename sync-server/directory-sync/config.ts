import { z } from 'zod';
import { AccountRole, Id } from '../../core/index.js';

/** How a directory object is matched to a person already known, tried in this order. */
export const MatchRule = z.enum(['objectId', 'userPrincipalName', 'mail']);
export type MatchRule = z.infer<typeof MatchRule>;

export const DirectorySyncSource = z.strictObject({
  /** A configured Entra or AD connector: the sync reads people and groups through it. */
  connectorId: Id,
  /** objectId first: a person keeps their link when their name or address changes. */
  // Not mail by default: a guest's mail is the address they were invited at, which anyone can choose.
  matchOn: z.array(MatchRule).min(1).max(3).default(['objectId', 'userPrincipalName']),
  groups: z.boolean().default(true),
  /** Entra: service principals and their owners too, as service identities their owners may request access for. */
  servicePrincipals: z.boolean().default(false),
  /**
   * AD: service accounts too, as service identities: managed service accounts
   * (msDS-ManagedServiceAccount, msDS-GroupManagedServiceAccount; owner: the person `managedBy`
   * names) and the users whose employeeType is serviceAccountEmployeeType (owner: their `manager`).
   */
  serviceAccounts: z.boolean().default(false),
  serviceAccountEmployeeType: z.string().min(1).max(64).optional(),
  /** Objects per page asked of the directory (Graph's odata.maxpagesize, LDAP's paged-results size). */
  pageSize: z.number().int().min(1).max(999).default(999),
});
export type DirectorySyncSource = z.infer<typeof DirectorySyncSource>;

export const DirectorySyncConfig = z.strictObject({
  /** How often each source is synced; 0: only on demand (admin command or REST). */
  intervalMs: z.number().int().min(0).max(7 * 24 * 3600 * 1000).default(15 * 60 * 1000),
  sources: z.array(DirectorySyncSource).max(16).default([]),
  /** Roles of a person the sync creates (they still need a console account to sign in). */
  newPersonRoles: z.array(AccountRole).min(1).max(6).default(['requester']),
});
export type DirectorySyncConfig = z.infer<typeof DirectorySyncConfig>;
export type DirectorySyncConfigInput = z.input<typeof DirectorySyncConfig>;

export function parseDirectorySyncConfig(input: unknown): DirectorySyncConfig {
  const parsed = DirectorySyncConfig.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`directory sync config: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
}

/** JIT_DIRECTORY_SYNC_FILE: a JSON file holding the directory sync config; absent: no sync. */
export function readDirectorySyncFile(path: string | undefined, read: (path: string) => string): DirectorySyncConfig | undefined {
  if (!path) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(path));
  } catch (error) {
    throw new Error(`JIT_DIRECTORY_SYNC_FILE: cannot read ${path} as JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return parseDirectorySyncConfig(parsed);
}
