import { z } from 'zod';
import { AccountRole, Id, IsoTime } from './common.js';

/** A person known to the console: requester, approver, reviewer... Credentials never leave the server. */
export const DirectoryUser = z.object({
  id: Id,
  username: z.string().min(1).max(256),
  displayName: z.string().min(1).max(256),
  email: z.string().max(320).default(''),
  department: z.string().max(128).default(''),
  managerId: Id.nullable().default(null),
  roles: z.array(AccountRole).max(6).default(['requester']),
  /** Object ids in each directory: Entra object id, AD distinguished name. */
  externalIds: z
    .object({ entra: z.string().max(512).optional(), ad: z.string().max(1024).optional() })
    .default({}),
  disabled: z.boolean().default(false),
  updatedAt: IsoTime,
});
export type DirectoryUser = z.infer<typeof DirectoryUser>;

export const DirectoryGroup = z.object({
  id: Id,
  displayName: z.string().min(1).max(256),
  description: z.string().max(1024).default(''),
  connector: z.enum(['entra', 'ad']),
  externalId: z.string().min(1).max(1024),
  memberUserIds: z.array(Id).max(100000).default([]),
  updatedAt: IsoTime,
});
export type DirectoryGroup = z.infer<typeof DirectoryGroup>;
