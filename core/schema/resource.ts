import { z } from 'zod';
import { ConnectorKind, Id, IsoTime, Sensitivity } from './common.js';
import { ChangedBy } from './policy.js';

export const ResourceKind = z.enum(['entra_group', 'entra_role', 'entra_pim_group', 'ad_group', 'manual_role', 'webhook_role']);
export type ResourceKind = z.infer<typeof ResourceKind>;

/** Where in the directory access is granted. Only the fields relevant to the kind are set. */
export const ResourceTarget = z.object({
  /** Entra group object id, AD group DN, or application role name. */
  externalId: z.string().min(1).max(1024),
  /** Entra directory role: the role definition id; scope defaults to the tenant ("/"). */
  directoryScopeId: z.string().max(512).optional(),
  /** PIM for groups: member or owner. */
  accessId: z.enum(['member', 'owner']).optional(),
});
export type ResourceTarget = z.infer<typeof ResourceTarget>;

export const Resource = z.object({
  id: Id,
  name: z.string().min(1).max(256),
  description: z.string().max(2048).default(''),
  kind: ResourceKind,
  connector: ConnectorKind,
  /** Which configured connector instance (a tenant, a domain) serves it. */
  connectorId: Id,
  target: ResourceTarget,
  ownerId: Id,
  sensitivity: Sensitivity,
  /** Access policies that bound requests for it; the most restrictive wins. */
  policyIds: z.array(Id).min(1, 'a resource needs at least one access policy').max(16),
  /**
   * Separation of duties: resources a person must not hold together with this one (e.g. "ERP
   * payment approver" and "ERP vendor master"). Either side naming the other counts. A request
   * while holding a conflicting resource is never approved automatically, and approvers are warned.
   */
  conflictsWith: z.array(Id).max(32).optional(),
  /**
   * Lockout guard: a removal by an access review or a standing conversion that would leave fewer
   * members than this is refused, and says so (the last Global Administrator, Domain Admins).
   */
  keepAtLeast: z.number().int().min(1).max(10000).optional(),
  archived: z.boolean().default(false),
  changedBy: ChangedBy,
  updatedAt: IsoTime,
});
export type Resource = z.infer<typeof Resource>;
