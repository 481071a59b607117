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
  jobTitle: z.string().max(128).optional(),
  employeeType: z.string().max(64).optional(),
  /**
   * The person's object in each directory, by connector id (`entra-demo`: an Entra object id,
   * `ad-demo`: an AD distinguished name). The keys `entra` and `ad` name the object in any
   * connector of that kind that has no key of its own (core/engine/principal.ts).
   */
  externalIds: z
    .record(Id, z.string().min(1).max(1024))
    .refine((ids) => Object.keys(ids).length <= 32, 'at most 32 directory ids')
    .default({}),
  /** Connector ids whose link an admin set (or removed) by hand: the directory sync leaves them as they are. */
  manualLinks: z.array(Id).max(32).optional(),
  disabled: z.boolean().default(false),
  /** A service identity (an Entra service principal, an AD service account): it never signs in; one of its owners asks for it. Absent: a person. */
  kind: z.enum(['person', 'service']).optional(),
  /** The people who own a service identity, as its directory lists them: only they may request access for it (core/engine/principal.ts). */
  ownerIds: z.array(Id).max(64).optional(),
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
